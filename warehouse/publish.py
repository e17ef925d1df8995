"""Publishing: copy the checked marts into a new DuckDB file and rename it into place.

The published file is never opened for writing. A run writes a fresh file beside it
and renames it over the old one, which is atomic on POSIX filesystems: a reader
holding the old file keeps reading it undisturbed and sees the new data on its next
connection, and a run that dies before the rename leaves the previous file serving.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.paths import WarehousePaths
from warehouse.quality import ensure_table as ensure_quality_table

# Operational tables published beside the marts, under these names.
OPS_TABLES = {
    "load_ledger": "ops.load_ledger",
    "quarantined_rows": "ops.quarantined_rows",
    "data_quality_results": "ops.data_quality_results",
    "suspect_days": "ops.suspect_days",
}
MARTS_SCHEMA = "marts"


@dataclass(frozen=True)
class PublishedSummary:
    path: Path
    tables: tuple[str, ...]
    as_of_date: dt.date | None


def publish(paths: WarehousePaths, run_id: str, landing_dir: Path) -> PublishedSummary:
    staging_file = paths.staging_file(run_id)
    for leftover in paths.published.parent.glob(f".{paths.published.name}.*.publishing"):
        leftover.unlink()  # from a run killed while publishing; runs hold a lock, so none is live
    staging_file.unlink(missing_ok=True)
    conn = duckdb.connect(str(paths.work_db))
    try:
        ensure_quality_table(conn)
        conn.execute(f"attach '{_escape(staging_file)}' as published")
        marts = [
            row[0]
            for row in conn.execute(
                "select table_name from duckdb_tables() where database_name = current_database()"
                " and schema_name = ? order by table_name",
                [MARTS_SCHEMA],
            ).fetchall()
        ]
        sources = {name: f"{MARTS_SCHEMA}.{name}" for name in marts} | OPS_TABLES
        for name, source in sources.items():
            conn.execute(f'create table published.main."{name}" as select * from {source}')
        _copy_comments(conn, sources)
        as_of_date = _write_run_info(conn, run_id, landing_dir)
        conn.execute("detach published")  # checkpoints: the file is complete on its own, no .wal
        _fsync(staging_file)
        os.replace(staging_file, paths.published)
        _fsync(paths.published.parent)
        # Only now are the loaded files published: the next run's checks start after them.
        conn.execute(
            "insert into ops.publish_log select ?, ?, (select coalesce(max(file_seq), 0) from ops.load_ledger)",
            [run_id, dt.datetime.now(dt.UTC).replace(tzinfo=None)],
        )
    finally:
        conn.close()
    return PublishedSummary(paths.published, (*sorted(sources), "run_info"), as_of_date)


def _write_run_info(conn: duckdb.DuckDBPyConnection, run_id: str, landing_dir: Path) -> dt.date | None:
    conn.execute(
        """
        create table published.main.run_info as
        select
            (select as_of_date from intermediate.int_as_of_date) as as_of_date,
            cast(? as timestamp) as published_at,
            cast(? as varchar) as run_id,
            cast(? as varchar) as landing_dir,
            (select count(*) from ops.load_ledger where status = 'loaded') as files_loaded,
            (select coalesce(sum(rows_loaded), 0) from ops.load_ledger) as rows_loaded,
            (select coalesce(sum(rows_quarantined), 0) from ops.load_ledger) as rows_quarantined
        """,
        [dt.datetime.now(dt.UTC).replace(tzinfo=None), run_id, str(landing_dir)],
    )
    conn.execute("comment on table published.main.run_info is 'One row: the run that published this file.'")
    return conn.execute("select as_of_date from published.main.run_info").fetchone()[0]


def _copy_comments(conn: duckdb.DuckDBPyConnection, sources: dict[str, str]) -> None:
    """Carry the dbt docs (persisted as table and column comments) into the published file."""
    for name, source in sources.items():
        schema, table = source.split(".")
        comment = conn.execute(
            "select comment from duckdb_tables() where database_name = current_database()"
            " and schema_name = ? and table_name = ?",
            [schema, table],
        ).fetchone()
        if comment and comment[0]:
            conn.execute(f"comment on table published.main.\"{name}\" is '{_escape(comment[0])}'")
        for column, column_comment in conn.execute(
            "select column_name, comment from duckdb_columns() where database_name = current_database()"
            " and schema_name = ? and table_name = ? and comment is not null",
            [schema, table],
        ).fetchall():
            conn.execute(
                f'comment on column published.main."{name}"."{column}" is \'{_escape(column_comment)}\''
            )


def _escape(value: object) -> str:
    return str(value).replace("'", "''")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
