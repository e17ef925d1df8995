"""Shopify's admin "Export orders" CSV -> contract rows (docs/importers.md, "Shopify").

The export has one row per line item; the order's own fields (Created at, Financial Status,
Total, Shipping Method...) are filled on its first row only, and every row repeats its Name.

Shopify promises no dates, so an order's promised ship time and due date come from `ShopifyRules`:
a number of business days to hand the parcel over, plus business days in transit by shipping
method. The defaults below can be replaced by a TOML file (ORDERPULSE_SHOPIFY_RULES, see
docs/importers.md).

Personal data stops here: names, e-mail addresses, phone numbers and street addresses (billing and
shipping) are never read into a contract row, so they never reach a landing file. The postal code
and country of the shipping address are kept: the contract has columns for them.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from contract import CHANNELS, ENTITIES_BY_PATH
from ingest.sources import Conversion, DocumentRejected
from ingest.sources.csv_documents import BadRows, parse_decimal, parse_timestamp, read_csv_rows
from orderpulse.errors import UserError

REQUIRED_COLUMNS = (
    "Name",
    "Financial Status",
    "Fulfillment Status",
    "Currency",
    "Total",
    "Created at",
    "Lineitem quantity",
    "Lineitem price",
    "Lineitem sku",
)

# Shopify's cancel reasons (its order API and Transporter's order CSV) -> the contract's. The admin
# export itself has no cancel reason column: its cancelled orders get "other".
SHOPIFY_CANCEL_REASONS = {
    "customer": "customer_request",
    "fraud": "fraud",
    "inventory": "out_of_stock",
    "declined": "payment_failed",
    "staff": "other",
    "other": "other",
}
DEFAULT_CANCEL_REASON = "other"

ORDERS = ENTITIES_BY_PATH[("oms", "orders")]
ORDER_LINES = ENTITIES_BY_PATH[("oms", "order_lines")]
ORDER_EVENTS = ENTITIES_BY_PATH[("oms", "order_events")]
SHIPMENTS = ENTITIES_BY_PATH[("wms", "shipments")]
SHIPMENT_LINES = ENTITIES_BY_PATH[("wms", "shipment_lines")]


@dataclass(frozen=True)
class ShopifyRules:
    """How Shopify's orders are given what the export lacks: promised dates, channel, warehouse."""

    # Business days (Monday to Friday) from the order to handing the parcel over: the promised
    # ship time is the order's time of day on that business day.
    handling_business_days: int = 1
    # Business days in transit after the promised ship day, by shipping method: the first key
    # contained in the method's name (case ignored) wins; others get the default.
    transit_business_days: dict[str, int] = field(
        default_factory=lambda: {
            "overnight": 1,
            "next day": 1,
            "express": 2,
            "priority": 2,
            "expedited": 3,
            "standard": 5,
            "economy": 7,
        }
    )
    default_transit_business_days: int = 5
    # Shopify's Source (the sales channel that took the order) -> the contract's channel.
    channels: dict[str, str] = field(
        default_factory=lambda: {
            "web": "web",
            "iphone": "web",  # the shop's own mobile apps
            "android": "web",
            "shopify_draft_order": "phone",  # drafted by staff for a customer who called or wrote
            "pos": "sales_rep",  # sold in person at the counter
        }
    )
    # Any other Source is a marketplace or social sales-channel app (Amazon, eBay, Facebook...).
    other_channel: str = "marketplace"
    # The warehouse of a fulfillment when the export has no Location.
    default_warehouse: str = "shopify"

    def transit_days(self, shipping_method: str) -> int:
        method = shipping_method.lower()
        for keyword, days in self.transit_business_days.items():
            if keyword.lower() in method:
                return days
        return self.default_transit_business_days

    def channel(self, source: str) -> str:
        source = source.strip().lower()
        if not source:
            return "web"
        return self.channels.get(source, self.other_channel)


