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

from alerts.store import ensure_tables as ensure_alert_tables
from contract.files import fsync_path
from ingest.report import mark_published
from orderpulse.config import load_settings
from warehouse import personal
from warehouse.paths import WarehousePaths
from warehouse.quality import ensure_table as ensure_quality_table

# Operational tables published beside the marts, under these names.
OPS_TABLES = {
    "load_ledger": "ops.load_ledger",
    "quarantined_rows": "ops.quarantined_rows",
    "data_quality_results": "ops.data_quality_results",
    "alerts": "ops.alerts",
    "suspect_days": "ops.suspect_days",
}
MARTS_SCHEMA = "marts"
# The tables and views of the work database, with their comments.
_RELATIONS = (
    "select schema_name, table_name as name, comment from duckdb_tables()"
    " where database_name = current_database()"
    " union all select schema_name, view_name, comment from duckdb_views()"
    " where database_name = current_database() and not internal"
)

# Docs of the tables the pipeline writes itself (the marts carry theirs from the dbt docs):
# table -> (description stating its grain, {column: description}).
PIPELINE_TABLE_DOCS = {
    "load_ledger": (
        "One row per landed file: whether it loaded or was set aside, and why; rows landed = loaded + quarantined.",
        {
            "file_path": "Path of the landed file.",
            "file_sha256": "SHA-256 of the file's bytes; a file already loaded (any name) is skipped.",
            "source": "Source system of the file (oms, wms, carrier, returns).",
            "entity": "Contract entity of the file.",
            "file_format": "csv, parquet or jsonl.",
            "file_seq": "Order in which the files were loaded.",
            "status": "loaded; quarantined when the whole file was set aside (see reason); duplicate when already loaded.",
            "reason": "Why the file was set aside; null when loaded.",
            "rows_landed": "Rows in the file.",
            "rows_loaded": "Rows loaded into the raw table.",
            "rows_quarantined": "Rows rejected into quarantined_rows.",
            "loaded_at": "When the file was loaded (UTC).",
            "run_id": "The run that loaded it.",
        },
    ),
    "quarantined_rows": (
        "One row per rejected row of a landed file: which column failed, why, and the row's raw values.",
        {
            "file_path": "Path of the landed file.",
            "file_sha256": "SHA-256 of the file's bytes.",
            "entity": "Contract entity of the file.",
            "row_number": "The row's number in the file (1 = first data row).",
            "column_name": "The column that failed its check.",
            "reason": "Why the row was rejected.",
            "raw_values": "The row as landed, as JSON.",
            "quarantined_at": "When the row was rejected (UTC).",
            "run_id": "The run that rejected it.",
        },
    ),
    "run_info": (
        "One row: the run that published this file.",
        {
            "as_of_date": "The as-of date of the KPIs: orders due before it are measured.",
            "published_at": "When this file was published (UTC).",
            "run_id": "The run that published it.",
            "landing_dir": "The landing folder the run read.",
            "files_loaded": "Files loaded so far, over all runs.",
            "rows_loaded": "Rows loaded so far, over all runs.",
            "rows_quarantined": "Rows quarantined so far, over all runs.",
        },
    ),
}


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
    personal_data = load_settings().personal_data
    conn = duckdb.connect(str(paths.work_db))
    try:
        if personal_data != "keep":
            personal.register_functions(conn, personal.pseudonym_key(paths))
        ensure_quality_table(conn)
        ensure_alert_tables(conn)
        conn.execute(f"attach '{_escape(staging_file)}' as published")
        # A mart that dbt leaves as a view (order_timeline on DuckDB) is written here, once.
        marts = [
            row[0]
            for row in conn.execute(
                f"select name from ({_RELATIONS}) where schema_name = ? order by name", [MARTS_SCHEMA]
            ).fetchall()
        ]
        sources = {name: f"{MARTS_SCHEMA}.{name}" for name in marts} | OPS_TABLES
        for name, source in sources.items():
            schema, table = source.split(".")
            columns = [
                row[0]
                for row in conn.execute(
                    "select column_name from duckdb_columns() where database_name = current_database()"
                    " and schema_name = ? and table_name = ? order by column_index",
                    [schema, table],
                ).fetchall()
            ]
            # Personal columns are pseudonymised or left out here, on the way out (warehouse/personal.py).
            select, _ = personal.published_select(name, columns, source, personal_data)
            conn.execute(f'create table published.main."{name}" as {select}')
        _copy_comments(conn, sources)
        if personal_data != "keep":
            _comment_pseudonyms(conn, sources)
        as_of_date = _write_run_info(conn, run_id, landing_dir)
        _comment_pipeline_tables(conn)
        conn.execute("detach published")  # checkpoints: the file is complete on its own, no .wal
        fsync_path(staging_file)
        os.replace(staging_file, paths.published)
        fsync_path(paths.published.parent)
        # Only now are the loaded files published: the next run's checks start after them.
        mark_published(conn, run_id)
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
    return conn.execute("select as_of_date from published.main.run_info").fetchone()[0]


def _copy_comments(conn: duckdb.DuckDBPyConnection, sources: dict[str, str]) -> None:
    """Carry the dbt docs (persisted as table and column comments) into the published file."""
    for name, source in sources.items():
        schema, table = source.split(".")
        comment = conn.execute(
            f"select comment from ({_RELATIONS}) where schema_name = ? and name = ?", [schema, table]
        ).fetchone()
        if comment and comment[0]:
            conn.execute(f"comment on table published.main.\"{name}\" is '{_escape(comment[0])}'")
        for column, column_comment in conn.execute(
            "select source.column_name, source.comment from duckdb_columns() as source"
            " join duckdb_columns() as target on target.column_name = source.column_name"
            " and target.database_name = 'published' and target.table_name = ?"
            " where source.database_name = current_database()"
            " and source.schema_name = ? and source.table_name = ? and source.comment is not null",
            [name, schema, table],
        ).fetchall():
            conn.execute(
                f'comment on column published.main."{name}"."{column}" is \'{_escape(column_comment)}\''
            )


def _comment_pipeline_tables(conn: duckdb.DuckDBPyConnection) -> None:
    for table, (description, columns) in PIPELINE_TABLE_DOCS.items():
        conn.execute(f"comment on table published.main.\"{table}\" is '{_escape(description)}'")
        present = {
            row[0]
            for row in conn.execute(
                "select column_name from duckdb_columns() where database_name = 'published' and table_name = ?",
                [table],
            ).fetchall()
        }
        for column, column_description in columns.items():
            if column in present:
                conn.execute(
                    f'comment on column published.main."{table}"."{column}" is \'{_escape(column_description)}\''
                )


def _comment_pseudonyms(conn: duckdb.DuckDBPyConnection, sources: dict[str, str]) -> None:
    for name in sources:
        for (column,) in conn.execute(
            "select column_name from duckdb_columns() where database_name = 'published' and table_name = ?",
            [name],
        ).fetchall():
            if column in personal.PSEUDONYMISED_COLUMNS:
                conn.execute(
                    f'comment on column published.main."{name}"."{column}"'
                    f" is '{_escape(personal.PSEUDONYM_COMMENT)}'"
                )


def _escape(value: object) -> str:
    return str(value).replace("'", "''")
