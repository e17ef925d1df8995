"""SQL repositories and the SQL unit of work.

Repositories keep what a transaction loaded or added in identity maps and write everything in
bulk at commit (SQLAlchemy Core executemany), so a batch of thousands of use cases costs a few
statements per table rather than a few per order.

Locking: rows a transaction will change are read `FOR UPDATE` (PostgreSQL) in a fixed order,
orders before stock, each sorted by key, so two workers never deadlock. SQLite takes its write
lock at BEGIN (see `database.py`). At commit, the transaction first takes the next commit
sequence number from `change_counter`; that row stays locked until the commit, so sequence
numbers become visible in order and an export watermark never skips a slow transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from operator import attrgetter, itemgetter

from sqlalchemy import Boolean, Connection, Date, Engine, Table, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from order_core.adapters import tables as t
from order_core.domain.events import TrackingEvent
from order_core.domain.inventory import Customer, Product, StockLevel, Warehouse
from order_core.domain.lifecycle import REFUNDED
from order_core.domain.orders import (
    Allocation,
    CreditMemo,
    Invoice,
    Order,
    OrderHold,
    OrderLine,
    Shipment,
    ShipmentLine,
)
from order_core.domain.returns import ReturnAuthorization, ReturnLine
from order_core.service.ids import RandomIds
from order_core.service.unit_of_work import AbstractUnitOfWork, DuplicateOrder

CHUNK = 500  # keys per IN (...) list: well under SQLite's and PostgreSQL's parameter limits


def _chunks(items: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class BulkWriter:
    """executemany straight through the DB-API cursor.

    SQLAlchemy's per-row parameter processing costs several times the database's own work for
    the hundreds of thousands of rows a simulated day writes; here each column gets one cheap
    converter (SQLite needs text for timestamps and decimals; psycopg adapts Python values)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.sqlite = connection.dialect.name == "sqlite"
        self.placeholder = "?" if self.sqlite else "%s"
        self._timestamps: dict = {}

    def insert(self, table: Table, rows: list[dict]) -> None:
        if rows:
            names = list(rows[0])
            marks = ", ".join([self.placeholder] * len(names))
            self._executemany(
                f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})", table, names, rows
            )

    def update(self, table: Table, key_names: Sequence[str], rows: list[dict]) -> None:
        if rows:
            names = [name for name in rows[0] if name not in key_names]
            assignments = ", ".join(f"{name} = {self.placeholder}" for name in names)
            condition = " AND ".join(f"{name} = {self.placeholder}" for name in key_names)
            sql = f"UPDATE {table.name} SET {assignments} WHERE {condition}"
            self._executemany(sql, table, [*names, *key_names], rows)

    def _executemany(self, sql: str, table: Table, names: list[str], rows: list[dict]) -> None:
        values_of = itemgetter(*names)
        conversions = [
            (index, convert)
            for index, name in enumerate(names)
            if (convert := self._converter(table.c[name]))
        ]
        if len(names) == 1:
            params = [(values_of(row),) for row in rows]
        elif not conversions:
            params = [values_of(row) for row in rows]
        else:
            params = []
            for row in rows:
                values = list(values_of(row))
                for index, convert in conversions:
                    if values[index] is not None:
                        values[index] = convert(values[index])
                params.append(tuple(values))
        self.connection.exec_driver_sql(sql, params)

    def _timestamp_text(self, value):
        # The events of one use case share a timestamp: convert each distinct one once.
        text = self._timestamps.get(value)
        if text is None:
            text = self._timestamps[value] = t.sqlite_timestamp_text(value)
        return text

    def _converter(self, column):
        if not self.sqlite:
            return None
        if isinstance(column.type, t.UtcDateTime):
            return self._timestamp_text
        if isinstance(column.type, t.Money):
            return str
        if isinstance(column.type, Boolean):
            return int
        if isinstance(column.type, Date):
            return date.isoformat
        return None


def next_change_seq(connection: Connection) -> int:
    connection.execute(update(t.change_counter).values(value=t.change_counter.c.value + 1))
    return connection.execute(select(t.change_counter.c.value)).scalar_one()


class SqlOrderRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.new: dict[str, Order] = {}
        self.loaded: dict[str, Order] = {}
        # Loaded orders handed out in this transaction: only these can have changed, so flushing
        # and the in-memory lookups look at them rather than at everything kept in memory.
        self.handed_out: dict[str, Order] = {}
        self._backordered_at_load: dict[tuple[str, int], int] = {}
        self._external_ids: dict[tuple[str, str], str | None] = {}
        self._flushed: list[Order] = []
        self._tracking_index: dict[str, tuple[str, str, str]] = {}  # a tracking number never changes hands

    def add(self, order: Order) -> None:
        self.new[order.order_id] = order
        self._external_ids[(order.channel, order.external_order_id)] = order.order_id

    def get(self, order_id: str) -> Order | None:
        return self.get_many([order_id]).get(order_id)

    def get_many(self, order_ids: Iterable[str]) -> dict[str, Order]:
        """Orders by id, locked for update; ids that do not exist are left out."""
        wanted = sorted(set(order_ids))
        missing = [i for i in wanted if i not in self.new and i not in self.loaded]
        for chunk in _chunks(missing):
            self._load(chunk)
        found = {}
        for order_id in wanted:
            order = self.new.get(order_id)
            if order is None:
                order = self.loaded.get(order_id)
                if order is None:
                    continue
                self.handed_out[order_id] = order
            found[order_id] = order
        return found

    def _changed_in_transaction(self) -> list[Order]:
        """Orders this transaction created or changed: what the database does not show yet."""
        return [*self.new.values(), *(o for o in self.handed_out.values() if o.changed)]

    def by_external_id(self, channel: str, external_order_id: str) -> Order | None:
        key = (channel, external_order_id)
        if key not in self._external_ids:
            self.prefetch_external_ids([key])
        order_id = self._external_ids[key]
        return None if order_id is None else self.get(order_id)

    def prefetch_external_ids(self, keys: Iterable[tuple[str, str]]) -> None:
        """Look up many (channel, external order id) pairs in one query per chunk."""
        missing = sorted({key for key in keys if key not in self._external_ids})
        self._external_ids.update(dict.fromkeys(missing))
        by_channel: dict[str, list[str]] = defaultdict(list)
        for channel, external_id in missing:
            by_channel[channel].append(external_id)
        o = t.orders.c
        # One channel per query: `channel = ? AND external_order_id IN (...)` walks the unique
        # index, where a row-value IN over both columns made SQLite scan the table.
        for channel, external_ids in by_channel.items():
            for chunk in _chunks(external_ids):
                for external_id, order_id in self.connection.execute(
                    select(o.external_order_id, o.order_id).where(
                        o.channel == channel, o.external_order_id.in_(chunk)
                    )
                ):
                    self._external_ids[(channel, external_id)] = order_id

    def status_counts(self) -> dict[str, int]:
        o = t.orders.c
        rows = self.connection.execute(select(o.status, func.count()).group_by(o.status).order_by(o.status))
        return dict(rows.all())

    def ids_backordered_before(self, ordered_before, statuses: Sequence[str]) -> list[str]:
        o, lc = t.orders.c, t.order_lines.c
        waiting = select(lc.order_id).where(lc.quantity_backordered > 0)
        return list(
            self.connection.execute(
                select(o.order_id)
                .where(o.ordered_at < ordered_before, o.status.in_(statuses), o.order_id.in_(waiting))
                .order_by(o.order_id)
            ).scalars()
        )

    def ids_waiting_for(self, skus: Sequence[str]) -> list[str]:
        """Orders with a backordered line for one of `skus`, oldest first (first come, first served)."""
        o, lc = t.orders.c, t.order_lines.c
        committed = []
        for chunk in _chunks(sorted(set(skus))):
            committed += self.connection.execute(
                select(o.order_id)
                .join(t.order_lines, lc.order_id == o.order_id)
                .where(lc.sku.in_(chunk), lc.quantity_backordered > 0)
            ).scalars()
        wanted = set(skus)
        in_memory = [
            order.order_id
            for order in self._changed_in_transaction()
            if any(
                line.sku in wanted and waiting > 0
                for line, waiting in zip(order.lines, order.backordered_by_line().values(), strict=True)
            )
        ]
        orders = self.get_many(dict.fromkeys([*committed, *in_memory]))
        return sorted(
            (oid for oid, order in orders.items() if order.can_allocate and order.total_backordered),
            key=lambda oid: (orders[oid].ordered_at, oid),
        )

    def shipments_by_tracking(self, tracking_numbers: Iterable[str]) -> dict[str, tuple[str, str, str]]:
        """tracking number -> (order id, shipment id, carrier)."""
        wanted = sorted(set(tracking_numbers))
        index = self._tracking_index
        if any(n not in index for n in wanted):
            # Parcels shipped in this transaction are not in the database yet.
            for order in self._changed_in_transaction():
                for shipment in order.shipments:
                    index[shipment.tracking_number] = (order.order_id, shipment.shipment_id, shipment.carrier)
        missing = [n for n in wanted if n not in index]
        s = t.shipments.c
        for chunk in _chunks(missing):
            for number, order_id, shipment_id, carrier in self.connection.execute(
                select(s.tracking_number, s.order_id, s.shipment_id, s.carrier).where(
                    s.tracking_number.in_(chunk)
                )
            ):
                index[number] = (order_id, shipment_id, carrier)
        return {n: index[n] for n in wanted if n in index}

    def history(self, order_id: str) -> list[tuple]:
        """Every audit event of an order, oldest first: (at, source, event, actor, reason, detail)."""
        e, w, k = t.order_events.c, t.warehouse_events.c, t.tracking_events.c
        rows = [
            (at, "order", kind, actor, reason, note, seq)
            for at, kind, actor, reason, note, seq in self.connection.execute(
                select(e.event_at, e.event_type, e.actor, e.reason_code, e.note, e.event_id).where(
                    e.order_id == order_id
                )
            )
        ]
        rows += [
            (
                at,
                f"warehouse {warehouse}",
                kind,
                actor,
                None,
                f"{sku or ''} {quantity or ''} {note or ''}".strip(),
                seq,
            )
            for at, warehouse, kind, actor, sku, quantity, note, seq in self.connection.execute(
                select(
                    w.event_at, w.warehouse_id, w.event_type, w.actor, w.sku, w.quantity, w.note, w.event_id
                ).where(w.order_id == order_id)
            )
        ]
        rows += [
            (at, f"carrier {carrier}", status, carrier, exception, f"{number} {location or ''}".strip(), seq)
            for at, carrier, status, exception, number, location, seq in self.connection.execute(
                select(
                    k.event_at,
                    k.carrier,
                    k.status_code,
                    k.exception_code,
                    k.tracking_number,
                    k.location,
                    k.event_id,
                ).where(k.order_id == order_id)
            )
        ]
        return [row[:6] for row in sorted(rows, key=lambda row: (row[0], row[1], row[6]))]

    # ------------------------------------------------------------------ loading
    def _load(self, order_ids: Sequence[str]) -> None:
        o = t.orders.c
        rows = self.connection.execute(
            select(
                o.order_id, o.channel, o.external_order_id, o.customer_id, o.ordered_at, o.promised_ship_at,
                o.promised_delivery_date, o.ship_to_country, o.ship_to_postal_code, o.currency, o.service_level,
                o.ship_complete, o.status, o.updated_at, o.order_total, o.payment_authorized,
            )
            .where(o.order_id.in_(order_ids))
            .order_by(o.order_id)
            .with_for_update()
        ).all()  # fmt: skip
        batch = {row[0]: Order(*row) for row in rows}
        if not batch:
            return
        ids = list(batch)
        lc = t.order_lines.c
        for row in self.connection.execute(
            select(
                lc.order_id, lc.line_number, lc.sku, lc.quantity_ordered, lc.unit_price, lc.updated_at,
                lc.quantity_shipped, lc.quantity_cancelled, lc.quantity_backordered,
            )
            .where(lc.order_id.in_(ids))
            .order_by(lc.order_id, lc.line_number)
        ):  # fmt: skip
            batch[row[0]].lines.append(OrderLine(*row[1:8], is_new=False))
            self._backordered_at_load[(row[0], row[1])] = row[8]
        ac = t.allocations.c
        for row in self.connection.execute(
            select(ac.order_id, ac.line_number, ac.warehouse_id, ac.quantity, ac.stage)
            .where(ac.order_id.in_(ids))
            .order_by(ac.order_id, ac.line_number, ac.warehouse_id, ac.stage)
        ):
            batch[row[0]].allocations.append(Allocation(*row[1:]))
        hc = t.order_holds.c
        for row in self.connection.execute(
            select(
                hc.order_id, hc.hold_number, hc.reason, hc.placed_at, hc.placed_by, hc.note, hc.released_at,
                hc.released_by, hc.release_note,
            )
            .where(hc.order_id.in_(ids))
            .order_by(hc.order_id, hc.hold_number)
        ):  # fmt: skip
            batch[row[0]].holds.append(OrderHold(*row[1:]))
        sc = t.shipments.c
        shipments_by_id: dict[str, Shipment] = {}
        for row in self.connection.execute(
            select(
                sc.order_id, sc.shipment_id, sc.warehouse_id, sc.carrier, sc.service_level, sc.tracking_number,
                sc.shipped_at, sc.status, sc.delivered_at,
            )
            .where(sc.order_id.in_(ids))
            .order_by(sc.order_id, sc.shipped_at, sc.shipment_id)
        ):  # fmt: skip
            shipment = Shipment(*row[1:7], lines=[], status=row[7], delivered_at=row[8], is_new=False)
            shipments_by_id[shipment.shipment_id] = shipment
            batch[row[0]].shipments.append(shipment)
            self._tracking_index[shipment.tracking_number] = (row[0], shipment.shipment_id, shipment.carrier)
        slc = t.shipment_lines.c
        for row in self.connection.execute(
            select(slc.shipment_id, slc.line_number, slc.order_line_number, slc.sku, slc.quantity_shipped)
            .where(slc.order_id.in_(ids))
            .order_by(slc.shipment_id, slc.line_number)
        ):
            shipments_by_id[row[0]].lines.append(ShipmentLine(*row[1:]))
        ic = t.invoices.c
        for row in self.connection.execute(
            select(ic.order_id, ic.invoice_id, ic.shipment_id, ic.invoiced_at, ic.amount, ic.currency)
            .where(ic.order_id.in_(ids))
            .order_by(ic.order_id, ic.invoiced_at, ic.invoice_id)
        ):
            batch[row[0]].invoices.append(Invoice(*row[1:], is_new=False))
        cc = t.credit_memos.c
        for row in self.connection.execute(
            select(
                cc.order_id, cc.credit_memo_id, cc.invoice_id, cc.issued_at, cc.amount, cc.reason_code,
                cc.issued_by, cc.note,
            )
            .where(cc.order_id.in_(ids))
            .order_by(cc.order_id, cc.issued_at, cc.credit_memo_id)
        ):  # fmt: skip
            batch[row[0]].credit_memos.append(CreditMemo(*row[1:], is_new=False))
        self.loaded.update(batch)

    # ------------------------------------------------------------------ writing
    def flush(self, seq: int) -> None:
        # Sorted by id, so rows (and event ids) come out the same whatever was read in which order.
        new = sorted(self.new.values(), key=lambda o: o.order_id)
        dirty = sorted(
            (o for o in self.handed_out.values() if o.changed or o.shipments_changed),
            key=lambda o: o.order_id,
        )
        changed = [o for o in dirty if o.changed]
        self._flushed = new + dirty
        execute, bulk = self.connection.execute, BulkWriter(self.connection)
        if new:
            bulk.insert(t.orders, [self._order_row(o, seq) for o in new])
            bulk.insert(
                t.order_lines,
                [
                    self._line_row(o, line, seq, waiting)
                    for o in new
                    for line, waiting in zip(o.lines, o.backordered_by_line().values(), strict=True)
                ],
            )
        if changed:
            bulk.update(
                t.orders,
                ["order_id"],
                [
                    {
                        "order_id": order.order_id,
                        "status": order.status,
                        "updated_at": order.updated_at,
                        "payment_authorized": order.payment_authorized,
                        "ship_to_country": order.ship_to_country,
                        "ship_to_postal_code": order.ship_to_postal_code,
                        "change_seq": seq,
                    }
                    for order in changed
                ],
            )
            line_updates = []
            for order in changed:
                waiting = order.backordered_by_line()
                for line in order.lines:
                    loaded = self._backordered_at_load.get((order.order_id, line.line_number))
                    if line.changed or waiting[line.line_number] != loaded:
                        line_updates.append(self._line_row(order, line, seq, waiting[line.line_number]))
            bulk.update(t.order_lines, ["order_id", "line_number"], line_updates)
            changed_ids = [order.order_id for order in changed]
            for chunk in _chunks(changed_ids):
                execute(delete(t.allocations).where(t.allocations.c.order_id.in_(chunk)))
                execute(delete(t.order_holds).where(t.order_holds.c.order_id.in_(chunk)))
        touched = new + changed
        allocation_rows = [
            {"order_id": o.order_id, "line_number": a.line_number, "warehouse_id": a.warehouse_id,
             "stage": a.stage, "quantity": a.quantity}
            for o in touched for a in o.allocations
        ]  # fmt: skip
        hold_rows = [
            {"order_id": o.order_id, "hold_number": h.hold_number, "reason": h.reason, "placed_at": h.placed_at,
             "placed_by": h.placed_by, "note": h.note, "released_at": h.released_at, "released_by": h.released_by,
             "release_note": h.release_note}
            for o in touched for h in o.holds
        ]  # fmt: skip
        shipment_rows, shipment_line_rows = [], []
        invoice_rows, memo_rows, event_rows, warehouse_event_rows = [], [], [], []
        for order in touched:
            for s in order.shipments:
                if s.is_new:
                    shipment_rows.append(
                        {"shipment_id": s.shipment_id, "order_id": order.order_id, "warehouse_id": s.warehouse_id,
                         "carrier": s.carrier, "service_level": s.service_level,
                         "tracking_number": s.tracking_number, "shipped_at": s.shipped_at, "status": s.status,
                         "delivered_at": s.delivered_at, "change_seq": seq}
                    )  # fmt: skip
                    shipment_line_rows.extend(
                        {"shipment_id": s.shipment_id, "line_number": sl.line_number, "order_id": order.order_id,
                         "order_line_number": sl.order_line_number, "sku": sl.sku,
                         "quantity_shipped": sl.quantity, "change_seq": seq}
                        for sl in s.lines
                    )  # fmt: skip
            invoice_rows.extend(
                {"invoice_id": i.invoice_id, "order_id": order.order_id, "shipment_id": i.shipment_id,
                 "invoiced_at": i.invoiced_at, "amount": i.amount, "currency": i.currency, "change_seq": seq}
                for i in order.invoices if i.is_new
            )  # fmt: skip
            memo_rows.extend(
                {"credit_memo_id": m.credit_memo_id, "invoice_id": m.invoice_id, "order_id": order.order_id,
                 "issued_at": m.issued_at, "amount": m.amount, "reason_code": m.reason_code,
                 "issued_by": m.issued_by, "note": m.note, "change_seq": seq}
                for m in order.credit_memos if m.is_new
            )  # fmt: skip
            event_rows.extend(
                {"order_id": e.order_id, "event_type": e.event_type, "event_at": e.at, "actor": e.actor,
                 "reason_code": e.reason_code, "note": e.note, "status_after": e.status_after, "change_seq": seq}
                for e in order.events
            )  # fmt: skip
            warehouse_event_rows.extend(
                {"order_id": e.order_id, "warehouse_id": e.warehouse_id, "event_type": e.event_type,
                 "event_at": e.at, "actor": e.actor, "sku": e.sku, "quantity": e.quantity, "note": e.note,
                 "change_seq": seq}
                for e in order.warehouse_events
            )  # fmt: skip
        # A delivery changes a shipment without changing its order's row.
        shipment_updates = [
            {
                "shipment_id": s.shipment_id,
                "status": s.status,
                "delivered_at": s.delivered_at,
                "change_seq": seq,
            }
            for order in dirty
            for s in order.shipments
            if s.changed and not s.is_new
        ]
        for table, rows in (
            (t.allocations, allocation_rows),
            (t.order_holds, hold_rows),
            (t.shipments, shipment_rows),
            (t.shipment_lines, shipment_line_rows),
            (t.invoices, invoice_rows),
            (t.credit_memos, memo_rows),
            (t.order_events, event_rows),
            (t.warehouse_events, warehouse_event_rows),
        ):
            bulk.insert(table, rows)
        bulk.update(t.shipments, ["shipment_id"], shipment_updates)

    def retain_after_commit(self) -> None:
        """Keep the saved orders as loaded ones (see SoleWriterUnitOfWork); forget finished ones."""
        for order in self._flushed:
            for line, waiting in zip(order.lines, order.backordered_by_line().values(), strict=True):
                self._backordered_at_load[(order.order_id, line.line_number)] = waiting
        self.loaded.update(self.new)
        self.new.clear()
        for order in self._flushed:
            if order.status in ("closed", "cancelled"):
                del self.loaded[order.order_id]
                for line in order.lines:
                    del self._backordered_at_load[(order.order_id, line.line_number)]
        self._flushed = []

    def mark_saved(self) -> None:
        self.handed_out.clear()
        for order in self._flushed:
            order.events.clear()
            order.warehouse_events.clear()
            order.changed = order.shipments_changed = False
            for line in order.lines:
                line.is_new = line.changed = False
            for shipment in order.shipments:
                shipment.is_new = shipment.changed = False
            for document in (*order.invoices, *order.credit_memos):
                document.is_new = False

    def _order_row(self, order: Order, seq: int) -> dict:
        return {
            "order_id": order.order_id,
            "channel": order.channel,
            "external_order_id": order.external_order_id,
            "customer_id": order.customer_id,
            "ordered_at": order.ordered_at,
            "promised_ship_at": order.promised_ship_at,
            "promised_delivery_date": order.promised_delivery_date,
            "ship_to_country": order.ship_to_country,
            "ship_to_postal_code": order.ship_to_postal_code,
            "currency": order.currency,
            "service_level": order.service_level,
            "ship_complete": order.ship_complete,
            "status": order.status,
            "payment_authorized": order.payment_authorized,
            "order_total": order.order_total,
            "updated_at": order.updated_at,
            "change_seq": seq,
        }

    def _line_row(self, order: Order, line: OrderLine, seq: int, backordered: int) -> dict:
        return {
            "order_id": order.order_id,
            "line_number": line.line_number,
            "sku": line.sku,
            "quantity_ordered": line.quantity_ordered,
            "unit_price": line.unit_price,
            "quantity_shipped": line.quantity_shipped,
            "quantity_cancelled": line.quantity_cancelled,
            "quantity_backordered": backordered,
            "updated_at": line.updated_at,
            "change_seq": seq,
        }


class SqlStockRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.levels: dict[tuple[str, str], StockLevel] = {}
        self.new: set[tuple[str, str]] = set()
        self.by_sku: dict[str, list[StockLevel]] = {}

    def for_skus(self, skus: Iterable[str]) -> dict[str, list[StockLevel]]:
        """Stock of each SKU in every warehouse that carries it (by warehouse id), locked for update."""
        wanted = sorted(set(skus))
        missing = [sku for sku in wanted if sku not in self.by_sku]
        i = t.inventory.c
        for chunk in _chunks(missing):
            for sku in chunk:
                self.by_sku[sku] = []
            for sku, warehouse_id, on_hand, allocated in self.connection.execute(
                select(i.sku, i.warehouse_id, i.on_hand, i.allocated)
                .where(i.sku.in_(chunk))
                .order_by(i.sku, i.warehouse_id)
                .with_for_update()
            ):
                level = StockLevel(sku, warehouse_id, on_hand, allocated)
                self.levels[(sku, warehouse_id)] = level
                self.by_sku[sku].append(level)
        return {sku: self.by_sku[sku] for sku in wanted}

    def level(self, sku: str, warehouse_id: str) -> StockLevel:
        """The stock row of one SKU in one warehouse, created empty if the warehouse never had it."""
        self.for_skus([sku])
        key = (sku, warehouse_id)
        if key not in self.levels:
            self.levels[key] = StockLevel(sku, warehouse_id)
            self.new.add(key)
            self.by_sku[sku] = sorted([*self.by_sku[sku], self.levels[key]], key=lambda lv: lv.warehouse_id)
        return self.levels[key]

    def all_levels(self) -> list[StockLevel]:
        skus = self.connection.execute(select(t.inventory.c.sku).distinct()).scalars().all()
        self.for_skus(skus)
        return [level for _, level in sorted(self.levels.items())]

    def flush(self, seq: int) -> None:
        bulk = BulkWriter(self.connection)
        rows = [
            {"sku": lv.sku, "warehouse_id": lv.warehouse_id, "on_hand": lv.on_hand, "allocated": lv.allocated}
            for key, lv in sorted(self.levels.items())
            if lv.changed or key in self.new
        ]
        bulk.insert(t.inventory, [row for row in rows if (row["sku"], row["warehouse_id"]) in self.new])
        bulk.update(
            t.inventory,
            ["sku", "warehouse_id"],
            [row for row in rows if (row["sku"], row["warehouse_id"]) not in self.new],
        )
        bulk.insert(
            t.inventory_events,
            [
                {"sku": e.sku, "warehouse_id": e.warehouse_id, "event_type": e.event_type, "quantity": e.quantity,
                 "event_at": e.at, "actor": e.actor, "order_id": e.order_id, "note": e.note}
                for _, lv in sorted(self.levels.items())
                for e in lv.events
            ],
        )  # fmt: skip

    def mark_saved(self) -> None:
        for level in self.levels.values():
            level.events.clear()
            level.changed = False
        self.new.clear()


