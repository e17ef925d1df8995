"""The Olist Brazilian e-commerce public dataset -> contract rows (docs/importers.md, "Olist").

The document is `olist_orders_dataset.csv` (a folder argument finds it). Beside it, two files are
used when present: `olist_order_payments_dataset.csv` (the order's total: the sum of its
payments) and `olist_order_items_dataset.csv` (order lines, shipment lines and the promised ship
time). Reviews, customers, sellers and products carry nothing the contract has a column for and
are not read.

Olist's timestamps are Brazilian local wall-clock times without an offset. They are landed as
they are: the contract reads a timestamp without offset as UTC, so every date (purchase day, due
date, delivery day) stays the dataset's own and lateness is judged on the dataset's calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from contract import ENTITIES_BY_PATH
from ingest.sources import Conversion, DocumentRejected
from ingest.sources.csv_documents import BadRows, parse_decimal, parse_timestamp, read_csv_rows

ORDERS_FILE = "olist_orders_dataset.csv"
PAYMENTS_FILE = "olist_order_payments_dataset.csv"
ITEMS_FILE = "olist_order_items_dataset.csv"

ORDER_COLUMNS = (
    "order_id",
    "customer_id",
    "order_status",
    "order_purchase_timestamp",
    "order_approved_at",
    "order_delivered_carrier_date",
    "order_delivered_customer_date",
    "order_estimated_delivery_date",
)
PAYMENT_COLUMNS = ("order_id", "payment_value")
ITEM_COLUMNS = ("order_id", "order_item_id", "product_id", "shipping_limit_date", "price", "freight_value")

# Olist's order_status -> the contract's cancellation reason (kpis.md: both count as failures).
CANCEL_REASONS = {"canceled": "other", "unavailable": "out_of_stock"}

# Constants of the mapping: Olist is a Brazilian marketplace paid in reais; its dataset names
# neither the carrier nor where a parcel left from.
CHANNEL = "marketplace"
COUNTRY = "BR"
CURRENCY = "BRL"
CARRIER = "olist"
WAREHOUSE = "olist"

# The entities it writes, by name: rows are gathered in lists under these names (hashing an
# Entity for each of 400,000 rows would cost more than the rest of the conversion).
ENTITIES_WRITTEN = {
    entity.name: entity
    for entity in (
        ENTITIES_BY_PATH[("oms", "orders")],
        ENTITIES_BY_PATH[("oms", "order_lines")],
        ENTITIES_BY_PATH[("oms", "order_events")],
        ENTITIES_BY_PATH[("wms", "shipments")],
        ENTITIES_BY_PATH[("wms", "shipment_lines")],
        ENTITIES_BY_PATH[("carrier", "tracking_events")],
    )
}


def shipment_id_of(order_id: str) -> str:
    """Olist has one parcel per order and no id for it: a synthetic one, the same on every import."""
    return f"{order_id}-S1"


def tracking_number_of(order_id: str) -> str:
    return f"OLIST-{order_id}"


@dataclass(frozen=True)
class _Item:
    line_number: int
    product_id: str
    price: Decimal
    freight: Decimal
    shipping_limit: datetime
    shipping_limit_text: str


class OlistImporter:
    name = "olist"
    suffixes = (ORDERS_FILE,)

    def convert(self, document: Path) -> Conversion:
        rows: dict[str, list[dict[str, object]]] = {name: [] for name in ENTITIES_WRITTEN}
        bad = BadRows()
        orders = list(read_csv_rows(document, ORDER_COLUMNS, f"the Olist orders file ({ORDERS_FILE})"))
        payments_path = document.with_name(PAYMENTS_FILE)
        items_path = document.with_name(ITEMS_FILE)
        totals = _payment_totals(payments_path, bad) if payments_path.is_file() else None
        items = _items_by_order(items_path, bad) if items_path.is_file() else None

        seen: dict[str, int] = {}
        for row_number, row in orders:
            order_id = row["order_id"].strip()
            if not order_id:
                bad.add(f"row {row_number}", "order_id is empty")
                continue
            if order_id in seen:
                bad.add(f"row {row_number}", f"order {order_id} is also on row {seen[order_id]}")
                continue
            seen[order_id] = row_number
            stamps = _timestamps(row, row_number, bad)
            if stamps is None:
                continue
            order_items = items.get(order_id, []) if items is not None else []
            _convert_order(rows, order_id, row, stamps, order_items, totals)
        if items is not None:
            unknown = sorted(set(items) - set(seen))
            if unknown:
                bad.add(
                    f"{ITEMS_FILE} file",
                    f"{len(unknown)} order(s) with items are not in {ORDERS_FILE}, e.g. {unknown[0]}",
                )
        bad.reject_if_any()
        if not seen:
            raise DocumentRejected("file", f"no orders: {ORDERS_FILE} has a header and no rows")
        return Conversion(
            rows={ENTITIES_WRITTEN[name]: entity_rows for name, entity_rows in rows.items()},
            also_read=[path for path in (payments_path, items_path) if path.is_file()],
        )


def _timestamps(row: dict[str, str], row_number: int, bad: BadRows) -> dict[str, tuple[datetime, str]] | None:
    """The row's timestamps, parsed (for comparisons) and as written (for landing), or None if bad."""
    stamps = {}
    ok = True
    for column in ORDER_COLUMNS[3:]:
        text = row[column].strip()
        if not text:
            continue
        parsed = parse_timestamp(text)
        if parsed is None or parsed.tzinfo is not None:
            bad.add(f"row {row_number}", f"{column} {text!r} is not a timestamp like 2017-10-02 10:56:33")
            ok = False
            continue
        stamps[column] = (parsed, text)
    for required in ("order_purchase_timestamp", "order_estimated_delivery_date"):
        if required not in stamps and not row[required].strip():
            bad.add(f"row {row_number}", f"{required} is empty")
            ok = False
    return stamps if ok else None


