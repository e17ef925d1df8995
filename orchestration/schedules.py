"""Daily run of the pipeline."""

import dagster as dg

from orchestration.jobs import pipeline_job

daily_pipeline_schedule = dg.ScheduleDefinition(
    name="daily_pipeline",
    job=pipeline_job,
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    description="Rebuild and publish the KPIs every morning, whether or not files landed overnight.",
)
