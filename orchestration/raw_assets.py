"""The raw entities of the extract contract: one Dagster asset each, with their blocking load checks.

They materialize together in one step (one pass over the landing folder, one connection
to the work database) and each check is computed from that load, so a run does not pay
Dagster's per-step cost forty times over.
"""

import datetime as dt
import time
from contextlib import closing

import dagster as dg
import duckdb

from contract import ENTITIES, Entity
from ingest.landing import latest_landing_by_source, scan_landing
from ingest.load import (
    DUPLICATE,
    LOADED,
    QUARANTINED,
    FileLoad,
    load_entity,
    record_stray_files,
    unpublished_loads,
)
from orchestration.resources import WarehouseResource
from warehouse.quality import record_results

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
    run_id = context.run.run_id
    landed_files = scan_landing(warehouse.landing)  # one scan serves every entity
    latest_landing = latest_landing_by_source(landed_files)
    with closing(warehouse.connect_work_db()) as conn:
        for entity in ENTITIES:
            loads = load_entity(
                conn, warehouse.landing, entity, run_id, landed_files, warehouse.paths.raw_dir
            )
            _log_set_aside(context, loads)
            yield dg.MaterializeResult(asset_key=raw_asset_key(entity), metadata=_load_metadata(loads))
            pending = unpublished_loads(conn, entity)
            yield check_rows_reconcile(conn, entity, pending)
            yield check_quarantine_share(entity, pending, warehouse.quarantine_threshold)
            yield check_expectations(conn, entity, pending, run_id)
            yield check_freshness(entity, latest_landing.get(entity.source), warehouse.freshness_hours)
        strays = record_stray_files(conn, warehouse.landing, run_id, landed_files)
        _log_set_aside(context, strays)
        yield dg.MaterializeResult(asset_key=UNRECOGNIZED_FILES, metadata=_load_metadata(strays))


def _log_set_aside(context: dg.AssetExecutionContext, loads: list[FileLoad]) -> None:
    for load in loads:
        if load.status == QUARANTINED:
            context.log.warning(f"{load.file_path} set aside: {load.reason}")


def _load_metadata(loads: list[FileLoad]) -> dict[str, object]:
    counted = [f for f in loads if f.status in (LOADED, QUARANTINED)]
    table = "\n".join(
        f"| {f.file_path} | {f.status} | {f.rows_landed if f.rows_landed is not None else '-'} "
        f"| {f.rows_loaded} | {f.rows_quarantined if f.rows_quarantined is not None else '-'} "
        f"| {f.reason or ''} |"
        for f in loads
        if f.status != "already_seen"
    )
    return {
        "files_new": len(counted),
        "files_set_aside": sum(f.status == QUARANTINED for f in loads),
        "files_duplicate": sum(f.status == DUPLICATE for f in loads),
        "rows_landed": sum(f.rows_landed or 0 for f in counted),
        "rows_loaded": sum(f.rows_loaded for f in counted),
        "rows_quarantined": sum(f.rows_quarantined or 0 for f in counted),
        "files": dg.MetadataValue.md(
            "| file | status | landed | loaded | quarantined | reason |\n|---|---|---|---|---|---|\n" + table
            if table
            else "No new files."
        ),
    }


def _loaded(loads: list[FileLoad]) -> list[FileLoad]:
    return [f for f in loads if f.status == LOADED]


def check_rows_reconcile(conn: duckdb.DuckDBPyConnection, entity: Entity, loads: list[FileLoad]):
    mismatches = []
    for load in _loaded(loads):
        in_raw = conn.execute(
            f"select count(*) from raw.{entity.table} where _file_sha256 = ?", [load.file_sha256]
        ).fetchone()[0]
        in_quarantine = conn.execute(
            "select count(*) from ops.quarantined_rows where file_sha256 = ?", [load.file_sha256]
        ).fetchone()[0]
        reconciles = load.rows_landed == load.rows_loaded + load.rows_quarantined
        if not (reconciles and in_raw == load.rows_loaded and in_quarantine == load.rows_quarantined):
            mismatches.append(
                f"{load.file_path}: landed {load.rows_landed}, loaded {load.rows_loaded} ({in_raw} in raw), "
                f"quarantined {load.rows_quarantined} ({in_quarantine} in quarantine)"
            )
    return dg.AssetCheckResult(
        asset_key=raw_asset_key(entity),
        check_name=RECONCILE,
        passed=not mismatches,
        metadata={
            "files_not_reconciling": len(mismatches),
            "details": "\n".join(mismatches) or "all reconcile",
        },
    )


def check_quarantine_share(entity: Entity, loads: list[FileLoad], threshold: float):
    over = [
        f"{f.file_path}: {f.rows_quarantined} of {f.rows_landed} rows quarantined "
        f"({f.rows_quarantined / f.rows_landed:.2%} > {threshold:.2%})"
        for f in _loaded(loads)
        if f.rows_landed and f.rows_quarantined / f.rows_landed > threshold
    ]
    return dg.AssetCheckResult(
        asset_key=raw_asset_key(entity),
        check_name=QUARANTINE_SHARE,
        passed=not over,
        metadata={
            "threshold": threshold,
            "files_over_threshold": len(over),
            "details": "\n".join(over) or "every file within the threshold",
        },
    )


def check_expectations(conn: duckdb.DuckDBPyConnection, entity: Entity, loads: list[FileLoad], run_id: str):
    shas = [f.file_sha256 for f in _loaded(loads)]
    if not shas:
        return dg.AssetCheckResult(
            asset_key=raw_asset_key(entity),
            check_name=EXPECTATIONS,
            passed=True,
            metadata={"rows_checked": 0, "details": "no files loaded since the last publish"},
        )
    # Imported here: Great Expectations takes seconds to import, and loading the
    # definitions (dagster dev, the sensor, tests) does not need it.
    from expectations.validate import checked_columns, summarize_failures, validate_frame

    columns = ", ".join(f'"{name}"' for name in checked_columns(entity))
    frame = conn.execute(
        f"select {columns} from raw.{entity.table} where _file_sha256 in (select unnest(?))", [shas]
    ).df()
    latest_plausible = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=366)
    outcomes = validate_frame(entity, frame, latest_plausible)
    record_results(conn, run_id, entity.table, outcomes)
    blocking_failures = [o for o in outcomes if not o.passed and o.blocking]
    warnings = [o for o in outcomes if not o.passed and not o.blocking]
    return dg.AssetCheckResult(
        asset_key=raw_asset_key(entity),
        check_name=EXPECTATIONS,
        passed=not blocking_failures,
        metadata={
            "rows_checked": len(frame),
            "expectations": len(outcomes),
            "blocking_failures": len(blocking_failures),
            "warnings": len(warnings),
            "details": summarize_failures(blocking_failures + warnings) or "all expectations met",
        },
    )


def check_freshness(entity: Entity, latest_landed_ns: int | None, freshness_hours: dict[str, float]):
    expected = freshness_hours.get(entity.source)
    if latest_landed_ns is None:
        passed, details = False, f"no file has landed for source {entity.source!r}"
        age_hours = None
    else:
        age_hours = (time.time_ns() - latest_landed_ns) / 3.6e12
        passed = expected is None or age_hours <= expected
        details = f"source {entity.source!r} last landed {age_hours:.1f} h ago (expected within {expected} h)"
    return dg.AssetCheckResult(
        asset_key=raw_asset_key(entity),
        check_name=FRESHNESS,
        passed=passed,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "hours_since_last_landing": age_hours,
            "expected_within_hours": expected,
            "details": details,
        },
    )
