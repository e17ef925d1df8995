"""The inbox sensor: documents dropped in <inbox>/<importer>/ are imported, set aside, and start a run."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg

from orchestration.definitions import build_definitions
from orchestration.jobs import PIPELINE_JOB_NAME
from orchestration.resources import WarehouseResource

REPO = Path(__file__).resolve().parents[2]
SHOPIFY_EXAMPLE = REPO / "examples" / "shopify" / "orders_export.csv"
OLIST_EXAMPLE = REPO / "examples" / "olist"


def tick(sensor: dg.SensorDefinition, warehouse: WarehouseResource, instance) -> dg.SensorExecutionData:
    return sensor.evaluate_tick(
        dg.build_sensor_context(instance=instance, resources={"warehouse": warehouse})
    )


def test_documents_arriving_in_the_inbox_are_imported_moved_aside_and_start_one_run(tmp_path: Path):
    inbox, landing = tmp_path / "inbox", tmp_path / "landing"
    (inbox / "shopify").mkdir(parents=True)
    shutil.copy(SHOPIFY_EXAMPLE, inbox / "shopify" / "october.csv")
    shutil.copytree(OLIST_EXAMPLE, inbox / "olist")
    warehouse = WarehouseResource(
        landing_dir=str(landing), warehouse_path=str(tmp_path / "w.duckdb"), inbox_dir=str(inbox)
    )
    sensor = build_definitions(warehouse).resolve_sensor_def("inbox_sensor")
    assert sensor.job_name == PIPELINE_JOB_NAME
    with dg.instance_for_test() as instance:
        first = tick(sensor, warehouse, instance)
        [run] = first.run_requests
        assert run.tags["orderpulse/documents_imported"] == "2"
        landed = sorted(p.relative_to(landing).parts[:2] for p in landing.rglob("*.csv"))
        assert ("oms", "orders") in landed and ("carrier", "tracking_events") in landed
        # The documents, with the payments file read beside Olist's orders, are moved aside.
        assert sorted(p.name for p in (inbox / "shopify").rglob("*") if p.is_file()) == ["october.csv"]
        assert (inbox / "shopify" / "_processed" / "october.csv").is_file()
        assert sorted(p.name for p in (inbox / "olist" / "_processed").iterdir()) == [
            "olist_order_payments_dataset.csv",
            "olist_orders_dataset.csv",
        ]
        # Only what was read moves: the example's README stays.
        assert [p.name for p in (inbox / "olist").iterdir() if p.is_file()] == ["README.md"]

        # The next tick finds nothing: no run, whatever the number of ticks.
        again = tick(sensor, warehouse, instance)
        assert not again.run_requests and again.skip_message == "no new documents"

        # The same export dropped again is imported again harmlessly: nothing lands, no run.
        shutil.copy(SHOPIFY_EXAMPLE, inbox / "shopify" / "october-again.csv")
        files_before = sorted(landing.rglob("*"))
        third = tick(sensor, warehouse, instance)
        assert not third.run_requests and third.skip_message == "documents already imported"
        assert sorted(landing.rglob("*")) == files_before
        assert (inbox / "shopify" / "_processed" / "october-again.csv").is_file()


def test_a_bad_document_is_moved_to_rejected_with_its_reason_and_starts_no_run(tmp_path: Path):
    inbox = tmp_path / "inbox"
    (inbox / "shopify").mkdir(parents=True)
    bad = inbox / "shopify" / "broken.csv"
    bad.write_text("Name,Email\n#1,someone@example.com\n", encoding="utf-8")
    (inbox / "shopify" / ".being-copied.csv").write_text("half a file", encoding="utf-8")
    warehouse = WarehouseResource(
        landing_dir=str(tmp_path / "landing"), warehouse_path=str(tmp_path / "w.duckdb"), inbox_dir=str(inbox)
    )
    sensor = build_definitions(warehouse).resolve_sensor_def("inbox_sensor")
    with dg.instance_for_test() as instance:
        result = tick(sensor, warehouse, instance)
    assert not result.run_requests
    assert result.skip_message == "1 document(s) rejected; see _rejected/ in the inbox folders"
    assert not bad.exists()
    problem = (inbox / "shopify" / "_rejected" / "broken.csv.problem.txt").read_text(encoding="utf-8")
    assert problem.startswith(
        f'{bad}: row 1: not a Shopify "Export orders" CSV: the header lacks the column(s)'
    )
    assert (inbox / "shopify" / ".being-copied.csv").exists()  # a file in the making is left alone
    assert not (tmp_path / "landing").exists()


def test_the_sensor_skips_with_a_reason_when_there_is_no_inbox(tmp_path: Path):
    warehouse = WarehouseResource(
        landing_dir=str(tmp_path / "landing"),
        warehouse_path=str(tmp_path / "w.duckdb"),
        inbox_dir=str(tmp_path / "nowhere"),
    )
    sensor = build_definitions(warehouse).resolve_sensor_def("inbox_sensor")
    with dg.instance_for_test() as instance:
        result = tick(sensor, warehouse, instance)
    assert not result.run_requests
    assert result.skip_message == f"inbox folder {tmp_path / 'nowhere'} does not exist"
