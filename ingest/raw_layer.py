"""The raw layer as Parquet: what the dbt models read, on DuckDB and on Spark alike.

The load (ingest/load.py) keeps its guarantees inside the DuckDB work database: in one
transaction a file's good rows go to `raw.<source>__<entity>`, its bad rows to quarantine and
the file to the load ledger. This module mirrors those committed raw rows, with their lineage
columns, as Parquet, one folder per entity and load:

    <raw_dir>/<source>__<entity>/load=<file_seq>/part.parquet

The mirror is derived, never a second system of record: `sync_raw_layer` writes the loads that
the raw table holds and the mirror lacks, and removes folders of loads the table does not hold.
So a run killed between the load's commit and the Parquet write, or a work database from before
the raw layer existed, is put right by the next sync, and nothing half-written is ever read:
each load is written into a hidden folder and renamed into place (atomic on POSIX).

`load=0` of every entity is an empty file carrying the entity's columns, so an entity without
any load yet is still a table with the contract's columns for both engines.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import duckdb

from contract import Entity
from contract.files import fsync_path

PART_FILE = "part.parquet"
SCHEMA_LOAD = 0  # the empty load that carries the columns
LOAD_PREFIX = "load="


def entity_dir(raw_dir: Path, entity: Entity) -> Path:
    return raw_dir / entity.table


def parquet_glob(raw_dir: Path, entity: Entity) -> str:
    """Every Parquet file of the entity (one per load, plus the empty schema load)."""
    return str(entity_dir(raw_dir, entity) / f"{LOAD_PREFIX}*" / PART_FILE)


def sync_raw_layer(conn: duckdb.DuckDBPyConnection, raw_dir: Path, entity: Entity) -> list[int]:
    """Make the entity's Parquet folders hold exactly the loads of raw.<entity>; returns the loads written."""
    folder = entity_dir(raw_dir, entity)
    folder.mkdir(parents=True, exist_ok=True)
    _remove_unfinished_writes(folder)
    in_table = {
        row[0] for row in conn.execute(f"select distinct _file_seq from raw.{entity.table}").fetchall()
    }
    on_disk = _loads_on_disk(folder)
    for stale in sorted(on_disk - in_table - {SCHEMA_LOAD}):
        shutil.rmtree(folder / f"{LOAD_PREFIX}{stale}")
    # The schema load is rewritten each time: the contract may have gained a column since.
    _write_schema_load(conn, folder, entity)
    missing = sorted(in_table - on_disk)
    _write_loads(conn, folder, entity, missing)
    return missing


def _loads_on_disk(folder: Path) -> set[int]:
    return {
        int(path.name.removeprefix(LOAD_PREFIX))
        for path in folder.iterdir()
        if path.name.startswith(LOAD_PREFIX) and (path / PART_FILE).is_file()
    }


def _remove_unfinished_writes(folder: Path) -> None:
    """Hidden folders left by a sync that died while writing; one run at a time, so none is live."""
    for leftover in folder.glob(".writing-*"):
        shutil.rmtree(leftover)
    for leftover in folder.glob(f"{LOAD_PREFIX}{SCHEMA_LOAD}/.writing-*"):
        leftover.unlink()


def _columns(conn: duckdb.DuckDBPyConnection, entity: Entity) -> str:
    # JSON is written as text: Spark's Parquet reader has no JSON logical type.
    return ", ".join(
        f'cast("{name}" as varchar) as "{name}"' if name == "_extra" else f'"{name}"'
        for name in _table_columns(conn, entity)
    )


def _write_schema_load(conn: duckdb.DuckDBPyConnection, folder: Path, entity: Entity) -> None:
    target = folder / f"{LOAD_PREFIX}{SCHEMA_LOAD}"
    target.mkdir(exist_ok=True)
    writing = target / f".writing-{uuid.uuid4().hex}.parquet"
    try:
        select = f"select {_columns(conn, entity)} from raw.{entity.table} limit 0"
        conn.execute(f"copy ({select}) to '{_escape(writing)}' (format parquet)")
        fsync_path(writing)
        os.replace(writing, target / PART_FILE)  # a file rename: atomic, replaces the old one
    finally:
        writing.unlink(missing_ok=True)


def _write_loads(conn: duckdb.DuckDBPyConnection, folder: Path, entity: Entity, loads: list[int]) -> None:
    """One COPY per load: the raw table is in load order, so each reads only its own row groups.

    (One COPY ... PARTITION_BY over all the loads took 1.6 times as long at 1M orders:
    docs/spark.md.)"""
    columns = _columns(conn, entity)
    for load in loads:
        staging = folder / f".writing-{uuid.uuid4().hex}"
        staging.mkdir()
        try:
            select = f"select {columns} from raw.{entity.table} where _file_seq = {int(load)}"
            conn.execute(f"copy ({select}) to '{_escape(staging / PART_FILE)}' (format parquet)")
            fsync_path(staging / PART_FILE)
            staging.rename(folder / f"{LOAD_PREFIX}{load}")  # the whole load appears at once
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    if loads:
        fsync_path(folder)


def _table_columns(conn: duckdb.DuckDBPyConnection, entity: Entity) -> list[str]:
    return [
        row[0]
        for row in conn.execute(
            "select column_name from duckdb_columns() where schema_name = 'raw' and table_name = ?"
            " and database_name = current_database() order by column_index",
            [entity.table],
        ).fetchall()
    ]


def _escape(path: Path) -> str:
    return str(path).replace("'", "''")
