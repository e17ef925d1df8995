"""Loading landed files into raw tables: formats, types, lineage, duplicates and quarantine."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import duckdb
import pytest
from order_files import ORDER_HEADER, ORDERS, land, order_row

from contract import ENTITIES_BY_PATH
from ingest.load import DUPLICATE, LOADED, QUARANTINED, load_entity, record_stray_files

LINES = ENTITIES_BY_PATH[("oms", "order_lines")]
EVENTS = ENTITIES_BY_PATH[("oms", "order_events")]
TRACKING = ENTITIES_BY_PATH[("carrier", "tracking_events")]


def test_csv_jsonl_and_parquet_load_to_the_same_typed_rows(conn, tmp_path):
    landing = tmp_path / "landing"
    land(landing, "oms/orders/a.csv", f"{ORDER_HEADER}\n{order_row('O1')}\n")
    record = dict(zip(ORDER_HEADER.split(","), order_row("O2").split(","), strict=True))
    land(landing, "oms/orders/b.jsonl", json.dumps(record | {"order_total": 12.5}) + "\n")
    duckdb.execute(
        f"copy (select * replace ('O3' as order_id) from read_csv('{landing / 'oms/orders/a.csv'}', all_varchar = true))"
        f" to '{landing / 'oms/orders/c.parquet'}' (format parquet)"
    )
    loads = load_entity(conn, landing, ORDERS, "run-1")
    assert [(f.status, f.rows_landed, f.rows_loaded) for f in loads] == [(LOADED, 1, 1)] * 3
    rows = conn.execute(
        "select order_id, ordered_at, promised_delivery_date, order_total from raw.oms__orders order by 1"
    ).fetchall()
    expected = (dt.datetime(2024, 1, 7, 10), dt.date(2024, 1, 10), Decimal("12.5000"))
    assert rows == [(order_id, *expected) for order_id in ("O1", "O2", "O3")]


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2024-01-07T12:00:00+02:00", dt.datetime(2024, 1, 7, 10)),
        ("2024-01-07T05:00:00-05", dt.datetime(2024, 1, 7, 10)),
        ("2024-01-07T10:00:00Z", dt.datetime(2024, 1, 7, 10)),
        ("2024-01-07T10:00:00", dt.datetime(2024, 1, 7, 10)),  # no offset: UTC
        ("2024-01-07T23:30:00-05:00", dt.datetime(2024, 1, 8, 4, 30)),  # crosses the UTC date
    ],
)
def test_timestamps_with_or_without_offsets_are_stored_in_utc(conn, tmp_path, text, utc):
    land(tmp_path / "l", "oms/orders/a.csv", f"{ORDER_HEADER}\n{order_row('O1', ordered_at=text)}\n")
    load_entity(conn, tmp_path / "l", ORDERS, "run-1")
    assert conn.execute("select ordered_at from raw.oms__orders").fetchone()[0] == utc


def test_lineage_and_extra_columns_are_kept(conn, tmp_path):
    land(tmp_path / "l", "oms/orders/a.csv", f"{ORDER_HEADER},sales_region\n{order_row('O1')},east\n")
    load_entity(conn, tmp_path / "l", ORDERS, "run-1")
    row = conn.execute(
        "select _source_file, _file_sha256, _row_number, _extra, _loaded_at from raw.oms__orders"
    )
    source_file, sha256, row_number, extra, loaded_at = row.fetchone()
    assert (source_file, row_number, json.loads(extra)) == ("oms/orders/a.csv", 1, {"sales_region": "east"})
    assert len(sha256) == 64 and loaded_at is not None


def test_the_same_bytes_under_any_name_load_once(conn, tmp_path):
    landing = tmp_path / "l"
    land(landing, "oms/orders/a.csv", f"{ORDER_HEADER}\n{order_row('O1')}\n")
    assert [f.status for f in load_entity(conn, landing, ORDERS, "run-1")] == [LOADED]
    land(landing, "oms/orders/z-resent.csv", f"{ORDER_HEADER}\n{order_row('O1')}\n")
    second = load_entity(conn, landing, ORDERS, "run-2")
    assert [(f.file_path, f.status) for f in second if f.status != "already_seen"] == [
        ("oms/orders/z-resent.csv", DUPLICATE)
    ]
    assert {f.status for f in load_entity(conn, landing, ORDERS, "run-3")} == {"already_seen"}
    assert conn.execute("select count(*) from ops.load_ledger").fetchone()[0] == 2
    assert conn.execute("select count(*) from raw.oms__orders").fetchone()[0] == 1


def test_temporary_and_hidden_files_are_not_read(conn, tmp_path):
    landing = tmp_path / "l"
    for name in ("a.csv.tmp", ".b.csv", "_c.csv"):
        land(landing, f"oms/orders/{name}", "not even csv")
    assert load_entity(conn, landing, ORDERS, "run-1") == []


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("garbage.parquet", b"definitely not parquet", "cannot be parsed"),
        ("empty.csv", b"", "cannot be parsed: empty file, no header row"),
        (
            "truncated.csv",
            f"{ORDER_HEADER}\n{order_row('O1')}\nO2,C1,web,2024-01-".encode(),
            "cannot be parsed",
        ),
        ("ragged.csv", f"{ORDER_HEADER}\n{order_row('O1')},extra\n".encode(), "cannot be parsed"),
        ("broken.jsonl", b'{"order_id": "O1", \n', "cannot be parsed"),
        ("latin1.csv", f"{ORDER_HEADER}\n".encode() + "O1,Cé".encode("latin-1") + b"\n", "cannot be parsed"),
        ("orders.xlsx", b"PK\x03\x04", "unsupported file extension"),
    ],
)
def test_an_unreadable_file_is_set_aside_with_its_reason_and_the_rest_loads(
    conn, tmp_path, name, content, reason
):
    landing = tmp_path / "l"
    land(landing, "oms/orders/good.csv", f"{ORDER_HEADER}\n{order_row('O9')}\n")
    (landing / "oms/orders" / name).write_bytes(content)
    by_file = {f.file_path: f for f in load_entity(conn, landing, ORDERS, "run-1")}
    assert by_file["oms/orders/good.csv"].status == LOADED
    bad = by_file[f"oms/orders/{name}"]
    assert bad.status == QUARANTINED and bad.reason.startswith(reason), bad
    assert conn.execute("select order_id from raw.oms__orders").fetchall() == [("O9",)]
    ledger = conn.execute("select status, reason from ops.load_ledger where file_path = ?", [bad.file_path])
    assert ledger.fetchone()[0] == QUARANTINED


def test_a_file_missing_a_required_column_is_set_aside_whole(conn, tmp_path):
    header = ORDER_HEADER.replace(",channel", "")
    row = order_row("O1").replace(",web", "")
    land(tmp_path / "l", "oms/orders/a.csv", f"{header}\n{row}\n{row}\n")
    [load] = load_entity(conn, tmp_path / "l", ORDERS, "run-1")
    assert (load.status, load.reason) == (QUARANTINED, "missing required column(s): channel")
    assert (load.rows_landed, load.rows_loaded, load.rows_quarantined) == (2, 0, 2)


def test_bad_rows_are_quarantined_with_column_reason_and_raw_values(conn, tmp_path):
    land(
        tmp_path / "l",
        "oms/order_lines/a.csv",
        "order_id,line_number,sku,quantity_ordered,unit_price,updated_at\n"
        "O1,1,A,2,10.00,2024-01-07T10:00:00Z\n"  # good
        "O1,2,B,-1,10.00,2024-01-07T10:00:00Z\n"  # negative quantity
        "O1,3,C,2,10.00,yesterday\n"  # unparseable timestamp
        ",4,D,2,10.00,2024-01-07T10:00:00Z\n"  # missing key
        "O1,5,E,2.5,10.00,2024-01-07T10:00:00Z\n"  # not a whole number
        "O1,6,F,1,-3,2024-01-07T10:00:00Z\n",  # negative price
    )
    [load] = load_entity(conn, tmp_path / "l", LINES, "run-1")
    assert (load.rows_landed, load.rows_loaded, load.rows_quarantined) == (6, 1, 5)
    quarantined = conn.execute(
        "select row_number, column_name, reason, raw_values ->> 'sku' from ops.quarantined_rows order by 1"
    ).fetchall()
    assert quarantined == [
        (2, "quantity_ordered", "quantity_ordered: below the minimum of 1", "B"),
        (3, "updated_at", "updated_at: unparseable timestamp", "C"),
        (4, "order_id", "order_id: missing key value", "D"),
        (5, "quantity_ordered", "quantity_ordered: not a whole number", "E"),
        (6, "unit_price", "unit_price: below the minimum of 0", "F"),
    ]
    assert conn.execute("select line_number from raw.oms__order_lines").fetchall() == [(1,)]


def test_unknown_enum_values_and_reasons_are_quarantined(conn, tmp_path):
    land(
        tmp_path / "l",
        "oms/order_events/a.jsonl",
        '{"event_id": "E1", "order_id": "O1", "event_type": "teleported", "event_at": "2024-01-07T10:00:00Z", "reason_code": null}\n'
        '{"event_id": "E2", "order_id": "O1", "event_type": "hold_placed", "event_at": "2024-01-07T10:00:00Z", "reason_code": "whim"}\n'
        '{"event_id": "E3", "order_id": "O1", "event_type": "payment_failed", "event_at": "2024-01-07T10:00:00Z", "reason_code": "card_declined"}\n',
    )
    [load] = load_entity(conn, tmp_path / "l", EVENTS, "run-1")
    assert (load.rows_loaded, load.rows_quarantined) == (1, 2)
    reasons = conn.execute(
        "select row_number, column_name, reason from ops.quarantined_rows order by 1"
    ).fetchall()
    assert reasons == [
        (1, "event_type", "event_type: unknown value 'teleported'"),
        (2, "reason_code", "reason_code: unknown value 'whim' for hold_placed"),
    ]


def test_files_outside_the_contract_layout_are_recorded_not_ignored(conn, tmp_path):
    landing = tmp_path / "l"
    land(landing, "oms/customers/a.csv", "customer_id\nC1\n")
    land(landing, "notes.csv", "x\n1\n")
    loads = record_stray_files(conn, landing, "run-1")
    assert sorted((f.file_path, f.status) for f in loads) == [
        ("notes.csv", QUARANTINED),
        ("oms/customers/a.csv", QUARANTINED),
    ]


def test_a_file_set_aside_in_a_wrong_folder_loads_when_landed_where_it_belongs(conn, tmp_path):
    """Only loaded bytes make a duplicate: the same bytes set aside before must not be skipped."""
    landing = tmp_path / "l"
    text = f"{ORDER_HEADER}\n{order_row('O1')}\n"
    land(landing, "oms/order/a.csv", text)  # a typo in the entity folder
    land(landing, "misplaced.csv", text)
    assert {f.status for f in record_stray_files(conn, landing, "run-1")} == {QUARANTINED}
    land(landing, "oms/orders/a.csv", text)
    assert [(f.status, f.rows_loaded) for f in load_entity(conn, landing, ORDERS, "run-2")] == [(LOADED, 1)]
    assert conn.execute("select order_id from raw.oms__orders").fetchall() == [("O1",)]
    # The stray files are still noted once each, not again on every run.
    assert {f.status for f in record_stray_files(conn, landing, "run-3")} == {"already_seen"}


def test_an_exception_code_on_a_scan_that_is_not_an_exception_is_quarantined(conn, tmp_path):
    land(
        tmp_path / "l",
        "carrier/tracking_events/a.csv",
        "tracking_number,event_at,status_code,exception_code,carrier,location\n"
        "T1,2024-01-07T10:00:00Z,delivered,lost,UPS,\n"
        "T2,2024-01-07T10:00:00Z,exception,lost,UPS,\n"
        "T3,2024-01-07T10:00:00Z,delivered,,UPS,\n",
    )
    [load] = load_entity(conn, tmp_path / "l", TRACKING, "run-1")
    assert (load.rows_loaded, load.rows_quarantined) == (2, 1)
    assert conn.execute("select row_number, column_name, reason from ops.quarantined_rows").fetchall() == [
        (1, "exception_code", "exception_code: only allowed when status_code is exception")
    ]
