"""Evaluate alert rules over the marts: the latest mature period of each rule's grain, every slice."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from alerts.rules import ALERT_KPIS, ANY_VALUE, Rule
from alerts.store import ensure_tables
from dashboards.kpis import EXCEPTIONS_PER_1000, format_value

GRAIN_ADJECTIVES = {"day": "Daily", "week": "Weekly", "month": "Monthly"}


@dataclass(frozen=True)
class Breach:
    rule: Rule
    period_start: dt.date
    period_end: dt.date
    dimension_value: str
    value: float
    orders: int

    @property
    def key(self) -> str:
        return f"{self.rule.name}|{self.period_start}|{self.rule.dimension}={self.dimension_value}"

    @property
    def description(self) -> str:
        kpi = ALERT_KPIS[self.rule.kpi]
        period = (
            str(self.period_start)
            if self.period_start == self.period_end
            else f"{self.period_start} to {self.period_end}"
        )
        where = "" if self.rule.dimension == "all" else f" for {self.rule.dimension} {self.dimension_value}"
        return (
            f"{GRAIN_ADJECTIVES[self.rule.grain]} {_in_sentence(kpi.label)}{where} was {format_value(kpi, self.value)} "
            f"({period}), {self.rule.comparison} the threshold {format_value(kpi, self.rule.threshold)} "
            f"({self.orders:,} orders; rule {self.rule.name})"
        )


def evaluate(
    conn: duckdb.DuckDBPyConnection, rules: list[Rule], as_of_date: dt.date, schema: str = "marts"
) -> list[Breach]:
    """Breaches of the rules in the latest mature period of their grain (ended before `as_of_date`)."""
    breaches = []
    for rule in rules:
        for period_start, period_end, dimension_value, value, orders in _latest_slices(
            conn, rule, as_of_date, schema
        ):
            if rule.value != ANY_VALUE and dimension_value != rule.value:
                continue
            if value is None or orders < rule.min_orders or not rule.breached_by(value):
                continue
            breaches.append(Breach(rule, period_start, period_end, dimension_value, value, orders))
    return breaches


def _latest_slices(
    conn: duckdb.DuckDBPyConnection, rule: Rule, as_of_date: dt.date, schema: str
) -> list[tuple]:
    """(period_start, period_end, dimension_value, value, orders) of the latest mature period.

    Table and column names come from the validated rule (ALERT_KPIS, GRAINS), never from free text.
    """
    if rule.kpi == EXCEPTIONS_PER_1000.column:
        if rule.grain == "day":
            sql = f"""
                select order_date, order_date, 'all', exceptions_per_1000_orders, orders_created
                from {schema}.orders_daily
                where order_date = (select max(order_date) from {schema}.orders_daily where order_date < ?)
            """
            return conn.execute(sql, [as_of_date]).fetchall()
        # The scorecard's current period, with exceptions per 1,000 orders as dbt computes it for it.
        sql = f"""
            select period_start, period_end, 'all', exceptions_per_1000_orders, orders_created
            from {schema}.scorecard_periods
            where grain = ? and scorecard_role = 'current' and period_end < ?
        """
        return conn.execute(sql, [rule.grain, as_of_date]).fetchall()
    if rule.grain == "day":
        sql = f"""
            select due_date, due_date, 'all', {rule.kpi}, orders_measured
            from {schema}.kpi_daily
            where due_date = (select max(due_date) from {schema}.kpi_daily where due_date < ?)
        """
        return conn.execute(sql, [as_of_date]).fetchall()
    table = f"{schema}.kpi_{rule.grain}ly"
    sql = f"""
        select period_start, period_end, dimension_value, {rule.kpi}, orders_measured
        from {table}
        where dimension = ?
          and period_start = (
              select max(period_start) from {table} where dimension = 'all' and period_end < ?
          )
        order by dimension_value
    """
    return conn.execute(sql, [rule.dimension, as_of_date]).fetchall()


def record(conn: duckdb.DuckDBPyConnection, breaches: list[Breach], evaluated_at: dt.datetime) -> int:
    """Store this evaluation in ops.alerts; returns how many breaches fired for the first time."""
    ensure_tables(conn)
    known = {row[0] for row in conn.execute("select alert_key from ops.alerts").fetchall()}
    conn.execute("begin transaction")
    try:
        conn.execute("update ops.alerts set active = false where active")
        for breach in breaches:
            rule = breach.rule
            conn.execute(
                """
                insert into ops.alerts values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, true)
                on conflict (alert_key) do update set
                    kpi_value = excluded.kpi_value, orders = excluded.orders,
                    description = excluded.description, threshold = excluded.threshold,
                    last_evaluated_at = excluded.last_evaluated_at, active = true
                """,
                [
                    breach.key,
                    rule.name,
                    rule.kpi,
                    ALERT_KPIS[rule.kpi].label,
                    rule.grain,
                    breach.period_start,
                    breach.period_end,
                    rule.dimension,
                    breach.dimension_value,
                    rule.comparison,
                    rule.threshold,
                    breach.value,
                    breach.orders,
                    breach.description,
                    evaluated_at,
                    evaluated_at,
                ],
            )
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    return len({breach.key for breach in breaches} - known)


def evaluate_and_record(conn: duckdb.DuckDBPyConnection, rules: list[Rule], schema: str = "marts") -> int:
    """Evaluate over the work database's marts at its as-of date and record; new breaches."""
    as_of_date = conn.execute("select as_of_date from intermediate.int_as_of_date").fetchone()[0]
    breaches = evaluate(conn, rules, as_of_date, schema)
    return record(conn, breaches, dt.datetime.now(dt.UTC).replace(tzinfo=None))


def _in_sentence(label: str) -> str:
    """'Perfect order rate' -> 'perfect order rate' after an adjective; acronyms (OTIF) stay."""
    return label if label[:2].isupper() else label[0].lower() + label[1:]
