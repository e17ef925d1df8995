"""SQL repositories and the SQL unit of work.

Repositories keep what a transaction loaded or added in identity maps. At commit each flush
returns its rows as `TableWrite`s, which a `BulkWriter` applies with one executemany per table
(see `bulk_writes.py`), so a batch of thousands of use cases costs a few statements per table
rather than a few per order.

Locking: rows a transaction will change are read `FOR UPDATE` (PostgreSQL) in a fixed order,
orders before stock, each sorted by key, so two workers never deadlock. SQLite takes its write
lock at BEGIN (see `database.py`). At commit, the transaction first takes the next commit
sequence number from `change_counter`; that row stays locked until the commit, so sequence
numbers become visible in order and an export watermark never skips a slow transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from operator import attrgetter

from sqlalchemy import Connection, Engine, func, select, update
from sqlalchemy.exc import IntegrityError

from order_core.adapters import tables as t
from order_core.adapters.background_writer import BackgroundWriter
from order_core.adapters.bulk_writes import BulkWriter, TableWrite, deleting, inserting, updating
from order_core.domain.events import TrackingEvent
from order_core.domain.inventory import Customer, Product, StockLevel, Warehouse
from order_core.domain.lifecycle import CANCELLED, CLOSED
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
        # What the database holds of each order's derived and rewritten parts, so a flush writes
        # them only when they changed: each line's quantity_backordered (in line order), and the
        # allocation and hold rows (most changes of an order, a delivery say, touch neither).
        self._stored_backorders: dict[str, list[int]] = {}
        self._stored_allocations: dict[str, Sequence[tuple]] = {}
        self._stored_holds: dict[str, Sequence[tuple]] = {}
        self._external_ids: dict[tuple[str, str], str | None] = {}
        self._flushed: list[Order] = []
        self._tracking_index: dict[str, tuple[str, str, str]] = {}  # a tracking number never changes hands
        # The sole writer's working copy (see SoleWriterUnitOfWork): with `complete`, every order's
        # external id is in memory, and so is every order whose committed lines wait for stock.
        self.complete = False
        self._backordered: set[str] = set()
        self.keep_finished = timedelta(days=60)
        self._finished_since: dict[str, datetime] = {}  # finished orders still in memory, oldest first
        self._latest_change: datetime | None = None

    def add(self, order: Order) -> None:
        self.new[order.order_id] = order
        self._external_ids[(order.channel, order.external_order_id)] = order.order_id

    def get(self, order_id: str) -> Order | None:
        return self.get_many((order_id,)).get(order_id)

    def get_many(self, order_ids: Iterable[str]) -> dict[str, Order]:
        """Orders by id, in id order, locked for update; ids that do not exist are left out."""
        unique = set(order_ids)
        wanted = sorted(unique) if len(unique) > 1 else list(unique)
        new, loaded, handed_out = self.new, self.loaded, self.handed_out
        missing = [i for i in wanted if i not in loaded and i not in new]
        if missing:
            for chunk in _chunks(missing):
                self._load(chunk)
        found = {}
        for order_id in wanted:
            order = loaded.get(order_id)
            if order is not None:  # an order is new or loaded, never both
                handed_out[order_id] = order
                found[order_id] = order
            elif (order := new.get(order_id)) is not None:
                found[order_id] = order
        return found

    def _changed_in_transaction(self) -> list[Order]:
        """Orders this transaction created or changed: what the database does not show yet."""
        return [*self.new.values(), *(o for o in self.handed_out.values() if o.changed)]

    def by_external_id(self, channel: str, external_order_id: str) -> Order | None:
        key = (channel, external_order_id)
        if key not in self._external_ids:
            self.prefetch_external_ids([key])
        order_id = self._external_ids.get(key)
        return None if order_id is None else self.get(order_id)

    def prefetch_external_ids(self, keys: Iterable[tuple[str, str]]) -> None:
        """Look up many (channel, external order id) pairs in one query per chunk."""
        if self.complete:
            return
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
        if self.complete:
            waiting = self.get_many(self._backordered)
            return [
                order_id
                for order_id, order in waiting.items()
                if order.ordered_at < ordered_before and order.status in statuses
            ]
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
        wanted = set(skus)
        committed = self._committed_waiting_for(wanted)
        in_memory = [
            order.order_id
            for order in self._changed_in_transaction()
            if any(
                line.sku in wanted and waiting > 0
                for line, waiting in zip(order.lines, order.backordered_quantities(), strict=True)
            )
        ]
        orders = self.get_many(dict.fromkeys([*committed, *in_memory]))
        return sorted(
            (oid for oid, order in orders.items() if order.can_allocate and order.total_backordered),
            key=lambda oid: (orders[oid].ordered_at, oid),
        )

    def _committed_waiting_for(self, skus: set[str]) -> list[str]:
        """Orders whose stored lines wait for one of `skus` (memory answers in complete mode)."""
        if self.complete:
            stored = self._stored_backorders
            return [
                order_id
                for order_id, order in self.get_many(self._backordered).items()
                if any(
                    line.sku in skus and waiting > 0
                    for line, waiting in zip(order.lines, stored[order_id], strict=True)
                )
            ]
        o, lc = t.orders.c, t.order_lines.c
        committed = []
        for chunk in _chunks(sorted(skus)):
            committed += self.connection.execute(
                select(o.order_id)
                .join(t.order_lines, lc.order_id == o.order_id)
                .where(lc.sku.in_(chunk), lc.quantity_backordered > 0)
            ).scalars()
        return committed

    def shipments_by_tracking(self, tracking_numbers: Iterable[str]) -> dict[str, tuple[str, str, str]]:
        """tracking number -> (order id, shipment id, carrier)."""
        wanted = set(tracking_numbers)
        index = self._tracking_index
        if any(n not in index for n in wanted):
            # Parcels shipped in this transaction are not in the database yet.
            for order in self._changed_in_transaction():
                for shipment in order.shipments:
                    if (number := shipment.tracking_number) not in index:
                        index[number] = (order.order_id, shipment.shipment_id, shipment.carrier)
        missing = sorted(n for n in wanted if n not in index)
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
        stored_backorders = self._stored_backorders
        for order_id in ids:
            stored_backorders[order_id] = []
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
            stored_backorders[row[0]].append(row[8])
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
        for order_id, order in batch.items():
            self._stored_allocations[order_id] = _allocation_rows(order)
            self._stored_holds[order_id] = _hold_rows(order)
        self.loaded.update(batch)

    # ------------------------------------------------------------------ writing
    def flush(self, seq: int) -> list[TableWrite]:
        """The rows to write for what this transaction created and changed.

        It also marks what it writes as saved and notes the lines' backorders as stored, in the
        same pass over each order (this runs for tens of thousands of orders a simulated day):
        a repository never flushes twice, since a failed commit throws its repositories away."""
        # Sorted by id, so rows (and event ids) come out the same whatever was read in which order.
        new = sorted(self.new.values(), key=attrgetter("order_id"))
        dirty = sorted(
            (o for o in self.handed_out.values() if o.changed or o.shipments_changed),
            key=attrgetter("order_id"),
        )
        self._flushed = new + dirty
        new_orders = self.new
        stored_backorders = self._stored_backorders
        stored_allocations, stored_holds = self._stored_allocations, self._stored_holds
        order_rows, line_rows, order_updates, line_updates = [], [], [], []
        replaced_allocations, replaced_holds = [], []
        allocation_rows, hold_rows, shipment_rows, shipment_line_rows, shipment_updates = [], [], [], [], []
        invoice_rows, memo_rows, event_rows, warehouse_event_rows = [], [], [], []
        for order in self._flushed:
            order_id = order.order_id
            waiting = order.backordered_quantities()
            is_new = order_id in new_orders
            if is_new:
                order_rows.append(_order_row(order, seq))
                for line, backordered in zip(order.lines, waiting, strict=True):
                    line_rows.append(_line_row(order, line, backordered, seq))
                    line.is_new = line.changed = False
            elif order.changed:
                order_updates.append(
                    (order.status, order.updated_at, order.payment_authorized, order.ship_to_country,
                     order.ship_to_postal_code, seq, order_id)
                )  # fmt: skip
                stored = stored_backorders[order_id]
                for line, backordered, was in zip(order.lines, waiting, stored, strict=True):
                    if line.changed or backordered != was:
                        # Rewritten whole: every column set, keyed by order id and line number.
                        row = _line_row(order, line, backordered, seq)
                        line_updates.append((*row[2:], order_id, line.line_number))
                        line.changed = False
            if order.changed:
                _rewrite_if_changed(
                    order_id,
                    is_new,
                    _allocation_rows(order),
                    stored_allocations,
                    replaced_allocations,
                    allocation_rows,
                )
                _rewrite_if_changed(
                    order_id, is_new, _hold_rows(order), stored_holds, replaced_holds, hold_rows
                )
                for i in order.invoices:
                    if i.is_new:
                        invoice_rows.append(
                            (i.invoice_id, order_id, i.shipment_id, i.invoiced_at, i.amount, i.currency, seq)
                        )
                        i.is_new = False
                for m in order.credit_memos:
                    if m.is_new:
                        memo_rows.append(
                            (m.credit_memo_id, m.invoice_id, order_id, m.issued_at, m.amount, m.reason_code,
                             m.issued_by, m.note, seq)
                        )  # fmt: skip
                        m.is_new = False
                # Events are named tuples in the tables' column order, written as they are.
                event_rows += order.events
                order.events.clear()
                if order.warehouse_events:
                    warehouse_event_rows += order.warehouse_events
                    order.warehouse_events.clear()
            for s in order.shipments:
                if s.is_new:
                    shipment_rows.append(
                        (s.shipment_id, order_id, s.warehouse_id, s.carrier, s.service_level, s.tracking_number,
                         s.shipped_at, s.status, s.delivered_at, seq)
                    )  # fmt: skip
                    shipment_line_rows += [
                        (
                            s.shipment_id,
                            sl.line_number,
                            order_id,
                            sl.order_line_number,
                            sl.sku,
                            sl.quantity,
                            seq,
                        )
                        for sl in s.lines
                    ]
                    self._tracking_index[s.tracking_number] = (order_id, s.shipment_id, s.carrier)
                elif s.changed:  # a delivery changes a shipment without changing its order's row
                    shipment_updates.append((s.status, s.delivered_at, seq, s.shipment_id))
                s.is_new = s.changed = False
            stored_backorders[order_id] = waiting
            if max(waiting) > 0:
                self._backordered.add(order_id)
            else:
                self._backordered.discard(order_id)
            order.changed = order.shipments_changed = False
        return [
            inserting(t.orders, ORDER_COLUMNS, order_rows),
            inserting(t.order_lines, LINE_COLUMNS, line_rows),
            updating(
                t.orders,
                ("status", "updated_at", "payment_authorized", "ship_to_country", "ship_to_postal_code",
                 "change_seq"),
                ("order_id",),
                order_updates,
            ),
            updating(t.order_lines, LINE_COLUMNS[2:], LINE_COLUMNS[:2], line_updates),
            deleting(t.allocations, ("order_id",), replaced_allocations),
            deleting(t.order_holds, ("order_id",), replaced_holds),
            inserting(t.allocations, ("order_id", "line_number", "warehouse_id", "stage", "quantity"), allocation_rows),
            inserting(
                t.order_holds,
                ("order_id", "hold_number", "reason", "placed_at", "placed_by", "note", "released_at",
                 "released_by", "release_note"),
                hold_rows,
            ),
            inserting(
                t.shipments,
                ("shipment_id", "order_id", "warehouse_id", "carrier", "service_level", "tracking_number",
                 "shipped_at", "status", "delivered_at", "change_seq"),
                shipment_rows,
            ),
            inserting(
                t.shipment_lines,
                ("shipment_id", "line_number", "order_id", "order_line_number", "sku", "quantity_shipped",
                 "change_seq"),
                shipment_line_rows,
            ),
            inserting(
                t.invoices,
                ("invoice_id", "order_id", "shipment_id", "invoiced_at", "amount", "currency", "change_seq"),
                invoice_rows,
            ),
            inserting(
                t.credit_memos,
                ("credit_memo_id", "invoice_id", "order_id", "issued_at", "amount", "reason_code", "issued_by",
                 "note", "change_seq"),
                memo_rows,
            ),
            inserting(t.order_events, ORDER_EVENT_COLUMNS, event_rows, change_seq=seq),
            inserting(t.warehouse_events, WAREHOUSE_EVENT_COLUMNS, warehouse_event_rows, change_seq=seq),
            updating(t.shipments, ("status", "delivered_at", "change_seq"), ("shipment_id",), shipment_updates),
        ]  # fmt: skip

    def load_working_copy(self) -> None:
        """Read every order's external id and the orders waiting for stock (see SoleWriterUnitOfWork)."""
        o, lc = t.orders.c, t.order_lines.c
        for channel, external_id, order_id in self.connection.execute(
            select(o.channel, o.external_order_id, o.order_id)
        ):
            self._external_ids[(channel, external_id)] = order_id
        waiting = sorted(
            self.connection.execute(
                select(lc.order_id).where(lc.quantity_backordered > 0).distinct()
            ).scalars()
        )
        for chunk in _chunks(waiting):
            self._load(chunk)
        self._backordered = set(waiting)
        self.complete = True

    def retain_after_commit(self) -> None:
        """Keep the saved orders as loaded ones (see SoleWriterUnitOfWork), and forget finished ones
        that nothing has changed for `keep_finished` of order time."""
        finished_since = self._finished_since
        for order in self._flushed:
            if order.status in (CLOSED, CANCELLED):
                finished_since.pop(order.order_id, None)  # it moves to the back of the line
                finished_since[order.order_id] = order.updated_at
            if self._latest_change is None or order.updated_at > self._latest_change:
                self._latest_change = order.updated_at
        self.loaded.update(self.new)
        self.new.clear()
        self._flushed = []
        if self._latest_change is None:
            return
        horizon = self._latest_change - self.keep_finished
        while finished_since:
            order_id, since = next(iter(finished_since.items()))
            if since > horizon:
                break
            del finished_since[order_id]
            del self.loaded[order_id]
            del self._stored_backorders[order_id]
            del self._stored_allocations[order_id]
            del self._stored_holds[order_id]

    def has_unsaved_changes(self) -> bool:
        return bool(self.new) or any(o.changed or o.shipments_changed for o in self.handed_out.values())

    def mark_saved(self) -> None:
        self.handed_out.clear()  # flush marked each order's parts saved as it wrote them


