"""The raw entities of the extract contract: one Dagster asset each, with their blocking load checks.

They materialize together in one step: `ingest.load_landing` loads the landing folder and
reports on it, and each asset result and check is read off that report, so a run does not pay
Dagster's per-step cost forty times over.
"""

import dagster as dg

from contract import ENTITIES, Entity
from ingest import load_landing
from ingest.load import ALREADY_SEEN, FileLoad
from ingest.report import EntityLoad, summarize
from orchestration.resources import WarehouseResource

RAW_GROUP = "raw"
UNRECOGNIZED_FILES = dg.AssetKey(["raw", "unrecognized_files"])
RECONCILE, QUARANTINE_SHARE, EXPECTATIONS = (
    "rows_reconcile",
    "quarantine_share_within_threshold",
    "load_expectations",
)
# Each check judges the files loaded since the last publish.
CHECK_DESCRIPTIONS = {
    RECONCILE: "Per file loaded since the last publish: rows landed = rows loaded + rows quarantined, and the raw and "
    "quarantine tables hold exactly those rows.",
    QUARANTINE_SHARE: "No file loaded since the last publish had more than the configured share of its rows quarantined.",
    EXPECTATIONS: "The entity's Great Expectations suite over the rows loaded since the last publish.",
}


def raw_asset_key(entity: Entity) -> dg.AssetKey:
    return dg.AssetKey(["raw", entity.table])


RAW_SPECS = [
    dg.AssetSpec(
        raw_asset_key(entity),
        group_name=RAW_GROUP,
        kinds={"duckdb"},
        description=f"Rows of landed `{entity.source}/{entity.name}` files (raw.{entity.table}), typed per "
        "the extract contract, with lineage; bad rows go to quarantine.",
    )
    for entity in ENTITIES
] + [
    dg.AssetSpec(
        UNRECOGNIZED_FILES,
        group_name=RAW_GROUP,
        description="Files in the landing folder outside any contract <source>/<entity>/ path, set aside "
        "with a reason so that nothing is ignored silently.",
    )
]
FRESHNESS = "source_landed_recently"
RAW_CHECK_SPECS = [
    dg.AssetCheckSpec(name, asset=raw_asset_key(entity), blocking=True, description=description)
    for entity in ENTITIES
    for name, description in CHECK_DESCRIPTIONS.items()
] + [
    dg.AssetCheckSpec(
        FRESHNESS,
        asset=raw_asset_key(entity),
        blocking=False,
        description="The entity's source landed a file within its expected interval (a warning, never a stop).",
    )
    for entity in ENTITIES
]


@dg.multi_asset(specs=RAW_SPECS, check_specs=RAW_CHECK_SPECS, name="raw_entities")
def raw_entities(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    warehouse.paths.create()
    report = load_landing(
        warehouse.landing,
        warehouse.paths.work_db,
        context.run.run_id,
        warehouse.quarantine_threshold,
        warehouse.freshness_hours,
        warehouse.paths.raw_dir,
    )
    for load in report.set_aside:
        context.log.warning(f"{load.file_path} set aside: {load.reason}")
    for entity_load in report.entities:
        key = raw_asset_key(entity_load.entity)
        yield dg.MaterializeResult(asset_key=key, metadata=_load_metadata(entity_load.files))
        yield check_rows_reconcile(key, entity_load)
        yield check_quarantine_share(key, entity_load, warehouse.quarantine_threshold)
        yield check_expectations(key, entity_load)
        yield check_freshness(key, entity_load)
    yield dg.MaterializeResult(asset_key=UNRECOGNIZED_FILES, metadata=_load_metadata(report.stray_files))


def _load_metadata(loads: list[FileLoad]) -> dict[str, object]:
    table = "\n".join(
        f"| {f.file_path} | {f.status} | {f.rows_landed if f.rows_landed is not None else '-'} "
        f"| {f.rows_loaded} | {f.rows_quarantined if f.rows_quarantined is not None else '-'} "
        f"| {f.reason or ''} |"
        for f in loads
        if f.status != ALREADY_SEEN
    )
    return {
        **summarize(loads),
        "files": dg.MetadataValue.md(
            "| file | status | landed | loaded | quarantined | reason |\n|---|---|---|---|---|---|\n" + table
            if table
            else "No new files."
        ),
    }


def check_rows_reconcile(key: dg.AssetKey, load: EntityLoad) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=RECONCILE,
        passed=not load.not_reconciling,
        metadata={
            "files_not_reconciling": len(load.not_reconciling),
            "details": "\n".join(load.not_reconciling) or "all reconcile",
        },
    )


def check_quarantine_share(key: dg.AssetKey, load: EntityLoad, threshold: float) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=QUARANTINE_SHARE,
        passed=not load.over_quarantine_threshold,
        metadata={
            "threshold": threshold,
            "files_over_threshold": len(load.over_quarantine_threshold),
            "details": "\n".join(load.over_quarantine_threshold) or "every file within the threshold",
        },
    )


def check_expectations(key: dg.AssetKey, load: EntityLoad) -> dg.AssetCheckResult:
    run = load.expectations
    if not run.outcomes:
        return dg.AssetCheckResult(
            asset_key=key,
            check_name=EXPECTATIONS,
            passed=True,
            metadata={"rows_checked": 0, "details": "no files loaded since the last publish"},
        )
    from expectations.validate import summarize_failures

    return dg.AssetCheckResult(
        asset_key=key,
        check_name=EXPECTATIONS,
        passed=not run.blocking_failures,
        metadata={
            "rows_checked": run.rows_checked,
            "expectations": len(run.outcomes),
            "blocking_failures": len(run.blocking_failures),
            "warnings": len(run.warnings),
            "details": summarize_failures(run.blocking_failures + run.warnings) or "all expectations met",
        },
    )


def check_freshness(key: dg.AssetKey, load: EntityLoad) -> dg.AssetCheckResult:
    source, expected = load.entity.source, load.expected_within_hours
    if load.hours_since_landing is None:
        details = f"no file has landed for source {source!r}"
    else:
        details = f"source {source!r} last landed {load.hours_since_landing:.1f} h ago (expected within {expected} h)"
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=FRESHNESS,
        passed=load.landed_recently,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "hours_since_last_landing": load.hours_since_landing,
            "expected_within_hours": expected,
            "details": details,
        },
    )
