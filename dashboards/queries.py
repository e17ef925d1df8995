"""Every SQL query of the dashboard, over the marts of the published warehouse (notes/marts.md).

The pipeline publishes by writing a new DuckDB file and renaming it over the old one, and DuckDB
allows one writer or many readers per file. So each query opens the file read-only, reads a small
aggregated frame and closes it again: no connection outlives a query, and a run is never blocked.

Query functions take a `Warehouse` (path + file identity). Because the identity changes whenever a new
file is published, Streamlit's cache never serves a frame of a replaced file.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import duckdb
import pandas as pd
import streamlit as st

from orderpulse.config import load_settings

Grain = Literal["week", "month"]
Dimension = Literal["all", "channel", "warehouse", "carrier"]

DIMENSIONS: tuple[Dimension, ...] = ("all", "channel", "warehouse", "carrier")
# Table names cannot be bound parameters; they come from this fixed map, never from user input.
_PERIOD_TABLES: dict[Grain, str] = {"week": "kpi_weekly", "month": "kpi_monthly"}
_PERIOD_STEP: dict[Grain, str] = {"week": "interval 7 day", "month": "interval 1 month"}

RATE_COLUMNS = (
    "otif_rate, on_time_delivery_rate, order_fill_rate, line_fill_rate, unit_fill_rate, "
    "perfect_order_rate, perfect_order_index, on_time_ship_rate, damage_free_rate, accuracy_rate"
)

# Aggregated frames are small; the TTL only bounds memory, freshness comes from Warehouse.version.
CACHE_TTL = dt.timedelta(minutes=10)


class WarehouseMissing(Exception):
    """No published warehouse file at the configured path (no run has published yet)."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"No published warehouse at {path}")
        self.path = path


@dataclass(frozen=True)
class Warehouse:
    path: str
    # Identity of the file currently at `path`: a rename of a new file over it changes the inode.
    version: str


def configured_warehouse_path() -> Path:
    return load_settings().warehouse_path


def current_warehouse(path: Path | None = None) -> Warehouse:
    """The published file as it is now; raises WarehouseMissing before the first run has published."""
    path = Path(path) if path is not None else configured_warehouse_path()
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise WarehouseMissing(path) from None
    return Warehouse(str(path), f"{stat.st_ino}-{stat.st_mtime_ns}-{stat.st_size}")


