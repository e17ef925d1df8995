"""The one pipeline job, run by the schedule, the landing sensor and `orderpulse run`."""

import dagster as dg

PIPELINE_JOB_NAME = "orderpulse_pipeline"

pipeline_job = dg.define_asset_job(
    PIPELINE_JOB_NAME,
    selection=dg.AssetSelection.all(),
    description="Ingest every newly landed file -> raw tables -> dbt build -> data checks -> publish.",
)
