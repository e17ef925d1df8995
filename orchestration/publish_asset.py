"""The published warehouse: built only after every blocking check upstream passed."""

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from orchestration.alert_checks import evaluate_alert_rules
from orchestration.dbt_models import DBT_PROJECT, mart_model_names, orderpulse_dbt_models
from orchestration.feed_checks_asset import FEED_CHECKS
from orchestration.resources import WarehouseResource
from warehouse.publish import publish


@dg.asset(
    key="published_warehouse",
    group_name="publish",
    kinds={"duckdb"},
    # After the data checks: a blocking one that fails stops the run before anything is published.
    deps=[get_asset_key_for_model([orderpulse_dbt_models], name) for name in mart_model_names()]
    + [FEED_CHECKS],
    description="The DuckDB file analysts and dashboards open read-only: every mart, the load ledger, "
    "quarantined rows, data-quality results, suspect days and run_info. Replaced atomically by each run.",
)
def published_warehouse(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    if warehouse.engine == "spark":
        # Spark wrote the marts as Parquet; the same publish makes the same DuckDB file of them.
        from warehouse.spark_marts import import_spark_tables

        import_spark_tables(
            warehouse.paths.work_db, warehouse.paths.spark_warehouse_dir, DBT_PROJECT.manifest_path
        )
    evaluate_alert_rules(warehouse)  # its `alerts` table goes out with the marts it judges
    summary = publish(warehouse.paths, context.run.run_id, warehouse.landing)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(summary.path)),
            "as_of_date": str(summary.as_of_date),
            "tables": ", ".join(summary.tables),
        }
    )
