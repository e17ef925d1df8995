"""What the executive report says, read from the published warehouse (marts only, read-only).

The headline figures come from the dashboard's own scorecard query, so the report and the
dashboard's scorecard show the same numbers for the same period.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

# The dashboard's queries are Streamlit-cached; outside a Streamlit server each cached function
# warns once at import that it falls back to an in-memory cache. The report calls the plain
# functions underneath (__wrapped__), so the warning says nothing useful here.
import streamlit.runtime.caching.cache_data_api  # noqa: F401  (creates the logger silenced below)

logging.getLogger("streamlit.runtime.caching.cache_data_api").setLevel(logging.ERROR)

from dashboards import queries  # noqa: E402

Grain = queries.Grain
FAILURE_CAUSES_TABLES = {"week": "failure_causes_weekly", "month": "failure_causes_monthly"}
KPI_TABLES = {"week": "kpi_weekly", "month": "kpi_monthly"}
# Of kpis.md's "Why orders fail", in its order of precedence (the dashboard's one list).
FAILURE_CAUSES = queries.FAILURE_CAUSES


class NoMaturePeriod(Exception):
    """The warehouse has no week or month that ended before its as-of date."""


@dataclass(frozen=True)
class ReportData:
    grain: Grain
    warehouse_path: Path
    run_info: pd.Series
    current: pd.Series  # one row of the scorecard query
    previous: pd.Series | None
    trend: pd.DataFrame  # dimension 'all', every mature period
    failure_causes: pd.DataFrame  # cause, orders, share, previous_orders, previous_share
    failure_causes_source: str  # the table they were read from, or how they were derived
    exception_movers: pd.DataFrame  # exception_type, current, previous, change
    slices: pd.DataFrame  # warehouse and carrier rows of the current and previous period
    slice_causes: pd.DataFrame | None  # failure causes by warehouse and carrier this period, if any
    backlog: pd.DataFrame  # open_order_aging
    ledger: pd.DataFrame  # load_ledger by status
    quality: pd.DataFrame  # data-quality results of the latest run
    alerts: pd.DataFrame | None  # active alerts, None when the warehouse has no alerts table
    # Days of the period whose data failed a data check (suspect_days), so that nobody reads a feed
    # outage as an operational failure.
    suspect: pd.DataFrame

    @property
    def period_start(self) -> dt.date:
        return pd.Timestamp(self.current["period_start"]).date()

    @property
    def period_end(self) -> dt.date:
        return pd.Timestamp(self.current["period_end"]).date()


def read_report_data(warehouse_path: Path, grain: Grain) -> ReportData:
    warehouse = queries.current_warehouse(warehouse_path)  # raises WarehouseMissing

    def frame(sql: str, params: list | None = None) -> pd.DataFrame:
        return queries.read_frame(warehouse, sql, params)

    tables = set(
        frame("select table_name from duckdb_tables() where database_name = current_database()")["table_name"]
    )
    info = queries.run_info.__wrapped__(warehouse)
    periods = queries.scorecard.__wrapped__(warehouse, grain)
    if info.empty or periods.empty:
        raise NoMaturePeriod(
            f"{warehouse_path} has no {grain} that ended before its as-of date, so there is nothing to report yet"
        )
    current = periods[periods["role"] == "current"].iloc[0]
    previous_rows = periods[periods["role"] == "previous"]
    previous = previous_rows.iloc[0] if not previous_rows.empty else None
    start = pd.Timestamp(current["period_start"]).date()
    previous_start = None if previous is None else pd.Timestamp(previous["period_start"]).date()
    causes, causes_source = _failure_causes(frame, tables, grain, start, previous_start, current, previous)
    return ReportData(
        grain=grain,
        warehouse_path=warehouse_path,
        run_info=info.iloc[0],
        current=current,
        previous=previous,
        trend=queries.period_trend.__wrapped__(warehouse, grain, "all"),
        failure_causes=causes,
        failure_causes_source=causes_source,
        exception_movers=_exception_movers(frame, current, previous),
        slices=frame(
            f"""
            select period_start, dimension, dimension_value, orders_measured, perfect_order_rate, otif_rate,
                order_fill_rate, on_time_delivery_rate
            from {KPI_TABLES[grain]}
            where dimension in ('warehouse', 'carrier') and period_start in (?, ?)
            order by dimension, dimension_value, period_start
            """,
            [start, previous_start or start],
        ),
        slice_causes=(
            frame(
                f"select * from {FAILURE_CAUSES_TABLES[grain]} "
                "where dimension in ('warehouse', 'carrier') and period_start = ?",
                [start],
            )
            if FAILURE_CAUSES_TABLES[grain] in tables
            else None
        ),
        backlog=frame(
            "select age_bucket, bucket_order, open_orders from open_order_aging order by bucket_order"
        ),
        ledger=frame(
            """
            select status, count(*) as files, coalesce(sum(rows_landed), 0) as rows_landed,
                coalesce(sum(rows_loaded), 0) as rows_loaded,
                coalesce(sum(rows_quarantined), 0) as rows_quarantined
            from load_ledger group by status order by status
            """
        ),
        quality=queries.latest_quality_results.__wrapped__(warehouse),
        alerts=queries.active_alerts.__wrapped__(warehouse) if "alerts" in tables else None,
        suspect=_in_period(queries.suspect_days.__wrapped__(warehouse), current),
    )


def _in_period(suspect: pd.DataFrame, current: pd.Series) -> pd.DataFrame:
    days = pd.to_datetime(suspect["day"])
    start, end = pd.Timestamp(current["period_start"]), pd.Timestamp(current["period_end"])
    return suspect[(days >= start) & (days <= end)]


def _failure_causes(frame, tables, grain, start, previous_start, current, previous):
    """Orders per failure cause in the period and the one before, with their shares of measured orders.

    From the failure-cause rollup when the warehouse has it (kpis.md v1.1: one cause per order, the
    shares and the perfect order rate add up to 1). A warehouse without it gets the order flags of
    kpi_weekly/kpi_monthly instead; an order can carry several, so those do not add up.
    """
    table = FAILURE_CAUSES_TABLES[grain]
    if table in tables:
        rows = frame(
            f"select * from {table} where dimension = 'all' and period_start in (?, ?)",
            [start, previous_start or start],
        )
        by_period = {pd.Timestamp(row["period_start"]).date(): row for _, row in rows.iterrows()}
        now, before = by_period.get(start), by_period.get(previous_start)
        records = [
            {
                "cause": cause,
                "orders": _value(now, f"cause_{cause}_orders"),
                "share": _value(now, f"cause_{cause}_share"),
                "previous_orders": _value(before, f"cause_{cause}_orders"),
                "previous_share": _value(before, f"cause_{cause}_share"),
            }
            for cause in FAILURE_CAUSES
        ]
        source = f"{table} (one cause per order that was not perfect)"
    else:
        flags = {
            "not_shipped_complete": ("orders_measured", "orders_shipped_complete"),
            "not_delivered_on_time": ("orders_measured", "orders_on_time"),
            "not_shipped_on_time": ("orders_measured", "orders_on_time_ship"),
            "damaged": ("orders_damaged", None),
            "inaccurate": ("orders_inaccurate", None),
        }

        def count(row, total, minus):
            if row is None:
                return None
            return int(row[total] - (row[minus] if minus else 0))

        records = []
        for cause, (total, minus) in flags.items():
            orders, previous_orders = count(current, total, minus), count(previous, total, minus)
            records.append(
                {
                    "cause": cause,
                    "orders": orders,
                    "share": orders / current["orders_measured"] if current["orders_measured"] else None,
                    "previous_orders": previous_orders,
                    "previous_share": (
                        previous_orders / previous["orders_measured"]
                        if previous is not None and previous["orders_measured"]
                        else None
                    ),
                }
            )
        source = (
            f"order flags of {KPI_TABLES[grain]} (this warehouse has no {table}; an order can carry "
            "several flags, so these overlap and do not add up)"
        )
    causes = pd.DataFrame.from_records(records)
    numbers = ["orders", "share", "previous_orders", "previous_share"]
    causes[numbers] = causes[numbers].apply(pd.to_numeric)
    causes["change"] = causes["share"] - causes["previous_share"]
    return causes.sort_values(["orders", "cause"], ascending=[False, True], na_position="last"), source


def _value(row: pd.Series | None, column: str):
    if row is None or pd.isna(row[column]):
        return None
    return row[column]


def _exception_movers(frame, current: pd.Series, previous: pd.Series | None) -> pd.DataFrame:
    """Exceptions by type in the period and the one before, biggest change first."""
    previous_start = current["period_start"] if previous is None else previous["period_start"]
    previous_end = current["period_end"] if previous is None else previous["period_end"]
    movers = frame(
        """
        select
            exception_type,
            cast(sum(case when exception_date between ? and ? then exceptions else 0 end) as bigint) as current,
            cast(sum(case when exception_date between ? and ? then exceptions else 0 end) as bigint) as previous
        from exceptions_daily
        where exception_date between ? and ? or exception_date between ? and ?
        group by exception_type
        """,
        [
            current["period_start"],
            current["period_end"],
            previous_start,
            previous_end,
            current["period_start"],
            current["period_end"],
            previous_start,
            previous_end,
        ],
    )
    if previous is None:
        movers["previous"] = float("nan")
    movers["change"] = movers["current"] - movers["previous"]
    movers["abs_change"] = movers["change"].abs()
    return movers.sort_values(["abs_change", "current", "exception_type"], ascending=[False, False, True])
