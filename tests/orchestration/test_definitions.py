"""The Dagster wiring: definitions load, raw assets materialize with their checks, the sensor."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import dagster as dg
import duckdb
from dagster._utils.tags import TagConcurrencyLimitsCounter

from benchmarks.generate_landing import write_landing
from orchestration.definitions import build_definitions, defs
from orchestration.jobs import PIPELINE_JOB_NAME, WAREHOUSE_TAG
from orchestration.raw_assets import raw_entities
from orchestration.resources import WarehouseResource
from orchestration.sensors import landing_sensor

REPO = Path(__file__).resolve().parents[2]


def test_definitions_load_with_every_asset_check_schedule_and_sensor():
    repository = defs.get_repository_def()
    keys = {key.to_user_string() for key in repository.asset_graph.get_all_asset_keys()}
    assert {
        "raw/oms__orders",
        "raw/carrier__tracking_events",
        "marts/order_outcomes",
        "marts/kpi_daily",
    } <= keys
    assert "published_warehouse" in keys
    check_names = {key.name for key in repository.asset_graph.asset_check_keys}
    assert {"rows_reconcile", "quarantine_share_within_threshold", "load_expectations"} <= check_names
    # dbt tests become asset checks too.
    assert any(name.startswith("unique_order_outcomes_order_id") for name in check_names)
    assert defs.resolve_job_def(PIPELINE_JOB_NAME) is not None
    assert [s.name for s in repository.schedule_defs] == ["daily_pipeline"]
    assert sorted(s.name for s in repository.sensor_defs) == [
        "inbox_sensor",
        "landing_sensor",
        "weekly_report_after_first_run",
    ]
    assert {"alert_rules_valid", "kpi_thresholds_met", "alerts_delivered"} <= check_names


def test_the_data_checks_run_after_dbt_and_can_stop_the_publish():
    graph = defs.get_repository_def().asset_graph
    data_checks = dg.AssetKey("data_checks")
    checks = {
        key.name: graph.get_check_spec(key) for key in graph.asset_check_keys if key.asset_key == data_checks
    }
    assert set(checks) == {"plausibility", "referential_integrity", "volume"}
    assert all(spec.blocking for spec in checks.values())
    assert data_checks in graph.get(dg.AssetKey("published_warehouse")).parent_keys
    assert dg.AssetKey(["staging", "stg_wms__shipments"]) in graph.get(data_checks).parent_keys


def test_raw_assets_materialize_and_their_blocking_checks_pass(tmp_path: Path):
    landing = tmp_path / "landing"
    write_landing(landing, orders=200, days=5, file_format="mixed")
    warehouse = WarehouseResource(landing_dir=str(landing), warehouse_path=str(tmp_path / "w.duckdb"))
    result = dg.materialize([raw_entities], resources={"warehouse": warehouse})
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    # Per entity: three blocking load checks and the freshness warning (files landed just now).
    assert len(evaluations) == 40 and all(e.passed for e in evaluations)
    assert {e.check_name for e in evaluations} == {
        "rows_reconcile",
        "quarantine_share_within_threshold",
        "load_expectations",
        "source_landed_recently",
    }
    with duckdb.connect(str(warehouse.paths.work_db), read_only=True) as conn:
        assert conn.execute("select count(*) from raw.oms__orders").fetchone()[0] == 200
        assert conn.execute("select count(*) from ops.data_quality_results").fetchone()[0] > 0


def test_a_blocking_check_fails_when_a_file_has_too_many_bad_rows(tmp_path: Path):
    landing = tmp_path / "landing"
    write_landing(landing, orders=50, days=2, file_format="csv")
    bad = landing / "oms" / "order_lines" / "bad.csv"
    bad.write_text(
        "order_id,line_number,sku,quantity_ordered,unit_price,updated_at\n"
        "O1,1,A,0,1.00,2024-01-01T00:00:00Z\nO1,2,B,1,1.00,2024-01-01T00:00:00Z\n"
    )
    warehouse = WarehouseResource(landing_dir=str(landing), warehouse_path=str(tmp_path / "w.duckdb"))
    result = dg.materialize([raw_entities], resources={"warehouse": warehouse}, raise_on_error=False)
    failed = [e for e in result.get_asset_check_evaluations() if not e.passed]
    assert result.success is False
    assert [(e.asset_key.to_user_string(), e.check_name) for e in failed] == [
        ("raw/oms__order_lines", "quarantine_share_within_threshold")
    ]
    assert "oms/order_lines/bad.csv: 1 of 2 rows quarantined" in failed[0].metadata["details"].value


def test_the_sensor_requests_one_run_per_set_of_new_files_and_never_two(tmp_path: Path):
    landing = tmp_path / "landing"
    write_landing(landing, orders=20, days=1, file_format="csv")
    warehouse = WarehouseResource(landing_dir=str(landing), warehouse_path=str(tmp_path / "w.duckdb"))
    sensor_defs = build_definitions(warehouse)
    sensor = sensor_defs.resolve_sensor_def("landing_sensor")
    with dg.instance_for_test() as instance:
        first = sensor.evaluate_tick(
            dg.build_sensor_context(instance=instance, resources={"warehouse": warehouse})
        )
        assert len(first.run_requests) == 1
        # Nothing new: no run, whatever the number of ticks.
        again = sensor.evaluate_tick(
            dg.build_sensor_context(
                instance=instance, cursor=first.cursor, resources={"warehouse": warehouse}
            )
        )
        assert not again.run_requests
        assert again.skip_message == "no new files"
        (landing / "oms" / "orders" / "later.csv").write_text(
            (landing / "oms/orders/extract-0000.csv").read_text()
        )
        third = sensor.evaluate_tick(
            dg.build_sensor_context(
                instance=instance, cursor=first.cursor, resources={"warehouse": warehouse}
            )
        )
        assert len(third.run_requests) == 1
        assert third.run_requests[0].run_key != first.run_requests[0].run_key
    assert landing_sensor.job_name == PIPELINE_JOB_NAME


def test_the_sensor_skips_with_a_reason_when_the_landing_folder_is_missing(tmp_path: Path):
    warehouse = WarehouseResource(
        landing_dir=str(tmp_path / "nowhere"), warehouse_path=str(tmp_path / "w.duckdb")
    )
    sensor = build_definitions(warehouse).resolve_sensor_def("landing_sensor")
    with dg.instance_for_test() as instance:
        result = sensor.evaluate_tick(
            dg.build_sensor_context(instance=instance, resources={"warehouse": warehouse})
        )
    assert not result.run_requests
    assert "does not exist" in result.skip_message


def test_a_source_that_has_not_landed_within_its_interval_warns_without_stopping(tmp_path: Path):
    landing = tmp_path / "landing"
    write_landing(landing, orders=30, days=1, file_format="csv")
    two_days_ago = time.time() - 2 * 86400
    for path in (landing / "carrier").rglob("*.csv"):
        os.utime(path, (two_days_ago, two_days_ago))
    warehouse = WarehouseResource(
        landing_dir=str(landing), warehouse_path=str(tmp_path / "w.duckdb"), freshness_hours={"carrier": 24}
    )
    result = dg.materialize([raw_entities], resources={"warehouse": warehouse})
    assert result.success  # a warning never stops the load
    stale = [e for e in result.get_asset_check_evaluations() if not e.passed]
    assert [(e.asset_key.to_user_string(), e.check_name, e.severity) for e in stale] == [
        ("raw/carrier__tracking_events", "source_landed_recently", dg.AssetCheckSeverity.WARN)
    ]
    assert "last landed 48.0 h ago (expected within 24.0 h)" in stale[0].metadata["details"].value


def test_the_instance_runs_one_pipeline_run_at_a_time_per_warehouse(tmp_path: Path):
    """The run queue of an instance set up by the project's dagster.yaml holds a second run for a
    warehouse while one is in progress, and lets a run for another warehouse through."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")

    def job_for(name: str) -> dg.JobDefinition:
        warehouse = WarehouseResource(landing_dir=str(tmp_path), warehouse_path=str(tmp_path / name))
        return build_definitions(warehouse).resolve_job_def(PIPELINE_JOB_NAME)

    with dg.DagsterInstance.from_config(str(home)) as instance:
        limits = instance.get_concurrency_config().run_queue_config.tag_concurrency_limits

        def new_run(job: dg.JobDefinition) -> dg.DagsterRun:
            # As a launch from the schedule, the sensor or the UI does: the job's tags on the run.
            return instance.create_run_for_job(job, tags=job.run_tags)

        in_progress = new_run(job_for("a.duckdb"))
        # The daemon that dequeues runs counts in-progress runs by tag with this same counter.
        counter = TagConcurrencyLimitsCounter(limits, [in_progress])
        assert counter.is_blocked(new_run(job_for("a.duckdb")))
        assert not counter.is_blocked(new_run(job_for("b.duckdb")))
    assert in_progress.tags[WAREHOUSE_TAG] == str(tmp_path / "a.duckdb")