class SqlMasterDataRepository:
    """Customers, products and warehouses: small tables, written by upsert."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.customers: dict[str, Customer] = {}
        self.products: dict[str, Product] = {}
        self._snapshots: dict[tuple[str, str], tuple] = {}
        self._new: set[tuple[str, str]] = set()
        self._written: set[tuple[str, str]] = set()
        self.warehouses_added: list[Warehouse] = []
        self._warehouses: list[Warehouse] | None = None

    def products_by_sku(self, skus: Iterable[str]) -> dict[str, Product]:
        wanted = sorted(set(skus))
        missing = [sku for sku in wanted if sku not in self.products]
        p = t.products.c
        for chunk in _chunks(missing):
            for row in self.connection.execute(
                select(p.sku, p.list_price, p.export_restricted).where(p.sku.in_(chunk))
            ):
                self._track("product", Product(*row), self.products, new=False)
        return {sku: self.products[sku] for sku in wanted if sku in self.products}

    def customers_by_id(self, customer_ids: Iterable[str]) -> dict[str, Customer]:
        wanted = sorted(set(customer_ids))
        missing = [cid for cid in wanted if cid not in self.customers]
        c = t.customers.c
        for chunk in _chunks(missing):
            for row in self.connection.execute(
                select(c.customer_id, c.credit_limit, c.open_balance).where(c.customer_id.in_(chunk))
            ):
                self._track("customer", Customer(*row), self.customers, new=False)
        return {cid: self.customers[cid] for cid in wanted if cid in self.customers}

    def add_product(self, product: Product) -> None:
        self._track(
            "product", product, self.products, new=product.sku not in self.products_by_sku([product.sku])
        )

    def add_customers(self, customers: Sequence[Customer]) -> None:
        existing = self.customers_by_id(c.customer_id for c in customers)
        for customer in customers:
            self._track("customer", customer, self.customers, new=customer.customer_id not in existing)

    def warehouses(self) -> list[Warehouse]:
        if self._warehouses is None:
            w = t.warehouses.c
            self._warehouses = [
                Warehouse(*row) for row in self.connection.execute(select(w.warehouse_id, w.country))
            ]
        return sorted([*self._warehouses, *self.warehouses_added], key=lambda wh: wh.warehouse_id)

    def add_warehouse(self, warehouse: Warehouse) -> None:
        self.warehouses_added.append(warehouse)

    def _track(self, kind: str, item, registry: dict, new: bool) -> None:
        key = item.sku if kind == "product" else item.customer_id
        registry[key] = item
        if new:
            self._new.add((kind, key))
        elif (kind, key) not in self._snapshots:
            self._snapshots[(kind, key)] = _master_data_values(item)

    def flush(self, seq: int) -> None:
        execute = self.connection.execute
        new_products = [self.products[key] for kind, key in sorted(self._new) if kind == "product"]
        new_customers = [self.customers[key] for kind, key in sorted(self._new) if kind == "customer"]
        if self.warehouses_added:
            execute(insert(t.warehouses), [{"warehouse_id": w.warehouse_id, "country": w.country}
                                           for w in self.warehouses_added])  # fmt: skip
        if new_products:
            execute(insert(t.products), [vars(p) for p in new_products])
        if new_customers:
            execute(insert(t.customers), [vars(c) for c in new_customers])
        self._written = set(self._new)
        for (kind, key), snapshot in self._snapshots.items():
            item = (self.products if kind == "product" else self.customers)[key]
            if _master_data_values(item) != snapshot:
                self._written.add((kind, key))
                table = t.products if kind == "product" else t.customers
                key_column = table.c.sku if kind == "product" else table.c.customer_id
                execute(update(table).where(key_column == key).values(vars(item)))

    def mark_saved(self) -> None:
        if self.warehouses_added:
            self._warehouses = None
        self.warehouses_added.clear()

    def retain_after_commit(self) -> None:
        """Remember what was just saved as the stored values (see SoleWriterUnitOfWork)."""
        for kind, key in self._written:
            item = (self.products if kind == "product" else self.customers)[key]
            self._snapshots[(kind, key)] = _master_data_values(item)
        self._new.clear()


def _master_data_values(item: Customer | Product) -> tuple:
    if isinstance(item, Product):
        return item.list_price, item.export_restricted
    return item.credit_limit, item.open_balance


class SqlReturnRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.items: dict[str, ReturnAuthorization] = {}
        self._ids_by_order: dict[str, set[str]] = defaultdict(set)

    def add(self, rma: ReturnAuthorization) -> None:
        self.items[rma.rma_id] = rma
        self._ids_by_order[rma.order_id].add(rma.rma_id)

    def get(self, rma_id: str) -> ReturnAuthorization | None:
        return self.get_many([rma_id]).get(rma_id)

    def order_ids_of(self, rma_ids: Iterable[str]) -> dict[str, str]:
        """rma id -> order id, read without locking: callers lock the orders first, then the
        returns, the order every use case locks in."""
        wanted = sorted(set(rma_ids))
        found = {rma_id: self.items[rma_id].order_id for rma_id in wanted if rma_id in self.items}
        r = t.returns.c
        for chunk in _chunks([rma_id for rma_id in wanted if rma_id not in found]):
            found.update(
                self.connection.execute(select(r.rma_id, r.order_id).where(r.rma_id.in_(chunk))).all()
            )
        return found

    def get_many(self, rma_ids: Iterable[str]) -> dict[str, ReturnAuthorization]:
        """Returns by id, locked for update; ids that do not exist are left out."""
        wanted = sorted(set(rma_ids))
        missing = [rma_id for rma_id in wanted if rma_id not in self.items]
        for chunk in _chunks(missing):
            self._load(select(t.returns.c.rma_id).where(t.returns.c.rma_id.in_(chunk)))
        return {rma_id: self.items[rma_id] for rma_id in wanted if rma_id in self.items}

    def for_order(self, order_id: str) -> list[ReturnAuthorization]:
        self._load(select(t.returns.c.rma_id).where(t.returns.c.order_id == order_id))
        return [self.items[rma_id] for rma_id in sorted(self._ids_by_order.get(order_id, ()))]

    def _load(self, ids_query) -> None:
        r, rl = t.returns.c, t.return_lines.c
        ids = [i for i in self.connection.execute(ids_query).scalars() if i not in self.items]
        if not ids:
            return
        batch = {
            row[0]: ReturnAuthorization(*row, is_new=False)
            for row in self.connection.execute(
                select(r.rma_id, r.order_id, r.status, r.requested_at, r.updated_at)
                .where(r.rma_id.in_(ids))
                .order_by(r.rma_id)
                .with_for_update()
            )
        }
        for row in self.connection.execute(
            select(
                rl.rma_id, rl.line_number, rl.sku, rl.quantity_returned, rl.reason_code, rl.refund_amount,
                rl.warehouse_id, rl.received_at, rl.disposition, rl.updated_at,
            )
            .where(rl.rma_id.in_(ids))
            .order_by(rl.rma_id, rl.line_number)
        ):  # fmt: skip
            batch[row[0]].lines.append(ReturnLine(*row[1:], is_new=False))
        self.items.update(batch)
        for rma in batch.values():
            self._ids_by_order[rma.order_id].add(rma.rma_id)

    def flush(self, seq: int) -> None:
        bulk = BulkWriter(self.connection)
        touched = sorted(
            (rma for rma in self.items.values() if rma.is_new or rma.changed), key=attrgetter("rma_id")
        )
        new = [rma for rma in touched if rma.is_new]
        changed = [rma for rma in touched if rma.changed and not rma.is_new]
        bulk.insert(
            t.returns,
            [{"rma_id": x.rma_id, "order_id": x.order_id, "status": x.status, "requested_at": x.requested_at,
              "updated_at": x.updated_at, "change_seq": seq} for x in new],
        )  # fmt: skip
        bulk.insert(t.return_lines, [self._line_row(x, line, seq) for x in new for line in x.lines])
        bulk.update(
            t.returns,
            ["rma_id"],
            [
                {"rma_id": x.rma_id, "status": x.status, "updated_at": x.updated_at, "change_seq": seq}
                for x in changed
            ],
        )
        bulk.update(
            t.return_lines,
            ["rma_id", "line_number"],
            [
                {"rma_id": x.rma_id, "line_number": line.line_number, "received_at": line.received_at,
                 "disposition": line.disposition, "updated_at": line.updated_at, "change_seq": seq}
                for x in changed for line in x.lines if line.changed
            ],
        )  # fmt: skip

    def _line_row(self, rma: ReturnAuthorization, line: ReturnLine, seq: int) -> dict:
        return {
            "rma_id": rma.rma_id,
            "line_number": line.line_number,
            "order_id": rma.order_id,
            "sku": line.sku,
            "quantity_returned": line.quantity,
            "reason_code": line.reason_code,
            "requested_at": rma.requested_at,
            "received_at": line.received_at,
            "refund_amount": line.refund_amount,
            "disposition": line.disposition,
            "warehouse_id": line.warehouse_id,
            "updated_at": line.updated_at,
            "change_seq": seq,
        }

    def mark_saved(self) -> None:
        for rma in self.items.values():
            rma.is_new = rma.changed = False
            for line in rma.lines:
                line.is_new = line.changed = False

    def retain_after_commit(self) -> None:
        """Forget refunded returns (see SoleWriterUnitOfWork): nothing changes them any more, and
        keeping every return of a busy quarter would make each lookup slower than the last."""
        for rma_id in [rma_id for rma_id, rma in self.items.items() if rma.status == REFUNDED]:
            rma = self.items.pop(rma_id)
            ids = self._ids_by_order[rma.order_id]
            ids.discard(rma_id)
            if not ids:
                del self._ids_by_order[rma.order_id]


class SqlTrackingLog:
    """The carriers' tracking events: append-only facts."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.pending: list[TrackingEvent] = []

    def add(self, event: TrackingEvent) -> None:
        self.pending.append(event)

    def flush(self, seq: int) -> None:
        BulkWriter(self.connection).insert(
            t.tracking_events,
            [
                {"tracking_number": e.tracking_number, "shipment_id": e.shipment_id, "order_id": e.order_id,
                 "carrier": e.carrier, "status_code": e.status_code, "exception_code": e.exception_code,
                 "event_at": e.at, "location": e.location, "change_seq": seq}
                for e in self.pending
            ],
        )  # fmt: skip

    def mark_saved(self) -> None:
        self.pending.clear()


