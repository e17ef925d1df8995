"""suspect_days_between: the suspect days of a published warehouse, for the weekly report and others."""

from __future__ import annotations

import datetime as dt

import duckdb

from expectations.feed_checks import FeedCheckReport, SuspectDay
from warehouse.quality import record_feed_checks, suspect_days_between


def test_suspect_days_between_reads_the_published_table_and_tolerates_older_files(tmp_path):
    path = tmp_path / "published.duckdb"
    with duckdb.connect(str(path)) as conn:
        assert suspect_days_between(conn, dt.date(2024, 1, 1), dt.date(2024, 1, 31)).empty  # no table yet
        days = [dt.date(2024, 1, 9), dt.date(2024, 1, 10), dt.date(2024, 2, 1)]
        report = FeedCheckReport(
            [],
            [
                SuspectDay(d, "warehouse", "WH-EAST", "shipments_per_warehouse", "warn", "stopped")
                for d in days
            ],
        )
        record_feed_checks(conn, "run-1", report)  # writes ops.suspect_days
        conn.execute("create table main.suspect_days as select * from ops.suspect_days")  # as publish does
        january = suspect_days_between(conn, dt.date(2024, 1, 1), dt.date(2024, 1, 31))
    assert [d.date() for d in january["day"]] == days[:2]
    assert set(january["slice_value"]) == {"WH-EAST"} and set(january["reason"]) == {"stopped"}
