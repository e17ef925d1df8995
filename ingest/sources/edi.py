"""EDI X12 importer (004010 and 005010): 850 purchase orders, 855 acknowledgements, 856 ship
notices and 810 invoices in, contract rows out.

The mapping, field by field, and what is dropped and why, is the table in docs/importers.md
("EDI X12"); the code tables (ACK01 line statuses, TD512 service levels, DTM qualifiers) are
here, named. Ids are taken from the documents (PO number, shipment and invoice numbers) and event
ids are built from the PO number, the event type and its time, so a document imported twice
lands the same keys and the pipeline deduplicates them.

Each transaction set converts whole or not at all: a set with a fault (its envelope, an unknown
segment, a missing or unreadable value) is set aside with its reason and segment number while
the other sets of the interchange import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo

from contract import ENTITIES_BY_PATH, Entity
from ingest.sources import Conversion, DocumentRejected
from ingest.sources.x12 import FunctionalGroup, InterchangeError, Segment, TransactionSet, read_interchange

ORDERS = ENTITIES_BY_PATH[("oms", "orders")]
ORDER_LINES = ENTITIES_BY_PATH[("oms", "order_lines")]
ORDER_EVENTS = ENTITIES_BY_PATH[("oms", "order_events")]
INVOICES = ENTITIES_BY_PATH[("oms", "invoices")]
SHIPMENTS = ENTITIES_BY_PATH[("wms", "shipments")]
SHIPMENT_LINES = ENTITIES_BY_PATH[("wms", "shipment_lines")]

SUPPORTED_VERSIONS = ("00401", "00501")  # GS08 starts with one of these (004010, 005010X..., 004010VICS)
FUNCTIONAL_IDS = {"850": "PO", "855": "PR", "856": "SH", "810": "IN"}  # GS01 of each set's group
DEFAULT_CURRENCY = "USD"  # without a CUR segment, amounts are in the partners' agreed currency

# Product id qualifiers, in order of preference for the SKU: the seller's own number first.
SKU_QUALIFIERS = ("VN", "SK", "BP", "IN", "UP", "EN", "UK", "MG")
PO_LINE_QUALIFIER = "PL"  # purchaser's order line number (856 LIN)
TRACKING_QUALIFIERS = ("2I", "CN")  # tracking number, carrier's reference (PRO) number

# DTM01 qualifiers read.
DTM_DELIVERY_REQUESTED = "002"
DTM_INVOICE = "003"
DTM_PURCHASE_ORDER = "004"
DTM_REQUESTED_SHIP = "010"
DTM_SHIPPED = "011"
DTM_SHIP_NO_LATER = "038"
DTM_TRANSACTION_CREATION = "097"

# 850 BEG01 transaction set purposes: an order (original, replace, confirmation, duplicate), or
# the buyer cancelling it.
PURPOSES_ORDER = ("00", "05", "06", "07")
PURPOSE_CANCELLATION = "01"
ACK_TYPE_REJECTED_NO_DETAIL = "RJ"  # 855 BAK02

# 855 ACK01 line item status codes -> what the line says about the order.
ACCEPTED, BACKORDERED, PARTLY_BACKORDERED, REJECTED, PENDING = (
    "accepted",
    "backordered",
    "partly_backordered",
    "rejected",
    "pending",
)
ACK_LINE_STATUS = {
    "IA": ACCEPTED,  # item accepted
    "AC": ACCEPTED,  # item accepted and shipped
    "AR": ACCEPTED,  # item accepted and released for shipment
    "IC": ACCEPTED,  # accepted, changes made
    "IP": ACCEPTED,  # accepted, price changed
    "IQ": ACCEPTED,  # accepted, quantity changed
    "IS": ACCEPTED,  # accepted, substitution made
    "DR": ACCEPTED,  # accepted, date rescheduled
    "IB": BACKORDERED,  # item backordered
    "BP": PARTLY_BACKORDERED,  # accepted, partial shipment, balance backordered
    "IR": REJECTED,  # item rejected
    "ID": REJECTED,  # item deleted
    "R1": REJECTED,  # rejected, not a contract item
    "R2": REJECTED,  # rejected, invalid item product number
    "R3": REJECTED,  # rejected, invalid unit of issue
    "R4": REJECTED,  # rejected, contract item not available
    "R5": REJECTED,  # rejected, reorder item as a just-in-time order
    "R6": REJECTED,  # rejected, reorder item as an extended delivery order
    "R7": REJECTED,  # rejected, reorder item as a direct ship order
    "R8": REJECTED,  # rejected, reorder item as a contract order
    "IH": PENDING,  # item on hold
    "IF": PENDING,  # item on hold, incomplete description
    "IW": PENDING,  # item on hold, waiver required
    "SP": PENDING,  # item accepted, schedule date pending
}

# TD512 service level codes -> the service levels the order core and the marts use.
SERVICE_LEVELS = {
    "SG": "standard",  # standard ground
    "G2": "standard",  # standard service
    "CG": "standard",  # ground
    "ES": "expedited",  # expedited service
    "3D": "expedited",  # three day service
    "SE": "expedited",  # second day
    "SC": "expedited",  # second day air
    "ON": "overnight",  # overnight
    "ND": "overnight",  # next day air
    "NM": "overnight",  # next morning
    "NF": "overnight",  # next flight out
}

# DTM04 time codes -> the zone of the time. Without one, a time is UTC (as the contract reads it).
FIXED_TIME_CODES = {
    "UT": 0,
    "GM": 0,
    "ES": -5,
    "ED": -4,
    "CS": -6,
    "CD": -5,
    "MS": -7,
    "MD": -6,
    "PS": -8,
    "PD": -7,
}
ZONE_TIME_CODES = {
    "ET": "America/New_York",
    "CT": "America/Chicago",
    "MT": "America/Denver",
    "PT": "America/Los_Angeles",
}


# Segments each set may carry between ST and SE (the standard's tables for 004010 and 005010);
# any other segment sets the set aside.
def _tags(text: str) -> set[str]:
    return set(text.split())


COMMON_SEGMENTS = {
    "NTE",
    "REF",
    "PER",
    "DTM",
    "N1",
    "N2",
    "N3",
    "N4",
    "N9",
    "MSG",
    "CUR",
    "FOB",
    "SAC",
    "TXI",
}
KNOWN_SEGMENTS = {
    "850": COMMON_SEGMENTS
    | _tags(
        "BEG TAX CTP PAM CSH TC2 ITD DIS INC LDT LIN SI PID MEA PWK PKG TD1 TD5 TD3 TD4 MAN PCT CTB AMT "
        "NX2 PO1 PO3 PO4 SCH SLN QTY SDQ ADV IT8 SPI CB1 FST LS LE CTT"
    ),
    "855": COMMON_SEGMENTS
    | _tags(
        "BAK TAX CTP PAM CSH ITD DIS INC LDT LIN SI PID MEA PWK PKG TD1 TD5 TD3 TD4 MAN CTB NX2 PO1 PO3 PO4 "
        "ACK SCH SLN QTY AMT CTT"
    ),
    "856": COMMON_SEGMENTS
    | _tags(
        "BSN HL LIN SN1 SLN PRF PO4 PID MEA PWK PKG TD1 TD5 TD3 TD4 MAN SDQ ETD GF YNQ LX V1 PAL CLD TSD CTT"
    ),
    "810": COMMON_SEGMENTS
    | _tags(
        "BIG YNQ ITD PID MEA PWK PKG L7 BAL INC PAM LM LQ IT1 CRC QTY CTP PO4 SDQ IT3 SLN TDS TCD ISS CTT "
        "AMT TD1 TD5 TD4 MAN"
    ),
}


class SetAside(Exception):
    """This transaction set cannot be imported; the others can."""

    def __init__(self, segment: Segment | int, reason: str):
        number = segment if isinstance(segment, int) else segment.number
        super().__init__(f"segment {number}: {reason}")
        self.segment_number = number
        self.reason = reason


Rows = list[tuple[Entity, dict[str, object]]]


@dataclass(frozen=True)
class EdiImporter:
    name: str = "edi"
    suffixes: tuple[str, ...] = (".edi", ".x12", ".txt", ".dat")

    def convert(self, document: Path) -> Conversion:
        try:
            interchange = read_interchange(_decode(document.read_bytes()))
        except InterchangeError as error:
            raise DocumentRejected(f"segment {error.segment_number}", error.reason) from None
        conversion = Conversion()
        for group in interchange.groups:
            fault = group.fault or _group_version_fault(group)
            if fault:
                conversion.set_aside.append(
                    (
                        f"segment {group.first_number}",
                        f"functional group {group.control_number}: {fault}; its {len(group.sets)} "
                        "transaction set(s) set aside",
                    )
                )
                continue
            for transaction in group.sets:
                try:
                    rows = _convert_set(transaction, group)
                except SetAside as aside:
                    conversion.set_aside.append(
                        (
                            f"segment {aside.segment_number}",
                            f"transaction set {transaction.code} {transaction.control_number}: {aside.reason}",
                        )
                    )
                    continue
                for entity, row in rows:
                    conversion.add(entity, row)
        return conversion


IMPORTER = EdiImporter()


def _decode(raw: bytes) -> str:
    # X12's character sets are ASCII plus, in 005010's extended set, more: UTF-8 if it is, else
    # Latin-1, which reads any byte (a wrong guess can only alter text such as names, not ids).
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _group_version_fault(group: FunctionalGroup) -> str | None:
    if not group.version.startswith(SUPPORTED_VERSIONS):
        return f"version {group.version!r} (GS08) is not imported; supported: 004010 and 005010"
    return None


def _convert_set(transaction: TransactionSet, group: FunctionalGroup) -> Rows:
    if transaction.fault:
        raise SetAside(transaction.segments[-1], transaction.fault)
    mapper = MAPPERS.get(transaction.code)
    if mapper is None:
        raise SetAside(
            transaction.first_number,
            f"transaction set type {transaction.code!r} is not imported (850, 855, 856 and 810 are)",
        )
    if group.functional_id != FUNCTIONAL_IDS[transaction.code]:
        raise SetAside(
            transaction.first_number,
            f"a {transaction.code} belongs in a {FUNCTIONAL_IDS[transaction.code]} functional group, "
            f"not {group.functional_id!r} (GS01)",
        )
    known = KNOWN_SEGMENTS[transaction.code]
    for segment in transaction.body:
        if segment.tag not in known:
            raise SetAside(segment, f"unknown segment {segment.tag!r} in a {transaction.code}")
    return mapper(transaction, group)


# ---------------------------------------------------------------------- 850 purchase order
def _purchase_order(transaction: TransactionSet, group: FunctionalGroup) -> Rows:
    body = transaction.body
    beg = _required(transaction, "BEG")
    purpose = beg.get(1)
    order_id = _text(beg, 3, "BEG03 purchase order number")
    dates = _dates(body)
    if purpose == PURPOSE_CANCELLATION:
        # The buyer withdraws its order: a cancellation at the customer's request, at the time the
        # cancellation was made (DTM*097), else when its group was sent.
        cancelled_at = dates.get(DTM_TRANSACTION_CREATION) or _group_time(transaction, group)
        return [(ORDER_EVENTS, _event(transaction, order_id, "cancelled", cancelled_at, "customer_request"))]
    if purpose not in PURPOSES_ORDER:
        raise SetAside(
            beg,
            f"BEG01 purpose {purpose!r} is not imported (00 original, 05 replace, 06 confirmation, "
            "07 duplicate and 01 cancellation are)",
        )
    ordered_at = dates.get(DTM_PURCHASE_ORDER) or _timestamp(
        beg, _text(beg, 5, "BEG05 purchase order date"), "", ""
    )
    promised_ship_at = _ship_by(body)
    delivery = dates.get(DTM_DELIVERY_REQUESTED)

    # The buyer's id with us (N1*BY N104); without one, the trading partner sending the group.
    customer_id = _party_id(body, "BY") or group.sender
    ship_to = _party_address(body, "ST")
    currency = _currency(body)

    lines, total_from_lines = [], Decimal("0")
    for segment in body:
        if segment.tag != "PO1":
            continue
        line_number = _positive_int(segment, 1, "PO101 line number")
        quantity = _positive_int(segment, 2, "PO102 quantity")
        price = _number(segment, 4, "PO104 unit price")
        if price < 0:
            raise SetAside(segment, f"PO104 unit price {price} is negative")
        lines.append(
            {
                "order_id": order_id,
                "line_number": line_number,
                "sku": _sku(segment, 6),
                "quantity_ordered": quantity,
                "unit_price": price,
                "updated_at": ordered_at,
            }
        )
        total_from_lines += quantity * price
    if not lines:
        raise SetAside(transaction.first_number, "a purchase order without PO1 lines")
    numbers = [line["line_number"] for line in lines]
    if len(set(numbers)) != len(numbers):
        raise SetAside(transaction.first_number, f"PO101 line numbers repeat: {numbers}")
    _check_line_count(body, len(lines))
    total = _amount(body, "TT") or total_from_lines

    order = {
        "order_id": order_id,
        "customer_id": customer_id,
        "channel": "edi",
        "ordered_at": ordered_at,
        "promised_ship_at": promised_ship_at,
        "promised_delivery_date": delivery.date() if delivery else None,
        "ship_to_country": ship_to[0],
        "ship_to_postal_code": ship_to[1],
        "currency": currency,
        "order_total": total,
        "status": "created",
        "updated_at": ordered_at,
    }
    created = _event(transaction, order_id, "created", ordered_at, None)
    return [(ORDERS, order), *((ORDER_LINES, line) for line in lines), (ORDER_EVENTS, created)]


def _event(
    transaction: TransactionSet, order_id: str, event_type: str, at: datetime, reason: str | None
) -> dict:
    return {
        "event_id": event_id(transaction.code, order_id, event_type, at),
        "order_id": order_id,
        "event_type": event_type,
        "event_at": at,
        "reason_code": reason,
    }


def _group_time(transaction: TransactionSet, group: FunctionalGroup) -> datetime:
    return _timestamp(transaction.segments[0], group.date, group.time, "")


# ---------------------------------------------------------------------- 855 acknowledgement
def _acknowledgement(transaction: TransactionSet, group: FunctionalGroup) -> Rows:
    body = transaction.body
    bak = _required(transaction, "BAK")
    order_id = _text(bak, 3, "BAK03 purchase order number")
    acknowledged_at = (
        _dates(body).get(DTM_TRANSACTION_CREATION)
        or (_timestamp(bak, bak.get(9), "", "") if bak.get(9) else None)
        or _group_time(transaction, group)
    )
    statuses = []
    for segment in body:
        if segment.tag == "ACK":
            code = segment.get(1)
            if code not in ACK_LINE_STATUS:
                raise SetAside(segment, f"unknown ACK01 line status {code!r}")
            statuses.append(ACK_LINE_STATUS[code])
    if not statuses:
        if bak.get(2) != ACK_TYPE_REJECTED_NO_DETAIL:
            raise SetAside(bak, "an acknowledgement without ACK line statuses (and BAK02 is not RJ)")
        # The seller refuses the order without saying why per line: not a stock problem.
        return [(ORDER_EVENTS, _event(transaction, order_id, "cancelled", acknowledged_at, "other"))]

    events = []
    if any(s in (ACCEPTED, PARTLY_BACKORDERED) for s in statuses):
        events.append(("allocated", None))
    if any(s in (BACKORDERED, PARTLY_BACKORDERED) for s in statuses):
        events.append(("backordered", None))
    if all(s == REJECTED for s in statuses):
        events.append(("cancelled", "out_of_stock"))
    return [
        (ORDER_EVENTS, _event(transaction, order_id, kind, acknowledged_at, reason))
        for kind, reason in events
    ]


# ---------------------------------------------------------------------- 856 ship notice
@dataclass
class _ShipNoticeOrder:
    level: Segment  # its HL segment
    order_id: str | None = None  # its PRF01
    lines: list[dict[str, object]] = field(default_factory=list)


def _ship_notice(transaction: TransactionSet, group: FunctionalGroup) -> Rows:
    body = transaction.body
    bsn = _required(transaction, "BSN")
    shipment_number = _text(bsn, 2, "BSN02 shipment identification")
    shipped_at = carrier = service_level = tracking = warehouse = None
    orders: list[_ShipNoticeOrder] = []
    level = ""
    item: dict[str, object] | None = None
    for segment in body:
        tag = segment.tag
        if tag == "HL":
            level = segment.get(3)
            item = None
            if level not in ("S", "O", "T", "P", "I"):
                raise SetAside(segment, f"HL03 level {level!r} is not read (S, O, T, P and I are)")
            if level == "O":
                orders.append(_ShipNoticeOrder(segment))
            elif level == "I":
                if not orders:
                    raise SetAside(segment, "an item level (HL03 I) before any order level (HL03 O)")
                item = {"segment": segment}
                orders[-1].lines.append(item)
        elif tag == "PRF" and level == "O":
            orders[-1].order_id = _text(segment, 1, "PRF01 purchase order number")
        elif tag == "TD5" and carrier is None:
            carrier = segment.get(3) if segment.get(2) else segment.get(5)
            code = segment.get(12)
            service_level = SERVICE_LEVELS.get(code, code) if code else None
        elif tag == "REF" and segment.get(1) in TRACKING_QUALIFIERS and tracking is None:
            tracking = segment.get(2) or None
        elif tag == "DTM" and segment.get(1) == DTM_SHIPPED:
            shipped_at = _dtm_timestamp(segment)
        elif tag == "N1" and segment.get(1) == "SF":
            warehouse = segment.get(4) or None
        elif tag == "LIN" and item is not None:
            pairs = _id_pairs(segment, 2)
            item["sku"] = _sku(segment, 2)
            po_line = pairs.get(PO_LINE_QUALIFIER) or segment.get(1)
            item["order_line_number"] = _as_positive_int(segment, po_line, "the PO line (LIN PL, else LIN01)")
        elif tag == "SN1" and item is not None:
            item["quantity_shipped"] = _whole_number(segment, 2, "SN102 units shipped")
    if not orders:
        raise SetAside(bsn, "a ship notice without an order level (HL03 O with PRF)")
    for order in orders:
        if order.order_id is None:
            raise SetAside(order.level, "an order level (HL03 O) without its PRF purchase order number")
    if shipped_at is None:  # the notice is sent as the goods leave: its own date and time
        shipped_at = _timestamp(bsn, _text(bsn, 3, "BSN03 date"), bsn.get(4), "")

    rows: Rows = []
    for order in orders:
        shipment_id = shipment_number if len(orders) == 1 else f"{shipment_number}-{order.order_id}"
        rows.append(
            (
                SHIPMENTS,
                {
                    "shipment_id": shipment_id,
                    "order_id": order.order_id,
                    "warehouse_id": warehouse,
                    "carrier": carrier,
                    "service_level": service_level,
                    "tracking_number": tracking,
                    "shipped_at": shipped_at,
                },
            )
        )
        for number, line in enumerate(order.lines, start=1):
            for column, what in (("sku", "LIN"), ("quantity_shipped", "SN1")):
                if column not in line:
                    raise SetAside(line["segment"], f"an item level without {what}")
            rows.append(
                (
                    SHIPMENT_LINES,
                    {
                        "shipment_id": shipment_id,
                        "line_number": number,
                        "order_id": order.order_id,
                        "sku": line["sku"],
                        "quantity_shipped": line["quantity_shipped"],
                        "order_line_number": line["order_line_number"],
                    },
                )
            )
    return rows


# ---------------------------------------------------------------------- 810 invoice
def _invoice(transaction: TransactionSet, group: FunctionalGroup) -> Rows:
    body = transaction.body
    big = _required(transaction, "BIG")
    tds = _required(transaction, "TDS")
    invoiced_at = _dates(body).get(DTM_INVOICE) or _timestamp(
        big, _text(big, 1, "BIG01 invoice date"), "", ""
    )
    cents = tds.get(1)
    if not cents.lstrip("-").isdigit():
        raise SetAside(tds, f"TDS01 total {cents!r} is not an amount in cents (implied 2 decimals)")
    return [
        (
            INVOICES,
            {
                "invoice_id": _text(big, 2, "BIG02 invoice number"),
                "order_id": _text(big, 4, "BIG04 purchase order number"),
                "invoiced_at": invoiced_at,
                "amount": Decimal(cents).scaleb(-2),
                "currency": _currency(body),
            },
        )
    ]


MAPPERS: dict[str, Callable[[TransactionSet, FunctionalGroup], Rows]] = {
    "850": _purchase_order,
    "855": _acknowledgement,
    "856": _ship_notice,
    "810": _invoice,
}


def event_id(transaction_code: str, order_id: str, event_type: str, at: datetime) -> str:
    """The same document gives the same id: re-imports are deduplicated by the contract's key."""
    return f"EDI-{transaction_code}-{order_id}-{event_type}-{at.astimezone(UTC):%Y%m%dT%H%M%S%f}"


