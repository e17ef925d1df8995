"""The Olist importer on small hand-written files (the real dataset: tests/pipeline/test_olist_real_dataset.py)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from olist_files import ITEMS, ORDERS, ORDERS_HEADER, PAYMENTS, dataset, write

from ingest.sources import import_documents
from ingest.sources.olist import IMPORTER, ITEMS_FILE, ORDERS_FILE, PAYMENTS_FILE
from orderpulse.cli import main


def landed(landing: Path, entity: str) -> list[dict[str, str]]:
    rows = []
    for path in sorted(landing.glob(f"*/{entity}/*.csv")):
        with path.open(newline="", encoding="utf-8") as stream:
            rows += list(csv.DictReader(stream))
    return rows


def test_orders_with_payments_and_items_land_as_orders_lines_events_shipments_and_deliveries(tmp_path: Path):
    dataset(tmp_path / "olist")
    landing = tmp_path / "landing"
    report = import_documents(IMPORTER, [tmp_path / "olist"], landing)
    assert report.problems == []
    assert report.documents_imported == [
        tmp_path / "olist" / ORDERS_FILE
    ]  # payments and items are not documents

    orders = {row["order_id"]: row for row in landed(landing, "orders")}
    assert orders["o1"] == {
        "order_id": "o1",
        "customer_id": "c1",
        "channel": "marketplace",
        "ordered_at": "2018-03-01 10:00:00",  # Brazilian wall-clock time, landed unchanged
        "promised_ship_at": "2018-03-07 10:00:00",  # the latest shipping limit of its items
        "promised_delivery_date": "2018-03-15",
        "ship_to_country": "BR",
        "ship_to_postal_code": "",
        "currency": "BRL",
        "order_total": "120.75",  # the sum of its payments
        "status": "delivered",
        "updated_at": "2018-03-20 09:15:00",
    }
    assert orders["o3"]["order_total"] == ""  # no payment: no total
    assert orders["o3"]["promised_ship_at"] == ""  # no items: no promised ship time

    events = {(e["order_id"], e["event_type"]): e for e in landed(landing, "order_events")}
    assert {k for k in events if k[1] == "created"} == {(o, "created") for o in orders}
    assert events[("o3", "cancelled")]["reason_code"] == "other"
    assert events[("o4", "cancelled")]["reason_code"] == "out_of_stock"
    assert events[("o4", "cancelled")]["event_at"] == "2018-03-04 14:00:00"  # its latest known time

    shipments = {s["order_id"]: s for s in landed(landing, "shipments")}
    assert set(shipments) == {"o1", "o2", "o5"}
    assert shipments["o1"]["shipped_at"] == "2018-03-02 15:00:00"
    assert shipments["o2"]["shipped_at"] == ""  # delivered without a carrier date: still a shipment
    assert shipments["o1"]["shipment_id"] == "o1-S1" and shipments["o1"]["tracking_number"] == "OLIST-o1"

    deliveries = {t["tracking_number"]: t for t in landed(landing, "tracking_events")}
    assert set(deliveries) == {"OLIST-o1", "OLIST-o2"}
    assert deliveries["OLIST-o1"]["status_code"] == "delivered"
    assert deliveries["OLIST-o1"]["event_at"] == "2018-03-20 09:15:00"

    lines = [
        (line["order_id"], line["line_number"], line["sku"], line["quantity_ordered"], line["unit_price"])
        for line in landed(landing, "order_lines")
    ]
    assert lines == [
        ("o1", "1", "p-mug", "1", "50.00"),
        ("o1", "2", "p-mug", "1", "50.00"),
        ("o5", "1", "p-lamp", "1", "80.00"),
    ]
    shipment_lines = [
        (s["shipment_id"], s["line_number"], s["order_line_number"], s["quantity_shipped"])
        for s in landed(landing, "shipment_lines")
    ]
    assert shipment_lines == [("o1-S1", "1", "1", "1"), ("o1-S1", "2", "2", "1"), ("o5-S1", "1", "1", "1")]


def test_without_payments_the_total_is_the_items_price_and_freight_and_without_items_orders_have_no_lines(
    tmp_path: Path,
):
    dataset(tmp_path / "items-only", payments=False)
    import_documents(IMPORTER, [tmp_path / "items-only"], tmp_path / "a")
    totals = {o["order_id"]: o["order_total"] for o in landed(tmp_path / "a", "orders")}
    assert totals == {"o1": "120.00", "o2": "", "o3": "", "o4": "", "o5": "92.50"}

    dataset(tmp_path / "orders-only", payments=False, items=False)
    report = import_documents(IMPORTER, [tmp_path / "orders-only" / ORDERS_FILE], tmp_path / "b")
    assert report.problems == []
    assert {o["order_total"] for o in landed(tmp_path / "b", "orders")} == {""}
    assert landed(tmp_path / "b", "order_lines") == [] and landed(tmp_path / "b", "shipment_lines") == []
    assert len(landed(tmp_path / "b", "shipments")) == 3


def test_reimporting_lands_nothing_new_but_an_items_file_arriving_later_does(tmp_path: Path):
    folder = tmp_path / "olist"
    dataset(folder, items=False)
    landing = tmp_path / "landing"
    first = import_documents(IMPORTER, [folder], landing)
    assert {p.parent.name for p in first.landed} == {"orders", "order_events", "shipments", "tracking_events"}
    again = import_documents(IMPORTER, [folder], landing)
    assert again.landed == [] and again.documents_unchanged == [folder / ORDERS_FILE]

    write(folder, ITEMS_FILE, ITEMS)
    with_items = import_documents(IMPORTER, [folder], landing)
    assert {p.parent.name for p in with_items.landed} == {
        "orders",
        "order_lines",
        "order_events",
        "shipments",
        "shipment_lines",
        "tracking_events",
    }
    assert with_items.files_read[folder / ORDERS_FILE] == [
        folder / ORDERS_FILE,
        folder / PAYMENTS_FILE,
        folder / ITEMS_FILE,
    ]


@pytest.mark.parametrize(
    ("orders", "items", "position", "reason"),
    [
        (
            [ORDERS[0], "o2,c2,delivered,2018-03-02 11:00:00,,,02/03/2018 18:00,2018-03-21 00:00:00"],
            ITEMS,
            "row 3",
            "order_delivered_customer_date '02/03/2018 18:00' is not a timestamp",
        ),
        (
            [ORDERS[0], "o2,c2,delivered,,,,,2018-03-21 00:00:00"],
            ITEMS,
            "row 3",
            "order_purchase_timestamp is empty",
        ),
        ([ORDERS[0], ORDERS[0]], ITEMS, "row 3", "order o1 is also on row 2"),
        (
            ORDERS,
            [*ITEMS, "o5,x,p-lamp,s2,2018-03-08 14:00:00,80.00,12.50"],
            f"{ITEMS_FILE} row 5",
            "order_item_id 'x' is not a whole number above 0",
        ),
        (ORDERS, [*ITEMS, "o9,1,p-lamp,s2,2018-03-08 14:00:00,80.00,12.50"], f"{ITEMS_FILE} file", "not in"),
        (ORDERS[:1], ["order_id,price"], f"{ITEMS_FILE} row 1", "lacks the column(s) order_item_id"),
    ],
    ids=[
        "bad-timestamp",
        "no-purchase-time",
        "duplicate-order",
        "bad-item",
        "items-of-unknown-orders",
        "bad-items-file",
    ],
)
def test_a_bad_row_rejects_the_dataset_naming_the_file_and_row(
    tmp_path: Path, orders, items, position, reason
):
    folder = tmp_path / "olist"
    document = dataset(folder, orders=orders, items=False)
    write(folder, ITEMS_FILE, items)
    report = import_documents(IMPORTER, [folder], tmp_path / "landing")
    [problem] = report.problems
    assert (problem.document, problem.position) == (document, position)
    assert reason in problem.reason
    assert not (tmp_path / "landing").exists()


@pytest.mark.parametrize(
    ("content", "position", "reason"),
    [
        ("", "file", "empty file"),
        (ORDERS_HEADER + "\n", "file", "no orders"),
        (
            "order_id,customer_id,order_status\no1,c1,delivered\n",
            "row 1",
            "lacks the column(s) order_purchase_timestamp",
        ),
    ],
    ids=["empty", "header-only", "missing-columns"],
)
def test_an_orders_file_without_orders_is_rejected(tmp_path: Path, content: str, position: str, reason: str):
    document = tmp_path / ORDERS_FILE
    document.write_text(content, encoding="utf-8")
    [problem] = import_documents(IMPORTER, [document], tmp_path / "landing").problems
    assert (problem.position, reason in problem.reason) == (position, True)


def test_the_payments_file_given_as_the_document_is_rejected_as_the_wrong_file(tmp_path: Path, capsys):
    dataset(tmp_path / "olist")
    payments = tmp_path / "olist" / PAYMENTS_FILE
    code = main(["import", "olist", str(payments), "--landing", str(tmp_path / "landing")])
    assert code == 1
    assert capsys.readouterr().err == (
        f"orderpulse import: {payments}: row 1: not the Olist orders file ({ORDERS_FILE}): the header lacks"
        " the column(s) customer_id, order_status, order_purchase_timestamp, order_approved_at,"
        " order_delivered_carrier_date, order_delivered_customer_date, order_estimated_delivery_date\n"
    )


def test_a_folder_without_the_orders_file_is_a_mistake_in_the_command(tmp_path: Path, capsys):
    write(tmp_path / "olist", PAYMENTS_FILE, PAYMENTS)
    assert main(["import", "olist", str(tmp_path / "olist"), "--landing", str(tmp_path / "landing")]) == 2
    assert capsys.readouterr().err == (
        f"orderpulse: error: no olist document in {tmp_path / 'olist'}"
        f" (looked for names ending in {ORDERS_FILE})\n"
    )
    assert not (tmp_path / "landing").exists()
