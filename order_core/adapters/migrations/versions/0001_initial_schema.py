"""Initial schema: orders, inventory, shipments, billing, returns, audit events, export watermarks.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 05:05:38.637383
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import order_core.adapters.tables


revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "change_counter",
        sa.Column("counter_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("counter_id", name=op.f("pk_change_counter")),
    )
    # The commit sequence starts at zero; every write transaction takes the next number.
    op.bulk_insert(
        sa.table("change_counter", sa.column("counter_id", sa.Integer), sa.column("value", sa.BigInteger)),
        [{"counter_id": 1, "value": 0}],
    )
    op.create_table(
        "customers",
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("credit_limit", order_core.adapters.tables.Money(precision=18, scale=2), nullable=True),
        sa.Column("open_balance", order_core.adapters.tables.Money(precision=18, scale=2), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customers")),
    )
    op.create_table(
        "extract_runs",
        sa.Column("export_seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("exported_at", order_core.adapters.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("change_seq_from", sa.BigInteger(), nullable=False),
        sa.Column("change_seq_to", sa.BigInteger(), nullable=False),
        sa.Column("file_format", sa.String(length=10), nullable=False),
        sa.Column("landing_dir", sa.Text(), nullable=False),
        sa.Column("rows_written", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("export_seq", name=op.f("pk_extract_runs")),
    )
    op.create_table(
        "inventory_events",
        sa.Column(
            "event_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("sku", sa.String(length=40), nullable=False),
        sa.Column("warehouse_id", sa.String(length=40), nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("event_at", order_core.adapters.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_inventory_events")),
    )
    with op.batch_alter_table("inventory_events", schema=None) as batch_op:
        batch_op.create_index("ix_inventory_events_sku_warehouse", ["sku", "warehouse_id"], unique=False)

    op.create_table(
        "order_events",
        sa.Column(
            "event_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("event_at", order_core.adapters.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("reason_code", sa.String(length=40), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("status_after", sa.String(length=30), nullable=True),
        sa.Column("change_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_order_events")),
    )
    with op.batch_alter_table("order_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_events_change_seq"), ["change_seq"], unique=False)
        batch_op.create_index(batch_op.f("ix_order_events_order_id"), ["order_id"], unique=False)

    op.create_table(
        "products",
        sa.Column("sku", sa.String(length=40), nullable=False),
        sa.Column("list_price", order_core.adapters.tables.Money(precision=18, scale=2), nullable=False),
        sa.Column("export_restricted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("sku", name=op.f("pk_products")),
    )
    op.create_table(
        "tracking_events",
        sa.Column(
            "event_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("tracking_number", sa.String(length=60), nullable=False),
        sa.Column("shipment_id", sa.String(length=40), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("carrier", sa.String(length=40), nullable=False),
        sa.Column("status_code", sa.String(length=30), nullable=False),
        sa.Column("exception_code", sa.String(length=30), nullable=True),
        sa.Column("event_at", order_core.adapters.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("location", sa.String(length=80), nullable=True),
        sa.Column("change_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_tracking_events")),
    )
    with op.batch_alter_table("tracking_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tracking_events_change_seq"), ["change_seq"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_tracking_events_tracking_number"), ["tracking_number"], unique=False
        )

    op.create_table(
        "warehouse_events",
        sa.Column(
            "event_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("warehouse_id", sa.String(length=40), nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("event_at", order_core.adapters.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("sku", sa.String(length=40), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("change_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_warehouse_events")),
    )
    with op.batch_alter_table("warehouse_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_warehouse_events_change_seq"), ["change_seq"], unique=False)
        batch_op.create_index(batch_op.f("ix_warehouse_events_order_id"), ["order_id"], unique=False)

    op.create_table(
        "warehouses",
        sa.Column("warehouse_id", sa.String(length=40), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.PrimaryKeyConstraint("warehouse_id", name=op.f("pk_warehouses")),
    )
    op.create_table(
        "inventory",
        sa.Column("sku", sa.String(length=40), nullable=False),
        sa.Column("warehouse_id", sa.String(length=40), nullable=False),
        sa.Column("on_hand", sa.Integer(), nullable=False),
        sa.Column("allocated", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "allocated >= 0 AND allocated <= on_hand", name=op.f("ck_inventory_allocated_within_on_hand")
        ),
        sa.ForeignKeyConstraint(["sku"], ["products.sku"], name=op.f("fk_inventory_sku_products")),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouses.warehouse_id"], name=op.f("fk_inventory_warehouse_id_warehouses")
        ),
        sa.PrimaryKeyConstraint("sku", "warehouse_id", name=op.f("pk_inventory")),
    )
    op.create_table(
        "orders",
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("external_order_id", sa.String(length=80), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("ordered_at", order_core.adapters.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("promised_ship_at", order_core.adapters.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("promised_delivery_date", sa.Date(), nullable=False),
        sa.Column("ship_to_country", sa.String(length=2), nullable=True),
        sa.Column("ship_to_postal_code", sa.String(length=20), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("service_level", sa.String(length=20), nullable=False),
        sa.Column("ship_complete", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("payment_authorized", sa.Boolean(), nullable=False),
        sa.Column("order_total", order_core.adapters.tables.Money(precision=18, scale=2), nullable=False),
        sa.Column("updated_at", order_core.adapters.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("change_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.customer_id"], name=op.f("fk_orders_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_orders")),
        sa.UniqueConstraint("channel", "external_order_id", name=op.f("uq_orders_channel_external_order_id")),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_orders_change_seq"), ["change_seq"], unique=False)
        batch_op.create_index("ix_orders_status", ["status"], unique=False)

    op.create_table(
        "invoices",
        sa.Column("invoice_id", sa.String(length=40), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("shipment_id", sa.String(length=40), nullable=True),
        sa.Column("invoiced_at", order_core.adapters.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("amount", order_core.adapters.tables.Money(precision=18, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("change_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.order_id"], name=op.f("fk_invoices_order_id_orders")),
        sa.PrimaryKeyConstraint("invoice_id", name=op.f("pk_invoices")),
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoices_change_seq"), ["change_seq"], unique=False)
        batch_op.create_index(batch_op.f("ix_invoices_order_id"), ["order_id"], unique=False)

    op.create_table(
        "order_holds",
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("hold_number", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("placed_at", order_core.adapters.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("placed_by", sa.String(length=80), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("released_at", order_core.adapters.tables.UtcDateTime(timezone=True), nullable=True),
        sa.Column("released_by", sa.String(length=80), nullable=True),
        sa.Column("release_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.order_id"], name=op.f("fk_order_holds_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("order_id", "hold_number", name=op.f("pk_order_holds")),
    )
    op.create_table(
        "order_lines",
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=40), nullable=False),
        sa.Column("quantity_ordered", sa.Integer(), nullable=False),
        sa.Column("unit_price", order_core.adapters.tables.Money(precision=18, scale=2), nullable=False),
        sa.Column("quantity_shipped", sa.Integer(), nullable=False),
        sa.Column("quantity_cancelled", sa.Integer(), nullable=False),
        sa.Column("quantity_backordered", sa.Integer(), nullable=False),
        sa.Column("updated_at", order_core.adapters.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("change_seq", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("quantity_ordered > 0", name=op.f("ck_order_lines_quantity_ordered_positive")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.order_id"], name=op.f("fk_order_lines_order_id_orders")
        ),
        sa.ForeignKeyConstraint(["sku"], ["products.sku"], name=op.f("fk_order_lines_sku_products")),
        sa.PrimaryKeyConstraint("order_id", "line_number", name=op.f("pk_order_lines")),
    )
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_lines_change_seq"), ["change_seq"], unique=False)
        batch_op.create_index("ix_order_lines_sku_backordered", ["sku", "quantity_backordered"], unique=False)

    op.create_table(
        "returns",
        sa.Column("rma_id", sa.String(length=40), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requested_at", order_core.adapters.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", order_core.adapters.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("change_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.order_id"], name=op.f("fk_returns_order_id_orders")),
        sa.PrimaryKeyConstraint("rma_id", name=op.f("pk_returns")),
    )
    with op.batch_alter_table("returns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_returns_change_seq"), ["change_seq"], unique=False)
        batch_op.create_index(batch_op.f("ix_returns_order_id"), ["order_id"], unique=False)

    op.create_table(
        "shipments",
        sa.Column("shipment_id", sa.String(length=40), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("warehouse_id", sa.String(length=40), nullable=False),
        sa.Column("carrier", sa.String(length=40), nullable=False),
        sa.Column("service_level", sa.String(length=20), nullable=False),
        sa.Column("tracking_number", sa.String(length=60), nullable=False),
        sa.Column("shipped_at", order_core.adapters.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("delivered_at", order_core.adapters.tables.UtcDateTime(timezone=True), nullable=True),
        sa.Column("change_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.order_id"], name=op.f("fk_shipments_order_id_orders")),
        sa.PrimaryKeyConstraint("shipment_id", name=op.f("pk_shipments")),
        sa.UniqueConstraint("tracking_number", name=op.f("uq_shipments_tracking_number")),
    )
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shipments_change_seq"), ["change_seq"], unique=False)
        batch_op.create_index(batch_op.f("ix_shipments_order_id"), ["order_id"], unique=False)

    op.create_table(
        "allocations",
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.String(length=40), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_allocations_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["order_id", "line_number"],
            ["order_lines.order_id", "order_lines.line_number"],
            name=op.f("fk_allocations_order_id_order_lines"),
        ),
        sa.PrimaryKeyConstraint(
            "order_id", "line_number", "warehouse_id", "stage", name=op.f("pk_allocations")
        ),
    )
    op.create_table(
        "credit_memos",
        sa.Column("credit_memo_id", sa.String(length=40), nullable=False),
        sa.Column("invoice_id", sa.String(length=40), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("issued_at", order_core.adapters.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("amount", order_core.adapters.tables.Money(precision=18, scale=2), nullable=False),
        sa.Column("reason_code", sa.String(length=30), nullable=False),
        sa.Column("issued_by", sa.String(length=80), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("change_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.invoice_id"], name=op.f("fk_credit_memos_invoice_id_invoices")
        ),
        sa.PrimaryKeyConstraint("credit_memo_id", name=op.f("pk_credit_memos")),
    )
    with op.batch_alter_table("credit_memos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_memos_change_seq"), ["change_seq"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_memos_order_id"), ["order_id"], unique=False)

    op.create_table(
        "return_lines",
        sa.Column("rma_id", sa.String(length=40), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("sku", sa.String(length=40), nullable=False),
        sa.Column("quantity_returned", sa.Integer(), nullable=False),
        sa.Column("reason_code", sa.String(length=30), nullable=False),
        sa.Column("requested_at", order_core.adapters.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("received_at", order_core.adapters.tables.UtcDateTime(timezone=True), nullable=True),
        sa.Column("refund_amount", order_core.adapters.tables.Money(precision=18, scale=2), nullable=False),
        sa.Column("disposition", sa.String(length=30), nullable=True),
        sa.Column("warehouse_id", sa.String(length=40), nullable=False),
        sa.Column("updated_at", order_core.adapters.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("change_seq", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("quantity_returned > 0", name=op.f("ck_return_lines_quantity_returned_positive")),
        sa.ForeignKeyConstraint(["rma_id"], ["returns.rma_id"], name=op.f("fk_return_lines_rma_id_returns")),
        sa.PrimaryKeyConstraint("rma_id", "line_number", name=op.f("pk_return_lines")),
    )
    with op.batch_alter_table("return_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_return_lines_change_seq"), ["change_seq"], unique=False)

    op.create_table(
        "shipment_lines",
        sa.Column("shipment_id", sa.String(length=40), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("order_line_number", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=40), nullable=False),
        sa.Column("quantity_shipped", sa.Integer(), nullable=False),
        sa.Column("change_seq", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "quantity_shipped >= 0", name=op.f("ck_shipment_lines_quantity_shipped_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"], ["shipments.shipment_id"], name=op.f("fk_shipment_lines_shipment_id_shipments")
        ),
        sa.PrimaryKeyConstraint("shipment_id", "line_number", name=op.f("pk_shipment_lines")),
    )
    with op.batch_alter_table("shipment_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shipment_lines_change_seq"), ["change_seq"], unique=False)
        batch_op.create_index(batch_op.f("ix_shipment_lines_order_id"), ["order_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("shipment_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shipment_lines_order_id"))
        batch_op.drop_index(batch_op.f("ix_shipment_lines_change_seq"))

    op.drop_table("shipment_lines")
    with op.batch_alter_table("return_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_return_lines_change_seq"))

    op.drop_table("return_lines")
    with op.batch_alter_table("credit_memos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_memos_order_id"))
        batch_op.drop_index(batch_op.f("ix_credit_memos_change_seq"))

    op.drop_table("credit_memos")
    op.drop_table("allocations")
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shipments_order_id"))
        batch_op.drop_index(batch_op.f("ix_shipments_change_seq"))

    op.drop_table("shipments")
    with op.batch_alter_table("returns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_returns_order_id"))
        batch_op.drop_index(batch_op.f("ix_returns_change_seq"))

    op.drop_table("returns")
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_order_lines_sku_backordered")
        batch_op.drop_index(batch_op.f("ix_order_lines_change_seq"))

    op.drop_table("order_lines")
    op.drop_table("order_holds")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoices_order_id"))
        batch_op.drop_index(batch_op.f("ix_invoices_change_seq"))

    op.drop_table("invoices")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_status")
        batch_op.drop_index(batch_op.f("ix_orders_change_seq"))

    op.drop_table("orders")
    op.drop_table("inventory")
    op.drop_table("warehouses")
    with op.batch_alter_table("warehouse_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_warehouse_events_order_id"))
        batch_op.drop_index(batch_op.f("ix_warehouse_events_change_seq"))

    op.drop_table("warehouse_events")
    with op.batch_alter_table("tracking_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tracking_events_tracking_number"))
        batch_op.drop_index(batch_op.f("ix_tracking_events_change_seq"))

    op.drop_table("tracking_events")
    op.drop_table("products")
    with op.batch_alter_table("order_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_events_order_id"))
        batch_op.drop_index(batch_op.f("ix_order_events_change_seq"))

    op.drop_table("order_events")
    with op.batch_alter_table("inventory_events", schema=None) as batch_op:
        batch_op.drop_index("ix_inventory_events_sku_warehouse")

    op.drop_table("inventory_events")
    op.drop_table("extract_runs")
    op.drop_table("customers")
    op.drop_table("change_counter")
