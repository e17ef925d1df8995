"""The weekly report is requested after the first successful pipeline run of each week, once."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from orchestration.definitions import defs
from orchestration.jobs import PIPELINE_JOB_NAME
from orchestration.schedules import WEEKLY_REPORT_JOB_NAME, weekly_report_run_key, weekly_report_sensor


def success_context(instance: dg.DagsterInstance, job_name: str) -> dg.RunStatusSensorContext:
    run = instance.create_run_for_job(
        dg.JobDefinition(graph_def=dg.GraphDefinition(name=job_name, node_defs=[]), name=job_name)
    )
    event = dg.DagsterEvent(event_type_value="PIPELINE_SUCCESS", job_name=job_name)
    return dg.build_run_status_sensor_context(
        sensor_name=weekly_report_sensor.name, dagster_event=event, dagster_instance=instance, dagster_run=run
    )


def test_a_successful_pipeline_run_requests_the_report_keyed_by_its_week():
    with dg.instance_for_test() as instance:
        request = weekly_report_sensor(success_context(instance, PIPELINE_JOB_NAME))
        assert isinstance(request, dg.RunRequest)
        assert request.run_key == weekly_report_run_key(dt.datetime.now(dt.UTC))
        skipped = weekly_report_sensor(success_context(instance, "some_other_job"))
        assert isinstance(skipped, dg.SkipReason)
    assert weekly_report_sensor.job_name == WEEKLY_REPORT_JOB_NAME


def test_runs_of_one_week_share_a_key_and_the_next_week_gets_a_new_one():
    monday = dt.datetime(2026, 11, 30, 6, 5, tzinfo=dt.UTC)
    sunday_night = dt.datetime(2026, 12, 6, 23, 59, tzinfo=dt.UTC)
    next_monday = dt.datetime(2026, 12, 7, 0, 1, tzinfo=dt.UTC)
    assert weekly_report_run_key(monday) == weekly_report_run_key(sunday_night) == "weekly-report-2026-W49"
    assert weekly_report_run_key(next_monday) == "weekly-report-2026-W50"


def test_the_pipeline_job_leaves_the_report_to_its_own_job():
    pipeline = defs.resolve_job_def(PIPELINE_JOB_NAME).asset_layer.selected_asset_keys
    report = defs.resolve_job_def(WEEKLY_REPORT_JOB_NAME).asset_layer.selected_asset_keys
    assert dg.AssetKey("weekly_executive_report") not in pipeline
    assert dg.AssetKey("published_warehouse") in pipeline
    assert report == {dg.AssetKey("weekly_executive_report")}