def _convert_order(
    rows: dict[str, list[dict[str, object]]],
    order_id: str,
    row: dict[str, str],
    stamps: dict[str, tuple[datetime, str]],
    items: list[_Item],
    totals: dict[str, Decimal] | None,
) -> None:
    purchased = stamps["order_purchase_timestamp"][1]
    # The latest thing known to have happened to the order: the version's updated_at, and the
    # time of a cancellation (Olist does not say when an order was cancelled).
    latest = max(stamps[c] for c in ORDER_COLUMNS[3:7] if c in stamps)[1]
    if totals is not None:
        total = totals.get(order_id)
    elif items:
        total = sum((item.price + item.freight for item in items), Decimal(0))
    else:
        total = None
    promised_ship_at = (
        max((item.shipping_limit, item.shipping_limit_text) for item in items)[1] if items else None
    )
    rows["orders"].append(
        {
            "order_id": order_id,
            "customer_id": row["customer_id"].strip() or None,
            "channel": CHANNEL,
            "ordered_at": purchased,
            "promised_ship_at": promised_ship_at,
            "promised_delivery_date": stamps["order_estimated_delivery_date"][0].date().isoformat(),
            "ship_to_country": COUNTRY,
            "ship_to_postal_code": None,
            "currency": CURRENCY,
            "order_total": total,
            "status": row["order_status"].strip(),
            "updated_at": latest,
        },
    )
    for item in items:
        rows["order_lines"].append(
            {
                "order_id": order_id,
                "line_number": item.line_number,
                "sku": item.product_id,
                "quantity_ordered": 1,
                "unit_price": item.price,
                "updated_at": latest,
            },
        )
    rows["order_events"].append(
        {
            "event_id": f"{order_id}-created",
            "order_id": order_id,
            "event_type": "created",
            "event_at": purchased,
        },
    )
    reason = CANCEL_REASONS.get(row["order_status"].strip())
    if reason is not None:
        rows["order_events"].append(
            {
                "event_id": f"{order_id}-cancelled",
                "order_id": order_id,
                "event_type": "cancelled",
                "event_at": latest,
                "reason_code": reason,
            },
        )
    handed_to_carrier = stamps.get("order_delivered_carrier_date")
    delivered = stamps.get("order_delivered_customer_date")
    if handed_to_carrier is None and delivered is None:
        return
    shipment_id = shipment_id_of(order_id)
    tracking_number = tracking_number_of(order_id)
    rows["shipments"].append(
        {
            "shipment_id": shipment_id,
            "order_id": order_id,
            "warehouse_id": WAREHOUSE,
            "carrier": CARRIER,
            "service_level": None,
            "tracking_number": tracking_number,
            # A delivered order without a carrier date still has its parcel, shipped at an unknown time.
            "shipped_at": handed_to_carrier[1] if handed_to_carrier else None,
        },
    )
    for item in items:
        rows["shipment_lines"].append(
            {
                "shipment_id": shipment_id,
                "line_number": item.line_number,
                "order_id": order_id,
                "sku": item.product_id,
                "quantity_shipped": 1,
                "order_line_number": item.line_number,
            },
        )
    if delivered is not None:
        rows["tracking_events"].append(
            {
                "tracking_number": tracking_number,
                "event_at": delivered[1],
                "status_code": "delivered",
                "exception_code": None,
                "carrier": CARRIER,
                "location": None,
            },
        )


