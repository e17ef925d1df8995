"""The alerts kept in the work database (ops schema) and published as the `alerts` table.

ops.alerts has one row per breach ever fired, keyed by rule + period + dimension value: a rerun that
finds the same breach updates its value and keeps its first-fired time, so it never fires twice.
ops.alert_deliveries remembers which channel has sent which alert.
"""

from __future__ import annotations

import duckdb

ALERT_COLUMNS = {
    "alert_key": "rule, period start and dimension value: one breach, fired once",
    "rule": "Name of the rule in the alert rules file",
    "kpi": "KPI column the rule watches (as in kpi_weekly, orders_daily, ...)",
    "kpi_label": "Name of the KPI as the dashboard shows it",
    "grain": "day, week or month",
    "period_start": "First day of the period judged",
    "period_end": "Last day of the period judged",
    "dimension": "all, channel, warehouse or carrier",
    "dimension_value": "The slice of the dimension that breached (all for dimension all)",
    "comparison": "below or above: the direction that breaches",
    "threshold": "Threshold of the rule (rates as fractions)",
    "kpi_value": "Value of the KPI for the period and slice at the latest evaluation",
    "orders": "Orders behind the value: measured orders for rates, orders created for exceptions",
    "description": "The breach in words",
    "first_fired_at": "When the breach was first found (UTC); it fires once",
    "last_evaluated_at": "When the breach was last found (UTC)",
    "active": "Whether the latest evaluation still found this breach",
}


def ensure_tables(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute("create schema if not exists ops")
    conn.execute(
        """
        create table if not exists ops.alerts (
            alert_key varchar primary key, rule varchar, kpi varchar, kpi_label varchar, grain varchar,
            period_start date, period_end date, dimension varchar, dimension_value varchar,
            comparison varchar, threshold double, kpi_value double, orders bigint, description varchar,
            first_fired_at timestamp, last_evaluated_at timestamp, active boolean
        )
        """
    )
    conn.execute(
        """
        create table if not exists ops.alert_deliveries (
            alert_key varchar, channel varchar, delivered_at timestamp, primary key (alert_key, channel)
        )
        """
    )
    # Published with the table (warehouse/publish.py copies comments), like the dbt docs of the marts.
    conn.execute(
        "comment on table ops.alerts is 'One row per KPI threshold breach (rule, period, dimension value), "
        "fired once; active ones are those the latest evaluation found.'"
    )
    for column, description in ALERT_COLUMNS.items():
        conn.execute(f"comment on column ops.alerts.{column} is '{description}'")
