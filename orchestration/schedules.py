"""Daily run of the pipeline."""

import dagster as dg

from orchestration.jobs import PIPELINE_JOB_NAME

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