# ---------------------------------------------------------------------- element readers
def _required(transaction: TransactionSet, tag: str) -> Segment:
    for segment in transaction.body:
        if segment.tag == tag:
            return segment
    raise SetAside(transaction.first_number, f"a {transaction.code} needs a {tag} segment; this one has none")


def _text(segment: Segment, position: int, what: str) -> str:
    value = segment.get(position).strip()
    if not value:
        raise SetAside(segment, f"{what} is empty")
    return value


def _positive_int(segment: Segment, position: int, what: str) -> int:
    return _as_positive_int(segment, segment.get(position), what)


def _as_positive_int(segment: Segment, text: str, what: str) -> int:
    value = text.strip()
    if not value.isdigit() or int(value) <= 0:
        raise SetAside(segment, f"{what} {value!r} is not a whole number above 0")
    return int(value)


def _whole_number(segment: Segment, position: int, what: str) -> int:
    value = _number(segment, position, what)
    if value != value.to_integral_value() or value < 0:
        raise SetAside(segment, f"{what} {segment.get(position)!r} is not a whole number of units")
    return int(value)


def _number(segment: Segment, position: int, what: str) -> Decimal:
    text = segment.get(position).strip()
    try:
        return Decimal(text)
    except InvalidOperation:
        raise SetAside(segment, f"{what} {text!r} is not a number") from None