def _rewrite_if_changed(
    order_id: str,
    is_new: bool,
    rows: Sequence[tuple],
    stored: dict[str, Sequence[tuple]],
    deletes: list[tuple],
    inserts: list[tuple],
) -> None:
    """Allocations and holds are rewritten whole (delete, then insert), when they differ from
    what is stored; a new order's are only inserted."""
    if is_new or rows != stored[order_id]:
        if not is_new:
            deletes.append((order_id,))
        inserts.extend(rows)
        stored[order_id] = rows


# An order's allocation and hold rows, as its flush compares them with what is stored: most
# orders have none most of the time, and then share one empty tuple.
def _allocation_rows(order: Order) -> Sequence[tuple]:
    if not order.allocations:
        return ()
    return [(order.order_id, a.line_number, a.warehouse_id, a.stage, a.quantity) for a in order.allocations]


def _hold_rows(order: Order) -> Sequence[tuple]:
    if not order.holds:
        return ()
    return [
        (order.order_id, h.hold_number, h.reason, h.placed_at, h.placed_by, h.note, h.released_at,
         h.released_by, h.release_note)
        for h in order.holds
    ]  # fmt: skip


ORDER_COLUMNS = (
    "order_id", "channel", "external_order_id", "customer_id", "ordered_at", "promised_ship_at",
    "promised_delivery_date", "ship_to_country", "ship_to_postal_code", "currency", "service_level",
    "ship_complete", "status", "payment_authorized", "order_total", "updated_at", "change_seq",
)  # fmt: skip
LINE_COLUMNS = (
    "order_id", "line_number", "sku", "quantity_ordered", "unit_price", "quantity_shipped",
    "quantity_cancelled", "quantity_backordered", "updated_at", "change_seq",
)  # fmt: skip
# The audit events' named-tuple fields, in order, as table columns (inserts add change_seq).
ORDER_EVENT_COLUMNS = (
    "order_id", "event_type", "event_at", "actor", "reason_code", "note", "status_after",
)  # fmt: skip
WAREHOUSE_EVENT_COLUMNS = (
    "order_id", "warehouse_id", "event_type", "event_at", "actor", "sku", "quantity", "note",
)  # fmt: skip
TRACKING_EVENT_COLUMNS = (
    "tracking_number", "order_id", "shipment_id", "carrier", "status_code", "event_at", "exception_code",
    "location",
)  # fmt: skip
INVENTORY_EVENT_COLUMNS = (
    "sku",
    "warehouse_id",
    "event_type",
    "quantity",
    "event_at",
    "actor",
    "order_id",
    "note",
)


