"""The extract writer: lands the core's data as the ten entities of the extract contract.

Incremental: each export writes the rows whose `change_seq` is above the last export's
watermark (new rows, and new versions of orders, order lines and return lines), then stores
the new watermark. Atomic: each file is written as `<name>.tmp`, synced and renamed. File
names carry the zero-padded export number, so they sort in export order and never collide.
If an export fails after some files landed, its watermark is not stored and the next export
sends those rows again, which the contract allows (files may overlap).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Engine, func, insert, select

from contract import (
    DATE,
    DECIMAL,
    ENTITIES_BY_PATH,
    INTEGER,
    ORDER_EVENT_TYPES,
    TIMESTAMP,
    WAREHOUSE_EVENT_TYPES,
)
from contract.files import land_csv_atomically, text_formatter
from order_core.adapters import tables as t
from orderpulse.errors import UserError

FILE_PREFIX = "order_core"
FORMATS = ("csv", "parquet")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class EntityExtract:
    source: str
    name: str
    columns: dict  # contract column name -> SQL expression
    table: t.Table
    where: tuple = ()

    @property
    def contract(self):
        return ENTITIES_BY_PATH[(self.source, self.name)]


o, ol, oe, inv, cm = t.orders.c, t.order_lines.c, t.order_events.c, t.invoices.c, t.credit_memos.c
sh, sl, we, te, rl = (
    t.shipments.c,
    t.shipment_lines.c,
    t.warehouse_events.c,
    t.tracking_events.c,
    t.return_lines.c,
)

EXTRACTS = (
    EntityExtract(
        "oms",
        "orders",
        {
            "order_id": o.order_id,
            "customer_id": o.customer_id,
            "channel": o.channel,
            "ordered_at": o.ordered_at,
            "promised_ship_at": o.promised_ship_at,
            "promised_delivery_date": o.promised_delivery_date,
            "ship_to_country": o.ship_to_country,
            "ship_to_postal_code": o.ship_to_postal_code,
            "currency": o.currency,
            "order_total": o.order_total,
            "status": o.status,
            "updated_at": o.updated_at,
        },
        t.orders,
    ),
    EntityExtract(
        "oms",
        "order_lines",
        {
            "order_id": ol.order_id,
            "line_number": ol.line_number,
            "sku": ol.sku,
            "quantity_ordered": ol.quantity_ordered,
            "unit_price": ol.unit_price,
            "updated_at": ol.updated_at,
        },
        t.order_lines,
    ),
    EntityExtract(
        "oms",
        "order_events",
        {
            "event_id": oe.event_id,
            "order_id": oe.order_id,
            "event_type": oe.event_type,
            "event_at": oe.event_at,
            "reason_code": oe.reason_code,
        },
        t.order_events,
        # The audit log also holds internal events (shipped, payment_authorized, ...); the
        # contract carries the order lifecycle only, and shipments travel in their own files.
        (oe.event_type.in_(ORDER_EVENT_TYPES),),
    ),
    EntityExtract(
        "oms",
        "invoices",
        {
            "invoice_id": inv.invoice_id,
            "order_id": inv.order_id,
            "invoiced_at": inv.invoiced_at,
            "amount": inv.amount,
            "currency": inv.currency,
        },
        t.invoices,
    ),
    EntityExtract(
        "oms",
        "credit_memos",
        {
            "credit_memo_id": cm.credit_memo_id,
            "invoice_id": cm.invoice_id,
            "order_id": cm.order_id,
            "issued_at": cm.issued_at,
            "amount": cm.amount,
            "reason_code": cm.reason_code,
        },
        t.credit_memos,
    ),
    EntityExtract(
        "wms",
        "shipments",
        {
            "shipment_id": sh.shipment_id,
            "order_id": sh.order_id,
            "warehouse_id": sh.warehouse_id,
            "carrier": sh.carrier,
            "service_level": sh.service_level,
            "tracking_number": sh.tracking_number,
            "shipped_at": sh.shipped_at,
        },
        t.shipments,
    ),
    EntityExtract(
        "wms",
        "shipment_lines",
        {
            "shipment_id": sl.shipment_id,
            "line_number": sl.line_number,
            "order_id": sl.order_id,
            "sku": sl.sku,
            "quantity_shipped": sl.quantity_shipped,
            "order_line_number": sl.order_line_number,
        },
        t.shipment_lines,
    ),
    EntityExtract(
        "wms",
        "warehouse_events",
        {
            "event_id": we.event_id,
            "order_id": we.order_id,
            "warehouse_id": we.warehouse_id,
            "event_type": we.event_type,
            "event_at": we.event_at,
            "sku": we.sku,
            "quantity": we.quantity,
        },
        t.warehouse_events,
        (we.event_type.in_(WAREHOUSE_EVENT_TYPES),),
    ),
    EntityExtract(
        "carrier",
        "tracking_events",
        {
            "tracking_number": te.tracking_number,
            "event_at": te.event_at,
            "status_code": te.status_code,
            "exception_code": te.exception_code,
            "carrier": te.carrier,
            "location": te.location,
        },
        t.tracking_events,
    ),
    EntityExtract(
        "returns",
        "return_lines",
        {
            "rma_id": rl.rma_id,
            "line_number": rl.line_number,
            "order_id": rl.order_id,
            "sku": rl.sku,
            "quantity_returned": rl.quantity_returned,
            "reason_code": rl.reason_code,
            "requested_at": rl.requested_at,
            "received_at": rl.received_at,
            "refund_amount": rl.refund_amount,
            "disposition": rl.disposition,
        },
        t.return_lines,
    ),
)

for _extract in EXTRACTS:  # the contract is the source of truth for names and order
    assert tuple(_extract.columns) == _extract.contract.column_names, _extract.name

# Event ids are integers inside the core; in files they are text with a prefix naming the log.
EVENT_ID_PREFIX = {("oms", "order_events"): "OE-", ("wms", "warehouse_events"): "WE-"}


@dataclass(frozen=True)
class ExportResult:
    export_seq: int | None  # None: nothing had changed since the last export
    rows_by_entity: dict[str, int]
    files: list[Path]


def export_extracts(engine: Engine, landing_dir: Path | str, file_format: str = "csv", full: bool = False,
                    now: datetime | None = None) -> ExportResult:  # fmt: skip
    """Land every row changed since the last export (all rows with `full`)."""
    if file_format not in FORMATS:
        raise UserError(f"unknown export format {file_format!r}; expected one of {', '.join(FORMATS)}")
    landing = Path(landing_dir)
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # One snapshot for all ten entities, so they agree with each other.
            connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            watermark = 0 if full else connection.execute(
                select(func.coalesce(func.max(t.extract_runs.c.change_seq_to), 0))
            ).scalar_one()  # fmt: skip
            upto = connection.execute(select(t.change_counter.c.value)).scalar_one()
            if upto == watermark:
                return ExportResult(None, {}, [])
            export_seq = connection.execute(
                select(func.coalesce(func.max(t.extract_runs.c.export_seq), 0) + 1)
            ).scalar_one()
            rows_by_entity, files = {}, []
            for extract in EXTRACTS:
                statement = (
                    select(*extract.columns.values())
                    .where(
                        extract.table.c.change_seq > watermark,
                        extract.table.c.change_seq <= upto,
                        *extract.where,
                    )
                    .order_by(*(extract.columns[k] for k in extract.contract.key_columns))
                )
                rows = connection.execute(statement).all()
                rows_by_entity[f"{extract.source}/{extract.name}"] = len(rows)
                if rows:
                    files.append(_land(landing, extract, rows, export_seq, file_format))
            connection.execute(
                insert(t.extract_runs).values(
                    export_seq=export_seq,
                    exported_at=now or datetime.now(UTC),
                    change_seq_from=watermark,
                    change_seq_to=upto,
                    file_format=file_format,
                    landing_dir=str(landing.resolve()),
                    rows_written=sum(rows_by_entity.values()),
                )
            )
    return ExportResult(export_seq, rows_by_entity, files)


def _land(landing: Path, extract: EntityExtract, rows: list, export_seq: int, file_format: str) -> Path:
    folder = landing / extract.source / extract.name
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{FILE_PREFIX}-{export_seq:06d}.{file_format}"
    if target.exists():
        raise UserError(
            f"{target} already exists: this landing folder holds another database's exports; "
            "export to a fresh landing folder"
        )
    tmp = target.with_name(target.name + ".tmp")
    prefix = EVENT_ID_PREFIX.get((extract.source, extract.name))
    if file_format == "csv":
        return land_csv_atomically(target, extract.contract.column_names, _csv_rows(extract, rows, prefix))
    _write_parquet(tmp, extract, rows, prefix)
    os.replace(tmp, target)
    return target


def _csv_rows(extract: EntityExtract, rows: list, id_prefix: str | None):
    formatters = [text_formatter(column.kind) for column in extract.contract.columns]
    for index, column in enumerate(extract.contract.columns):
        if column.kind == DECIMAL:
            formatters[index] = lambda value: str(value.quantize(CENT))
    if id_prefix:
        formatters[0] = lambda value: f"{id_prefix}{value}"
    return (
        [None if value is None else fmt(value) for fmt, value in zip(formatters, row, strict=True)]
        for row in rows
    )


ARROW_TYPES = {
    TIMESTAMP: pa.timestamp("us", tz="UTC"),
    DATE: pa.date32(),
    DECIMAL: pa.decimal128(18, 2),
    INTEGER: pa.int64(),
}


def _write_parquet(path: Path, extract: EntityExtract, rows: list, id_prefix: str | None) -> None:
    columns = list(zip(*rows, strict=True))
    arrays = []
    for index, column in enumerate(extract.contract.columns):
        values = columns[index]
        if index == 0 and id_prefix:
            values = [f"{id_prefix}{value}" for value in values]
        elif column.kind == DECIMAL:
            values = [None if v is None else v.quantize(CENT) for v in values]
        arrays.append(pa.array(values, type=ARROW_TYPES.get(column.kind, pa.string())))
    table = pa.Table.from_arrays(arrays, names=list(extract.contract.column_names))
    with open(path, "wb") as handle:
        pq.write_table(table, handle)
        handle.flush()
        os.fsync(handle.fileno())
