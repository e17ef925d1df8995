"""The one pipeline job, run by the schedule, the landing sensor and `orderpulse run`."""

import dagster as dg

from orchestration.report_asset import REPORTS_GROUP

PIPELINE_JOB_NAME = "orderpulse_pipeline"
# Every run carries the published warehouse it builds; dagster.yaml limits runs to one per
# distinct value, so a sensor run and the schedule's run for one warehouse queue up instead of
# racing for its work database, while runs for other warehouses go ahead.
WAREHOUSE_TAG = "orderpulse/warehouse"


def build_pipeline_job(warehouse_path: str):
    return dg.define_asset_job(
        PIPELINE_JOB_NAME,
        # The reports have their own job, started after the week's first run (schedules.py).
        selection=dg.AssetSelection.all() - dg.AssetSelection.groups(REPORTS_GROUP),
        description="Ingest every newly landed file -> raw tables -> dbt build -> data checks -> publish.",
        tags={WAREHOUSE_TAG: warehouse_path},
    )
