"""KPI alerts after each publish: non-blocking checks on the published warehouse.

The rules are evaluated in the publish step, over the very marts being published, so the `alerts`
table goes out in the same atomic rename as the figures it is about (the published file is never
opened for writing). A rules file that cannot be read only skips that evaluation: the warehouse is
published all the same, and `alert_rules_valid` says what is wrong and on which line.
"""

from contextlib import closing

import dagster as dg

from alerts.deliver import deliver_pending
from alerts.evaluate import evaluate_and_record
from alerts.rules import AlertConfigError, load_rules
from orchestration.resources import WarehouseResource
from orderpulse.config import load_alert_settings

PUBLISHED = dg.AssetKey("published_warehouse")
RULES_VALID, THRESHOLDS_MET, DELIVERED = "alert_rules_valid", "kpi_thresholds_met", "alerts_delivered"
ALERT_CHECK_SPECS = [
    dg.AssetCheckSpec(
        RULES_VALID,
        asset=PUBLISHED,
        blocking=False,
        description="The alert rules file (ORDERPULSE_ALERT_RULES) parses; an error names its line.",
    ),
    dg.AssetCheckSpec(
        THRESHOLDS_MET,
        asset=PUBLISHED,
        blocking=False,
        description="No KPI breaches an alert rule in the latest mature period (breaches are in `alerts`).",
    ),
    dg.AssetCheckSpec(
        DELIVERED,
        asset=PUBLISHED,
        blocking=False,
        description="Every active alert was sent once on each configured channel (webhook, e-mail).",
    ),
]


def rules_or_error() -> tuple[list | None, str | None]:
    """The configured rules, or why they cannot be used (a one-line message naming file and line)."""
    try:
        return load_rules(load_alert_settings().rules_path), None
    except (AlertConfigError, ValueError) as error:
        return None, str(error)


def evaluate_alert_rules(warehouse: WarehouseResource) -> None:
    """Called by the publish step before it copies the marts; a bad rules file skips it."""
    rules, _ = rules_or_error()
    if rules is None:
        return
    with closing(warehouse.connect_work_db()) as conn:
        evaluate_and_record(conn, rules)


def _result(name: str, passed: bool, metadata: dict) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=PUBLISHED,
        check_name=name,
        passed=passed,
        severity=dg.AssetCheckSeverity.WARN,
        metadata=metadata,
    )


@dg.multi_asset_check(specs=ALERT_CHECK_SPECS, name="kpi_alerts")
def kpi_alerts(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
    rules, error = rules_or_error()
    yield _result(
        RULES_VALID,
        error is None,
        {"rules": len(rules or []), "details": error or f"{len(rules)} rules read"},
    )
    if error is not None:
        not_evaluated = {"details": "not evaluated: the alert rules file is invalid (see alert_rules_valid)"}
        yield _result(THRESHOLDS_MET, False, not_evaluated)
        yield _result(DELIVERED, False, not_evaluated)
        return
    settings = load_alert_settings()
    with closing(warehouse.connect_work_db()) as conn:
        active = conn.execute(
            "select description, first_fired_at = last_evaluated_at from ops.alerts where active "
            "order by rule, dimension_value"
        ).fetchall()
        yield _result(
            THRESHOLDS_MET,
            not active,
            {
                "breaches": len(active),
                "new_breaches": sum(1 for _, new in active if new),
                "details": "\n".join(description for description, _ in active)
                or "every KPI within its rules",
            },
        )
        outcome = deliver_pending(conn, settings, str(warehouse.paths.published))
    sent = ", ".join(f"{channel}: {count} sent" for channel, count in outcome.sent.items())
    yield _result(
        DELIVERED,
        not outcome.errors,
        {
            "channels": ", ".join(outcome.channels) or "none configured",
            "details": "\n".join(outcome.errors) or sent or "no channel configured (webhook, e-mail)",
        },
    )