def _id_pairs(segment: Segment, first: int) -> dict[str, str]:
    """Product id qualifier/value pairs from `first` on (PO106/PO107, LIN02/LIN03, ...)."""
    pairs = {}
    for position in range(first, len(segment.elements) + 1, 2):
        qualifier, value = segment.get(position), segment.get(position + 1).strip()
        if qualifier and value:
            pairs.setdefault(qualifier, value)
    return pairs


def _sku(segment: Segment, first: int) -> str:
    pairs = _id_pairs(segment, first)
    for qualifier in SKU_QUALIFIERS:
        if qualifier in pairs:
            return pairs[qualifier]
    raise SetAside(
        segment, f"no product id with one of the qualifiers {', '.join(SKU_QUALIFIERS)}: the line has no SKU"
    )


def _party_id(body: list[Segment], entity: str) -> str | None:
    for segment in body:
        if segment.tag == "N1" and segment.get(1) == entity:
            return segment.get(4).strip() or None
    return None


def _party_address(body: list[Segment], entity: str) -> tuple[str | None, str | None]:
    """(country, postal code) of the party's N4. Its name (N102), street (N3), city and state are
    personal or not asked for by the contract: they are never read."""
    inside = False
    for segment in body:
        if segment.tag == "N1":
            inside = segment.get(1) == entity
        elif segment.tag in ("PO1", "CTT"):
            inside = False
        elif inside and segment.tag == "N4":
            return (segment.get(4).strip() or None, segment.get(3).strip() or None)
    return (None, None)


