"""`ingest.load_landing`: one call loads a landing folder and reports what each check judges."""

from __future__ import annotations

import duckdb
from order_files import ORDER_HEADER, land, order_row

from ingest import load_landing, mark_published
from ingest.load import ALREADY_SEEN, LOADED, QUARANTINED

GOOD = order_row("O1")
BAD_CHANNEL = order_row("O2", channel="telepathy")


def by_table(report):
    return {load.entity.table: load for load in report.entities}


def test_a_load_reports_files_rows_quarantine_and_what_the_checks_judge(tmp_path):
    landing, work_db = tmp_path / "landing", tmp_path / "work.duckdb"
    land(landing, "oms/orders/a.csv", f"{ORDER_HEADER}\n{GOOD}\n{BAD_CHANNEL}\n")
    land(landing, "oms/orders/broken.csv", "not,a\ncontract,file\n")
    land(landing, "elsewhere/orders.csv", f"{ORDER_HEADER}\n{GOOD}\n")

    report = load_landing(landing, work_db, "run-1", quarantine_threshold=0.01, freshness_hours={"oms": 24})

    orders = by_table(report)["oms__orders"]
    statuses = {f.file_path: (f.status, f.rows_loaded, f.rows_quarantined) for f in orders.files}
    assert statuses["oms/orders/a.csv"] == (LOADED, 1, 1)
    assert statuses["oms/orders/broken.csv"][0] == QUARANTINED
    # Half of a.csv was quarantined: over the 1% threshold; its counts reconcile.
    assert [line.split(":")[0] for line in orders.over_quarantine_threshold] == ["oms/orders/a.csv"]
    assert orders.not_reconciling == []
    assert orders.expectations.rows_checked == 1
    assert orders.landed_recently
    assert not by_table(report)["wms__shipments"].landed_recently  # nothing ever landed for wms
    assert [f.file_path for f in report.stray_files] == ["elsewhere/orders.csv"]
    assert {f.file_path for f in report.set_aside} == {"oms/orders/broken.csv", "elsewhere/orders.csv"}


def test_files_stay_judged_until_published_and_the_watermark_belongs_to_ingest(tmp_path):
    landing, work_db = tmp_path / "landing", tmp_path / "work.duckdb"
    land(landing, "oms/orders/a.csv", f"{ORDER_HEADER}\n{GOOD}\n")
    load_landing(landing, work_db, "run-1", 0.01, {})

    again = by_table(load_landing(landing, work_db, "run-2", 0.01, {}))["oms__orders"]
    assert [f.status for f in again.files] == [ALREADY_SEEN]
    assert [f.file_path for f in again.pending] == ["oms/orders/a.csv"]  # not yet published

    with duckdb.connect(str(work_db)) as conn:
        mark_published(conn, "run-2")
    after = by_table(load_landing(landing, work_db, "run-3", 0.01, {}))["oms__orders"]
    assert after.pending == []
    assert after.expectations.rows_checked == 0
