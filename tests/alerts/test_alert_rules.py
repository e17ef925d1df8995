"""The alert rules file: the shipped defaults are valid, and every mistake names its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from alerts.rules import ALERT_KPIS, AlertConfigError, load_rules, parse_rules
from dashboards.kpis import EXCEPTIONS_PER_1000, TREND_RATES
from orderpulse.config import DEFAULT_ALERT_RULES, load_alert_settings

VALID = """\
rules:
  - name: otif_by_carrier
    kpi: otif_rate
    grain: week
    dimension: carrier
    value: UPS
    below: 0.95
    min_orders: 30
  - name: exceptions
    kpi: exceptions_per_1000_orders
    grain: month
    above: 300
"""


def test_the_shipped_default_rules_are_valid_and_the_default_path():
    assert load_alert_settings().rules_path == DEFAULT_ALERT_RULES
    rules = load_rules(DEFAULT_ALERT_RULES)
    assert {rule.kpi for rule in rules} >= {"otif_rate", "exceptions_per_1000_orders"}
    assert any(rule.dimension == "carrier" and rule.threshold == 0.95 for rule in rules)


def test_the_rules_path_comes_from_the_environment(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("ORDERPULSE_ALERT_RULES", str(tmp_path / "mine.yml"))
    assert load_alert_settings().rules_path == tmp_path / "mine.yml"


def test_a_rule_reads_every_field_with_its_line():
    carrier_rule, exceptions_rule = parse_rules(VALID, "rules.yml")
    assert (carrier_rule.name, carrier_rule.kpi, carrier_rule.grain) == (
        "otif_by_carrier",
        "otif_rate",
        "week",
    )
    assert (carrier_rule.dimension, carrier_rule.value, carrier_rule.comparison) == (
        "carrier",
        "UPS",
        "below",
    )
    assert (carrier_rule.threshold, carrier_rule.min_orders, carrier_rule.line) == (0.95, 30, 2)
    assert carrier_rule.breached_by(0.94) and not carrier_rule.breached_by(0.95)
    assert (exceptions_rule.dimension, exceptions_rule.value, exceptions_rule.line) == ("all", "all", 9)
    assert exceptions_rule.breached_by(300.5) and not exceptions_rule.breached_by(300)


def test_the_kpis_a_rule_may_watch_are_the_dashboards_rates_and_exceptions():
    assert set(ALERT_KPIS) == {kpi.column for kpi in TREND_RATES} | {EXCEPTIONS_PER_1000.column}


@pytest.mark.parametrize(
    ("edit", "line", "words"),
    [
        (("kpi: otif_rate", "kpi: otif"), 3, "unknown kpi 'otif'"),
        (("grain: week", "grain: weekly"), 4, "unknown grain 'weekly'"),
        (("dimension: carrier", "dimension: region"), 5, "unknown dimension 'region'"),
        (("below: 0.95", "below: 95"), 7, "write 0.95 for 95%"),
        (("below: 0.95", "below: ninety"), 7, "must be a number"),
        (("min_orders: 30", "min_orders: -1"), 8, "whole number >= 0"),
        (("min_orders: 30", "min_order: 30"), 8, "unknown key 'min_order'"),
        (("    above: 300", "    above: 300\n    below: 1"), 9, "exactly one threshold"),
        (("    above: 300", ""), 9, "exactly one threshold"),
        (("grain: month", "grain: month\n    dimension: carrier"), 12, "only for dimension 'all'"),
        (("name: exceptions", "name: otif_by_carrier"), 9, "used twice (first on line 2)"),
        (("    grain: week\n", "    grain: [week\n"), 5, "flow sequence on line 4"),
        (("rules:", "rule:"), 1, "unknown key 'rule'"),
    ],
)
def test_a_mistake_is_an_error_naming_the_file_and_line(edit, line, words):
    old, new = edit
    assert old in VALID
    with pytest.raises(AlertConfigError) as raised:
        parse_rules(VALID.replace(old, new, 1), "/etc/op/rules.yml")
    message = str(raised.value)
    assert message.startswith(f"/etc/op/rules.yml, line {line}: "), message
    assert words in message
    assert "\n" not in message


def test_a_missing_file_is_an_error_naming_it(tmp_path: Path):
    with pytest.raises(AlertConfigError, match="does not exist"):
        load_rules(tmp_path / "absent.yml")


def test_an_empty_rules_list_means_no_alerts():
    assert parse_rules("rules: []\n", "x.yml") == []
    assert parse_rules("rules:\n", "x.yml") == []