def read_frame(warehouse: Warehouse, sql: str, params: list | None = None) -> pd.DataFrame:
    """Run one query on a fresh read-only attachment of the file, then close it.

    `duckdb.connect(path)` would be simpler but DuckDB caches database instances by path inside a
    process: while another session still has the old file open, a new connect() to the same path is
    handed the *old* (renamed-over) file. Attaching the path to a private in-memory database always
    opens the file that is at the path now.
    """
    if not os.path.exists(warehouse.path):
        raise WarehouseMissing(Path(warehouse.path))
    connection = duckdb.connect(":memory:")
    try:
        connection.execute("attach ? as published (read_only)", [warehouse.path])
        connection.execute("use published")
        return connection.execute(sql, params or []).df()
    finally:
        connection.close()


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def run_info(warehouse: Warehouse) -> pd.DataFrame:
    return read_frame(
        warehouse,
        """
        select as_of_date, published_at, run_id, landing_dir, files_loaded, rows_loaded, rows_quarantined
        from run_info
        """,
    )


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def scorecard(warehouse: Warehouse, grain: Grain) -> pd.DataFrame:
    """The latest mature period (period_end < as_of_date) and the calendar period before it.

    One row per period with `role` 'current' or 'previous' (absent when that period had no measured
    order), the rates of kpi_weekly/kpi_monthly for dimension 'all', exceptions per 1,000 orders and
    cycle time p50/p90. The last two are recomputed over the period from orders_daily and
    order_outcomes: daily ratios and daily percentiles cannot be averaged into a period figure.
    """
    table = _PERIOD_TABLES[grain]
    step = _PERIOD_STEP[grain]
    return read_frame(
        warehouse,
        f"""
        with mature as (
            select *
            from {table}
            where dimension = 'all'
              and period_end < (select as_of_date from run_info)
        ),
        latest as (select max(period_start) as period_start from mature),
        chosen as (
            select
                case when mature.period_start = latest.period_start then 'current' else 'previous' end
                    as role,
                mature.*,
            from mature, latest
            where mature.period_start = latest.period_start
               or mature.period_start = latest.period_start - {step}
        ),
        exceptions as (
            select
                chosen.period_start,
                sum(orders_daily.exceptions) * 1000.0 / nullif(sum(orders_daily.orders_created), 0)
                    as exceptions_per_1000_orders,
            from chosen
            join orders_daily on orders_daily.order_date between chosen.period_start and chosen.period_end
            group by chosen.period_start
        ),
        cycle_times as (
            select
                chosen.period_start,
                quantile_cont(order_outcomes.cycle_time_hours, 0.5) as cycle_time_hours_p50,
                quantile_cont(order_outcomes.cycle_time_hours, 0.9) as cycle_time_hours_p90,
            from chosen
            join order_outcomes
              on cast(order_outcomes.last_delivered_at as date)
                 between chosen.period_start and chosen.period_end
            where not order_outcomes.excused and order_outcomes.cycle_time_hours is not null
            group by chosen.period_start
        )
        select
            chosen.*,
            exceptions.exceptions_per_1000_orders,
            cycle_times.cycle_time_hours_p50,
            cycle_times.cycle_time_hours_p90,
        from chosen
        left join exceptions using (period_start)
        left join cycle_times using (period_start)
        order by chosen.period_start desc
        """,
    )


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def period_trend(warehouse: Warehouse, grain: Grain, dimension: Dimension) -> pd.DataFrame:
    """Rates per mature period and dimension value. Immature periods are left out: their orders
    are not all due yet, so their rates would swing on a handful of orders."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}")
    table = _PERIOD_TABLES[grain]
    return read_frame(
        warehouse,
        f"""
        select period_start, period_end, dimension_value, orders_measured, {RATE_COLUMNS}
        from {table}
        where dimension = ? and period_end < (select as_of_date from run_info)
        order by period_start, dimension_value
        """,
        [dimension],
    )


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def daily_kpis(warehouse: Warehouse, start: dt.date, end: dt.date) -> pd.DataFrame:
    return read_frame(
        warehouse,
        f"""
        select due_date, orders_measured, {RATE_COLUMNS}
        from kpi_daily
        where due_date between ? and ?
        order by due_date
        """,
        [start, end],
    )


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def date_bounds(
    warehouse: Warehouse, table: Literal["kpi_daily", "cycle_time_daily", "orders_daily"]
) -> tuple:
    """First and last date of a daily mart, to bound the date pickers (None, None when empty)."""
    date_columns = {
        "kpi_daily": "due_date",
        "cycle_time_daily": "delivery_date",
        "orders_daily": "order_date",
    }
    column = date_columns[table]
    row = read_frame(warehouse, f"select min({column}) as first, max({column}) as last from {table}")
    first, last = row.loc[0, "first"], row.loc[0, "last"]
    if pd.isna(first):
        return None, None
    return pd.Timestamp(first).date(), pd.Timestamp(last).date()


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def cycle_time_daily(warehouse: Warehouse, start: dt.date, end: dt.date) -> pd.DataFrame:
    return read_frame(
        warehouse,
        """
        select *
        from cycle_time_daily
        where delivery_date between ? and ?
        order by delivery_date
        """,
        [start, end],
    )


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def exceptions_trend(warehouse: Warehouse, start: dt.date, end: dt.date) -> pd.DataFrame:
    return read_frame(
        warehouse,
        """
        select order_date, orders_created, exceptions, exceptions_per_1000_orders
        from orders_daily
        where order_date between ? and ?
        order by order_date
        """,
        [start, end],
    )


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def exception_pareto(warehouse: Warehouse, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Exceptions by type over the range, most frequent first, with the cumulative share."""
    return read_frame(
        warehouse,
        """
        with by_type as (
            select exception_type, any_value(exception_source) as exception_source,
                cast(sum(exceptions) as bigint) as exceptions
            from exceptions_daily
            where exception_date between ? and ?
            group by exception_type
        )
        select
            exception_type,
            exception_source,
            exceptions,
            sum(exceptions) over (order by exceptions desc, exception_type
                                  rows between unbounded preceding and current row)
                / sum(exceptions) over () as cumulative_share,
        from by_type
        order by exceptions desc, exception_type
        """,
        [start, end],
    )


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def load_ledger(warehouse: Warehouse) -> pd.DataFrame:
    return read_frame(
        warehouse,
        """
        select
            loaded_at, status, reason, source, entity, file_path, rows_landed, rows_loaded, rows_quarantined,
            file_format, file_sha256,
        from load_ledger
        order by loaded_at desc, file_path
        """,
    )


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def quarantined_rows(warehouse: Warehouse, limit: int) -> pd.DataFrame:
    return read_frame(
        warehouse,
        """
        select quarantined_at, entity, file_path, row_number, column_name, reason, raw_values
        from quarantined_rows
        order by quarantined_at desc, file_path, row_number
        limit ?
        """,
        [limit],
    )


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def latest_quality_results(warehouse: Warehouse) -> pd.DataFrame:
    """Expectation results of the latest run, failed ones first (blocking failures before warnings)."""
    return read_frame(
        warehouse,
        """
        with latest_run as (
            select run_id from data_quality_results order by checked_at desc limit 1
        )
        select
            passed, blocking, entity, suite, expectation, column_name, unexpected_count, element_count,
            details, run_id, checked_at,
        from data_quality_results
        where run_id = (select run_id from latest_run)
          -- the data checks across entities and time have a section of their own
          and suite not in ('plausibility', 'referential_integrity', 'volume')
        order by passed, blocking desc, entity, suite, expectation, column_name
        """,
    )