def load_rules(path: Path) -> ShopifyRules:
    """ShopifyRules with the values of a TOML file over the defaults (UserError when it is wrong)."""
    try:
        values = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise UserError(f"Shopify rules file {path}: {error}") from None
    defaults = ShopifyRules()
    known = {name for name in ShopifyRules.__dataclass_fields__}
    unknown = set(values) - known
    if unknown:
        raise UserError(f"Shopify rules file {path}: unknown setting(s) {', '.join(sorted(unknown))}")
    rules = replace(defaults, **values)
    days = [rules.handling_business_days, rules.default_transit_business_days]
    days += list(rules.transit_business_days.values())
    if not all(isinstance(d, int) and d >= 0 for d in days):
        raise UserError(f"Shopify rules file {path}: business days must be whole numbers >= 0")
    channels = [*rules.channels.values(), rules.other_channel]
    wrong = sorted({c for c in channels if c not in CHANNELS})
    if wrong:
        raise UserError(
            f"Shopify rules file {path}: channel(s) {', '.join(wrong)} not in the contract's {', '.join(CHANNELS)}"
        )
    return rules


def rules_from_settings() -> ShopifyRules:
    from orderpulse.config import load_settings

    path = load_settings().shopify_rules_file
    return load_rules(path) if path is not None else ShopifyRules()


def add_business_days(day: date, count: int) -> date:
    """The date `count` business days (Monday to Friday) after `day`: one business day after a
    Friday, a Saturday or a Sunday is the Monday; zero is the day itself."""
    while count > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


@dataclass
class _Order:
    name: str
    first_row: int
    fields: dict[str, str]
    lines: list[tuple[int, dict[str, str]]] = field(default_factory=list)


class ShopifyImporter:
    name = "shopify"
    suffixes = (".csv",)

    def __init__(self, rules: ShopifyRules | None = None):
        self.rules = rules

    def convert(self, document: Path) -> Conversion:
        rules = self.rules if self.rules is not None else rules_from_settings()
        bad = BadRows()
        orders: dict[str, _Order] = {}
        for row_number, row in read_csv_rows(document, REQUIRED_COLUMNS, 'a Shopify "Export orders" CSV'):
            name = row["Name"].strip()
            if not name:
                bad.add(f"row {row_number}", "Name (the order) is empty")
                continue
            order = orders.get(name)
            if order is None:
                order = orders[name] = _Order(name, row_number, row)
                if not row["Created at"].strip():
                    bad.add(f"row {row_number}", f"order {name}'s first row has no Created at")
            order.lines.append((row_number, row))
        if not orders and not bad.problems:
            raise DocumentRejected("file", "no orders: the export has a header and no rows")
        conversion = Conversion()
        rows: dict[str, list[dict[str, object]]] = {
            "orders": [],
            "lines": [],
            "events": [],
            "ships": [],
            "slines": [],
        }
        for order in orders.values():
            _convert_order(order, rules, rows, bad)
        bad.reject_if_any()
        for entity, key in (
            (ORDERS, "orders"),
            (ORDER_LINES, "lines"),
            (ORDER_EVENTS, "events"),
            (SHIPMENTS, "ships"),
            (SHIPMENT_LINES, "slines"),
        ):
            conversion.rows[entity] = rows[key]
        return conversion


