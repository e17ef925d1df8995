"""One Dagster asset per raw entity of the extract contract, with its load checks."""

import datetime as dt
from contextlib import closing

import dagster as dg

from ingest.contract import ENTITIES, Entity
from ingest.load import LOADED, QUARANTINED, FileLoad, load_entity, record_stray_files
from orchestration.resources import WarehouseResource
from warehouse.quality import record_results

RAW_GROUP = "raw"


def raw_asset_key(entity: Entity) -> dg.AssetKey:
    return dg.AssetKey(["raw", entity.table])


def _load_metadata(loads: list[FileLoad]) -> dict[str, object]:
    counted = [f for f in loads if f.status in (LOADED, QUARANTINED)]
    table = "\n".join(
        f"| {f.file_path} | {f.status} | {f.rows_landed if f.rows_landed is not None else '-'} "
        f"| {f.rows_loaded} | {f.rows_quarantined if f.rows_quarantined is not None else '-'} "
        f"| {f.reason or ''} |"
        for f in loads
    )
    return {
        "files_new": len(counted),
        "files_set_aside": sum(f.status == QUARANTINED for f in loads),
        "files_duplicate": sum(f.status == "duplicate" for f in loads),
        "rows_landed": sum(f.rows_landed or 0 for f in counted),
        "rows_loaded": sum(f.rows_loaded for f in counted),
        "rows_quarantined": sum(f.rows_quarantined or 0 for f in counted),
        "files": dg.MetadataValue.md(
            "| file | status | landed | loaded | quarantined | reason |\n|---|---|---|---|---|---|\n" + table
            if loads
            else "No new files."
        ),
    }


def build_raw_asset(entity: Entity) -> dg.AssetsDefinition:
    @dg.asset(
        key=raw_asset_key(entity),
        group_name=RAW_GROUP,
        kinds={"duckdb"},
        description=f"Rows of landed `{entity.source}/{entity.name}` files (raw.{entity.table}), typed per "
        "the extract contract, with lineage; bad rows go to quarantine.",
    )
    def _raw_entity(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        with closing(warehouse.connect_work_db()) as conn:
            loads = load_entity(conn, warehouse.landing, entity, context.run.run_id)
        for load in loads:
            if load.status == QUARANTINED:
                context.log.warning(f"{load.file_path} set aside: {load.reason}")
        return dg.MaterializeResult(metadata=_load_metadata(loads))

    return _raw_entity


@dg.asset(
    key=dg.AssetKey(["raw", "unrecognized_files"]),
    group_name=RAW_GROUP,
    description="Files in the landing folder outside any contract <source>/<entity>/ path, set aside "
    "with a reason so that nothing is ignored silently.",
)
def unrecognized_files(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    with closing(warehouse.connect_work_db()) as conn:
        loads = record_stray_files(conn, warehouse.landing, context.run.run_id)
    for load in loads:
        if load.status == QUARANTINED:
            context.log.warning(f"{load.file_path} set aside: {load.reason}")
    return dg.MaterializeResult(metadata=_load_metadata(loads))


# ---------------------------------------------------------------- checks


def _this_runs_files(conn, run_id: str, entity: Entity) -> list[tuple]:
    return conn.execute(
        """
        select file_path, file_sha256, rows_landed, rows_loaded, rows_quarantined
        from ops.load_ledger
        where run_id = ? and source = ? and entity = ? and status = ?
        order by file_seq
        """,
        [run_id, entity.source, entity.name, LOADED],
    ).fetchall()


def build_reconciliation_check(entity: Entity) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=raw_asset_key(entity),
        name="rows_reconcile",
        blocking=True,
        description="Per file loaded in this run: rows landed = rows loaded + rows quarantined, and the raw "
        "and quarantine tables hold exactly those rows.",
    )
    def _rows_reconcile(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
        with closing(warehouse.connect_work_db()) as conn:
            mismatches = []
            for path, sha256, landed, loaded, quarantined in _this_runs_files(
                conn, context.run.run_id, entity
            ):
                in_raw = conn.execute(
                    f"select count(*) from raw.{entity.table} where _file_sha256 = ?", [sha256]
                ).fetchone()[0]
                in_quarantine = conn.execute(
                    "select count(*) from ops.quarantined_rows where file_sha256 = ?", [sha256]
                ).fetchone()[0]
                if not (landed == loaded + quarantined and in_raw == loaded and in_quarantine == quarantined):
                    mismatches.append(
                        f"{path}: landed {landed}, loaded {loaded} ({in_raw} in raw), "
                        f"quarantined {quarantined} ({in_quarantine} in quarantine)"
                    )
        return dg.AssetCheckResult(
            passed=not mismatches,
            metadata={
                "files_not_reconciling": len(mismatches),
                "details": "\n".join(mismatches) or "all reconcile",
            },
        )

    return _rows_reconcile


def build_quarantine_share_check(entity: Entity) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=raw_asset_key(entity),
        name="quarantine_share_within_threshold",
        blocking=True,
        description="No file loaded in this run had more than the configured share of its rows quarantined.",
    )
    def _quarantine_share(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
        threshold = warehouse.quarantine_threshold
        with closing(warehouse.connect_work_db()) as conn:
            files = _this_runs_files(conn, context.run.run_id, entity)
        over = [
            f"{path}: {quarantined} of {landed} rows quarantined ({quarantined / landed:.2%} > {threshold:.2%})"
            for path, _, landed, _, quarantined in files
            if landed and quarantined / landed > threshold
        ]
        return dg.AssetCheckResult(
            passed=not over,
            metadata={
                "threshold": threshold,
                "files_over_threshold": len(over),
                "details": "\n".join(over) or "every file within the threshold",
            },
        )

    return _quarantine_share


def build_expectations_check(entity: Entity) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=raw_asset_key(entity),
        name="load_expectations",
        blocking=True,
        description=f"The Great Expectations suite {entity.table}__load_checks over the rows loaded in this run.",
    )
    def _load_expectations(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
        # Imported here: Great Expectations takes seconds to import, and loading the
        # definitions (dagster dev, the sensor, tests) does not need it.
        from expectations.validate import summarize_failures, validate_frame

        with closing(warehouse.connect_work_db()) as conn:
            shas = [row[1] for row in _this_runs_files(conn, context.run.run_id, entity)]
            if not shas:
                return dg.AssetCheckResult(
                    passed=True, metadata={"rows_checked": 0, "details": "no new files"}
                )
            columns = ", ".join(f'"{name}"' for name in entity.column_names)
            frame = conn.execute(
                f"select {columns} from raw.{entity.table} where _file_sha256 in (select unnest(?))", [shas]
            ).df()
            latest_plausible = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=366)
            outcomes = validate_frame(entity, frame, latest_plausible)
            record_results(conn, context.run.run_id, entity.table, outcomes)
        blocking_failures = [o for o in outcomes if not o.passed and o.blocking]
        warnings = [o for o in outcomes if not o.passed and not o.blocking]
        return dg.AssetCheckResult(
            passed=not blocking_failures,
            metadata={
                "rows_checked": len(frame),
                "expectations": len(outcomes),
                "blocking_failures": len(blocking_failures),
                "warnings": len(warnings),
                "details": summarize_failures(blocking_failures + warnings) or "all expectations met",
            },
        )

    return _load_expectations


RAW_ASSETS = [build_raw_asset(entity) for entity in ENTITIES] + [unrecognized_files]
RAW_CHECKS = [
    build(entity)
    for entity in ENTITIES
    for build in (build_reconciliation_check, build_quarantine_share_check, build_expectations_check)
]
