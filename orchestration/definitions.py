"""Dagster definitions of Order Pulse: `dagster dev -m orchestration.definitions`."""

from __future__ import annotations

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.alert_checks import kpi_alerts
from orchestration.dbt_models import DBT_EXECUTABLE, DBT_PROJECT, orderpulse_dbt_models
from orchestration.feed_checks_asset import data_checks
from orchestration.inbox_sensor import inbox_sensor
from orchestration.jobs import build_pipeline_job
from orchestration.publish_asset import published_warehouse
from orchestration.raw_assets import raw_entities
from orchestration.report_asset import ReportResource, weekly_executive_report
from orchestration.resources import WarehouseResource
from orchestration.schedules import daily_pipeline_schedule, weekly_report_job, weekly_report_sensor
from orchestration.sensors import landing_sensor
from orderpulse.config import load_settings, reports_dir


def build_definitions(warehouse: WarehouseResource) -> dg.Definitions:
    return dg.Definitions(
        assets=[
            raw_entities,
            orderpulse_dbt_models,
            data_checks,
            published_warehouse,
            weekly_executive_report,
        ],
        asset_checks=[kpi_alerts],
        jobs=[build_pipeline_job(str(warehouse.paths.published)), weekly_report_job],
        schedules=[daily_pipeline_schedule],
        sensors=[landing_sensor, inbox_sensor, weekly_report_sensor],
        resources={
            "warehouse": warehouse,
            "report": ReportResource(out_dir=str(reports_dir())),
            "dbt": DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=DBT_EXECUTABLE),
        },
    )


def warehouse_from_settings() -> WarehouseResource:
    settings = load_settings()
    return WarehouseResource(
        landing_dir=str(settings.landing_dir),
        warehouse_path=str(settings.warehouse_path),
        quarantine_threshold=settings.quarantine_threshold,
        freshness_hours=settings.freshness_hours,
        inbox_dir=str(settings.inbox_dir),
        data_checks_path=str(settings.data_checks_path),
        engine=settings.engine,
    )


defs = build_definitions(warehouse_from_settings())
