"""Data-quality results kept in the work database and published for the dashboard."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import duckdb

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
)


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
        ]
        for o in outcomes
    ]
    if rows:
        conn.executemany(
            f"insert into ops.data_quality_results ({', '.join(RESULT_COLUMNS)}) values "
            f"({', '.join('?' for _ in RESULT_COLUMNS)})",
            rows,
        )
