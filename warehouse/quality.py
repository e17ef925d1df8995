"""Data-quality results kept in the work database and published for the dashboard."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import duckdb
import pandas as pd

RESULT_COLUMNS = (
    "checked_at",
    "run_id",
    "entity",
    "suite",
    "expectation",
    "column_name",
    "passed",
    "blocking",
    "unexpected_count",
    "element_count",
    "details",
    # Added for the data checks across entities and time (issue 14); null where not applicable.
    "check_name",
    "severity",
    "slice_dimension",
    "slice_value",
    "affected_share",
    "example_keys",
)
# Columns added after the table's first release: a work database created before them gains them.
ADDED_COLUMNS = {
    "check_name": "varchar",
    "severity": "varchar",
    "slice_dimension": "varchar",
    "slice_value": "varchar",
    "affected_share": "double",
    "example_keys": "varchar",
}

TABLE_COMMENTS = {
    "data_quality_results": "One row per check per run: each Great Expectations expectation per entity, and each "
    "data check across entities and time (overall, slice all, and one row per failing slice).",
    "suspect_days": "One row per day, slice (slice_dimension, slice_value) and data check that failed in the "
    "latest run: the KPIs of those days may show a broken feed rather than the operation.",
}
# The one description of these tables: publish copies the work database's comments.
COLUMN_COMMENTS = {
    ("data_quality_results", "checked_at"): "When the check ran (UTC).",
    ("data_quality_results", "run_id"): "The run that ran it.",
    (
        "data_quality_results",
        "entity",
    ): "Contract entity checked; for data checks across entities, the one judged.",
    (
        "data_quality_results",
        "suite",
    ): "Expectation suite (<entity>__<purpose>) of a load check, or a data check's family.",
    ("data_quality_results", "expectation"): "The expectation's type (load checks) or the data check's name.",
    ("data_quality_results", "column_name"): "The column checked; null for table-level checks.",
    ("data_quality_results", "passed"): "The check held.",
    ("data_quality_results", "blocking"): "A failure stops the publish.",
    ("data_quality_results", "unexpected_count"): "Rows (or days) that failed it.",
    ("data_quality_results", "element_count"): "Rows (or days) judged.",
    ("data_quality_results", "details"): "Details of a failure: JSON for load checks, words for data checks.",
    ("data_quality_results", "check_name"): "Name of the check (the GX expectation type for load checks).",
    ("data_quality_results", "severity"): "warn (reported, the run publishes) or block (the run stops).",
    ("data_quality_results", "slice_dimension"): "What the row is about: all, or the dimension of a failing "
    "slice (carrier, warehouse, channel, file, source, event_type).",
    ("data_quality_results", "slice_value"): "all, or the failing slice (e.g. the carrier UPS).",
    ("data_quality_results", "affected_share"): "unexpected_count / element_count: the share of judged rows "
    "(or, for volume checks, of judged days) that failed.",
    (
        "data_quality_results",
        "example_keys",
    ): "Up to five keys of affected rows (or flagged days), comma-separated.",
    (
        "suspect_days",
        "day",
    ): "The day concerned: due date of the orders for plausibility checks, the day of the "
    "rows for volume and referential-integrity checks.",
    ("suspect_days", "slice_dimension"): "carrier, warehouse, channel, file, source or event_type.",
    ("suspect_days", "slice_value"): "The slice whose data failed the check on that day.",
    ("suspect_days", "check_name"): "The data check that failed.",
    ("suspect_days", "severity"): "The check's severity: warn or block.",
    ("suspect_days", "reason"): "Why the day is suspect, in words.",
    ("suspect_days", "run_id"): "The run that found it.",
}


def ensure_table(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute("create schema if not exists ops")
    conn.execute(
        """
        create table if not exists ops.data_quality_results (
            checked_at timestamp, run_id varchar, entity varchar, suite varchar,
            expectation varchar, column_name varchar, passed boolean, blocking boolean,
            unexpected_count bigint, element_count bigint, details varchar
        )
        """
    )
    for name, sql_type in ADDED_COLUMNS.items():
        conn.execute(f"alter table ops.data_quality_results add column if not exists {name} {sql_type}")
    conn.execute(
        """
        create table if not exists ops.suspect_days (
            day date, slice_dimension varchar, slice_value varchar, check_name varchar,
            severity varchar, reason varchar, run_id varchar
        )
        """
    )
    # Readers of the published file find these descriptions with duckdb_columns().
    for table, comment in TABLE_COMMENTS.items():
        conn.execute(f"comment on table ops.{table} is '{_quoted(comment)}'")
    for (table, column), comment in COLUMN_COMMENTS.items():
        conn.execute(f"comment on column ops.{table}.{column} is '{_quoted(comment)}'")


def record_results(
    conn: duckdb.DuckDBPyConnection, run_id: str, entity: str, outcomes: Iterable[object]
) -> None:
    """Append one row per expectation outcome (objects with the ExpectationOutcome fields)."""
    ensure_table(conn)
    checked_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = [
        [
            checked_at,
            run_id,
            entity,
            o.suite,
            o.expectation,
            o.column_name,
            o.passed,
            o.blocking,
            o.unexpected_count,
            o.element_count,
            o.details,
            o.expectation,
            "block" if o.blocking else "warn",
            None,
            None,
            o.unexpected_count / o.element_count
            if o.unexpected_count is not None and o.element_count
            else None,
            None,
        ]
        for o in outcomes
    ]
    _insert(conn, rows)


def record_feed_checks(conn: duckdb.DuckDBPyConnection, run_id: str, report) -> None:
    """Append the data checks' results (expectations.feed_checks.FeedCheckReport) and replace the
    suspect days with this run's: they describe the data as it is now, not a history."""
    ensure_table(conn)
    checked_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = [
        [
            checked_at,
            run_id,
            r.entity,
            r.family,
            r.check_name,
            None,
            r.passed,
            r.severity == "block",
            r.affected,
            r.judged,
            r.details,
            r.check_name,
            r.severity,
            r.slice_dimension,
            r.slice_value,
            r.share,
            ", ".join(r.example_keys) or None,
        ]
        for r in report.results
    ]
    _insert(conn, rows)
    conn.execute("delete from ops.suspect_days")
    suspects = pd.DataFrame(
        [
            (s.day, s.slice_dimension, s.slice_value, s.check_name, s.severity, s.reason, run_id)
            for s in report.suspect_days
        ],
        columns=["day", "slice_dimension", "slice_value", "check_name", "severity", "reason", "run_id"],
    )
    if not suspects.empty:
        conn.register("new_suspect_days", suspects)
        conn.execute("insert into ops.suspect_days select * from new_suspect_days")
        conn.unregister("new_suspect_days")


def _quoted(text: str) -> str:
    return text.replace("'", "''")


def _insert(conn: duckdb.DuckDBPyConnection, rows: list[list]) -> None:
    if rows:
        conn.executemany(
            f"insert into ops.data_quality_results ({', '.join(RESULT_COLUMNS)}) values "
            f"({', '.join('?' for _ in RESULT_COLUMNS)})",
            rows,
        )


def suspect_days_between(conn: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date) -> pd.DataFrame:
    """The suspect days from `start` to `end` of a published warehouse (a connection to it), for
    anything that shows KPIs by day, such as the weekly report: one row per day, slice and failing
    check, with the reason. Empty for a file published before the data checks existed."""
    columns = ["day", "slice_dimension", "slice_value", "check_name", "severity", "reason"]
    exists = conn.execute(
        "select count(*) from duckdb_tables() where database_name = current_database() "
        "and schema_name = current_schema() and table_name = 'suspect_days'"
    ).fetchone()[0]
    if not exists:
        return pd.DataFrame(columns=columns)
    return conn.execute(
        f"select {', '.join(columns)} from suspect_days where day between ? and ? "
        "order by day, slice_dimension, slice_value, check_name",
        [start, end],
    ).df()
