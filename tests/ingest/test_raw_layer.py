"""The Parquet raw layer mirrors exactly the committed raw rows, one folder per entity and load."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
from order_files import ORDER_HEADER, ORDERS, land, order_row

from contract import ENTITIES_BY_PATH
from ingest.load import LOADED, QUARANTINED, load_entity
from ingest.raw_layer import entity_dir, parquet_glob, sync_raw_layer

INVOICES = ENTITIES_BY_PATH[("oms", "invoices")]


def loads_on_disk(raw_dir: Path) -> list[str]:
    return sorted(p.name for p in entity_dir(raw_dir, ORDERS).iterdir())


def parquet_rows(raw_dir: Path) -> list[tuple]:
    return duckdb.execute(
        "select order_id, channel, order_total, ordered_at, _file_seq, _row_number, _source_file"
        f" from read_parquet('{parquet_glob(raw_dir, ORDERS)}', union_by_name = true) order by all"
    ).fetchall()


def table_rows(conn) -> list[tuple]:
    return conn.execute(
        "select order_id, channel, order_total, ordered_at, _file_seq, _row_number, _source_file"
        " from raw.oms__orders order by all"
    ).fetchall()


def test_each_load_becomes_one_parquet_folder_holding_its_typed_rows_and_lineage(conn, tmp_path):
    landing, raw_dir = tmp_path / "landing", tmp_path / "raw"
    land(landing, "oms/orders/a.csv", f"{ORDER_HEADER}\n{order_row('O1')}\n{order_row('O2')}\n")
    land(landing, "oms/orders/b.csv", f"{ORDER_HEADER}\n{order_row('O1', channel='phone')}\n")
    loads = load_entity(conn, landing, ORDERS, "run-1", raw_dir=raw_dir)
    assert [load.status for load in loads] == [LOADED, LOADED]
    assert loads_on_disk(raw_dir) == ["load=0", "load=1", "load=2"]
    assert len(parquet_rows(raw_dir)) == 3
    assert parquet_rows(raw_dir) == table_rows(conn)


def test_loading_the_same_files_again_writes_nothing(conn, tmp_path):
    landing, raw_dir = tmp_path / "landing", tmp_path / "raw"
    land(landing, "oms/orders/a.csv", f"{ORDER_HEADER}\n{order_row('O1')}\n")
    load_entity(conn, landing, ORDERS, "run-1", raw_dir=raw_dir)
    written = (entity_dir(raw_dir, ORDERS) / "load=1" / "part.parquet").stat().st_mtime_ns
    load_entity(conn, landing, ORDERS, "run-2", raw_dir=raw_dir)
    assert loads_on_disk(raw_dir) == ["load=0", "load=1"]
    assert (entity_dir(raw_dir, ORDERS) / "load=1" / "part.parquet").stat().st_mtime_ns == written
    assert parquet_rows(raw_dir) == table_rows(conn)


def test_a_file_set_aside_and_quarantined_rows_never_reach_the_raw_layer(conn, tmp_path):
    landing, raw_dir = tmp_path / "landing", tmp_path / "raw"
    land(landing, "oms/orders/a.csv", "order_id\nO1\n")  # required columns missing: set aside
    bad_total = order_row("O3").replace("12.50", "twelve")
    land(landing, "oms/orders/b.csv", f"{ORDER_HEADER}\n{order_row('O2')}\n{bad_total}\n")
    statuses = [load.status for load in load_entity(conn, landing, ORDERS, "run-1", raw_dir=raw_dir)]
    assert statuses == [QUARANTINED, LOADED]
    assert [row[0] for row in parquet_rows(raw_dir)] == ["O2"]
    assert loads_on_disk(raw_dir) == ["load=0", "load=2"]


def test_a_sync_repairs_a_missing_load_an_orphan_load_and_a_half_written_folder(conn, tmp_path):
    landing, raw_dir = tmp_path / "landing", tmp_path / "raw"
    land(landing, "oms/orders/a.csv", f"{ORDER_HEADER}\n{order_row('O1')}\n")
    land(landing, "oms/orders/b.csv", f"{ORDER_HEADER}\n{order_row('O2')}\n")
    load_entity(conn, landing, ORDERS, "run-1", raw_dir=raw_dir)
    expected = parquet_rows(raw_dir)
    folder = entity_dir(raw_dir, ORDERS)
    # A run killed after the load's commit, before its Parquet; one killed after an uncommitted
    # load's Parquet (its file_seq is not in the raw table); one killed while writing.
    shutil.rmtree(folder / "load=2")
    shutil.copytree(folder / "load=1", folder / "load=7")
    (folder / ".writing-dead").mkdir()
    (folder / ".writing-dead" / "junk.parquet").write_bytes(b"half")
    assert sync_raw_layer(conn, raw_dir, ORDERS) == [2]
    assert loads_on_disk(raw_dir) == ["load=0", "load=1", "load=2"]
    assert parquet_rows(raw_dir) == expected == table_rows(conn)


def test_an_entity_without_loads_is_an_empty_table_with_the_contract_columns(conn, tmp_path):
    raw_dir = tmp_path / "raw"
    assert load_entity(conn, tmp_path, INVOICES, "run-1", raw_dir=raw_dir) == []
    described = duckdb.execute(f"describe select * from read_parquet('{parquet_glob(raw_dir, INVOICES)}')")
    columns = [row[0] for row in described.fetchall()]
    assert columns[: len(INVOICES.column_names)] == list(INVOICES.column_names)
    assert {"_file_seq", "_row_number", "_source_file", "_extra"} <= set(columns)
    assert duckdb.execute(
        f"select count(*) from read_parquet('{parquet_glob(raw_dir, INVOICES)}')"
    ).fetchone() == (0,)