def _payment_totals(path: Path, bad: BadRows) -> dict[str, Decimal]:
    """order_id -> the sum of its payments (vouchers included: they pay for the order too)."""
    totals: dict[str, Decimal] = {}
    prefix = f"{PAYMENTS_FILE} "
    for row_number, row in read_csv_rows(
        path, PAYMENT_COLUMNS, f"the Olist payments file ({PAYMENTS_FILE})", prefix
    ):
        value = parse_decimal(row["payment_value"].strip())
        if value is None:
            bad.add(f"{prefix}row {row_number}", f"payment_value {row['payment_value']!r} is not a number")
            continue
        order_id = row["order_id"].strip()
        totals[order_id] = totals.get(order_id, Decimal(0)) + value
    return totals


def _items_by_order(path: Path, bad: BadRows) -> dict[str, list[_Item]]:
    items: dict[str, list[_Item]] = {}
    prefix = f"{ITEMS_FILE} "
    for row_number, row in read_csv_rows(path, ITEM_COLUMNS, f"the Olist items file ({ITEMS_FILE})", prefix):
        position = f"{prefix}row {row_number}"
        try:
            line_number = int(row["order_item_id"])
        except ValueError:
            line_number = 0
        if line_number < 1:
            bad.add(position, f"order_item_id {row['order_item_id']!r} is not a whole number above 0")
            continue
        price, freight = parse_decimal(row["price"].strip()), parse_decimal(row["freight_value"].strip())
        limit_text = row["shipping_limit_date"].strip()
        limit = parse_timestamp(limit_text)
        if price is None or price < 0 or freight is None:
            bad.add(
                position, f"price {row['price']!r} or freight_value {row['freight_value']!r} is not an amount"
            )
            continue
        if limit is None or limit.tzinfo is not None:
            bad.add(
                position, f"shipping_limit_date {limit_text!r} is not a timestamp like 2017-10-02 10:56:33"
            )
            continue
        product_id = row["product_id"].strip()
        if not product_id:
            bad.add(position, "product_id is empty")
            continue
        items.setdefault(row["order_id"].strip(), []).append(
            _Item(line_number, product_id, price, freight, limit, limit_text)
        )
    for order_id, order_items in items.items():
        order_items.sort(key=lambda item: item.line_number)
        numbers = [item.line_number for item in order_items]
        if len(set(numbers)) != len(numbers):
            bad.add(f"{prefix}file", f"order {order_id} has two items with one order_item_id: {numbers}")
    return items


IMPORTER = OlistImporter()
