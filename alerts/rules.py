"""The alert rules file: parsing and validation, with errors that name the file and line.

A rule states a KPI, a grain, a dimension (and which of its values) and a threshold:

    - name: otif_weekly_by_carrier
      kpi: otif_rate
      grain: week
      dimension: carrier
      value: any          # every carrier; or one of them, e.g. UPS
      below: 0.95
      min_orders: 30      # slices with fewer orders are not judged

PyYAML's node tree keeps the line of every key and value, so a mistake is reported where it is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import yaml

from dashboards.kpis import EXCEPTIONS_PER_1000, TREND_RATES, Kpi

GRAINS = ("day", "week", "month")
DIMENSIONS = ("all", "channel", "warehouse", "carrier")
ANY_VALUE = "any"
COMPARISONS = ("below", "above")
RULE_KEYS = ("name", "kpi", "grain", "dimension", "value", "below", "above", "min_orders")

# The KPIs a rule may watch: every rate of kpi_daily/kpi_weekly/kpi_monthly, and exceptions per 1,000
# orders (orders_daily, overall only).
ALERT_KPIS: dict[str, Kpi] = {kpi.column: kpi for kpi in (*TREND_RATES, EXCEPTIONS_PER_1000)}


def allowed_dimensions(kpi: str, grain: str) -> tuple[str, ...]:
    """kpi_weekly and kpi_monthly are by channel, warehouse and carrier; the daily marts are not."""
    if kpi == EXCEPTIONS_PER_1000.column or grain == "day":
        return ("all",)
    return DIMENSIONS


class AlertConfigError(ValueError):
    """The rules file cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Rule:
    name: str
    kpi: str
    grain: str
    dimension: str
    value: str  # a dimension value, or ANY_VALUE
    comparison: str  # below | above
    threshold: float
    min_orders: int
    line: int

    def breached_by(self, value: float) -> bool:
        return value < self.threshold if self.comparison == "below" else value > self.threshold


