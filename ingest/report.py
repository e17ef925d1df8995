"""The load of a landing folder as one call: `load_landing` loads every new file into the raw
tables of the work database and returns a `LoadReport` with what each check needs.

Ingest owns the load ledger and the publish watermark behind it: the checks judge the files
loaded since the last publish (this run's and any earlier failed run's), so a file that failed a
check keeps failing it until it is dealt with, instead of slipping into the next publish
unchecked; `mark_published` moves the watermark once a publish has landed.
"""

from __future__ import annotations

import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from contract import ENTITIES, Entity
from ingest.landing import LandedFile, latest_landing_by_source, scan_landing
from ingest.load import (
    DUPLICATE,
    LOADED,
    QUARANTINED,
    FileLoad,
    ensure_schema,
    ledger_file_path,
    load_entity,
    record_stray_files,
    unpublished_loads,
)
from warehouse.quality import record_results

# A run killed outright (SIGKILL) can leave its dbt process running for a while, holding the
# work database; the next load waits for it rather than failing.
LOCK_WAIT_SECONDS = 600


@dataclass(frozen=True)
class ExpectationsRun:
    """The entity's Great Expectations suite over the rows loaded since the last publish."""

    rows_checked: int
    outcomes: list = field(default_factory=list)  # expectations.validate.ExpectationOutcome

    @property
    def blocking_failures(self) -> list:
        return [o for o in self.outcomes if not o.passed and o.blocking]

    @property
    def warnings(self) -> list:
        return [o for o in self.outcomes if not o.passed and not o.blocking]


@dataclass(frozen=True)
class EntityLoad:
    entity: Entity
    files: list[FileLoad]  # what happened to each file of this entity in this load
    pending: list[FileLoad]  # files loaded since the last publish: what the checks judge
    # Files since the last publish whose counts do not reconcile (landed = loaded + quarantined,
    # and the raw and quarantine tables hold exactly those rows), one line each.
    not_reconciling: list[str]
    # Files since the last publish with more than the threshold share of rows quarantined.
    over_quarantine_threshold: list[str]
    expectations: ExpectationsRun
    hours_since_landing: float | None  # of the newest file of the entity's source; None: never
    expected_within_hours: float | None

    @property
    def landed_recently(self) -> bool:
        if self.hours_since_landing is None:
            return False
        return self.expected_within_hours is None or self.hours_since_landing <= self.expected_within_hours


@dataclass(frozen=True)
class LoadReport:
    run_id: str
    entities: list[EntityLoad]
    # Files outside any contract <source>/<entity>/ path, set aside with a reason.
    stray_files: list[FileLoad]

    @property
    def set_aside(self) -> list[FileLoad]:
        every_file = [f for e in self.entities for f in e.files] + self.stray_files
        return [f for f in every_file if f.status == QUARANTINED]


def summarize(files: list[FileLoad]) -> dict[str, int]:
    """Counts of files and rows over the files of this load (duplicates and set-aside included)."""
    counted = [f for f in files if f.status in (LOADED, QUARANTINED)]
    return {
        "files_new": len(counted),
        "files_set_aside": sum(f.status == QUARANTINED for f in files),
        "files_duplicate": sum(f.status == DUPLICATE for f in files),
        "rows_landed": sum(f.rows_landed or 0 for f in counted),
        "rows_loaded": sum(f.rows_loaded for f in counted),
        "rows_quarantined": sum(f.rows_quarantined or 0 for f in counted),
    }


