"""The extract contract as data: entities, their columns, types, keys and domains.

This package is the one definition of `../shared/spec/extract-contract.md`. Ingest typing and
quarantine, the Great Expectations suites, the order core's export, the importers, the landing
generator and the dashboard derive their lists from it; the dbt sources, the marts docs and the
order core's own vocabulary are checked against it by tests. A change to the contract is a change
here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CONTRACT_VERSION = "1.1"

# Column kinds. Each maps to one DuckDB type in the raw tables.
TEXT = "text"
TIMESTAMP = "timestamp"  # ISO 8601, stored as UTC TIMESTAMP (naive = UTC)
DATE = "date"
DECIMAL = "decimal"  # money, stored as DECIMAL(18, 4)
INTEGER = "integer"

DUCKDB_TYPES = {
    TEXT: "VARCHAR",
    TIMESTAMP: "TIMESTAMP",
    DATE: "DATE",
    DECIMAL: "DECIMAL(18, 4)",
    INTEGER: "BIGINT",
}

CHANNELS = ("web", "marketplace", "edi", "phone", "sales_rep")
ORDER_EVENT_TYPES = (
    "created",
    "hold_placed",
    "hold_released",
    "address_corrected",
    "payment_failed",
    "allocated",
    "backordered",
    "released_to_warehouse",
    "invoiced",
    "cancelled",
    "closed",
)
HOLD_REASONS = ("credit", "fraud", "pricing", "address", "compliance")
CANCEL_REASONS = ("customer_request", "out_of_stock", "fraud", "payment_failed", "other")
CREDIT_MEMO_REASONS = ("pricing_error", "billing_error", "damage", "return", "goodwill")
WAREHOUSE_EVENT_TYPES = ("picked", "packed", "short_pick", "mis_pick", "damaged_in_warehouse")
TRACKING_STATUSES = (
    "label_created",
    "picked_up",
    "in_transit",
    "out_for_delivery",
    "delivered",
    "exception",
    "returned_to_sender",
)
TRACKING_EXCEPTIONS = ("damaged", "lost", "address_issue", "weather_delay", "carrier_delay", "refused")
RETURN_REASONS = (
    "damaged",
    "defective",
    "wrong_item",
    "not_as_described",
    "no_longer_needed",
    "late_delivery",
)
DISPOSITIONS = ("restock", "refurbish", "scrap", "return_to_vendor")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = TEXT
    key: bool = False
    nullable_key: bool = False  # part of the key but may be null (tracking exception_code)
    accepted_values: tuple[str, ...] | None = None
    min_value: int | None = None  # inclusive lower bound for integers and decimals
    # (column, value): this column may hold a value only on rows where that column has that value.
    only_when: tuple[str, str] | None = None
    # A file may omit an optional column (it was added in a later contract version); the loader
    # then reads it as null. A file lacking a required column is rejected.
    required: bool = True
    # Says something about a person (a customer id, a postal code): see docs/personal-data.md.
    personal: bool = False


@dataclass(frozen=True)
class Entity:
    source: str
    name: str
    columns: tuple[Column, ...]
    versioned: bool = False  # "latest wins" by updated_at; otherwise one copy per key
    # Reason codes whose domain depends on event_type: {event_type: accepted reasons}.
    # Not part of the hash (a dict is unhashable), so entities can key the importers' rows.
    reason_domains: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)

    @property
    def table(self) -> str:
        """Raw table name in the warehouse's `raw` schema."""
        return f"{self.source}__{self.name}"

    @property
    def key_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.key)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def landing_folder(self) -> str:
        """Where its files land, relative to the landing folder: `<source>/<entity>`."""
        return f"{self.source}/{self.name}"