def load_rules(path: Path) -> list[Rule]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AlertConfigError(f"{path}: the alert rules file does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise AlertConfigError(f"{path}: cannot read the alert rules file: {error}") from None
    return parse_rules(text, str(path))


def parse_rules(text: str, source: str) -> list[Rule]:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else "?"
        opened = error.context_mark
        # An unclosed bracket or quote is noticed lines later: say where it started too.
        started = f" ({error.context} on line {opened.line + 1})" if opened and opened is not mark else ""
        raise AlertConfigError(f"{source}, line {line}: not valid YAML: {error.problem}{started}") from None
    except yaml.YAMLError as error:
        raise AlertConfigError(f"{source}: not valid YAML: {error}") from None
    if root is None:
        return []

    def fail(node: yaml.Node, message: str) -> AlertConfigError:
        return AlertConfigError(f"{source}, line {node.start_mark.line + 1}: {message}")

    if not isinstance(root, yaml.MappingNode):
        raise fail(root, "the file must be a mapping with a `rules:` list")
    top = _mapping(root, fail)
    for key, (key_node, _) in top.items():
        if key != "rules":
            raise fail(key_node, f"unknown key {key!r}; the file has one key, `rules:`")
    if "rules" not in top:
        raise fail(root, "no `rules:` list")
    rules_node = top["rules"][1]
    if _scalar(rules_node) is None:
        return []
    if not isinstance(rules_node, yaml.SequenceNode):
        raise fail(rules_node, "`rules:` must be a list of rules (items starting with '-')")
    rules = [_rule(node, fail) for node in rules_node.value]
    seen: dict[str, int] = {}
    for rule in rules:
        if rule.name in seen:
            raise AlertConfigError(
                f"{source}, line {rule.line}: rule name {rule.name!r} is used twice (first on line {seen[rule.name]})"
            )
        seen[rule.name] = rule.line
    return rules


def _mapping(node: yaml.MappingNode, fail) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    entries: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key_node, value_node in node.value:
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        if not isinstance(key, str):
            raise fail(key_node, "keys must be plain words")
        if key in entries:
            raise fail(key_node, f"key {key!r} is given twice")
        entries[key] = (key_node, value_node)
    return entries


def _scalar(node: yaml.Node) -> object:
    """The Python value of a scalar node (None for null); non-scalars are returned as they are."""
    if not isinstance(node, yaml.ScalarNode):
        return node
    return yaml.SafeLoader("").construct_object(node)


def _rule(node: yaml.Node, fail) -> Rule:
    if not isinstance(node, yaml.MappingNode):
        raise fail(node, "each rule must be a mapping (name:, kpi:, grain:, ...)")
    entries = _mapping(node, fail)
    for key, (key_node, _) in entries.items():
        if key not in RULE_KEYS:
            raise fail(key_node, f"unknown key {key!r}; a rule has {', '.join(RULE_KEYS)}")

    def text(key: str, default: str | None = None) -> tuple[str, yaml.Node]:
        if key not in entries:
            if default is None:
                raise fail(node, f"the rule has no `{key}:`")
            return default, node
        value_node = entries[key][1]
        value = _scalar(value_node)
        if not isinstance(value, str | int | float) or isinstance(value, bool) or value == "":
            raise fail(value_node, f"`{key}:` must be a word, not {_shown(value)}")
        return str(value), value_node

    name, _ = text("name")
    kpi, kpi_node = text("kpi")
    if kpi not in ALERT_KPIS:
        raise fail(kpi_node, f"unknown kpi {kpi!r}; one of: {', '.join(ALERT_KPIS)}")
    grain, grain_node = text("grain")
    if grain not in GRAINS:
        raise fail(grain_node, f"unknown grain {grain!r}; one of: {', '.join(GRAINS)}")
    dimension, dimension_node = text("dimension", "all")
    if dimension not in DIMENSIONS:
        raise fail(dimension_node, f"unknown dimension {dimension!r}; one of: {', '.join(DIMENSIONS)}")
    if dimension not in allowed_dimensions(kpi, grain):
        raise fail(dimension_node, f"{kpi} by {grain} exists only for dimension 'all', not {dimension!r}")
    value, _ = text("value", "all" if dimension == "all" else ANY_VALUE)
    if dimension == "all" and value not in ("all", ANY_VALUE):
        raise fail(entries["value"][1], "dimension 'all' has the one value 'all'")

    comparisons = [key for key in COMPARISONS if key in entries]
    if len(comparisons) != 1:
        raise fail(node, "a rule needs exactly one threshold: `below: <number>` or `above: <number>`")
    comparison = comparisons[0]
    threshold_node = entries[comparison][1]
    threshold = _scalar(threshold_node)
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not math.isfinite(threshold):
        raise fail(threshold_node, f"`{comparison}:` must be a number, not {_shown(threshold)}")
    if ALERT_KPIS[kpi].unit == "rate" and not 0 <= threshold <= 1:
        raise fail(threshold_node, f"{kpi} is a fraction from 0 to 1: write 0.95 for 95%, not {threshold}")

    min_orders = 0
    if "min_orders" in entries:
        min_orders_node = entries["min_orders"][1]
        min_orders = _scalar(min_orders_node)
        if isinstance(min_orders, bool) or not isinstance(min_orders, int) or min_orders < 0:
            raise fail(
                min_orders_node, f"`min_orders:` must be a whole number >= 0, not {_shown(min_orders)}"
            )
    return Rule(
        name=name,
        kpi=kpi,
        grain=grain,
        dimension=dimension,
        value=value,
        comparison=comparison,
        threshold=float(threshold),
        min_orders=min_orders,
        line=node.start_mark.line + 1,
    )


def _shown(value: object) -> str:
    if isinstance(value, yaml.Node):
        return "a list" if isinstance(value, yaml.SequenceNode) else "a mapping"
    return "nothing" if value is None else repr(value)