def _has_columns(warehouse: Warehouse, table: str, columns: tuple[str, ...]) -> bool:
    """Whether the published file has these columns: a file published before the data checks
    across entities and time (issue 14) has no suspect_days table and fewer result columns."""
    found = read_frame(
        warehouse,
        "select column_name from duckdb_columns() where database_name = 'published' and table_name = ?",
        [table],
    )
    return set(columns) <= set(found["column_name"])


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def latest_data_checks(warehouse: Warehouse) -> pd.DataFrame:
    """The data checks across entities and time of the latest run: one row per check overall
    (slice 'all') and one per failing slice, failures first, blocking ones before warnings."""
    columns = ("check_name", "severity", "slice_dimension", "slice_value", "affected_share", "example_keys")
    if not _has_columns(warehouse, "data_quality_results", columns):
        return pd.DataFrame(columns=["passed", "severity", "suite", *columns[:1], *columns[2:], "details"])
    return read_frame(
        warehouse,
        """
        with latest_run as (
            select run_id from data_quality_results order by checked_at desc limit 1
        )
        select
            passed, severity, suite, check_name, slice_dimension, slice_value,
            unexpected_count, element_count, affected_share, example_keys, details
        from data_quality_results
        where run_id = (select run_id from latest_run)
          and suite in ('plausibility', 'referential_integrity', 'volume')
        order by passed, severity = 'block' desc, suite, check_name, slice_dimension = 'all' desc,
            unexpected_count desc, slice_value
        """,
    )


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def suspect_days(warehouse: Warehouse) -> pd.DataFrame:
    """Days and slices whose data failed a data check (empty for files published before them)."""
    if not _has_columns(warehouse, "suspect_days", ("day", "reason")):
        return pd.DataFrame(
            columns=["day", "slice_dimension", "slice_value", "check_name", "severity", "reason"]
        )
    return read_frame(
        warehouse,
        """
        select day, slice_dimension, slice_value, check_name, severity, reason
        from suspect_days
        order by day, slice_dimension, slice_value, check_name
        """,
    )
