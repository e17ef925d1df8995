"""The EDI X12 importer on hand-written interchanges: known content in 004010 and 005010, the
delimiters read from the ISA segment, envelope faults (a bad set is set aside, a bad interchange
rejected), re-imports, the `orderpulse import edi` command, and loading what it lands."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from contract import ENTITIES_BY_PATH
from ingest.load import LOADED, load_entity
from ingest.sources import DocumentRejected, import_documents
from ingest.sources.edi import IMPORTER
from orderpulse.cli import main

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "edi"
PO_850 = EXAMPLES / "850-purchase-orders-004010.edi"
ACK_855 = EXAMPLES / "855-acknowledgements-005010.edi"
ASN_856 = EXAMPLES / "856-ship-notice-004010.edi"
INVOICE_810 = EXAMPLES / "810-invoice-005010.edi"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# What each hand-written example says, read off the documents by hand (see examples/edi/).
EXPECTED = {
    PO_850.name: {
        "orders": [
            {"order_id": "PO-4471", "customer_id": "CUST-ACME", "channel": "edi",
             "ordered_at": utc(2026, 1, 5, 9, 12), "promised_ship_at": utc(2026, 1, 6, 20, 0),
             "promised_delivery_date": date(2026, 1, 9), "ship_to_country": "US",
             "ship_to_postal_code": "62704", "currency": "USD", "order_total": Decimal("107.50"),
             "status": "created", "updated_at": utc(2026, 1, 5, 9, 12)},
            # No N1*BY: the trading partner (GS02); no DTM*004: BEG05 at midnight; no ship date.
            {"order_id": "PO-4472", "customer_id": "ACMEBUYER", "channel": "edi",
             "ordered_at": utc(2026, 1, 5), "promised_ship_at": None,
             "promised_delivery_date": date(2026, 1, 12), "ship_to_country": "CA",
             "ship_to_postal_code": "M5V 2T6", "currency": "CAD", "order_total": Decimal("249.00"),
             "status": "created", "updated_at": utc(2026, 1, 5)},
        ],
        "order_lines": [
            ("PO-4471", 1, "SKU-00017", 4, Decimal("12.50")),
            ("PO-4471", 2, "SKU-00231", 10, Decimal("3.25")),
            ("PO-4471", 3, "SKU-00017", 2, Decimal("12.50")),  # VN preferred over the buyer's BP
            ("PO-4472", 1, "SKU-00390", 1, Decimal("249.00")),
        ],
        "order_events": [
            ("PO-4471", "created", utc(2026, 1, 5, 9, 12), None),
            ("PO-4472", "created", utc(2026, 1, 5), None),
        ],
    },
    ACK_855.name: {
        "order_events": [
            ("PO-4471", "allocated", utc(2026, 1, 5, 13, 55), None),
            ("PO-4471", "backordered", utc(2026, 1, 5, 13, 55), None),
            ("PO-4472", "cancelled", utc(2026, 1, 5, 13, 56), "out_of_stock"),
        ],
    },
    ASN_856.name: {
        "shipments": [
            {"shipment_id": "SH-7001", "order_id": "PO-4471", "warehouse_id": "WH-US-EAST", "carrier": "UPSN",
             "service_level": "standard", "tracking_number": "1Z999AA10123456784",
             "shipped_at": utc(2026, 1, 6, 18, 15)},
        ],
        "shipment_lines": [
            {"shipment_id": "SH-7001", "line_number": 1, "order_id": "PO-4471", "sku": "SKU-00017",
             "quantity_shipped": 4, "order_line_number": 1},
            {"shipment_id": "SH-7001", "line_number": 2, "order_id": "PO-4471", "sku": "SKU-00017",
             "quantity_shipped": 2, "order_line_number": 3},
        ],
    },
    INVOICE_810.name: {
        "invoices": [
            {"invoice_id": "INV-9001", "order_id": "PO-4471", "invoiced_at": utc(2026, 1, 6, 18, 45),
             "amount": Decimal("75.00"), "currency": "USD"},
        ],
    },
}  # fmt: skip


def as_version(text: str, version: str) -> str:
    """The same interchange in the other X12 version: ISA11 (repetition separator from 00402 on),
    ISA12 and GS08 changed, the rest (and every count) unchanged."""
    isa_version, repetition, gs_version = {
        "004010": ("00401", "U", "004010"),
        "005010": ("00501", "^", "005010"),
    }[version]
    text = text[:82] + repetition + "*" + isa_version + text[89:]
    return re.sub(r"(\nGS(\*[^*~]*){7})\*\d{6}~", rf"\1*{gs_version}~", text)


def with_delimiters(text: str, element: str, component: str, terminator: str) -> str:
    """The same interchange written with other delimiters (ISA16 and the terminator included)."""
    isa, rest = text[:106], text[106:]
    isa = isa[:-2].replace("*", element) + component + terminator
    return isa + rest.replace("\n", "").replace("*", element).replace("~", terminator)


def convert_text(tmp_path: Path, text: str, name: str = "doc.edi"):
    path = tmp_path / name
    path.write_text(text)
    return IMPORTER.convert(path)


def rows_of(conversion, entity_name: str) -> list[dict]:
    for entity, rows in conversion.rows.items():
        if entity.name == entity_name:
            return rows
    return []


def summarized(conversion) -> dict:
    """The conversion in the shape of EXPECTED (events without their ids, lines as tuples)."""
    found = {}
    for entity, rows in conversion.rows.items():
        if entity.name == "order_lines":
            found["order_lines"] = [
                (r["order_id"], r["line_number"], r["sku"], r["quantity_ordered"], r["unit_price"])
                for r in rows
            ]
        elif entity.name == "order_events":
            found["order_events"] = [
                (r["order_id"], r["event_type"], r["event_at"], r["reason_code"]) for r in rows
            ]
        else:
            found[entity.name] = rows
    return found


@pytest.mark.parametrize("version", ["004010", "005010"])
@pytest.mark.parametrize("example", [PO_850, ACK_855, ASN_856, INVOICE_810], ids=lambda p: p.name[:3])
def test_each_transaction_set_type_converts_to_its_known_rows_in_both_versions(tmp_path, example, version):
    conversion = convert_text(tmp_path, as_version(example.read_text(), version))
    assert conversion.set_aside == []
    assert summarized(conversion) == EXPECTED[example.name]


def test_the_examples_are_as_written_in_their_own_version():
    for example in (PO_850, ACK_855, ASN_856, INVOICE_810):
        version = "005010" if "005010" in example.name else "004010"
        assert as_version(example.read_text(), version) == example.read_text()


def test_delimiters_come_from_the_isa_segment(tmp_path):
    text = with_delimiters(PO_850.read_text(), element="|", component="^", terminator="\n")
    assert "*" not in text and "~" not in text
    conversion = convert_text(tmp_path, text)
    assert conversion.set_aside == []
    assert summarized(conversion) == EXPECTED[PO_850.name]


def test_a_set_with_a_wrong_segment_count_is_set_aside_while_the_other_imports(tmp_path):
    text = PO_850.read_text().replace("SE*9*0002~", "SE*8*0002~")
    conversion = convert_text(tmp_path, text)
    assert conversion.set_aside == [
        ("segment 29", "transaction set 850 0002: wrong segment count: SE01 (segment 29) says '8', "
                       "the set has 9 segments including ST and SE"),
    ]  # fmt: skip
    assert [row["order_id"] for row in rows_of(conversion, "orders")] == ["PO-4471"]
    assert len(rows_of(conversion, "order_lines")) == 3


def test_a_set_whose_control_numbers_differ_is_set_aside(tmp_path):
    conversion = convert_text(tmp_path, PO_850.read_text().replace("SE*18*0001~", "SE*18*0007~"))
    [(position, reason)] = conversion.set_aside
    assert position == "segment 20"
    assert "control number mismatch: SE02 '0007'" in reason and "ST02 '0001'" in reason
    assert [row["order_id"] for row in rows_of(conversion, "orders")] == ["PO-4472"]


def test_a_group_whose_control_numbers_differ_sets_its_sets_aside(tmp_path):
    conversion = convert_text(tmp_path, PO_850.read_text().replace("GE*2*101~", "GE*2*909~"))
    [(position, reason)] = conversion.set_aside
    assert position == "segment 2"
    assert "GE02 '909' (segment 30) is not GS06 '101'" in reason
    assert conversion.rows == {}


def test_an_unknown_segment_sets_its_set_aside_naming_it(tmp_path):
    text = PO_850.read_text().replace("PID*F****Claw hammer~", "ZZZ*F****Claw hammer~")
    conversion = convert_text(tmp_path, text)
    assert conversion.set_aside == [
        ("segment 15", "transaction set 850 0001: unknown segment 'ZZZ' in a 850")
    ]
    assert [row["order_id"] for row in rows_of(conversion, "orders")] == ["PO-4472"]


def test_a_bad_value_sets_its_set_aside_with_its_segment(tmp_path):
    conversion = convert_text(tmp_path, PO_850.read_text().replace("PO1*1*1*EA*249.00", "PO1*1*0*EA*249.00"))
    assert conversion.set_aside == [
        ("segment 27", "transaction set 850 0002: PO102 quantity '0' is not a whole number above 0")
    ]


@pytest.mark.parametrize(
    ("change", "position", "reason"),
    [
        # Truncated: cut in the middle of the second set.
        (lambda text: text[: text.index("PO1*1*1*EA") + 6], "segment 27", "truncated interchange"),
        # Truncated after a whole segment: no GE and no IEA.
        (lambda text: text[: text.index("GE*2*101~")], "segment 29", "truncated interchange: it ends without an IEA"),
        (lambda text: text.replace("IEA*1*000000101", "IEA*1*000000102"), "segment 31",
         "control number mismatch: IEA02 '000000102' is not ISA13 '000000101'"),
        (lambda text: text.replace("IEA*1*", "IEA*2*"), "segment 31", "wrong functional group count: IEA01 says '2'"),
        # The ISA says '*' separates elements, the segments after it use '|'.
        (lambda text: text[:106] + text[106:].replace("*", "|"), "segment 2", "'GS|PO|ACMEBUYER"),
        # An ISA that is not fixed width: the element separator is not where the standard puts it.
        (lambda text: text.replace("*ACMEBUYER      *", "*ACMEBUYER*", 1), "segment 1", "wrong delimiters"),
        (lambda text: "GS*PO*X~" + text, "segment 1", "starts with an ISA segment"),
    ],
    ids=["cut-in-a-segment", "no-iea", "iea-control-number", "iea-count", "segments-other-delimiter", "isa-width",
         "no-isa"],
)  # fmt: skip
def test_an_interchange_level_fault_rejects_the_document(tmp_path, change, position, reason):
    with pytest.raises(DocumentRejected) as rejected:
        convert_text(tmp_path, change(PO_850.read_text()))
    assert rejected.value.position == position
    assert reason in rejected.value.reason


def test_a_consolidated_ship_notice_lands_one_shipment_per_order(tmp_path):
    second_order = "HL*5*1*O~\nPRF*PO-4472~\nHL*6*5*I~\nLIN**VN*SKU-00390*PL*1~\nSN1**1*EA~\n"
    text = (
        ASN_856.read_text().replace("CTT*4~\n", second_order + "CTT*6~\n").replace("SE*21*0001", "SE*26*0001")
    )
    conversion = convert_text(tmp_path, text)
    assert conversion.set_aside == []
    assert [
        (r["shipment_id"], r["order_id"], r["tracking_number"]) for r in rows_of(conversion, "shipments")
    ] == [
        ("SH-7001-PO-4471", "PO-4471", "1Z999AA10123456784"),
        ("SH-7001-PO-4472", "PO-4472", "1Z999AA10123456784"),
    ]
    assert [
        (r["shipment_id"], r["line_number"], r["order_line_number"])
        for r in rows_of(conversion, "shipment_lines")
    ] == [
        ("SH-7001-PO-4471", 1, 1),
        ("SH-7001-PO-4471", 2, 3),
        ("SH-7001-PO-4472", 1, 1),
    ]


def test_an_order_level_without_its_purchase_order_number_sets_the_notice_aside(tmp_path):
    text = ASN_856.read_text().replace("PRF*PO-4471***20260105~", "REF*DP*042~")
    conversion = convert_text(tmp_path, text)
    assert conversion.set_aside == [
        (
            "segment 14",
            "transaction set 856 0001: an order level (HL03 O) without its PRF purchase order number",
        )
    ]
    assert conversion.rows == {}


@pytest.mark.parametrize(
    ("statuses", "events"),
    [
        (["BP", "IA"], [("allocated", None), ("backordered", None)]),
        (["R2", "IR"], [("cancelled", "out_of_stock")]),
        (["IA", "IR"], [("allocated", None)]),  # a partly rejected order is not a cancelled order
        (["IH", "IH"], []),
    ],
)
def test_an_acknowledgements_line_statuses_make_its_order_events(tmp_path, statuses, events):
    text = ACK_855.read_text().replace("ACK*IA*4*EA", f"ACK*{statuses[0]}*4*EA").replace("ACK*IB*10*EA", "")
    text = text.replace("ACK*IA*2*EA", f"ACK*{statuses[1]}*2*EA").replace("~\n~\n", "~\n")
    text = text.replace("PO1*2*10*EA*3.25**VN*SKU-00231~\n", "").replace("SE*11*0001", "SE*9*0001")
    conversion = convert_text(tmp_path, text.replace("CTT*3~", "CTT*2~"))
    assert conversion.set_aside == []
    found = [
        (r["event_type"], r["reason_code"])
        for r in rows_of(conversion, "order_events")
        if r["order_id"] == "PO-4471"
    ]
    assert found == events


def test_a_purchase_order_cancellation_lands_a_customer_request_cancellation(tmp_path):
    text = PO_850.read_text().replace("BEG*00*SA*PO-4472**20260105~", "BEG*01*SA*PO-4472**20260105~")
    text = text.replace("DTM*002*20260112~", "DTM*097*20260107*101500*UT~")
    conversion = convert_text(tmp_path, text)
    assert conversion.set_aside == []
    assert [row["order_id"] for row in rows_of(conversion, "orders")] == ["PO-4471"]
    assert summarized(conversion)["order_events"][-1] == (
        "PO-4472", "cancelled", utc(2026, 1, 7, 10, 15), "customer_request"
    )  # fmt: skip


def test_an_order_rejected_without_detail_is_cancelled_for_another_reason(tmp_path):
    rejection = "ST*855*0002~\nBAK*00*RJ*PO-4472*20260105~\nDTM*097*20260105*1356*UT~\nSE*4*0002~\n"
    text = re.sub(r"ST\*855\*0002~.*SE\*7\*0002~\n", rejection, ACK_855.read_text(), flags=re.DOTALL)
    conversion = convert_text(tmp_path, text)
    assert conversion.set_aside == []
    assert summarized(conversion)["order_events"][-1] == (
        "PO-4472",
        "cancelled",
        utc(2026, 1, 5, 13, 56),
        "other",
    )


@pytest.mark.parametrize(
    ("dtm", "ordered_at"),
    [
        ("DTM*004*20260105*0912*ET", utc(2026, 1, 5, 14, 12)),  # Eastern time in January: UTC-5
        ("DTM*004*20260705*0912*ET", utc(2026, 7, 5, 13, 12)),  # and in July, daylight time: UTC-4
        ("DTM*004*20260105*091230*PS", utc(2026, 1, 5, 17, 12, 30)),
        ("DTM*004*20260105*09123045", datetime(2026, 1, 5, 9, 12, 30, 450_000, tzinfo=UTC)),  # no code: UTC
    ],
)
def test_times_are_read_in_the_zone_of_their_time_code(tmp_path, dtm, ordered_at):
    conversion = convert_text(tmp_path, PO_850.read_text().replace("DTM*004*20260105*0912*UT", dtm))
    assert rows_of(conversion, "orders")[0]["ordered_at"] == ordered_at


def test_a_time_in_an_unknown_zone_sets_its_set_aside(tmp_path):
    conversion = convert_text(
        tmp_path, PO_850.read_text().replace("DTM*004*20260105*0912*UT", "DTM*004*20260105*0912*LT")
    )
    [(position, reason)] = conversion.set_aside
    assert position == "segment 7" and "time code 'LT' is not read" in reason


def test_names_and_street_addresses_are_not_landed(tmp_path):
    landing = tmp_path / "landing"
    import_documents(IMPORTER, [EXAMPLES], landing)
    landed = "".join(path.read_text() for path in landing.rglob("*.csv"))
    for personal in ("Jane Doe", "Elm Street", "Main Street", "Springfield", "Acme Hardware", "Toronto"):
        assert personal not in landed
    assert "62704" in landed and "M5V 2T6" in landed  # the postal codes the contract asks for


# ---------------------------------------------------------------------- landing and loading
def test_reimporting_the_same_documents_lands_nothing_new(tmp_path):
    landing = tmp_path / "landing"
    first = import_documents(IMPORTER, [EXAMPLES], landing)
    files = sorted(landing.rglob("*"))
    second = import_documents(IMPORTER, [EXAMPLES], landing)
    assert len(first.documents_imported) == 4 and first.problems == []
    assert second.landed == [] and len(second.documents_unchanged) == 4
    assert sorted(landing.rglob("*")) == files


def test_what_the_importer_lands_loads_with_nothing_quarantined(tmp_path):
    landing = tmp_path / "landing"
    import_documents(IMPORTER, [EXAMPLES], landing)
    with duckdb.connect(str(tmp_path / "work.duckdb")) as conn:
        loads = []
        for path in ("oms/orders", "oms/order_lines", "oms/order_events", "oms/invoices", "wms/shipments",
                     "wms/shipment_lines"):  # fmt: skip
            loads += load_entity(conn, landing, ENTITIES_BY_PATH[tuple(path.split("/"))], "run-1")
        # Order events come from two documents (850 created, 855 decisions): seven files in all.
        assert [(load.status, load.rows_quarantined) for load in loads] == [(LOADED, 0)] * 7
        assert (
            conn.execute("select sum(rows_loaded) from ops.load_ledger").fetchone()[0]
            == 2 + 4 + 5 + 1 + 1 + 2
        )
        assert conn.execute(
            "select shipment_id, line_number, order_line_number from raw.wms__shipment_lines order by 2"
        ).fetchall() == [("SH-7001", 1, 1), ("SH-7001", 2, 3)]


def test_import_command_imports_the_good_file_and_names_the_bad_one(tmp_path, capsys):
    inbox, landing = tmp_path / "inbox", tmp_path / "landing"
    inbox.mkdir()
    (inbox / "good.edi").write_text(INVOICE_810.read_text())
    (inbox / "bad.edi").write_text(INVOICE_810.read_text().replace("IEA*1*000000104", "IEA*1*000000999"))
    exit_code = main(["import", "edi", str(inbox), "--landing", str(landing)])
    out, err = capsys.readouterr()
    assert exit_code == 1
    assert err.strip() == (
        f"orderpulse import: {inbox / 'bad.edi'}: segment 15: control number mismatch: "
        "IEA02 '000000999' is not ISA13 '000000104'"
    )
    assert "1 document(s) imported" in out
    [landed] = (landing / "oms" / "invoices").iterdir()
    assert landed.name.startswith("edi-good-") and "INV-9001" in landed.read_text()