ENTITIES: tuple[Entity, ...] = (
    Entity(
        "oms",
        "orders",
        (
            Column("order_id", key=True),
            Column("customer_id", personal=True),
            Column("channel", accepted_values=CHANNELS),
            Column("ordered_at", TIMESTAMP),
            Column("promised_ship_at", TIMESTAMP),
            Column("promised_delivery_date", DATE),
            Column("ship_to_country"),
            Column("ship_to_postal_code", personal=True),
            Column("currency"),
            Column("order_total", DECIMAL),
            Column("status"),
            Column("updated_at", TIMESTAMP),
        ),
        versioned=True,
    ),
    Entity(
        "oms",
        "order_lines",
        (
            Column("order_id", key=True),
            Column("line_number", INTEGER, key=True),
            Column("sku"),
            Column("quantity_ordered", INTEGER, min_value=1),
            Column("unit_price", DECIMAL, min_value=0),
            Column("updated_at", TIMESTAMP),
        ),
        versioned=True,
    ),
    Entity(
        "oms",
        "order_events",
        (
            Column("event_id", key=True),
            Column("order_id"),
            Column("event_type", accepted_values=ORDER_EVENT_TYPES),
            Column("event_at", TIMESTAMP),
            Column("reason_code"),
        ),
        reason_domains={"hold_placed": HOLD_REASONS, "cancelled": CANCEL_REASONS},
    ),
    Entity(
        "oms",
        "invoices",
        (
            Column("invoice_id", key=True),
            Column("order_id"),
            Column("invoiced_at", TIMESTAMP),
            Column("amount", DECIMAL),
            Column("currency"),
        ),
    ),
    Entity(
        "oms",
        "credit_memos",
        (
            Column("credit_memo_id", key=True),
            Column("invoice_id"),
            Column("order_id"),
            Column("issued_at", TIMESTAMP),
            Column("amount", DECIMAL),
            Column("reason_code", accepted_values=CREDIT_MEMO_REASONS),
        ),
    ),
    Entity(
        "wms",
        "shipments",
        (
            Column("shipment_id", key=True),
            Column("order_id"),
            Column("warehouse_id"),
            Column("carrier"),
            Column("service_level"),
            Column("tracking_number"),
            Column("shipped_at", TIMESTAMP),
        ),
    ),
    Entity(
        "wms",
        "shipment_lines",
        (
            Column("shipment_id", key=True),
            Column("line_number", INTEGER, key=True),
            Column("order_id"),
            Column("sku"),
            Column("quantity_shipped", INTEGER, min_value=0),
            # v1.1: the order line this shipment line fills; without it, the line of the same sku.
            Column("order_line_number", INTEGER, min_value=1, required=False),
        ),
    ),
    Entity(
        "wms",
        "warehouse_events",
        (
            Column("event_id", key=True),
            Column("order_id"),
            Column("warehouse_id"),
            Column("event_type", accepted_values=WAREHOUSE_EVENT_TYPES),
            Column("event_at", TIMESTAMP),
            Column("sku"),
            Column("quantity", INTEGER, min_value=0),
        ),
    ),
    Entity(
        "carrier",
        "tracking_events",
        (
            Column("tracking_number", key=True),
            Column("event_at", TIMESTAMP, key=True),
            Column("status_code", key=True, accepted_values=TRACKING_STATUSES),
            Column(
                "exception_code",
                key=True,
                nullable_key=True,
                accepted_values=TRACKING_EXCEPTIONS,
                only_when=("status_code", "exception"),
            ),
            Column("carrier"),
            Column("location"),
        ),
    ),
    Entity(
        "returns",
        "return_lines",
        (
            Column("rma_id", key=True),
            Column("line_number", INTEGER, key=True),
            Column("order_id"),
            Column("sku"),
            Column("quantity_returned", INTEGER, min_value=1),
            Column("reason_code", accepted_values=RETURN_REASONS),
            Column("requested_at", TIMESTAMP),
            Column("received_at", TIMESTAMP),
            Column("refund_amount", DECIMAL),
            Column("disposition", accepted_values=DISPOSITIONS),
        ),
    ),
)

ENTITIES_BY_PATH = {(e.source, e.name): e for e in ENTITIES}
FILE_FORMATS = {".csv": "csv", ".parquet": "parquet", ".jsonl": "json", ".ndjson": "json"}
