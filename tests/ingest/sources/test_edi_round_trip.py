"""Round trip: a simulated week's EDI-channel orders, written by the order core as X12 (850, 855,
856, 810) and imported back, land the same rows as the core's direct export, on every contract
column EDI carries."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import select

from contract import ENTITIES_BY_PATH
from ingest.load import load_entity
from order_core.adapters import tables as t
from order_core.adapters.database import open_database
from orderpulse.cli import main

# Contract columns no X12 document of ours carries (docs/importers.md says how they are filled).
NOT_CARRIED = {("oms", "orders"): {"status", "updated_at"}, ("oms", "order_lines"): {"updated_at"}}
COMPARED = [("oms", "orders"), ("oms", "order_lines"), ("wms", "shipments"), ("wms", "shipment_lines"),
            ("oms", "invoices")]  # fmt: skip
# The order events the EDI documents carry: the 850's creation and cancellation, the 855's decisions.
EVENTS_CARRIED = "event_type in ('created', 'allocated', 'backordered', 'cancelled')"


def load(landing: Path, database: Path) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect(str(database))
    for path in (*COMPARED, ("oms", "order_events")):
        for file_load in load_entity(conn, landing, ENTITIES_BY_PATH[path], "run-1"):
            assert file_load.rows_quarantined == 0, file_load
    return conn


@pytest.fixture(scope="module")
def week(tmp_path_factory):
    folder = tmp_path_factory.mktemp("edi-round-trip")
    url = f"sqlite:///{folder / 'core.sqlite'}"
    # More cancellations and credit holds than usual, so the week's EDI orders have some of each.
    rates = ["--rate", "customer_cancel=0.1", "--rate", "credit_hold=0.05"]
    assert main(["simulate", "--db", url, "--days", "7", "--orders-per-day", "100", "--quiet", *rates]) == 0
    assert main(["core", "export", "--db", url, "--landing", str(folder / "direct")]) == 0
    assert main(["core", "export-edi", "--db", url, "--out", str(folder / "inbox")]) == 0
    assert main(["import", "edi", str(folder / "inbox"), "--landing", str(folder / "edi")]) == 0
    engine = open_database(url)
    with engine.connect() as connection:
        po_numbers = dict(
            connection.execute(
                select(t.orders.c.order_id, t.orders.c.external_order_id).where(t.orders.c.channel == "edi")
            ).all()
        )
    engine.dispose()
    direct, edi = (
        load(folder / "direct", folder / "direct.duckdb"),
        load(folder / "edi", folder / "edi.duckdb"),
    )
    yield direct, edi, po_numbers
    direct.close()
    edi.close()


def as_edi_carries(value):
    """X12 times go to the hundredth of a second."""
    if isinstance(value, datetime):
        return value.replace(microsecond=value.microsecond // 10_000 * 10_000)
    return value


def rows(conn, table: str, columns: list[str], where: str = "true") -> list[tuple]:
    return conn.execute(f"select {', '.join(columns)} from raw.{table} where {where}").fetchall()


@pytest.mark.parametrize("path", COMPARED, ids=lambda p: p[1])
def test_edi_lands_the_direct_exports_rows_on_the_columns_it_carries(week, path):
    direct, edi, po_numbers = week
    entity = ENTITIES_BY_PATH[path]
    columns = [c for c in entity.column_names if c not in NOT_CARRIED.get(path, set())]
    order_id = columns.index("order_id")
    expected = sorted(
        tuple(po_numbers[v] if i == order_id else as_edi_carries(v) for i, v in enumerate(row))
        for row in rows(direct, entity.table, columns)
        if row[order_id] in po_numbers
    )
    assert len(expected) > 20  # the week has EDI orders of every kind to compare
    assert sorted(rows(edi, entity.table, columns)) == expected


def test_edi_lands_the_order_events_its_documents_carry(week):
    direct, edi, po_numbers = week
    columns = ["order_id", "event_type", "event_at", "reason_code"]
    expected = sorted(
        (po_numbers[row[0]], row[1], as_edi_carries(row[2]), row[3])
        for row in rows(direct, "oms__order_events", columns, EVENTS_CARRIED)
        if row[0] in po_numbers
    )
    assert {row[1] for row in expected} >= {"created", "allocated", "backordered", "cancelled"}
    assert {row[3] for row in expected if row[1] == "cancelled"} >= {"customer_request", "other"}
    assert sorted(rows(edi, "oms__order_events", columns)) == expected