class SqlUnitOfWork(AbstractUnitOfWork):
    def __init__(self, engine: Engine, ids=None) -> None:
        super().__init__()
        self.engine = engine
        self.ids = ids or RandomIds()
        self.connection: Connection | None = None

    def _begin(self) -> None:
        self.connection = self.engine.connect()
        self.connection.begin()
        self._open_repositories()

    def _open_repositories(self) -> None:
        self.orders = SqlOrderRepository(self.connection)
        self.stock = SqlStockRepository(self.connection)
        self.master_data = SqlMasterDataRepository(self.connection)
        self.returns = SqlReturnRepository(self.connection)
        self.tracking = SqlTrackingLog(self.connection)

    def _repositories(self):
        # Master data first and orders before returns: the foreign keys need that order.
        return (self.master_data, self.stock, self.orders, self.returns, self.tracking)

    def _commit(self) -> None:
        try:
            seq = next_change_seq(self.connection)
            for repository in self._repositories():
                repository.flush(seq)
            self.connection.commit()
        except IntegrityError as error:
            self.connection.rollback()
            self._discard_memory()
            if "external_order_id" in str(error.orig) or "uq_orders_channel" in str(error.orig):
                raise DuplicateOrder(str(error.orig)) from error
            raise
        for repository in self._repositories():
            repository.mark_saved()
        self._after_commit()

    def _after_commit(self) -> None:
        # A new transaction starts with fresh reads: other writers may have changed rows.
        self._open_repositories()

    def _discard_memory(self) -> None:
        """A commit that failed leaves in memory what never reached the database."""

    def _rollback(self) -> None:
        if self.connection is not None:
            self.connection.rollback()
            self.connection.close()
            self.connection = None


class SoleWriterUnitOfWork(SqlUnitOfWork):
    """A unit of work for a process that is its database's only writer: the simulator.

    It keeps what it loaded and wrote from one transaction to the next instead of reading it
    again, since with no other writer those rows cannot have changed. Finished orders (closed,
    cancelled) leave memory and are read again if a late return or credit needs them. Never use
    it while another process writes to the same database.
    """

    def __init__(self, engine: Engine, ids=None) -> None:
        super().__init__(engine, ids)
        self._kept = False

    def _begin(self) -> None:
        self.connection = self.engine.connect()
        self.connection.begin()
        if not self._kept:
            self._open_repositories()
            self._kept = True
        for repository in self._repositories():
            repository.connection = self.connection

    def _after_commit(self) -> None:
        self.orders.retain_after_commit()
        self.master_data.retain_after_commit()
        self.returns.retain_after_commit()

    def _discard_memory(self) -> None:
        self._kept = False

    def _rollback(self) -> None:
        if self.connection is not None and self.connection.in_transaction():
            self._kept = False  # what is in memory may hold changes that never reached the database
        super()._rollback()
