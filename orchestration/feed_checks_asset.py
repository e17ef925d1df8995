"""The data checks across rows, entities and time, as one asset with a check per family.

They run after `dbt build` (they read the staging tables and the as-of date) and before the
publish. A family's check fails with ERROR severity, and so stops the publish, when a failing
check of that family is configured `block`; with WARN severity when all its failures are `warn`.
"""

from contextlib import closing

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from expectations.feed_checks import (
    BLOCK,
    FAMILIES,
    PLAUSIBILITY,
    REFERENTIAL_INTEGRITY,
    VOLUME,
    load_check_config,
    run_feed_checks,
    summarize,
)
from orchestration.dbt_models import orderpulse_dbt_models
from orchestration.resources import WarehouseResource
from warehouse.quality import record_feed_checks

FEED_CHECKS = dg.AssetKey("data_checks")
FAMILY_DESCRIPTIONS = {
    PLAUSIBILITY: "Plausibility across entities: delivered before shipped, shipped before ordered, promised "
    "delivery before the order date, promised ship after promised delivery, a return received before its "
    "delivery, an invoice before its order; per day, with the slice and example keys.",
    REFERENTIAL_INTEGRITY: "Rows still orphaned after the grace period: shipment lines without their shipment, "
    "shipments and events without their order, scans without a shipment.",
    VOLUME: "Rows per entity per day, and each warehouse's, carrier's and channel's share, against the same "
    "weekday of the trailing weeks.",
}
# Every staging model and the as-of date: the checks read them all.
_READS = [
    "stg_carrier__tracking_events",
    "stg_oms__credit_memos",
    "stg_oms__invoices",
    "stg_oms__order_events",
    "stg_oms__order_lines",
    "stg_oms__orders",
    "stg_returns__return_lines",
    "stg_wms__shipment_lines",
    "stg_wms__shipments",
    "stg_wms__warehouse_events",
    "int_as_of_date",
]


@dg.asset(
    key=FEED_CHECKS,
    group_name="checks",
    kinds={"duckdb"},
    deps=[get_asset_key_for_model([orderpulse_dbt_models], name) for name in _READS],
    check_specs=[
        dg.AssetCheckSpec(family, asset=FEED_CHECKS, blocking=True, description=description)
        for family, description in FAMILY_DESCRIPTIONS.items()
    ],
    description="Data checks that see across rows, entities and time (expectations/feed_checks.py): results in "
    "ops.data_quality_results, the days and slices they concern in ops.suspect_days.",
)
def data_checks(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    config = load_check_config(warehouse.data_checks_path)
    if warehouse.engine == "spark":
        # The checks read the staging tables in the work database; on Spark they are Parquet tables.
        from orchestration.dbt_models import DBT_PROJECT
        from warehouse.spark_marts import import_spark_tables

        import_spark_tables(
            warehouse.paths.work_db,
            warehouse.paths.spark_warehouse_dir,
            DBT_PROJECT.manifest_path,
            schemas=("staging",),
        )
    with closing(warehouse.connect_work_db()) as conn:
        report = run_feed_checks(conn, config)
        record_feed_checks(conn, context.run.run_id, report)
    yield dg.MaterializeResult(
        metadata={
            "checks": len({r.check_name for r in report.results}),
            "failed_slices": sum(1 for r in report.failures() if r.slice_dimension != "all"),
            "suspect_days": len(report.suspect_days),
            "configuration": warehouse.data_checks_path,
        }
    )
    for family in FAMILIES:
        failures = report.failures(family)
        blocking = any(r.severity == BLOCK for r in failures)
        yield dg.AssetCheckResult(
            asset_key=FEED_CHECKS,
            check_name=family,
            passed=not failures,
            severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
            metadata={
                "failed_checks": len({r.check_name for r in failures}),
                "details": summarize(failures) or "no check failed",
            },
        )