def connect_work_db(work_db: Path, wait_seconds: float = LOCK_WAIT_SECONDS) -> duckdb.DuckDBPyConnection:
    """A connection to the work database, waiting while another process (a dying dbt) holds it."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            conn = duckdb.connect(str(work_db))
            conn.execute("set TimeZone = 'UTC'")
            return conn
        except duckdb.IOException as error:
            if "lock" not in str(error).lower() or time.monotonic() > deadline:
                raise
            time.sleep(1)


def load_landing(
    landing: Path,
    work_db: Path,
    run_id: str,
    quarantine_threshold: float,
    freshness_hours: dict[str, float],
    raw_dir: Path | None = None,
) -> LoadReport:
    """Load every new landed file into the raw layer, then judge the files not yet published.

    With `raw_dir`, the raw rows are also written as Parquet there (ingest/raw_layer.py), the raw
    layer both engines read.

    Each entity's Great Expectations checks run in one worker thread while this thread loads the
    next entity: the checks are single-threaded pandas, and a load leaves some of a second core
    idle. At 1M orders that hides about 1-2 s of the checks' 7 s (docs/spark.md); the results are
    the same, recorded once every entity is loaded.
    """
    landed_files = scan_landing(landing)  # one scan serves every entity
    latest_landing = latest_landing_by_source(landed_files)
    conn = connect_work_db(work_db)
    checker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="load-checks")
    cursors = []
    try:
        ensure_schema(conn)
        if _has_unrecorded_files(conn, landing, landed_files):
            checker.submit(_import_expectations)  # seconds of imports, overlapped with the first load
        loaded = []
        for entity in ENTITIES:
            files = load_entity(conn, landing, entity, run_id, landed_files, raw_dir)
            pending = unpublished_loads(conn, entity)
            # The worker reads through its own connection (a cursor): a DuckDB connection is not
            # shared between threads. It sees this entity's loads, which are committed.
            cursors.append(conn.cursor())
            checks = checker.submit(_run_expectations, cursors[-1], entity, pending)
            loaded.append((entity, files, pending, checks))
        strays = record_stray_files(conn, landing, run_id, landed_files)
        entities = []
        for entity, files, pending, checks in loaded:
            expectations = checks.result()
            if expectations.outcomes:
                record_results(conn, run_id, entity.table, expectations.outcomes)
            latest_ns = latest_landing.get(entity.source)
            entities.append(
                EntityLoad(
                    entity=entity,
                    files=files,
                    pending=pending,
                    not_reconciling=_not_reconciling(conn, entity, pending),
                    over_quarantine_threshold=_over_threshold(pending, quarantine_threshold),
                    expectations=expectations,
                    hours_since_landing=None if latest_ns is None else (time.time_ns() - latest_ns) / 3.6e12,
                    expected_within_hours=freshness_hours.get(entity.source),
                )
            )
    finally:
        checker.shutdown(wait=True, cancel_futures=True)  # no check outlives the connection
        for cursor in cursors:
            cursor.close()
        conn.close()
    return LoadReport(run_id, entities, strays)


def mark_published(conn: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Every file loaded so far is published: the next load's checks start after them."""
    ensure_schema(conn)
    conn.execute(
        "insert into ops.publish_log select ?, ?, (select coalesce(max(file_seq), 0) from ops.load_ledger)",
        [run_id, dt.datetime.now(dt.UTC).replace(tzinfo=None)],
    )


def _loaded(files: list[FileLoad]) -> list[FileLoad]:
    return [f for f in files if f.status == LOADED]


def _not_reconciling(conn: duckdb.DuckDBPyConnection, entity: Entity, pending: list[FileLoad]) -> list[str]:
    mismatches = []
    for load in _loaded(pending):
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
    return mismatches


def _over_threshold(pending: list[FileLoad], threshold: float) -> list[str]:
    return [
        f"{f.file_path}: {f.rows_quarantined} of {f.rows_landed} rows quarantined "
        f"({f.rows_quarantined / f.rows_landed:.2%} > {threshold:.2%})"
        for f in _loaded(pending)
        if f.rows_landed and f.rows_quarantined / f.rows_landed > threshold
    ]


def _has_unrecorded_files(
    conn: duckdb.DuckDBPyConnection, landing: Path, landed_files: list[LandedFile]
) -> bool:
    """Whether a landed file's path is missing from the load ledger: then the load will likely check rows."""
    recorded = {row[0] for row in conn.execute("select distinct file_path from ops.load_ledger").fetchall()}
    return any(ledger_file_path(landing, landed) not in recorded for landed in landed_files)


def _import_expectations() -> None:
    import expectations.validate  # noqa: F401  (Great Expectations takes seconds to import)


def _run_expectations(
    conn: duckdb.DuckDBPyConnection, entity: Entity, pending: list[FileLoad]
) -> ExpectationsRun:
    """The entity's suite over the rows of the files it has loaded since the last publish."""
    shas = [f.file_sha256 for f in _loaded(pending)]
    if not shas:
        return ExpectationsRun(rows_checked=0)
    # Imported here: Great Expectations takes seconds to import, and a load with nothing new
    # (or loading the Dagster definitions) does not need it.
    from expectations.validate import checked_columns, validate_frame

    columns = ", ".join(f'"{name}"' for name in checked_columns(entity))
    frame = conn.execute(
        f"select {columns} from raw.{entity.table} where _file_sha256 in (select unnest(?))", [shas]
    ).df()
    latest_plausible = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=366)
    return ExpectationsRun(rows_checked=len(frame), outcomes=validate_frame(entity, frame, latest_plausible))
