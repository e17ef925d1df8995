"""The Shopify importer: an admin "Export orders" CSV in, contract landing files out."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pytest

from ingest.sources import import_documents
from ingest.sources.shopify import (
    SHOPIFY_CANCEL_REASONS,
    ShopifyImporter,
    ShopifyRules,
    add_business_days,
    load_rules,
)
from orderpulse.cli import main
from orderpulse.errors import UserError

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "shopify" / "orders_export.csv"
# The export's columns, in its order (help.shopify.com, "Exporting orders"; see docs/importers.md).
HEADER = next(csv.reader(EXAMPLE.open(encoding="utf-8")))
PERSONAL_COLUMNS = [
    "Email",
    "Phone",
    *(
        f"{side} {part}"
        for side in ("Billing", "Shipping")
        for part in ("Name", "Street", "Address1", "Address2", "Phone")
    ),
]


def write_export(path: Path, rows: list[dict[str, str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, header, lineterminator="\n", restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


def first_row(name: str, created: str, **fields: str) -> dict[str, str]:
    row = {
        "Name": name,
        "Email": f"{name.strip('#')}@example.com",
        "Financial Status": "paid",
        "Fulfillment Status": "unfulfilled",
        "Currency": "USD",
        "Total": "50.00",
        "Created at": created,
        "Lineitem quantity": "1",
        "Lineitem name": "Stoneware Mug",
        "Lineitem price": "22.00",
        "Lineitem sku": "MUG-1",
        "Billing Name": "Ada Example",
        "Shipping Name": "Ada Example",
        "Shipping Street": "1 Fictional Lane",
        "Shipping Address1": "1 Fictional Lane",
        "Shipping Zip": "'05401",
        "Shipping Country": "US",
        "Shipping Phone": "+15555550199",
        "Shipping Method": "Standard Shipping",
        "Source": "web",
    }
    row.update(fields)
    return row


def line_row(name: str, sku: str, quantity: str = "1", price: str = "10.00", **fields: str) -> dict[str, str]:
    return {
        "Name": name,
        "Lineitem quantity": quantity,
        "Lineitem name": sku,
        "Lineitem price": price,
        "Lineitem sku": sku,
        **fields,
    }


def landed_rows(landing: Path, entity: str) -> list[dict[str, str]]:
    rows = []
    for path in sorted(landing.glob(f"*/{entity}/*.csv")):
        with path.open(newline="", encoding="utf-8") as stream:
            rows += list(csv.DictReader(stream))
    return rows


def test_an_order_with_its_lines_events_and_fulfillment_lands_in_contract_form(tmp_path: Path):
    export = write_export(
        tmp_path / "orders_export.csv",
        [
            # Saturday 24 Oct 2026, 15:55 in New York (-0400): handed over one business day later
            # (Monday), delivered five business days after that by the default rules.
            first_row(
                "#1001",
                "2026-10-24 15:55:00 -0400",
                **{
                    "Paid at": "2026-10-24 15:56:00 -0400",
                    "Fulfillment Status": "partial",
                    "Fulfilled at": "2026-10-26 09:00:00 -0400",
                    "Lineitem fulfillment status": "fulfilled",
                    "Lineitem quantity": "2",
                    "Total": "74.80",
                },
            ),
            line_row(
                "#1001", "MUG-1", quantity="1", price="10.00", **{"Lineitem fulfillment status": "pending"}
            ),
            line_row("#1001", "", quantity="1", price="0", **{"Lineitem name": "Gift wrap"}),
        ],
    )
    landing = tmp_path / "landing"
    report = import_documents(ShopifyImporter(ShopifyRules()), [export], landing)
    assert report.problems == [] and report.documents_imported == [export]

    [order] = landed_rows(landing, "orders")
    assert order == {
        "order_id": "#1001",
        "customer_id": "",
        "channel": "web",
        "ordered_at": "2026-10-24T19:55:00Z",
        "promised_ship_at": "2026-10-26T19:55:00Z",
        "promised_delivery_date": "2026-11-02",
        "ship_to_country": "US",
        "ship_to_postal_code": "05401",
        "currency": "USD",
        "order_total": "74.80",
        "status": "paid/partial",
        "updated_at": "2026-10-26T13:00:00Z",
    }
    lines = landed_rows(landing, "order_lines")
    assert [
        (line["line_number"], line["sku"], line["quantity_ordered"], line["unit_price"]) for line in lines
    ] == [
        ("1", "MUG-1", "2", "22.00"),
        ("2", "MUG-1", "1", "10.00"),
        ("3", "Gift wrap", "1", "0"),  # an item without a SKU is known by its name
    ]
    assert [
        (e["event_id"], e["event_type"], e["event_at"]) for e in landed_rows(landing, "order_events")
    ] == [("#1001-created", "created", "2026-10-24T19:55:00Z")]
    [shipment] = landed_rows(landing, "shipments")
    assert shipment["shipped_at"] == "2026-10-26T13:00:00Z"
    assert shipment["service_level"] == "Standard Shipping"
    assert shipment["warehouse_id"] == "shopify" and shipment["tracking_number"] == ""
    # Only the fulfilled line is on the shipment; the first of two lines of one SKU is named.
    assert [
        (line["line_number"], line["sku"], line["quantity_shipped"], line["order_line_number"])
        for line in landed_rows(landing, "shipment_lines")
    ] == [("1", "MUG-1", "2", "1")]


def test_cancelled_orders_channels_and_shipping_methods_follow_the_documented_tables(tmp_path: Path):
    header = [*HEADER, "Cancel Reason"]
    export = write_export(
        tmp_path / "export.csv",
        [
            first_row("#1", "2026-10-05 10:00:00 -0500", **{"Cancelled at": "2026-10-05 12:00:00 -0500"}),
            first_row(
                "#2",
                "2026-10-05 10:00:00 -0500",
                **{"Cancelled at": "2026-10-06 08:00:00 -0500", "Cancel Reason": "inventory"},
            ),
            first_row("#3", "2026-10-05 10:00:00 -0500", Source="pos", **{"Shipping Method": "Express"}),
            first_row("#4", "2026-10-05 10:00:00 -0500", Source="shopify_draft_order"),
            first_row("#5", "2026-10-05 10:00:00 -0500", Source="580111", **{"Shipping Method": "Economy"}),
            first_row("#6", "2026-10-05 10:00:00 -0500", Source="", **{"Shipping Method": ""}),
        ],
        header,
    )
    landing = tmp_path / "landing"
    assert not import_documents(ShopifyImporter(ShopifyRules()), [export], landing).problems
    cancels = {
        e["order_id"]: e["reason_code"]
        for e in landed_rows(landing, "order_events")
        if e["event_type"] == "cancelled"
    }
    assert cancels == {"#1": "other", "#2": "out_of_stock"}
    orders = {o["order_id"]: o for o in landed_rows(landing, "orders")}
    assert orders["#1"]["status"] == "cancelled"
    assert {k: o["channel"] for k, o in orders.items()} == {
        "#1": "web",
        "#2": "web",
        "#3": "sales_rep",
        "#4": "phone",
        "#5": "marketplace",
        "#6": "web",
    }
    # Monday 5 Oct: shipped Tuesday 6th; express +2, economy +7, no method the default +5.
    assert orders["#3"]["promised_delivery_date"] == "2026-10-08"
    assert orders["#5"]["promised_delivery_date"] == "2026-10-15"
    assert orders["#6"]["promised_delivery_date"] == "2026-10-13"


def test_every_shopify_cancel_reason_maps_to_a_reason_of_the_contract():
    from contract import CANCEL_REASONS

    assert set(SHOPIFY_CANCEL_REASONS.values()) <= set(CANCEL_REASONS)


def test_business_days_skip_weekends():
    friday, saturday, sunday = date(2026, 10, 23), date(2026, 10, 24), date(2026, 10, 25)
    monday = date(2026, 10, 26)
    assert add_business_days(friday, 1) == monday
    assert add_business_days(saturday, 1) == monday
    assert add_business_days(sunday, 1) == monday
    assert add_business_days(friday, 5) == date(2026, 10, 30)
    assert add_business_days(saturday, 0) == saturday


def test_a_rules_file_replaces_the_default_promise_and_channels(tmp_path: Path):
    rules_file = tmp_path / "shopify.toml"
    rules_file.write_text(
        'handling_business_days = 0\ndefault_transit_business_days = 2\n[channels]\npos = "web"\n',
        encoding="utf-8",
    )
    rules = load_rules(rules_file)
    export = write_export(
        tmp_path / "export.csv",
        [first_row("#9", "2026-10-05 10:00:00 -0500", Source="pos", **{"Shipping Method": "Courier"})],
    )
    landing = tmp_path / "landing"
    import_documents(ShopifyImporter(rules), [export], landing)
    [order] = landed_rows(landing, "orders")
    assert order["promised_ship_at"] == "2026-10-05T15:00:00Z"
    assert order["promised_delivery_date"] == "2026-10-07"
    assert order["channel"] == "web"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("handling_days = 1\n", "unknown setting(s) handling_days"),
        ("[channels]\npos = 'store'\n", "channel(s) store not in the contract"),
        ("default_transit_business_days = -1\n", "whole numbers >= 0"),
        ("handling_business_days = \n", "Shopify rules file"),
    ],
)
def test_a_wrong_rules_file_is_a_user_error_naming_the_file(tmp_path: Path, text: str, message: str):
    rules_file = tmp_path / "rules.toml"
    rules_file.write_text(text, encoding="utf-8")
    with pytest.raises(UserError, match=re.escape(message)):
        load_rules(rules_file)


def test_names_emails_phones_and_streets_never_reach_a_landing_file(tmp_path: Path):
    landing = tmp_path / "landing"
    report = import_documents(ShopifyImporter(ShopifyRules()), [EXAMPLE], landing)
    assert report.documents_imported == [EXAMPLE] and not report.problems
    with EXAMPLE.open(newline="", encoding="utf-8") as stream:
        personal = {row[c] for row in csv.DictReader(stream) for c in PERSONAL_COLUMNS if row.get(c)}
    assert len(personal) > 50  # the example is full of them
    landed_text = "\n".join(p.read_text(encoding="utf-8") for p in landing.rglob("*.csv"))
    assert [value for value in personal if value in landed_text] == []
    assert len(landed_rows(landing, "orders")) == 60


def test_importing_the_same_export_again_lands_nothing_new(tmp_path: Path):
    landing = tmp_path / "landing"
    first = import_documents(ShopifyImporter(ShopifyRules()), [EXAMPLE], landing)
    files = sorted(landing.rglob("*"))
    again = import_documents(ShopifyImporter(ShopifyRules()), [EXAMPLE.parent], landing)
    assert len(first.landed) == 5
    assert again.landed == [] and again.documents_unchanged == [EXAMPLE]
    assert sorted(landing.rglob("*")) == files
    # The same bytes under another name are the same document.
    renamed = tmp_path / "export-copy.csv"
    renamed.write_bytes(EXAMPLE.read_bytes())
    assert import_documents(ShopifyImporter(ShopifyRules()), [renamed], landing).landed == []
    assert sorted(landing.rglob("*")) == files


@pytest.mark.parametrize(
    ("rows", "position", "reason"),
    [
        (
            [first_row("#1", "2026-10-05 10:00:00 -0500"), first_row("#2", "yesterday at noon")],
            "row 3",
            "Created at 'yesterday at noon' is not a timestamp",
        ),
        (
            [first_row("#1", "2026-10-05 10:00:00 -0500"), line_row("#1", "MUG-2", quantity="two")],
            "row 3",
            "Lineitem quantity 'two' is not a whole number above 0",
        ),
        (
            [first_row("#1", "2026-10-05 10:00:00 -0500", **{"Lineitem price": "-3"})],
            "row 2",
            "Lineitem price '-3' is not an amount >= 0",
        ),
        (
            [line_row("#7", "MUG-2")],
            "row 2",
            "order #7's first row has no Created at",
        ),
        (
            [first_row("#1", "2026-10-05 10:00:00 -0500", **{"Fulfilled at": "2026-13-01 10:00:00 -0500"})],
            "row 2",
            "Fulfilled at '2026-13-01 10:00:00 -0500' is not a timestamp",
        ),
    ],
)
def test_a_bad_row_rejects_the_whole_export_naming_its_row(tmp_path: Path, rows, position, reason):
    export = write_export(tmp_path / "export.csv", rows)
    landing = tmp_path / "landing"
    report = import_documents(ShopifyImporter(ShopifyRules()), [export], landing)
    [problem] = report.problems
    assert problem.position == position and reason in problem.reason
    assert "nothing of this document was imported" in problem.reason
    assert not landing.exists() or list(landing.rglob("*.csv")) == []


def test_one_rejection_lists_the_first_five_bad_rows_and_counts_the_rest(tmp_path: Path):
    rows = [first_row(f"#{n}", "not a time") for n in range(1, 9)]
    report = import_documents(
        ShopifyImporter(ShopifyRules()), [write_export(tmp_path / "e.csv", rows)], tmp_path / "l"
    )
    [problem] = report.problems
    assert problem.position == "row 2"
    assert all(f"row {n}: Created at" in problem.reason for n in (3, 4, 5, 6))
    assert "row 7" not in problem.reason and "; and 3 more)" in problem.reason


@pytest.mark.parametrize(
    ("content", "position", "reason"),
    [
        (b"", "file", "empty file"),
        (
            b"Name,Email,Created at\n#1,a@example.com,2026-10-05\n",
            "row 1",
            "lacks the column(s) Financial Status",
        ),
        (
            b"order_id,customer_id,order_status,order_purchase_timestamp\nx,y,delivered,2018-01-01 00:00:00\n",
            "row 1",
            'not a Shopify "Export orders" CSV',
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe binary", "file", "not UTF-8 text"),
        (",".join(HEADER).encode() + b"\n", "file", "no orders"),
    ],
    ids=["empty", "missing-column", "wrong-file", "binary", "header-only"],
)
def test_a_document_that_is_not_an_export_is_rejected_with_the_reason(
    tmp_path: Path, content, position, reason
):
    export = tmp_path / "export.csv"
    export.write_bytes(content)
    report = import_documents(ShopifyImporter(ShopifyRules()), [export], tmp_path / "landing")
    [problem] = report.problems
    assert (problem.position, problem.document) == (position, export)
    assert reason in problem.reason


def test_the_command_exits_0_on_success_1_on_a_bad_document_and_2_on_a_wrong_path(tmp_path: Path, capsys):
    landing = tmp_path / "landing"
    assert main(["import", "shopify", str(EXAMPLE), "--landing", str(landing)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "shopify: 1 document(s) imported (5 files: oms/order_events 67, oms/order_lines 107"
    )

    folder = tmp_path / "exports"
    folder.mkdir()
    write_export(folder / "a-good.csv", [first_row("#50", "2026-10-05 10:00:00 -0500")])
    write_export(
        folder / "b-bad.csv", [first_row("#51", "2026-10-05T10:00:00-05:00"), first_row("#52", "soon")]
    )
    assert main(["import", "shopify", str(folder), "--landing", str(landing)]) == 1
    captured = capsys.readouterr()
    assert captured.err == (
        f"orderpulse import: {folder / 'b-bad.csv'}: row 3: Created at 'soon' is not a timestamp like"
        " 2024-01-15 09:30:00 -0500; nothing of this document was imported\n"
    )
    assert "1 document(s) imported" in captured.out and "1 problem(s)" in captured.out
    assert [o["order_id"] for o in landed_rows(landing, "orders") if o["order_id"] in ("#50", "#51")] == [
        "#50"
    ]

    assert main(["import", "shopify", str(tmp_path / "missing.csv"), "--landing", str(landing)]) == 2
    assert (
        capsys.readouterr().err == f"orderpulse: error: {tmp_path / 'missing.csv'}: no such file or folder\n"
    )