def _order_row(o: Order, seq: int) -> tuple:
    return (
        o.order_id, o.channel, o.external_order_id, o.customer_id, o.ordered_at, o.promised_ship_at,
        o.promised_delivery_date, o.ship_to_country, o.ship_to_postal_code, o.currency, o.service_level,
        o.ship_complete, o.status, o.payment_authorized, o.order_total, o.updated_at, seq,
    )  # fmt: skip


def _line_row(o: Order, line: OrderLine, backordered: int, seq: int) -> tuple:
    return (
        o.order_id, line.line_number, line.sku, line.quantity_ordered, line.unit_price, line.quantity_shipped,
        line.quantity_cancelled, backordered, line.updated_at, seq,
    )  # fmt: skip


class SqlStockRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.levels: dict[tuple[str, str], StockLevel] = {}
        self.new: set[tuple[str, str]] = set()
        self.by_sku: dict[str, list[StockLevel]] = {}
        # True when memory holds every stock row (see SoleWriterUnitOfWork): no query finds more.
        self.complete = False

    def for_skus(self, skus: Iterable[str]) -> dict[str, list[StockLevel]]:
        """Stock of each SKU in every warehouse that carries it (by warehouse id), locked for update."""
        unique = set(skus)
        wanted = sorted(unique) if len(unique) > 1 else list(unique)
        by_sku = self.by_sku
        missing = [sku for sku in wanted if sku not in by_sku]
        if self.complete:
            # Memory holds every stock level: a SKU it lacks has none.
            by_sku.update((sku, []) for sku in missing)
            return {sku: by_sku[sku] for sku in wanted}
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
        if not self.complete:
            self.for_skus(self.connection.execute(select(t.inventory.c.sku).distinct()).scalars().all())
        return [level for _, level in sorted(self.levels.items())]

    def load_all(self) -> None:
        """Read every stock row, so that later lookups need no query."""
        self.all_levels()
        self.complete = True

    def has_unsaved_changes(self) -> bool:
        return bool(self.new) or any(level.changed for level in self.levels.values())

    def flush(self, seq: int) -> list[TableWrite]:
        touched = [(key, lv) for key, lv in sorted(self.levels.items()) if lv.changed or key in self.new]
        return [
            inserting(
                t.inventory,
                ("sku", "warehouse_id", "on_hand", "allocated"),
                [
                    (lv.sku, lv.warehouse_id, lv.on_hand, lv.allocated)
                    for key, lv in touched
                    if key in self.new
                ],
            ),
            updating(
                t.inventory,
                ("on_hand", "allocated"),
                ("sku", "warehouse_id"),
                [
                    (lv.on_hand, lv.allocated, lv.sku, lv.warehouse_id)
                    for key, lv in touched
                    if key not in self.new
                ],
            ),
            # Inventory events are named tuples in the table's column order.
            inserting(
                t.inventory_events,
                INVENTORY_EVENT_COLUMNS,
                [tuple(e) for _, lv in touched for e in lv.events],
            ),
        ]

    def mark_saved(self) -> None:
        for level in self.levels.values():
            level.events.clear()
            level.changed = False
        self.new.clear()


