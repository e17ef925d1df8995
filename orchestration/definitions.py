"""Dagster definitions of Order Pulse: `dagster dev -m orchestration.definitions`."""

from __future__ import annotations

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.dbt_models import DBT_EXECUTABLE, DBT_PROJECT, orderpulse_dbt_models
from orchestration.jobs import build_pipeline_job
from orchestration.publish_asset import published_warehouse
from orchestration.raw_assets import raw_entities
from orchestration.resources import WarehouseResource
from orchestration.schedules import daily_pipeline_schedule
from orchestration.sensors import landing_sensor
from orderpulse.config import load_settings


def build_definitions(warehouse: WarehouseResource) -> dg.Definitions:
    return dg.Definitions(
        assets=[raw_entities, orderpulse_dbt_models, published_warehouse],
        jobs=[build_pipeline_job(str(warehouse.paths.published))],
        schedules=[daily_pipeline_schedule],
        sensors=[landing_sensor],
        resources={
            "warehouse": warehouse,
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
        engine=settings.engine,
    )


defs = build_definitions(warehouse_from_settings())
