"""EDI X12 documents of the core's EDI-channel orders: the customers' 850 purchase orders, and the
core's own 855 acknowledgements, 856 ship notices and 810 invoices (version 004010).

What a distributor's EDI archive would hold, written from the core's tables: `orderpulse core
export-edi` feeds them to `orderpulse import edi`, for the demo and for the round-trip test that
checks the importer against the direct export. One interchange per day and document type
(`<out>/<YYYY-MM-DD>-<850|855|856|810>.edi`), one transaction set per document, all the day's
trading partners in one interchange as an EDI hub would forward them; the buyer of each document
is named in its own N1*BY (850) or by its PO number.

Identifiers as trading partners use them: the PO number is the channel's order id (the
customer's, `external_order_id`); the core's own order id travels as the seller's order number
(BAK08) only. Shipments and invoices keep the core's numbers (BSN02, BIG02).

The 855s follow the core's order-level decisions: one per `allocated`, `backordered` or
out-of-stock `cancelled` event, every line with the status of that decision (IA, IB, IR): the
core keeps no per-line history of its allocation decisions. A cancellation at the customer's
request is the customer's 850 with purpose 01 (cancellation); any other cancellation (credit or
compliance refused, fraud, payment) is an 855 "rejected, no detail" (BAK02 RJ), which the
importer reads as reason `other`.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, select

from order_core.adapters import tables as t

VERSION = "004010"
SELLER_ID = "ORDERPULSE"
BUYERS_ID = "EDICUSTOMERS"  # the hub's id for the day's buyers (each named inside its document)
ELEMENT, COMPONENT, TERMINATOR = "*", ">", "~\n"
FUNCTIONAL_IDS = {"850": "PO", "855": "PR", "856": "SH", "810": "IN"}
# The core's service levels as TD512 service level codes (the importer reads these back).
SERVICE_LEVEL_CODES = {"standard": "SG", "expedited": "ES", "overnight": "ON"}
# The core's decisions as 855 ACK01 line statuses and BAK02 acknowledgement types.
ACK_BY_EVENT = {"allocated": ("IA", "AD"), "backordered": ("IB", "AD"), "cancelled": ("IR", "RD")}


@dataclass(frozen=True)
class Document:
    code: str  # 850, 855, 856, 810
    at: datetime  # its business time: the day it is filed under
    segments: list[list[str]]  # between ST and SE, each [tag, element, ...]


@dataclass
class EdiExport:
    files: list[Path] = field(default_factory=list)
    documents: dict[str, int] = field(default_factory=dict)  # per transaction set type


def export_edi(engine: Engine, out_dir: Path | str) -> EdiExport:
    """Write the EDI documents of every EDI-channel order into `out_dir` (files replaced whole)."""
    with engine.connect() as connection:
        documents = _documents(connection)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    by_file: dict[tuple[date, str], list[Document]] = defaultdict(list)
    for document in documents:
        by_file[(document.at.date(), document.code)].append(document)
    export = EdiExport()
    for control_number, ((day, code), batch) in enumerate(sorted(by_file.items()), start=1):
        batch.sort(key=lambda d: d.at)
        path = out / f"{day.isoformat()}-{code}.edi"
        _write_atomically(path, interchange(code, batch, control_number))
        export.files.append(path)
        export.documents[code] = export.documents.get(code, 0) + len(batch)
    return export


def interchange(code: str, documents: list[Document], control_number: int) -> str:
    """One ISA/GS envelope around the documents, with their counts and control numbers."""
    sender, receiver = (BUYERS_ID, SELLER_ID) if code == "850" else (SELLER_ID, BUYERS_ID)
    at = documents[-1].at
    isa = [
        "ISA", "00", " " * 10, "00", " " * 10,
        "ZZ", sender.ljust(15), "ZZ", receiver.ljust(15),
        f"{at:%y%m%d}", f"{at:%H%M}", "U", "00401", f"{control_number:09d}", "0", "P", COMPONENT,
    ]  # fmt: skip
    segments = [isa, ["GS", FUNCTIONAL_IDS[code], sender, receiver, f"{at:%Y%m%d}", f"{at:%H%M}",
                      str(control_number), "X", VERSION]]  # fmt: skip
    for number, document in enumerate(documents, start=1):
        set_control = f"{number:04d}"
        segments.append(["ST", code, set_control])
        segments.extend(document.segments)
        segments.append(["SE", str(len(document.segments) + 2), set_control])
    segments.append(["GE", str(len(documents)), str(control_number)])
    segments.append(["IEA", "1", f"{control_number:09d}"])
    return "".join(ELEMENT.join(_trimmed(segment)) + TERMINATOR for segment in segments)


def _trimmed(segment: list[str]) -> list[str]:
    """Trailing empty elements are left out, as X12 requires."""
    end = len(segment)
    while end > 1 and segment[end - 1] == "":
        end -= 1
    return segment[:end]


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")  # a dotfile: readers and importers ignore it
    with open(tmp, "w", encoding="ascii", newline="") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


# ---------------------------------------------------------------------- documents from the tables
def _documents(connection) -> list[Document]:
    o, ol, oe = t.orders.c, t.order_lines.c, t.order_events.c
    orders = {row.order_id: row for row in connection.execute(select(t.orders).where(o.channel == "edi"))}
    lines = defaultdict(list)
    for row in connection.execute(
        select(t.order_lines).join(t.orders, o.order_id == ol.order_id).where(o.channel == "edi")
        .order_by(ol.order_id, ol.line_number)
    ):  # fmt: skip
        lines[row.order_id].append(row)
    documents = [_purchase_order(order, lines[order.order_id]) for order in orders.values()]

    decisions = connection.execute(
        select(oe.order_id, oe.event_type, oe.event_at, oe.reason_code)
        .join(t.orders, o.order_id == oe.order_id)
        .where(o.channel == "edi", oe.event_type.in_(("allocated", "backordered", "cancelled")))
        .order_by(oe.event_id)
    )
    for decision in decisions:
        order, order_lines = orders[decision.order_id], lines[decision.order_id]
        if decision.event_type == "cancelled" and decision.reason_code == "customer_request":
            documents.append(_purchase_order_cancellation(order, order_lines, decision.event_at))
        elif decision.event_type == "cancelled" and decision.reason_code != "out_of_stock":
            documents.append(_rejection(order, decision.event_at))
        else:
            documents.append(_acknowledgement(order, order_lines, decision.event_type, decision.event_at))

    sh, sl = t.shipments.c, t.shipment_lines.c
    shipment_lines = defaultdict(list)
    for row in connection.execute(
        select(t.shipment_lines).join(t.orders, o.order_id == sl.order_id).where(o.channel == "edi")
        .order_by(sl.shipment_id, sl.line_number)
    ):  # fmt: skip
        shipment_lines[row.shipment_id].append(row)
    for shipment in connection.execute(
        select(t.shipments).join(t.orders, o.order_id == sh.order_id).where(o.channel == "edi")
    ):
        documents.append(
            _ship_notice(shipment, orders[shipment.order_id], shipment_lines[shipment.shipment_id])
        )

    inv = t.invoices.c
    for invoice in connection.execute(
        select(t.invoices).join(t.orders, o.order_id == inv.order_id).where(o.channel == "edi")
    ):
        documents.append(_invoice(invoice, orders[invoice.order_id]))
    return documents


def _date(value: datetime | date) -> str:
    return f"{value:%Y%m%d}"


def _time(value: datetime) -> str:
    """HHMMSS, with hundredths when there are any (X12 times go no finer)."""
    hundredths = value.microsecond // 10_000
    return f"{value:%H%M%S}" + (f"{hundredths:02d}" if hundredths else "")


def _dtm(qualifier: str, at: datetime) -> list[str]:
    return ["DTM", qualifier, _date(at), _time(at), "UT"]


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def _line(line) -> list[str]:
    return [
        "PO1",
        str(line.line_number),
        str(line.quantity_ordered),
        "EA",
        _money(line.unit_price),
        "",
        "VN",
        line.sku,
    ]


def _purchase_order(order, lines) -> Document:
    segments = [
        ["BEG", "00", "SA", order.external_order_id, "", _date(order.ordered_at)],
        ["CUR", "BY", order.currency],
        _dtm("004", order.ordered_at),
        _dtm("010", order.promised_ship_at),
        ["DTM", "002", _date(order.promised_delivery_date)],
        ["N1", "BY", "", "91", order.customer_id],
    ]
    if order.ship_to_country or order.ship_to_postal_code:
        segments.append(["N1", "ST", "", "91", order.customer_id])
        segments.append(["N4", "", "", order.ship_to_postal_code or "", order.ship_to_country or ""])
    segments += [_line(line) for line in lines]
    segments.append(["CTT", str(len(lines))])
    segments.append(["AMT", "TT", _money(order.order_total)])
    return Document("850", order.ordered_at, segments)


def _purchase_order_cancellation(order, lines, at: datetime) -> Document:
    """The buyer withdraws its order: the 850 again with purpose 01 (cancellation)."""
    segments = [
        ["BEG", "01", "SA", order.external_order_id, "", _date(order.ordered_at)],
        _dtm("097", at),
        ["N1", "BY", "", "91", order.customer_id],
    ]
    segments += [_line(line) for line in lines]
    segments.append(["CTT", str(len(lines))])
    return Document("850", at, segments)


def _acknowledgement_header(order, ack_type: str, at: datetime) -> list[str]:
    """The 855's BAK: the buyer's PO number and date, our order id, and the acknowledgement's date."""
    return [
        "BAK",
        "00",
        ack_type,
        order.external_order_id,
        _date(order.ordered_at),
        "",
        "",
        "",
        order.order_id,
        _date(at),
    ]