def _currency(body: list[Segment]) -> str:
    for segment in body:
        if segment.tag == "CUR":
            return _text(segment, 2, "CUR02 currency code")
    return DEFAULT_CURRENCY


def _amount(body: list[Segment], qualifier: str) -> Decimal | None:
    for segment in body:
        if segment.tag == "AMT" and segment.get(1) == qualifier:
            return _number(segment, 2, f"AMT*{qualifier} amount")
    return None


def _check_line_count(body: list[Segment], lines: int) -> None:
    for segment in body:
        if segment.tag == "CTT" and segment.get(1).strip() != str(lines):
            raise SetAside(
                segment, f"CTT01 says {segment.get(1)!r} line items, the set has {lines} PO1 lines"
            )


def _dates(body: list[Segment]) -> dict[str, datetime]:
    """The set's DTM timestamps by qualifier (the first of each)."""
    found: dict[str, datetime] = {}
    for segment in body:
        if segment.tag == "DTM" and segment.get(1) not in found:
            found[segment.get(1)] = _dtm_timestamp(segment)
    return found


def _ship_by(body: list[Segment]) -> datetime | None:
    """The promised ship time: requested ship (010), else ship no later (038). A date without a
    time means "ship by that date": the end of that day."""
    for qualifier in (DTM_REQUESTED_SHIP, DTM_SHIP_NO_LATER):
        for segment in body:
            if segment.tag == "DTM" and segment.get(1) == qualifier:
                at = _dtm_timestamp(segment)
                return at if segment.get(3) else at + timedelta(days=1, microseconds=-1)
    return None


