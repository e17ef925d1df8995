"""Daily run of the pipeline, and the weekly executive report after the first run of each week."""

import datetime as dt

import dagster as dg

from orchestration.jobs import PIPELINE_JOB_NAME
from orchestration.report_asset import REPORTS_GROUP

WEEKLY_REPORT_JOB_NAME = "weekly_report"

daily_pipeline_schedule = dg.ScheduleDefinition(
    name="daily_pipeline",
    job_name=PIPELINE_JOB_NAME,
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    description="Rebuild and publish the KPIs every morning, whether or not files landed overnight.",
    # Transient failures (a locked file, a killed process) are retried from the failed step when
    # the instance enables run retries (dagster.yaml: run_retries). Retrying is safe: load checks
    # judge every file not yet published, so a retry cannot slip bad data through.
    tags={"dagster/max_retries": "2", "dagster/retry_strategy": "FROM_FAILURE"},
)

weekly_report_job = dg.define_asset_job(
    WEEKLY_REPORT_JOB_NAME,
    selection=dg.AssetSelection.groups(REPORTS_GROUP),
    description="Write the executive report of the latest mature week (HTML and PDF).",
)


def weekly_report_run_key(finished_at: dt.datetime) -> str:
    """One key per ISO week: Dagster never starts two runs with one key of a sensor."""
    year, week, _ = finished_at.isocalendar()
    return f"weekly-report-{year}-W{week:02d}"


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    name="weekly_report_after_first_run",
    request_job=weekly_report_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="After the first successful pipeline run of each week (UTC), write the weekly report.",
)
def weekly_report_sensor(context: dg.RunStatusSensorContext):
    if context.dagster_run.job_name != PIPELINE_JOB_NAME:
        return dg.SkipReason(f"run of {context.dagster_run.job_name}, not of {PIPELINE_JOB_NAME}")
    # The run just succeeded, so its week is the week of now; later runs that week get the same key.
    return dg.RunRequest(run_key=weekly_report_run_key(dt.datetime.now(dt.UTC)))