class SqlMasterDataRepository:
    """Customers, products and warehouses: small tables, written by upsert (`add_*`)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        # True when memory holds every row (see SoleWriterUnitOfWork): a key not here does not exist.
        self.complete = False
        self.customers: dict[str, Customer] = {}
        self.products: dict[str, Product] = {}
        self._stored: dict[tuple[str, str], tuple] = {}  # what the database holds, for the keys read
        self._upserts: dict[tuple[str, str], Customer | Product] = {}
        self.warehouses_added: list[Warehouse] = []
        self._warehouses: list[Warehouse] | None = None

    def products_by_sku(self, skus: Iterable[str]) -> dict[str, Product]:
        wanted = sorted(set(skus))
        if self.complete:
            products = self.products
            return {sku: products[sku] for sku in wanted if sku in products}
        missing = [sku for sku in wanted if sku not in self.products]
        p = t.products.c
        for chunk in _chunks(missing):
            for row in self.connection.execute(
                select(p.sku, p.list_price, p.export_restricted).where(p.sku.in_(chunk))
            ):
                self._remember(Product(*row))
        return {sku: self.products[sku] for sku in wanted if sku in self.products}

    def customers_by_id(self, customer_ids: Iterable[str]) -> dict[str, Customer]:
        wanted = sorted(set(customer_ids))
        if self.complete:
            customers = self.customers
            return {cid: customers[cid] for cid in wanted if cid in customers}
        missing = [cid for cid in wanted if cid not in self.customers]
        c = t.customers.c
        for chunk in _chunks(missing):
            for row in self.connection.execute(
                select(c.customer_id, c.credit_limit, c.open_balance).where(c.customer_id.in_(chunk))
            ):
                self._remember(Customer(*row))
        return {cid: self.customers[cid] for cid in wanted if cid in self.customers}

    def load_all(self) -> None:
        """Read every product and customer, so that later lookups need no query."""
        p, c = t.products.c, t.customers.c
        for row in self.connection.execute(select(p.sku, p.list_price, p.export_restricted)):
            self._remember(Product(*row))
        for row in self.connection.execute(select(c.customer_id, c.credit_limit, c.open_balance)):
            self._remember(Customer(*row))
        self.warehouses()
        self.complete = True

    def add_product(self, product: Product) -> None:
        self.products_by_sku([product.sku])  # learn what is stored, if anything
        self.products[product.sku] = product
        self._upserts[("product", product.sku)] = product

    def add_customers(self, customers: Sequence[Customer]) -> None:
        self.customers_by_id(c.customer_id for c in customers)
        for customer in customers:
            self.customers[customer.customer_id] = customer
            self._upserts[("customer", customer.customer_id)] = customer

    def warehouses(self) -> tuple[Warehouse, ...]:
        """Every warehouse, by id: the same tuple until one is added (allocation looks it up per order)."""
        if self._warehouses is None:
            w = t.warehouses.c
            rows = self.connection.execute(select(w.warehouse_id, w.country)).all()
            self._warehouses = tuple(sorted(Warehouse(*row) for row in rows))
        if self.warehouses_added:
            return tuple(sorted({*self._warehouses, *self.warehouses_added}))
        return self._warehouses  # the same object each time, so the preference cache finds it

    def add_warehouse(self, warehouse: Warehouse) -> None:
        self.warehouses_added.append(warehouse)

    def has_unsaved_changes(self) -> bool:
        return bool(self._upserts or self.warehouses_added)

    def _remember(self, item: Customer | Product) -> None:
        if isinstance(item, Product):
            self.products[item.sku] = item
        else:
            self.customers[item.customer_id] = item
        self._stored[_master_data_key(item)] = _master_data_values(item)

    def flush(self, seq: int) -> list[TableWrite]:
        new: dict[str, list] = {"product": [], "customer": []}
        changed: dict[str, list] = {"product": [], "customer": []}
        for (kind, key), item in sorted(self._upserts.items()):
            stored = self._stored.get((kind, key))
            if stored is None:
                new[kind].append(item)
            elif stored != _master_data_values(item):
                changed[kind].append(item)
        return [
            inserting(t.warehouses, ("warehouse_id", "country"),
                      [(w.warehouse_id, w.country) for w in self.warehouses_added]),
            inserting(t.products, ("sku", "list_price", "export_restricted"),
                      [(p.sku, p.list_price, p.export_restricted) for p in new["product"]]),
            updating(t.products, ("list_price", "export_restricted"), ("sku",),
                     [(p.list_price, p.export_restricted, p.sku) for p in changed["product"]]),
            inserting(t.customers, ("customer_id", "credit_limit", "open_balance"),
                      [(c.customer_id, c.credit_limit, c.open_balance) for c in new["customer"]]),
            updating(t.customers, ("credit_limit", "open_balance"), ("customer_id",),
                     [(c.credit_limit, c.open_balance, c.customer_id) for c in changed["customer"]]),
        ]  # fmt: skip

    def mark_saved(self) -> None:
        if self._warehouses is not None:
            self._warehouses = self.warehouses()  # the added ones are stored now
        self.warehouses_added = []
        for key, item in self._upserts.items():
            self._stored[key] = _master_data_values(item)
        self._upserts.clear()


def _master_data_key(item: Customer | Product) -> tuple[str, str]:
    return ("product", item.sku) if isinstance(item, Product) else ("customer", item.customer_id)


def _master_data_values(item: Customer | Product) -> tuple:
    if isinstance(item, Product):
        return item.list_price, item.export_restricted
    return item.credit_limit, item.open_balance


class SqlReturnRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        # True when memory holds every return (see SoleWriterUnitOfWork): no query finds more.
        self.complete = False
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
        missing = [] if self.complete else [rma_id for rma_id in wanted if rma_id not in found]
        for chunk in _chunks(missing):
            found.update(
                self.connection.execute(select(r.rma_id, r.order_id).where(r.rma_id.in_(chunk))).all()
            )
        return found

    def get_many(self, rma_ids: Iterable[str]) -> dict[str, ReturnAuthorization]:
        """Returns by id, locked for update; ids that do not exist are left out."""
        wanted = sorted(set(rma_ids))
        missing = [] if self.complete else [rma_id for rma_id in wanted if rma_id not in self.items]
        for chunk in _chunks(missing):
            self._load(select(t.returns.c.rma_id).where(t.returns.c.rma_id.in_(chunk)))
        return {rma_id: self.items[rma_id] for rma_id in wanted if rma_id in self.items}

    def for_order(self, order_id: str) -> list[ReturnAuthorization]:
        if not self.complete:
            self._load(select(t.returns.c.rma_id).where(t.returns.c.order_id == order_id))
        return [self.items[rma_id] for rma_id in sorted(self._ids_by_order.get(order_id, ()))]

    def load_all(self) -> None:
        """Read every return, so that later lookups need no query."""
        self._load(select(t.returns.c.rma_id))
        self.complete = True

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

    def flush(self, seq: int) -> list[TableWrite]:
        touched = sorted(
            (rma for rma in self.items.values() if rma.is_new or rma.changed), key=attrgetter("rma_id")
        )
        new = [rma for rma in touched if rma.is_new]
        changed = [rma for rma in touched if rma.changed and not rma.is_new]
        return [
            inserting(
                t.returns,
                ("rma_id", "order_id", "status", "requested_at", "updated_at", "change_seq"),
                [(x.rma_id, x.order_id, x.status, x.requested_at, x.updated_at, seq) for x in new],
            ),
            inserting(
                t.return_lines,
                ("rma_id", "line_number", "order_id", "sku", "quantity_returned", "reason_code", "requested_at",
                 "received_at", "refund_amount", "disposition", "warehouse_id", "updated_at", "change_seq"),
                [(x.rma_id, line.line_number, x.order_id, line.sku, line.quantity, line.reason_code, x.requested_at,
                  line.received_at, line.refund_amount, line.disposition, line.warehouse_id, line.updated_at, seq)
                 for x in new for line in x.lines],
            ),
            updating(
                t.returns,
                ("status", "updated_at", "change_seq"),
                ("rma_id",),
                [(x.status, x.updated_at, seq, x.rma_id) for x in changed],
            ),
            updating(
                t.return_lines,
                ("received_at", "disposition", "updated_at", "change_seq"),
                ("rma_id", "line_number"),
                [(line.received_at, line.disposition, line.updated_at, seq, x.rma_id, line.line_number)
                 for x in changed for line in x.lines if line.changed],
            ),
        ]  # fmt: skip

    def has_unsaved_changes(self) -> bool:
        return any(rma.is_new or rma.changed for rma in self.items.values())

    def mark_saved(self) -> None:
        for rma in self.items.values():
            rma.is_new = rma.changed = False
            for line in rma.lines:
                line.is_new = line.changed = False


class SqlTrackingLog:
    """The carriers' tracking events: append-only facts."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.pending: list[TrackingEvent] = []

    def add_many(self, events: Iterable[TrackingEvent]) -> None:
        self.pending += events

    def flush(self, seq: int) -> list[TableWrite]:
        # Tracking events are named tuples in the table's column order, written as they are.
        return [inserting(t.tracking_events, TRACKING_EVENT_COLUMNS, list(self.pending), change_seq=seq)]

    def has_unsaved_changes(self) -> bool:
        return bool(self.pending)

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

    def _flush(self, seq: int) -> list[TableWrite]:
        return [write for repository in self._repositories() for write in repository.flush(seq)]

    def _commit(self) -> None:
        try:
            seq = next_change_seq(self.connection)
            BulkWriter(self.connection).apply(self._flush(seq))
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

    Memory is its working copy. Its first transaction reads what later lookups need (master
    data, stock, returns, every order's external id, the orders waiting for stock); from then on
    it keeps what it writes, so what it does not hold does not exist and a lookup needs no
    query. Orders stay in memory until they have been finished (closed or cancelled) for
    `keep_finished` of order time; one needed after that is read back from the database.

    A commit does not wait for the database: a background writer in another process applies
    each committed transaction's writes, in order, while the next one runs, and every read of
    the database waits for it to catch up first. `close()` waits for the last writes and raises
    if any failed. Never use it while another process writes to the same database. The writer
    is a spawned process, so a script that uses this needs Python's usual
    `if __name__ == "__main__":` guard around its work.
    """

    def __init__(self, engine: Engine, ids=None, keep_finished: timedelta = timedelta(days=60)) -> None:
        super().__init__(engine, ids)
        self.keep_finished = keep_finished
        self._writer: BackgroundWriter | None = None
        self._last_seq = 0
        self._working_copy = False

    def _begin(self) -> None:
        if self._writer is None:
            self._writer = BackgroundWriter(self.engine.url.render_as_string(hide_password=False))
            self.connection = _ReadsAfterWrites(self.engine, self._writer)
        if not self._working_copy:
            self._open_repositories()
            self.orders.keep_finished = self.keep_finished
            self._last_seq = self.connection.execute(select(t.change_counter.c.value)).scalar_one()
            self.master_data.load_all()
            self.stock.load_all()
            self.returns.load_all()
            self.orders.load_working_copy()
            self._working_copy = True

    def _commit(self) -> None:
        seq = self._last_seq + 1
        writes = [updating(t.change_counter, ("value",), ("counter_id",), [(seq, 1)]), *self._flush(seq)]
        self._writer.submit(writes)
        self._last_seq = seq
        for repository in self._repositories():
            repository.mark_saved()
        self.orders.retain_after_commit()

    def _rollback(self) -> None:
        # The database never saw an uncommitted transaction; memory may have: start afresh.
        if self._working_copy and self._has_unsaved_changes():
            self._working_copy = False
        else:
            self.orders.handed_out.clear()

    def _has_unsaved_changes(self) -> bool:
        return any(repository.has_unsaved_changes() for repository in self._repositories())

    def close(self) -> None:
        """Wait until every committed transaction is in the database; raises if one failed."""
        if self._writer is not None:
            writer, self._writer = self._writer, None
            self._working_copy = False
            writer.close()


class _ReadsAfterWrites:
    """The sole writer's repositories read through this: each read first waits until the
    background writer has applied every committed transaction, then runs on its own."""

    def __init__(self, engine: Engine, writer: BackgroundWriter) -> None:
        self.engine = engine
        self.writer = writer

    def execute(self, statement):
        self.writer.wait()
        with self.engine.connect() as connection:
            result = connection.execute(statement).freeze()
            connection.rollback()
        return result()