def _dtm_timestamp(segment: Segment) -> datetime:
    return _timestamp(
        segment, _text(segment, 2, f"DTM02 date ({segment.get(1)})"), segment.get(3), segment.get(4)
    )


def _timestamp(segment: Segment, date_text: str, time_text: str, time_code: str) -> datetime:
    """CCYYMMDD with an optional HHMM[SS[D[D]]] in the zone of the DTM04 time code, as UTC."""
    if len(date_text) != 8 or not date_text.isdigit():
        raise SetAside(segment, f"date {date_text!r} is not CCYYMMDD")
    if time_text and (len(time_text) not in (4, 6, 7, 8) or not time_text.isdigit()):
        raise SetAside(segment, f"time {time_text!r} is not HHMM, HHMMSS or HHMMSSDD")
    try:
        day = date(int(date_text[:4]), int(date_text[4:6]), int(date_text[6:8]))
        padded = (time_text or "0000").ljust(8, "0")
        clock = time(int(padded[:2]), int(padded[2:4]), int(padded[4:6]), int(padded[6:8]) * 10_000)
    except ValueError as error:
        raise SetAside(segment, f"date/time {date_text} {time_text}: {error}") from None
    return datetime.combine(day, clock, tzinfo=_zone(segment, time_code)).astimezone(UTC)


def _zone(segment: Segment, code: str):
    if not code:
        return UTC
    if code in FIXED_TIME_CODES:
        return timezone(timedelta(hours=FIXED_TIME_CODES[code]))
    if code in ZONE_TIME_CODES:
        return ZoneInfo(ZONE_TIME_CODES[code])
    known = ", ".join([*FIXED_TIME_CODES, *ZONE_TIME_CODES])
    raise SetAside(segment, f"time code {code!r} is not read (known: {known}); local time cannot be placed")