def _rejection(order, at: datetime) -> Document:
    """The core refuses the order (credit, compliance): an 855 'rejected, no detail'."""
    segments = [
        _acknowledgement_header(order, "RJ", at),
        _dtm("097", at),
    ]
    return Document("855", at, segments)


def _acknowledgement(order, lines, event_type: str, at: datetime) -> Document:
    line_status, ack_type = ACK_BY_EVENT[event_type]
    segments = [
        _acknowledgement_header(order, ack_type, at),
        _dtm("097", at),
    ]
    for line in lines:
        segments.append(_line(line))
        segments.append(["ACK", line_status, str(line.quantity_ordered), "EA"])
    segments.append(["CTT", str(len(lines))])
    return Document("855", at, segments)


def _ship_notice(shipment, order, lines) -> Document:
    segments = [
        ["BSN", "00", shipment.shipment_id, _date(shipment.shipped_at), _time(shipment.shipped_at)],
        ["HL", "1", "", "S"],
        # TD505 (routing, the carrier's identity) rather than TD503: the core names carriers, it
        # does not hold their SCAC codes.
        ["TD5", "O", "", "", "", shipment.carrier, "", "", "", "", "", "",
         SERVICE_LEVEL_CODES.get(shipment.service_level, "")],
        ["REF", "2I", shipment.tracking_number],
        _dtm("011", shipment.shipped_at),
        ["N1", "SF", "", "92", shipment.warehouse_id],
        ["HL", "2", "1", "O"],
        ["PRF", order.external_order_id, "", "", _date(order.ordered_at)],
    ]  # fmt: skip
    for number, line in enumerate(lines, start=3):
        segments.append(["HL", str(number), "2", "I"])
        segments.append(["LIN", str(line.line_number), "VN", line.sku, "PL", str(line.order_line_number)])
        segments.append(["SN1", "", str(line.quantity_shipped), "EA"])
    segments.append(["CTT", str(len(lines) + 2)])
    return Document("856", shipment.shipped_at, segments)


def _invoice(invoice, order) -> Document:
    segments = [
        [
            "BIG",
            _date(invoice.invoiced_at),
            invoice.invoice_id,
            _date(order.ordered_at),
            order.external_order_id,
        ],
        ["CUR", "SE", invoice.currency],
        _dtm("003", invoice.invoiced_at),
        # TDS01 is in cents: two implied decimals.
        ["TDS", str(int((invoice.amount * 100).to_integral_value()))],
    ]
    return Document("810", invoice.invoiced_at, segments)
