"""Every SQL query of the dashboard, over the marts of the published warehouse (notes/marts.md).

The pipeline publishes by writing a new DuckDB file and renaming it over the old one, and DuckDB
allows one writer or many readers per file. So each query opens the file read-only, reads a small
aggregated frame and closes it again: no connection outlives a query, and a run is never blocked.

Query functions take a `Warehouse` (path + file identity + the reader's scope). Because the identity
changes whenever a new file is published, Streamlit's cache never serves a frame of a replaced file;
because the scope is part of it, a frame cached for one user's scope never answers another's.

A user limited to some warehouses or channels (dashboards/access.py) reads the file through views
that keep only their orders (`_scoped_select`), so every query, today's and future pages' alike, is
filtered without knowing it; a table the views cannot filter reads as empty.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import duckdb
import pandas as pd
import streamlit as st

from dashboards import kpis, signin
from dashboards.access import UNRESTRICTED, Scope
from orderpulse.config import load_settings

Grain = Literal["week", "month"]
Dimension = Literal["all", "channel", "warehouse", "carrier"]

DIMENSIONS: tuple[Dimension, ...] = ("all", "channel", "warehouse", "carrier")
# Table names cannot be bound parameters; they come from this fixed map, never from user input.
_PERIOD_TABLES: dict[Grain, str] = {"week": "kpi_weekly", "month": "kpi_monthly"}
_FAILURE_TABLES: dict[Grain, str] = {"week": "failure_causes_weekly", "month": "failure_causes_monthly"}

# Failure causes in their order of precedence (kpis.md v1.1): the marts' cause_<cause>_* columns.
FAILURE_CAUSES = tuple(cause.name for cause in kpis.FAILURE_CAUSES)
OPEN_STATUSES = ("on_hold", "backordered", "awaiting_shipment", "partly_shipped", "in_transit")
# The open-orders list shows at most this many orders, oldest first (the counts cover all of them).
OPEN_ORDERS_SHOWN = 500
CAUSE_ORDERS_SHOWN = 1000

RATE_COLUMNS = ", ".join(kpi.column for kpi in kpis.TREND_RATES)

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
    # The orders the reader may see (everything unless sign-in limits the user).
    scope: Scope = UNRESTRICTED


def configured_warehouse_path() -> Path:
    return load_settings().warehouse_path


def current_warehouse(path: Path | None = None, scope: Scope | None = None) -> Warehouse:
    """The published file as it is now, read within `scope` (default: the signed-in user's scope).

    Raises WarehouseMissing before the first run has published, and signin.SignInRequired when
    sign-in is on and nobody is signed in.
    """
    scope = signin.session_scope() if scope is None else scope
    path = Path(path) if path is not None else configured_warehouse_path()
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise WarehouseMissing(path) from None
    return Warehouse(str(path), f"{stat.st_ino}-{stat.st_mtime_ns}-{stat.st_size}", scope)


# Columns that place an order in a warehouse or a channel, in the order they are looked for.
SCOPE_COLUMNS = {"warehouse": ("primary_warehouse_id", "warehouse_id"), "channel": ("channel",)}
# Tables that hold no order data, readable whatever the scope.
SCOPE_FREE_TABLES = frozenset({"run_info"})


def _scoped_select(table: str, columns: set[str], scope: Scope) -> str:
    """The rows of a published table that a user of `scope` may see (identifiers come from the file's
    catalog, values from the temp table scope_values; nothing here comes from user input)."""
    source = f'published.main."{table}"'
    if table in SCOPE_FREE_TABLES:
        return f"select * from {source}"
    restricted = {
        dimension: values
        for dimension, values in (("warehouse", scope.warehouses), ("channel", scope.channels))
        if values
    }
    in_scope = "in (select value from scope_values where dimension = '{}')".format
    # A table of orders (or of their events): its rows in every restricted dimension.
    filters = []
    for dimension in restricted:
        column = next((name for name in SCOPE_COLUMNS[dimension] if name in columns), None)
        if column is None:
            break
        filters.append(f'"{column}" {in_scope(dimension)}')
    else:
        return f"select * from {source} where " + " and ".join(filters)
    # A rollup by dimension (kpi_weekly, kpi_monthly): the rows of the user's own warehouses or
    # channels. For a user of exactly one, those rows are also their "all".
    if {"dimension", "dimension_value"} <= columns and len(restricted) == 1:
        ((dimension, values),) = restricted.items()
        own_rows = f"select * from {source} where dimension = '{dimension}' and dimension_value {in_scope(dimension)}"
        if len(values) > 1:
            return own_rows
        return (
            f"{own_rows} union all "
            f"select * replace ('all' as dimension, 'all' as dimension_value) from ({own_rows})"
        )
    # Anything else counts the orders of every warehouse and channel: nothing of it for this user.
    return f"select * from {source} where false"


def _open_scoped(connection: duckdb.DuckDBPyConnection, scope: Scope) -> None:
    """Shadow every published table with a temp view of the rows within `scope`."""
    connection.execute("create temp table scope_values (dimension varchar, value varchar)")
    connection.executemany(
        "insert into scope_values values (?, ?)",
        [("warehouse", value) for value in scope.warehouses]
        + [("channel", value) for value in scope.channels],
    )
    tables = connection.execute(
        "select table_name, list(column_name) from duckdb_columns()"
        " where database_name = 'published' and schema_name = 'main' group by table_name"
    ).fetchall()
    for table, columns in tables:
        connection.execute(f'create temp view "{table}" as {_scoped_select(table, set(columns), scope)}')


_instance_lock = threading.Lock()
_instance: duckdb.DuckDBPyConnection | None = None
_aliases = itertools.count()


def _in_memory_instance() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB per process, created on first use. Starting a database costs 50-150 ms on
    the project's machine, a cursor of a running one nothing; each cursor is a connection of its own,
    so threads (Streamlit sessions) never share one."""
    global _instance
    with _instance_lock:
        if _instance is None:
            _instance = duckdb.connect(":memory:")
        return _instance


def read_frame(warehouse: Warehouse, sql: str, params: list | None = None) -> pd.DataFrame:
    """Run one query on a fresh read-only attachment of the file, then detach it.

    `duckdb.connect(path)` would be simpler but DuckDB caches database instances by path inside a
    process: while another session still has the old file open, a new connect() to the same path is
    handed the *old* (renamed-over) file. Attaching the path (under an alias of this query's own) to a
    private in-memory database always opens the file that is at the path now, and detaching it after
    the query leaves nothing open between queries.
    """
    if not os.path.exists(warehouse.path):
        raise WarehouseMissing(Path(warehouse.path))
    if not warehouse.scope.unrestricted:
        return _read_scoped(warehouse, sql, params)
    alias = f"published_{next(_aliases)}"
    cursor = _in_memory_instance().cursor()
    try:
        cursor.execute(f"attach ? as {alias} (read_only)", [warehouse.path])
        try:
            cursor.execute(f"use {alias}")
            return cursor.execute(sql, params or []).df()
        finally:
            cursor.execute("use memory")
            cursor.execute(f"detach {alias}")
    finally:
        cursor.close()


def _read_scoped(warehouse: Warehouse, sql: str, params: list | None) -> pd.DataFrame:
    """A query of a user limited to some warehouses or channels: every published table is shadowed
    by a temp view of the rows within the scope, on a connection of this query's own."""
    connection = duckdb.connect(":memory:")
    try:
        connection.execute("attach ? as published (read_only)", [warehouse.path])
        _open_scoped(connection, warehouse.scope)
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
def active_alerts(warehouse: Warehouse) -> pd.DataFrame:
    """KPI alerts the latest evaluation found (table `alerts`), newest first."""
    return read_frame(
        warehouse,
        """
        select rule, kpi, grain, period_start, dimension, dimension_value, description, first_fired_at
        from alerts
        where active
        order by first_fired_at desc, rule, dimension_value
        """,
    )


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def scorecard(warehouse: Warehouse, grain: Grain) -> pd.DataFrame:
    """The scorecard's two periods of scorecard_periods: `role` 'current' (the latest mature period)
    and 'previous' (the calendar period before it; absent when it had no measured order), with the
    overall rates, exceptions per 1,000 orders and cycle time p50/p90 that dbt computed per period."""
    if grain not in _PERIOD_TABLES:
        raise ValueError(f"unknown grain {grain!r}")
    if not warehouse.scope.unrestricted:
        return _scoped_scorecard(warehouse, grain)
    return read_frame(
        warehouse,
        f"""
        select scorecard_role as role, period_start, period_end, orders_measured, {RATE_COLUMNS},
            exceptions_per_1000_orders, cycle_time_hours_p50, cycle_time_hours_p90
        from scorecard_periods
        where grain = ? and scorecard_role is not null
        order by period_start desc
        """,
        [grain],
    )


_PERIOD_STEP: dict[Grain, str] = {"week": "interval 7 day", "month": "interval 1 month"}


def _scoped_scorecard(warehouse: Warehouse, grain: Grain) -> pd.DataFrame:
    """The scorecard of a user limited to some warehouses or channels. scorecard_periods counts every
    order, so it reads as empty for them; their rates come from the rollup's rows of their own scope
    (which the scoped view also shows as 'all'), with the same periods: the latest mature one and the
    calendar period before it. Exceptions and cycle time count every warehouse's orders: not shown."""
    table, step = _PERIOD_TABLES[grain], _PERIOD_STEP[grain]
    return read_frame(
        warehouse,
        f"""
        with overall as (select * from {table} where dimension = 'all'),
        latest as (select max(period_start) as period_start from overall where is_mature)
        select
            case when overall.period_start = latest.period_start then 'current' else 'previous' end as role,
            overall.period_start, overall.period_end, overall.orders_measured, {RATE_COLUMNS},
            cast(null as double) as exceptions_per_1000_orders,
            cast(null as double) as cycle_time_hours_p50,
            cast(null as double) as cycle_time_hours_p90
        from overall
        cross join latest
        where overall.period_start = latest.period_start
            or overall.period_start = cast(latest.period_start - {step} as date)
        order by overall.period_start desc
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
        where dimension = ? and is_mature
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
    warehouse: Warehouse,
    table: Literal["kpi_daily", "cycle_time_daily", "orders_daily", "returns_daily", "return_reasons"],
) -> tuple:
    """First and last date of a daily mart, to bound the date pickers (None, None when empty)."""
    date_columns = {
        "kpi_daily": "due_date",
        "cycle_time_daily": "delivery_date",
        "orders_daily": "order_date",
        "returns_daily": "delivery_date",
        "return_reasons": "requested_date",
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


# --------------------------------------------------------------------------- why orders fail


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def failure_cause_periods(warehouse: Warehouse, grain: Grain) -> list[dt.date]:
    """Mature periods with measured orders, latest first."""
    rows = read_frame(
        warehouse,
        f"""
        select period_start from {_FAILURE_TABLES[grain]}
        where dimension = 'all' and is_mature
        order by period_start desc
        """,
    )
    return [pd.Timestamp(value).date() for value in rows["period_start"]]


def _unpivot_causes(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """One row per key and cause (in precedence order): orders and share of measured orders."""
    parts = [
        frame[keys].assign(
            failure_cause=cause,
            orders=frame[f"cause_{cause}_orders"],
            share=frame[f"cause_{cause}_share"],
        )
        for cause in FAILURE_CAUSES
    ]
    return pd.concat(parts, ignore_index=True)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def failure_causes_in_period(
    warehouse: Warehouse, grain: Grain, period_start: dt.date, dimension: Dimension
) -> pd.DataFrame:
    """Per dimension value of one period and cause: orders and share of that value's measured orders."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}")
    cause_columns = ", ".join(f"cause_{c}_orders, cause_{c}_share" for c in FAILURE_CAUSES)
    wide = read_frame(
        warehouse,
        f"""
        select dimension_value, orders_measured, orders_not_perfect, perfect_order_rate, {cause_columns}
        from {_FAILURE_TABLES[grain]}
        where dimension = ? and period_start = ?
        order by orders_measured desc, dimension_value
        """,
        [dimension, period_start],
    )
    return _unpivot_causes(wide, ["dimension_value", "orders_measured", "orders_not_perfect"])


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def failure_cause_trend(warehouse: Warehouse, grain: Grain) -> pd.DataFrame:
    """Each cause's share of measured orders per mature period (all orders)."""
    cause_columns = ", ".join(f"cause_{c}_orders, cause_{c}_share" for c in FAILURE_CAUSES)
    wide = read_frame(
        warehouse,
        f"""
        select period_start, orders_measured, {cause_columns}
        from {_FAILURE_TABLES[grain]}
        where dimension = 'all' and is_mature
        order by period_start
        """,
    )
    return _unpivot_causes(wide, ["period_start", "orders_measured"])


_ORDER_DIMENSION_COLUMNS: dict[Dimension, str] = {
    "channel": "channel",
    "warehouse": "primary_warehouse_id",
    "carrier": "primary_carrier",
}


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def failed_orders(
    warehouse: Warehouse,
    period_start: dt.date,
    period_end: dt.date,
    failure_cause: str,
    dimension: Dimension = "all",
    dimension_value: str | None = None,
) -> pd.DataFrame:
    """Orders due in the period whose failure_cause it is (optionally of one channel, warehouse or
    carrier), latest due first; at most CAUSE_ORDERS_SHOWN."""
    if failure_cause not in FAILURE_CAUSES:
        raise ValueError(f"unknown failure cause {failure_cause!r}")
    where, params = (
        "failure_cause = ? and due_date between ? and ?",
        [failure_cause, period_start, period_end],
    )
    if dimension != "all":
        where += f" and {_ORDER_DIMENSION_COLUMNS[dimension]} = ?"
        params.append(dimension_value)
    return read_frame(
        warehouse,
        f"""
        select order_id, due_date, channel, primary_warehouse_id, primary_carrier, failure_cause,
            is_not_shipped, is_short_shipped, is_late_from_warehouse, is_late_in_transit, is_damaged,
            is_inaccurate, promised_ship_at, last_shipped_at, last_delivered_at
        from order_failure_causes
        where {where}
        order by due_date desc, order_id
        limit {CAUSE_ORDERS_SHOWN}
        """,
        params,
    )


# --------------------------------------------------------------------------- open orders


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def open_order_aging(warehouse: Warehouse) -> pd.DataFrame:
    return read_frame(
        warehouse,
        "select as_of_date, age_bucket, bucket_order, open_orders from open_order_aging order by bucket_order",
    )


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def open_order_filters(warehouse: Warehouse) -> dict[str, list[str]]:
    """The warehouses and channels that open orders have, for the filters."""
    frame = read_frame(
        warehouse,
        """
        select 'warehouse' as kind, primary_warehouse_id as value from open_orders
        union
        select 'channel' as kind, channel as value from open_orders
        order by kind, value
        """,
    )
    return {
        kind: list(frame.loc[frame["kind"] == kind, "value"].dropna()) for kind in ("warehouse", "channel")
    }


def _open_orders_where(warehouses: list[str], channels: list[str], statuses: list[str]) -> tuple[str, list]:
    """An empty filter means every value; values are bound, one placeholder each."""
    clauses, params = ["true"], []
    for column, values in (
        ("primary_warehouse_id", warehouses),
        ("channel", channels),
        ("open_status", statuses),
    ):
        if values:
            clauses.append(f"{column} in ({', '.join('?' for _ in values)})")
            params.extend(values)
    return " and ".join(clauses), params


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def open_orders_summary(
    warehouse: Warehouse, warehouses: list[str], channels: list[str], statuses: list[str]
) -> pd.DataFrame:
    """Counts of the filtered open orders by age bucket and open status."""
    where, params = _open_orders_where(warehouses, channels, statuses)
    return read_frame(
        warehouse,
        f"""
        select age_bucket, open_status, count(*) as open_orders,
            count(case when is_past_due then 1 end) as past_due
        from open_orders
        where {where}
        group by age_bucket, open_status
        order by age_bucket, open_status
        """,
        params,
    )


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def open_orders(
    warehouse: Warehouse, warehouses: list[str], channels: list[str], statuses: list[str]
) -> pd.DataFrame:
    """The filtered open orders, oldest first; at most OPEN_ORDERS_SHOWN."""
    where, params = _open_orders_where(warehouses, channels, statuses)
    return read_frame(
        warehouse,
        f"""
        select order_id, ordered_at, age_days, age_bucket, open_status, hold_reason, hold_placed_at,
            due_date, is_past_due, channel, primary_warehouse_id, primary_carrier, units_ordered,
            units_filled, shipment_count, delivered_shipment_count
        from open_orders
        where {where}
        order by ordered_at, order_id
        limit {OPEN_ORDERS_SHOWN}
        """,
        params,
    )


# --------------------------------------------------------------------------- returns


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def returns_daily(warehouse: Warehouse, start: dt.date, end: dt.date) -> pd.DataFrame:
    return read_frame(
        warehouse,
        """
        select delivery_date, orders_delivered, orders_returned, return_rate, refund_amount
        from returns_daily
        where delivery_date between ? and ?
        order by delivery_date
        """,
        [start, end],
    )


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def return_reasons(warehouse: Warehouse, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Return lines, units and refunds by reason over request dates, most units first."""
    return read_frame(
        warehouse,
        """
        select reason_code, cast(sum(return_lines) as bigint) as return_lines,
            cast(sum(units_returned) as bigint) as units_returned,
            cast(sum(refund_amount) as double) as refund_amount
        from return_reasons
        where requested_date between ? and ?
        group by reason_code
        order by units_returned desc, reason_code
        """,
        [start, end],
    )


# --------------------------------------------------------------------------- one order


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def order_summary(warehouse: Warehouse, order_id: str) -> pd.DataFrame:
    """The order's order_outcomes row with its failure cause and tests (null when it did not fail)
    and the as-of date; no row for an unknown order id."""
    return read_frame(
        warehouse,
        """
        select
            outcomes.order_id, outcomes.customer_id, outcomes.channel, outcomes.status,
            outcomes.ordered_at, outcomes.promised_ship_at, outcomes.due_date, outcomes.first_shipped_at,
            outcomes.last_shipped_at, outcomes.last_delivered_at, outcomes.cancelled, outcomes.cancel_reason,
            outcomes.excused, outcomes.measured, outcomes.line_count, outcomes.units_ordered,
            outcomes.units_filled, outcomes.shipment_count, outcomes.delivered_shipment_count,
            outcomes.primary_warehouse_id, outcomes.primary_carrier, outcomes.shipped_complete,
            outcomes.on_time, outcomes.otif, outcomes.damaged, outcomes.inaccurate, outcomes.perfect,
            outcomes.on_time_ship, outcomes.fully_delivered, outcomes.cycle_time_hours, outcomes.hold_hours,
            causes.failure_cause, causes.is_not_shipped, causes.is_short_shipped,
            causes.is_late_from_warehouse, causes.is_late_in_transit, causes.is_damaged, causes.is_inaccurate,
            (select as_of_date from run_info) as as_of_date
        from order_outcomes as outcomes
        left join order_failure_causes as causes on causes.order_id = outcomes.order_id
        where outcomes.order_id = ?
        """,
        [order_id],
    )


def _has_columns(warehouse: Warehouse, table: str, columns: tuple[str, ...]) -> bool:
    """Whether the published file has these columns: a file published before the data checks
    across entities and time (issue 14) has no suspect_days table and fewer result columns."""
    found = read_frame(
        warehouse,
        # The file is attached under a per-query alias (published, published_<n>).
        "select column_name from duckdb_columns() where database_name like 'published%' and table_name = ?",
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
def order_lines(warehouse: Warehouse, order_id: str) -> pd.DataFrame:
    return read_frame(
        warehouse,
        """
        select line_number, sku, quantity_ordered, unit_price, quantity_shipped,
            quantity_delivered_by_due_date, is_filled, is_delivered_in_full_by_due_date
        from order_lines
        where order_id = ?
        order by line_number
        """,
        [order_id],
    )


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def order_timeline(warehouse: Warehouse, order_id: str) -> pd.DataFrame:
    return read_frame(
        warehouse,
        """
        select event_at, event_source, event_type, detail, reference_id
        from order_timeline
        where order_id = ?
        order by event_at, event_source, event_type, reference_id
        """,
        [order_id],
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
