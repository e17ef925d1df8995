"""The core's tables (SQLAlchemy Core). The Alembic migrations in `migrations/` create them.

Every table the extract writer reads carries `change_seq`: the commit sequence number of the
transaction that last wrote the row (see `repository.next_change_seq`), which is what an
incremental export's watermark compares against.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def sqlite_timestamp_text(value: datetime) -> str:
    """`YYYY-MM-DD HH:MM:SS.ffffff` in UTC: fixed width, so text order is time order."""
    if value.tzinfo is not UTC:
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the core stores aware UTC timestamps only")
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]


class UtcDateTime(TypeDecorator):
    """An aware UTC datetime. PostgreSQL: timestamptz. SQLite: fixed-width ISO text, which sorts
    correctly and is much cheaper to convert than SQLAlchemy's generic SQLite DATETIME."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(26))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the core stores aware UTC timestamps only")
        return sqlite_timestamp_text(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):
            return datetime.fromisoformat(value).replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Money(TypeDecorator):
    """An exact decimal amount. PostgreSQL: numeric(18, 2). SQLite has no decimal type and
    SQLAlchemy would go through float, so SQLite stores the decimal's text."""

    impl = Numeric(18, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(24))
        return dialect.type_descriptor(Numeric(18, 2, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect):
        if value is None:
            return None
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(value)


def _change_seq() -> Column:
    return Column("change_seq", BigInteger, nullable=False, index=True)


customers = Table(
    "customers",
    metadata,
    Column("customer_id", String(40), primary_key=True),
    Column("credit_limit", Money),
    Column("open_balance", Money, nullable=False),
)

products = Table(
    "products",
    metadata,
    Column("sku", String(40), primary_key=True),
    Column("list_price", Money, nullable=False),
    Column("export_restricted", Boolean, nullable=False),
)

warehouses = Table(
    "warehouses",
    metadata,
    Column("warehouse_id", String(40), primary_key=True),
    Column("country", String(2), nullable=False),
)

inventory = Table(
    "inventory",
    metadata,
    Column("sku", String(40), ForeignKey("products.sku"), primary_key=True),
    Column("warehouse_id", String(40), ForeignKey("warehouses.warehouse_id"), primary_key=True),
    Column("on_hand", Integer, nullable=False),
    Column("allocated", Integer, nullable=False),
    # The last line of defence against overselling, whatever the application does.
    CheckConstraint("allocated >= 0 AND allocated <= on_hand", name="allocated_within_on_hand"),
)

inventory_events = Table(
    "inventory_events",
    metadata,
    Column("event_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("sku", String(40), nullable=False),
    Column("warehouse_id", String(40), nullable=False),
    Column("event_type", String(40), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("event_at", UtcDateTime, nullable=False),
    Column("actor", String(80), nullable=False),
    Column("order_id", String(40)),
    Column("note", Text),
    Index("ix_inventory_events_sku_warehouse", "sku", "warehouse_id"),
)

orders = Table(
    "orders",
    metadata,
    Column("order_id", String(40), primary_key=True),
    Column("channel", String(20), nullable=False),
    Column("external_order_id", String(80), nullable=False),
    Column("customer_id", String(40), ForeignKey("customers.customer_id"), nullable=False),
    Column("ordered_at", UtcDateTime, nullable=False),
    Column("promised_ship_at", UtcDateTime, nullable=False),
    Column("promised_delivery_date", Date, nullable=False),
    Column("ship_to_country", String(2)),
    Column("ship_to_postal_code", String(20)),
    Column("currency", String(3), nullable=False),
    Column("service_level", String(20), nullable=False),
    Column("ship_complete", Boolean, nullable=False),
    Column("status", String(30), nullable=False),
    Column("payment_authorized", Boolean, nullable=False),
    Column("order_total", Money, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    _change_seq(),
    # Idempotent capture: one order per (channel, external order id), whoever retries.
    UniqueConstraint("channel", "external_order_id"),
    Index("ix_orders_status", "status"),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("order_id", String(40), ForeignKey("orders.order_id"), primary_key=True),
    Column("line_number", Integer, primary_key=True),
    Column("sku", String(40), ForeignKey("products.sku"), nullable=False),
    Column("quantity_ordered", Integer, nullable=False),
    Column("unit_price", Money, nullable=False),
    Column("quantity_shipped", Integer, nullable=False),
    Column("quantity_cancelled", Integer, nullable=False),
    # Kept up to date so replenishment can find waiting orders without loading them all.
    Column("quantity_backordered", Integer, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    _change_seq(),
    CheckConstraint("quantity_ordered > 0", name="quantity_ordered_positive"),
    Index("ix_order_lines_sku_backordered", "sku", "quantity_backordered"),
)

allocations = Table(
    "allocations",
    metadata,
    Column("order_id", String(40), primary_key=True),
    Column("line_number", Integer, primary_key=True),
    Column("warehouse_id", String(40), primary_key=True),
    Column("stage", String(20), primary_key=True),
    Column("quantity", Integer, nullable=False),
    ForeignKeyConstraint(["order_id", "line_number"], ["order_lines.order_id", "order_lines.line_number"]),
    CheckConstraint("quantity > 0", name="quantity_positive"),
)

order_holds = Table(
    "order_holds",
    metadata,
    Column("order_id", String(40), ForeignKey("orders.order_id"), primary_key=True),
    Column("hold_number", Integer, primary_key=True),
    Column("reason", String(20), nullable=False),
    Column("placed_at", UtcDateTime, nullable=False),
    Column("placed_by", String(80), nullable=False),
    Column("note", Text),
    Column("released_at", UtcDateTime),
    Column("released_by", String(80)),
    Column("release_note", Text),
)

order_events = Table(
    "order_events",
    metadata,
    Column("event_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("order_id", String(40), nullable=False, index=True),
    Column("event_type", String(40), nullable=False),
    Column("event_at", UtcDateTime, nullable=False),
    Column("actor", String(80), nullable=False),
    Column("reason_code", String(40)),
    Column("note", Text),
    Column("status_after", String(30)),
    _change_seq(),
)

warehouse_events = Table(
    "warehouse_events",
    metadata,
    Column("event_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("order_id", String(40), nullable=False, index=True),
    Column("warehouse_id", String(40), nullable=False),
    Column("event_type", String(40), nullable=False),
    Column("event_at", UtcDateTime, nullable=False),
    Column("actor", String(80), nullable=False),
    Column("sku", String(40)),
    Column("quantity", Integer),
    Column("note", Text),
    _change_seq(),
)

shipments = Table(
    "shipments",
    metadata,
    Column("shipment_id", String(40), primary_key=True),
    Column("order_id", String(40), ForeignKey("orders.order_id"), nullable=False, index=True),
    Column("warehouse_id", String(40), nullable=False),
    Column("carrier", String(40), nullable=False),
    Column("service_level", String(20), nullable=False),
    Column("tracking_number", String(60), nullable=False, unique=True),
    Column("shipped_at", UtcDateTime, nullable=False),
    Column("status", String(30), nullable=False),
    Column("delivered_at", UtcDateTime),
    _change_seq(),
)

shipment_lines = Table(
    "shipment_lines",
    metadata,
    Column("shipment_id", String(40), ForeignKey("shipments.shipment_id"), primary_key=True),
    Column("line_number", Integer, primary_key=True),
    Column("order_id", String(40), nullable=False, index=True),
    Column("order_line_number", Integer, nullable=False),
    Column("sku", String(40), nullable=False),
    Column("quantity_shipped", Integer, nullable=False),
    _change_seq(),
    CheckConstraint("quantity_shipped >= 0", name="quantity_shipped_not_negative"),
)

tracking_events = Table(
    "tracking_events",
    metadata,
    Column("event_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("tracking_number", String(60), nullable=False, index=True),
    Column("shipment_id", String(40), nullable=False),
    Column("order_id", String(40), nullable=False),
    Column("carrier", String(40), nullable=False),
    Column("status_code", String(30), nullable=False),
    Column("exception_code", String(30)),
    Column("event_at", UtcDateTime, nullable=False),
    Column("location", String(80)),
    _change_seq(),
)

invoices = Table(
    "invoices",
    metadata,
    Column("invoice_id", String(40), primary_key=True),
    Column("order_id", String(40), ForeignKey("orders.order_id"), nullable=False, index=True),
    Column("shipment_id", String(40)),
    Column("invoiced_at", UtcDateTime, nullable=False),
    Column("amount", Money, nullable=False),
    Column("currency", String(3), nullable=False),
    _change_seq(),
)

credit_memos = Table(
    "credit_memos",
    metadata,
    Column("credit_memo_id", String(40), primary_key=True),
    Column("invoice_id", String(40), ForeignKey("invoices.invoice_id"), nullable=False),
    Column("order_id", String(40), nullable=False, index=True),
    Column("issued_at", UtcDateTime, nullable=False),
    Column("amount", Money, nullable=False),
    Column("reason_code", String(30), nullable=False),
    Column("issued_by", String(80), nullable=False),
    Column("note", Text),
    _change_seq(),
)

returns = Table(
    "returns",
    metadata,
    Column("rma_id", String(40), primary_key=True),
    Column("order_id", String(40), ForeignKey("orders.order_id"), nullable=False, index=True),
    Column("status", String(20), nullable=False),
    Column("requested_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    _change_seq(),
)

return_lines = Table(
    "return_lines",
    metadata,
    Column("rma_id", String(40), ForeignKey("returns.rma_id"), primary_key=True),
    Column("line_number", Integer, primary_key=True),
    Column("order_id", String(40), nullable=False),
    Column("sku", String(40), nullable=False),
    Column("quantity_returned", Integer, nullable=False),
    Column("reason_code", String(30), nullable=False),
    Column("requested_at", UtcDateTime, nullable=False),
    Column("received_at", UtcDateTime),
    Column("refund_amount", Money, nullable=False),
    Column("disposition", String(30)),
    Column("warehouse_id", String(40), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    _change_seq(),
    CheckConstraint("quantity_returned > 0", name="quantity_returned_positive"),
)

# One row: the number of the last committed write transaction (see repository.next_change_seq).
change_counter = Table(
    "change_counter",
    metadata,
    Column("counter_id", Integer, primary_key=True),
    Column("value", BigInteger, nullable=False),
)

extract_runs = Table(
    "extract_runs",
    metadata,
    Column("export_seq", Integer, primary_key=True, autoincrement=False),
    Column("exported_at", UtcDateTime, nullable=False),
    Column("change_seq_from", BigInteger, nullable=False),  # exclusive
    Column("change_seq_to", BigInteger, nullable=False),  # inclusive: the watermark
    Column("file_format", String(10), nullable=False),
    Column("landing_dir", Text, nullable=False),
    Column("rows_written", BigInteger, nullable=False),
)