def _timestamp(fields: dict[str, str], column: str, row_number: int, bad: BadRows) -> datetime | None:
    text = fields.get(column, "").strip()
    if not text:
        return None
    value = parse_timestamp(text)
    if value is None:
        bad.add(f"row {row_number}", f"{column} {text!r} is not a timestamp like 2024-01-15 09:30:00 -0500")
        return None
    # Without an offset a time is UTC, as the contract reads it.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _convert_order(order: _Order, rules: ShopifyRules, rows: dict[str, list], bad: BadRows) -> None:
    first, at = order.fields, order.first_row
    problems_before = len(bad.problems)
    created = _timestamp(first, "Created at", at, bad)
    paid = _timestamp(first, "Paid at", at, bad)
    fulfilled = _timestamp(first, "Fulfilled at", at, bad)
    cancelled = _timestamp(first, "Cancelled at", at, bad)
    total_text = first["Total"].strip()
    total = parse_decimal(total_text) if total_text else None
    if total_text and total is None:
        bad.add(f"row {at}", f"Total {total_text!r} is not an amount")
    lines = []
    for line_number, (row_number, row) in enumerate(order.lines, start=1):
        if row_number != at and row["Created at"].strip() and row["Created at"] != first["Created at"]:
            bad.add(f"row {row_number}", f"order {order.name} appears again with another Created at")
        quantity_text, price_text = row["Lineitem quantity"].strip(), row["Lineitem price"].strip()
        try:
            quantity = int(quantity_text)
        except ValueError:
            quantity = 0
        if quantity < 1:
            bad.add(f"row {row_number}", f"Lineitem quantity {quantity_text!r} is not a whole number above 0")
        price = parse_decimal(price_text)
        if price is None or price < 0:
            bad.add(f"row {row_number}", f"Lineitem price {price_text!r} is not an amount >= 0")
        # An item without a SKU (a custom item) is known by its product name.
        sku = row["Lineitem sku"].strip() or row.get("Lineitem name", "").strip()
        if not sku:
            bad.add(f"row {row_number}", "the line item has neither Lineitem sku nor Lineitem name")
        lines.append((line_number, row, quantity, price, sku))
    if len(bad.problems) > problems_before or created is None:
        return

    order_id = order.name
    shipping_method = first.get("Shipping Method", "").strip()
    local_created = created  # business days are counted in the shop's own time zone
    promised_ship_day = add_business_days(local_created.date(), rules.handling_business_days)
    promised_ship_at = datetime.combine(promised_ship_day, local_created.timetz())
    due_date = add_business_days(promised_ship_day, rules.transit_days(shipping_method))
    updated_at = max(t for t in (created, paid, fulfilled, cancelled) if t is not None)
    financial = first["Financial Status"].strip() or "unknown"
    fulfillment = first["Fulfillment Status"].strip() or "unfulfilled"
    rows["orders"].append(
        {
            "order_id": order_id,
            "customer_id": None,  # the export knows the customer by e-mail only: dropped
            "channel": rules.channel(first.get("Source", "")),
            "ordered_at": created,
            "promised_ship_at": promised_ship_at,
            "promised_delivery_date": due_date,
            "ship_to_country": first.get("Shipping Country", "").strip() or None,
            # Exports prefix zip codes with ' so that spreadsheets keep their leading zeros.
            "ship_to_postal_code": first.get("Shipping Zip", "").strip().lstrip("'") or None,
            "currency": first["Currency"].strip() or None,
            "order_total": total,
            "status": "cancelled" if cancelled else f"{financial}/{fulfillment}",
            "updated_at": updated_at,
        }
    )
    for line_number, _row, quantity, price, sku in lines:
        rows["lines"].append(
            {
                "order_id": order_id,
                "line_number": line_number,
                "sku": sku,
                "quantity_ordered": quantity,
                "unit_price": price,
                "updated_at": updated_at,
            }
        )
    rows["events"].append(
        {
            "event_id": f"{order_id}-created",
            "order_id": order_id,
            "event_type": "created",
            "event_at": created,
        }
    )
    if cancelled is not None:
        shopify_reason = first.get("Cancel Reason", "").strip().lower()
        rows["events"].append(
            {
                "event_id": f"{order_id}-cancelled",
                "order_id": order_id,
                "event_type": "cancelled",
                "event_at": cancelled,
                "reason_code": SHOPIFY_CANCEL_REASONS.get(shopify_reason, DEFAULT_CANCEL_REASON),
            }
        )
    order_fulfilled = fulfillment.lower() == "fulfilled"
    if fulfilled is None and fulfillment.lower() not in ("fulfilled", "partial"):
        return
    shipped = [
        (line_number, sku, quantity)
        for line_number, row, quantity, _price, sku in lines
        if row.get("Lineitem fulfillment status", "").strip().lower() == "fulfilled"
        or (order_fulfilled and not row.get("Lineitem fulfillment status", "").strip())
    ]
    shipment_id = f"{order_id}-F1"
    rows["ships"].append(
        {
            "shipment_id": shipment_id,
            "order_id": order_id,
            "warehouse_id": first.get("Location", "").strip() or rules.default_warehouse,
            "carrier": None,  # the export names no carrier and no tracking number
            "service_level": shipping_method or None,
            "tracking_number": None,
            "shipped_at": fulfilled,
        }
    )
    for shipment_line, (line_number, sku, quantity) in enumerate(shipped, start=1):
        rows["slines"].append(
            {
                "shipment_id": shipment_id,
                "line_number": shipment_line,
                "order_id": order_id,
                "sku": sku,
                "quantity_shipped": quantity,
                "order_line_number": line_number,
            }
        )


IMPORTER = ShopifyImporter()
