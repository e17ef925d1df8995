"""The order aggregate: header, lines, allocations, holds, shipments, invoices and credit memos.

Every mutation checks the lifecycle first, then changes state, then appends an audit event,
so a refused request leaves the order untouched.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from order_core.domain import lifecycle as status
from order_core.domain.errors import DomainError
from order_core.domain.events import OrderEvent, WarehouseEvent
from order_core.domain.inventory import StockLevel, stock_at
from order_core.domain.lifecycle import CANCELLABLE, ORDER_LIFECYCLE
from order_core.domain.validation import Hold, LineRequest

CHANNELS = ("web", "marketplace", "edi", "phone", "sales_rep")
CANCEL_REASONS = ("customer_request", "out_of_stock", "fraud", "payment_failed", "other")
CREDIT_MEMO_REASONS = ("pricing_error", "billing_error", "damage", "return", "goodwill")
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

# Allocation stages, in the order the warehouse moves them.
ALLOCATED = "allocated"
RELEASED = "released"
PICKED = "picked"
PACKED = "packed"
_ORDER_STATUS_OF_STAGE = {
    RELEASED: status.RELEASED_TO_WAREHOUSE,
    PICKED: status.PICKED,
    PACKED: status.PACKED,
}
_STAGE_RANK = {ALLOCATED: 0, RELEASED: 1, PICKED: 2, PACKED: 3}

# Shipment statuses driven by carrier tracking. The last three are final.
IN_TRANSIT = "in_transit"
SHIPMENT_DELIVERED = "delivered"
LOST = "lost"
RETURNED_TO_SENDER = "returned_to_sender"
FINAL_SHIPMENT_STATUSES = (SHIPMENT_DELIVERED, LOST, RETURNED_TO_SENDER)


@dataclass(slots=True)
class OrderLine:
    line_number: int
    sku: str
    quantity_ordered: int
    unit_price: Decimal
    updated_at: datetime
    quantity_shipped: int = 0
    quantity_cancelled: int = 0
    is_new: bool = True
    changed: bool = False

    @property
    def open_quantity(self) -> int:
        return self.quantity_ordered - self.quantity_shipped - self.quantity_cancelled


@dataclass(slots=True)
class Allocation:
    line_number: int
    warehouse_id: str
    quantity: int
    stage: str = ALLOCATED


@dataclass(slots=True)
class OrderHold:
    hold_number: int
    reason: str
    placed_at: datetime
    placed_by: str
    note: str | None = None
    released_at: datetime | None = None
    released_by: str | None = None
    release_note: str | None = None

    @property
    def is_open(self) -> bool:
        return self.released_at is None


@dataclass(slots=True)
class ShipmentLine:
    line_number: int
    order_line_number: int
    sku: str
    quantity: int


@dataclass(slots=True)
class Shipment:
    shipment_id: str
    warehouse_id: str
    carrier: str
    service_level: str
    tracking_number: str
    shipped_at: datetime
    lines: list[ShipmentLine]
    status: str = IN_TRANSIT
    delivered_at: datetime | None = None
    is_new: bool = True
    changed: bool = False

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_SHIPMENT_STATUSES


@dataclass(slots=True)
class Invoice:
    invoice_id: str
    shipment_id: str | None
    invoiced_at: datetime
    amount: Decimal
    currency: str
    is_new: bool = True


@dataclass(slots=True)
class CreditMemo:
    credit_memo_id: str
    invoice_id: str
    issued_at: datetime
    amount: Decimal
    reason_code: str
    issued_by: str
    note: str | None = None
    is_new: bool = True


@dataclass(slots=True)
class Order:
    order_id: str
    channel: str
    external_order_id: str
    customer_id: str
    ordered_at: datetime
    promised_ship_at: datetime
    promised_delivery_date: date
    ship_to_country: str | None
    ship_to_postal_code: str | None
    currency: str
    service_level: str
    ship_complete: bool  # the customer wants one delivery: never release part of the order
    status: str
    updated_at: datetime
    order_total: Decimal
    payment_authorized: bool = False
    lines: list[OrderLine] = field(default_factory=list)
    allocations: list[Allocation] = field(default_factory=list)
    holds: list[OrderHold] = field(default_factory=list)
    shipments: list[Shipment] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)
    credit_memos: list[CreditMemo] = field(default_factory=list)
    # Unsaved audit events; the repository appends them and clears the lists.
    events: list[OrderEvent] = field(default_factory=list, repr=False)
    warehouse_events: list[WarehouseEvent] = field(default_factory=list, repr=False)
    changed: bool = field(default=False, repr=False)
    # A carrier event changed a shipment but not the order's own row.
    shipments_changed: bool = field(default=False, repr=False)

    # ------------------------------------------------------------------ capture
    @classmethod
    def capture(
        cls,
        *,
        order_id: str,
        channel: str,
        external_order_id: str,
        customer_id: str,
        ordered_at: datetime,
        promised_ship_at: datetime,
        promised_delivery_date: date,
        ship_to_country: str | None,
        ship_to_postal_code: str | None,
        currency: str,
        service_level: str,
        ship_complete: bool,
        lines: Sequence[LineRequest],
        actor: str,
    ) -> Order:
        if channel not in CHANNELS:
            raise DomainError(f"unknown channel {channel!r}; expected one of {', '.join(CHANNELS)}")
        order = cls(
            order_id=order_id,
            channel=channel,
            external_order_id=external_order_id,
            customer_id=customer_id,
            ordered_at=ordered_at,
            promised_ship_at=promised_ship_at,
            promised_delivery_date=promised_delivery_date,
            ship_to_country=ship_to_country,
            ship_to_postal_code=ship_to_postal_code,
            currency=currency,
            service_level=service_level,
            ship_complete=ship_complete,
            status=status.CREATED,
            updated_at=ordered_at,
            order_total=sum((line.unit_price * line.quantity for line in lines), Decimal("0")),
            lines=[
                OrderLine(number, line.sku, line.quantity, line.unit_price, ordered_at)
                for number, line in enumerate(lines, start=1)
            ],
        )
        order._record("created", ordered_at, actor, note=f"{channel} order {external_order_id}")
        return order

    # ------------------------------------------------------------------ payment, validation, holds
    def record_payment_failure(self, reason: str, at: datetime, actor: str) -> None:
        self._require(status.CREATED, "record a payment failure")
        self._record("payment_failed", at, actor, reason_code=reason)

    def authorize_payment(self, at: datetime, actor: str) -> None:
        self._require(status.CREATED, "authorize payment")
        self.payment_authorized = True
        self._record("payment_authorized", at, actor)

    def apply_validation(self, holds: Sequence[Hold], at: datetime, actor: str) -> None:
        """Holds found by the validation rules put the order on hold; none validates it."""
        self._require(status.CREATED, "validate")
        if not self.payment_authorized:
            raise DomainError(f"order {self.order_id} cannot be validated before its payment is authorized")
        if holds:
            ORDER_LIFECYCLE.check(self.order_id, self.status, status.ON_HOLD)
            self.status = status.ON_HOLD
            for hold in holds:
                self._add_hold(hold.reason, at, actor, hold.note)
        else:
            self._move_to(status.VALIDATED, at, actor)

    def place_hold(self, reason: str, at: datetime, actor: str, note: str | None = None) -> None:
        self._require((status.VALIDATED, status.ON_HOLD), "place a hold on")
        if any(hold.is_open and hold.reason == reason for hold in self.holds):
            raise DomainError(f"order {self.order_id} already has an open {reason} hold")
        if self.status != status.ON_HOLD:
            ORDER_LIFECYCLE.check(self.order_id, self.status, status.ON_HOLD)
            self.status = status.ON_HOLD
        self._add_hold(reason, at, actor, note)

    def release_hold(self, reason: str, at: datetime, actor: str, note: str) -> None:
        """A named person releases one hold and says why; the last release validates the order."""
        if not actor or not note:
            raise DomainError("releasing a hold needs the name of the person and a reason")
        hold = next((h for h in self.holds if h.is_open and h.reason == reason), None)
        if hold is None:
            open_reasons = ", ".join(h.reason for h in self.open_holds) or "none"
            raise DomainError(f"order {self.order_id} has no open {reason} hold (open holds: {open_reasons})")
        hold.released_at, hold.released_by, hold.release_note = at, actor, note
        self._record("hold_released", at, actor, reason_code=reason, note=note)
        if not self.open_holds:
            self._move_to(status.VALIDATED, at, actor)

    @property
    def open_holds(self) -> list[OrderHold]:
        return [hold for hold in self.holds if hold.is_open]

    def correct_address(self, country: str, postal_code: str, at: datetime, actor: str, note: str) -> None:
        self._require(
            (status.CREATED, status.ON_HOLD, status.VALIDATED, status.ALLOCATED, status.BACKORDERED),
            "correct the address of",
        )
        old = f"{self.ship_to_country} {self.ship_to_postal_code}"
        self.ship_to_country, self.ship_to_postal_code = country, postal_code
        self._record("address_corrected", at, actor, note=f"{old} -> {country} {postal_code}: {note}")

    def _add_hold(self, reason: str, at: datetime, actor: str, note: str | None) -> None:
        self.holds.append(OrderHold(len(self.holds) + 1, reason, at, actor, note))
        self._record("hold_placed", at, actor, reason_code=reason, note=note)

    # ------------------------------------------------------------------ allocation
    def backordered_quantities(self) -> list[int]:
        """Units of each line, in line order, still waiting for stock (neither allocated, shipped
        nor cancelled)."""
        # open_quantity spelt out: this runs for every order at every commit.
        waiting = [
            line.quantity_ordered - line.quantity_shipped - line.quantity_cancelled for line in self.lines
        ]
        for allocation in self.allocations:
            waiting[allocation.line_number - 1] -= allocation.quantity
        return waiting

    @property
    def total_backordered(self) -> int:
        return sum(self.backordered_quantities())

    @property
    def can_allocate(self) -> bool:
        return self.status in (
            status.VALIDATED,
            status.BACKORDERED,
            status.RELEASED_TO_WAREHOUSE,
            status.PICKED,
            status.PACKED,
            status.PARTIALLY_SHIPPED,
        )

    def allocate(
        self,
        stock_by_sku: Mapping[str, Sequence[StockLevel]],
        warehouse_preference: Sequence[str],
        at: datetime,
        actor: str,
    ) -> int:
        """Reserve stock for every backordered unit: one warehouse for the whole order when one
        can serve it, otherwise each line from one warehouse, otherwise split; the rest stays
        backordered. Returns the number of units allocated."""
        if not self.can_allocate:
            raise DomainError(f"order {self.order_id} cannot be allocated while {self.status}")
        # (line, units it waits for); an order has one line per SKU.
        needs = [
            (line, waiting) for line, waiting in zip(self.lines, self.backordered_quantities(), strict=True)
            if waiting > 0
        ]  # fmt: skip
        if not needs:
            return 0
        stock_at = {
            (level.sku, level.warehouse_id): level
            for line, _ in needs
            for level in stock_by_sku.get(line.sku, ())
        }
        available = {key: level.available for key, level in stock_at.items()}
        plan: list[tuple[OrderLine, str, int]] = []
        single = None
        for wh in warehouse_preference:
            if all(available.get((line.sku, wh), 0) >= quantity for line, quantity in needs):
                single = wh
                break
        if single is not None:
            plan = [(line, single, quantity) for line, quantity in needs]
        else:
            for line, quantity in needs:
                sku = line.sku
                whole = next(
                    (wh for wh in warehouse_preference if available.get((sku, wh), 0) >= quantity), None
                )
                if whole is not None:
                    plan.append((line, whole, quantity))
                    continue
                remaining = quantity
                for wh in warehouse_preference:
                    take = min(remaining, available.get((sku, wh), 0))
                    if take > 0:
                        plan.append((line, wh, take))
                        remaining -= take
                    if remaining == 0:
                        break
        allocated_units = 0
        notes = []
        for line, wh, quantity in plan:
            stock_at[(line.sku, wh)].reserve(quantity)
            self._add_allocation(line.line_number, wh, quantity)
            allocated_units += quantity
            notes.append(f"{line.sku} x{quantity} at {wh}")
        still_backordered = self.total_backordered
        allocated_note = "; ".join(notes)
        if self.status == status.VALIDATED and not still_backordered:
            self._move_to(status.ALLOCATED, at, actor, note=allocated_note)
        elif self.status == status.VALIDATED:
            if allocated_units:
                self._record("allocated", at, actor, note=allocated_note)
            self._move_to(status.BACKORDERED, at, actor, note=f"{still_backordered} units short")
        elif allocated_units and self.status == status.BACKORDERED and not still_backordered:
            self._move_to(status.ALLOCATED, at, actor, note=allocated_note)
        elif allocated_units:
            self._record("allocated", at, actor, note=allocated_note)
        return allocated_units

    def _add_allocation(self, line_number: int, warehouse_id: str, quantity: int) -> None:
        for existing in self.allocations:
            if (existing.line_number, existing.warehouse_id, existing.stage) == (
                line_number,
                warehouse_id,
                ALLOCATED,
            ):
                existing.quantity += quantity
                return
        self.allocations.append(Allocation(line_number, warehouse_id, quantity))

    @property
    def can_release(self) -> bool:
        """Allocated work can go to the warehouse: all of it, or part when partial shipment is allowed."""
        has_unreleased = any(a.stage == ALLOCATED for a in self.allocations)
        if not has_unreleased or self.status not in (
            status.ALLOCATED,
            status.BACKORDERED,
            status.RELEASED_TO_WAREHOUSE,
            status.PICKED,
            status.PACKED,
            status.PARTIALLY_SHIPPED,
        ):
            return False
        return not self.ship_complete or self.total_backordered == 0

    def release_to_warehouse(self, at: datetime, actor: str) -> None:
        if not self.can_release:
            raise DomainError(
                f"order {self.order_id} has nothing it may release to the warehouse while {self.status}"
                + (" (it must ship complete and is backordered)" if self.ship_complete else "")
            )
        released = []
        for allocation in self.allocations:
            if allocation.stage == ALLOCATED:
                allocation.stage = RELEASED
                released.append(allocation.warehouse_id)
        self._merge_allocations()
        note = "to " + ", ".join(sorted(set(released)))
        if self.status in (status.ALLOCATED, status.BACKORDERED):
            self._move_to(status.RELEASED_TO_WAREHOUSE, at, actor, note=note)
        else:
            self._record("released_to_warehouse", at, actor, note=note)

    # ------------------------------------------------------------------ warehouse
    def pick(
        self,
        warehouse_id: str,
        stock_by_sku: Mapping[str, Sequence[StockLevel]],
        at: datetime,
        actor: str,
        short: Mapping[str, int] | None = None,
        damaged: Mapping[str, int] | None = None,
        mis_picked: Sequence[str] = (),
    ) -> None:
        """Confirm the pick of everything released at a warehouse.

        `short`: units the picker did not find (the system count was wrong); `damaged`: units
        broken while picking, replaced from the shelf when stock allows; `mis_picked`: SKUs for
        which a wrong item was picked and corrected at the pack check.
        """
        short, damaged = short or {}, damaged or {}
        work = [a for a in self.allocations if a.warehouse_id == warehouse_id and a.stage == RELEASED]
        if not work:
            raise DomainError(f"order {self.order_id} has nothing released to {warehouse_id} to pick")
        skus_here = {self._line(a.line_number).sku for a in work}
        unknown = sorted((set(short) | set(damaged) | set(mis_picked)) - skus_here)
        if unknown:
            raise DomainError(
                f"order {self.order_id} has no released work for {', '.join(unknown)} at {warehouse_id}"
            )
        backorder_before = self.total_backordered
        for allocation in work:
            line = self._line(allocation.line_number)
            level = stock_at(stock_by_sku, line.sku, warehouse_id)
            missing = min(short.get(line.sku, 0), allocation.quantity)
            if missing:
                level.write_off_reserved(missing, self.order_id, at, actor, "short pick")
                allocation.quantity -= missing
                self._warehouse_event(warehouse_id, "short_pick", at, actor, line.sku, missing)
            broken = min(damaged.get(line.sku, 0), allocation.quantity)
            if broken:
                level.write_off_reserved(broken, self.order_id, at, actor, "damaged in warehouse")
                self._warehouse_event(warehouse_id, "damaged_in_warehouse", at, actor, line.sku, broken)
                replacement = min(broken, level.available)
                if replacement:
                    level.reserve(replacement)
                allocation.quantity -= broken - replacement
            if line.sku in mis_picked:
                self._warehouse_event(
                    warehouse_id,
                    "mis_pick",
                    at,
                    actor,
                    line.sku,
                    allocation.quantity,
                    "wrong item, corrected at pack",
                )
            if allocation.quantity:
                allocation.stage = PICKED
                self._warehouse_event(warehouse_id, "picked", at, actor, line.sku, allocation.quantity)
        self.allocations = [a for a in self.allocations if a.quantity > 0]
        self._merge_allocations()
        added_backorder = self.total_backordered - backorder_before
        if added_backorder:
            self._record(
                "backordered", at, actor, note=f"{added_backorder} units short at pick in {warehouse_id}"
            )
        self._sync_fulfilment_status(at, actor)

    def pack(self, warehouse_id: str, at: datetime, actor: str) -> None:
        work = [a for a in self.allocations if a.warehouse_id == warehouse_id and a.stage == PICKED]
        if not work:
            raise DomainError(f"order {self.order_id} has nothing picked at {warehouse_id} to pack")
        for allocation in work:
            allocation.stage = PACKED
        self._warehouse_event(warehouse_id, "packed", at, actor, None, sum(a.quantity for a in work))
        self._merge_allocations()
        self._sync_fulfilment_status(at, actor)

    def ship(
        self,
        *,
        warehouse_id: str,
        shipment_id: str,
        invoice_id: str,
        carrier: str,
        service_level: str,
        tracking_number: str,
        stock_by_sku: Mapping[str, Sequence[StockLevel]],
        at: datetime,
        actor: str,
    ) -> Shipment:
        """Ship everything packed at a warehouse as one parcel, and invoice it."""
        work = [a for a in self.allocations if a.warehouse_id == warehouse_id and a.stage == PACKED]
        if not work:
            raise DomainError(f"order {self.order_id} has nothing packed at {warehouse_id} to ship")
        if any(s.tracking_number == tracking_number for s in self.shipments):
            raise DomainError(f"tracking number {tracking_number} is already used by this order")
        shipment_lines = []
        amount = Decimal("0")
        for number, allocation in enumerate(sorted(work, key=lambda a: a.line_number), start=1):
            line = self._line(allocation.line_number)
            level = stock_at(stock_by_sku, line.sku, warehouse_id)
            level.ship(allocation.quantity)
            line.quantity_shipped += allocation.quantity
            self._touch_line(line, at)
            shipment_lines.append(ShipmentLine(number, line.line_number, line.sku, allocation.quantity))
            amount += line.unit_price * allocation.quantity
        self.allocations = [
            a for a in self.allocations if a.warehouse_id != warehouse_id or a.stage != PACKED
        ]
        shipment = Shipment(
            shipment_id, warehouse_id, carrier, service_level, tracking_number, at, shipment_lines
        )
        self.shipments.append(shipment)
        self._record("shipped", at, actor, note=f"{shipment_id} via {carrier} {tracking_number}")
        self.invoices.append(Invoice(invoice_id, shipment_id, at, amount, self.currency))
        self._record("invoiced", at, actor, note=f"{invoice_id} {amount} {self.currency}")
        self._sync_fulfilment_status(at, actor)
        return shipment

    # ------------------------------------------------------------------ carrier
    def apply_tracking(
        self, tracking_number: str, status_code: str, exception_code: str | None, at: datetime, actor: str
    ) -> None:
        """A carrier event that ends a parcel's journey: delivered, lost, or returned to sender."""
        shipment = self.shipment_by_tracking(tracking_number)
        if shipment.status == SHIPMENT_DELIVERED:
            return  # a carrier resending "delivered" changes nothing
        if status_code == "delivered":
            shipment.status, shipment.delivered_at = SHIPMENT_DELIVERED, at
        elif status_code == "returned_to_sender":
            shipment.status = RETURNED_TO_SENDER
        elif status_code == "exception" and exception_code == "lost":
            shipment.status = LOST
        else:
            return
        shipment.changed = self.shipments_changed = True
        if shipment.status != SHIPMENT_DELIVERED:  # a delivery is on record as the carrier's event
            self._record(
                f"shipment_{shipment.status}", at, actor, note=f"{shipment.shipment_id} {tracking_number}"
            )
        if (
            self.status == status.SHIPPED
            and all(s.is_final for s in self.shipments)
            and all(s.status == SHIPMENT_DELIVERED for s in self.shipments)
        ):
            self._move_to(status.DELIVERED, at, actor)

    def shipment_by_tracking(self, tracking_number: str) -> Shipment:
        for shipment in self.shipments:
            if shipment.tracking_number == tracking_number:
                return shipment
        raise DomainError(f"order {self.order_id} has no shipment with tracking number {tracking_number}")

    # ------------------------------------------------------------------ ending
    def cancel(
        self,
        reason: str,
        stock_by_sku: Mapping[str, Sequence[StockLevel]],
        at: datetime,
        actor: str,
        note: str | None = None,
    ) -> None:
        if reason not in CANCEL_REASONS:
            raise DomainError(
                f"unknown cancel reason {reason!r}; expected one of {', '.join(CANCEL_REASONS)}"
            )
        ORDER_LIFECYCLE.check(self.order_id, self.status, status.CANCELLED)
        self._release_all_allocations(stock_by_sku, at, actor, f"order cancelled: {reason}")
        for line in self.lines:
            if line.open_quantity:
                line.quantity_cancelled += line.open_quantity
                self._touch_line(line, at)
        self._move_to(status.CANCELLED, at, actor, reason_code=reason, note=note)

    def short_close(
        self,
        stock_by_sku: Mapping[str, Sequence[StockLevel]],
        at: datetime,
        actor: str,
        note: str,
    ) -> None:
        """Give up on what a partially shipped order still waits for; it counts as shipped short."""
        self._require(status.PARTIALLY_SHIPPED, "short-close")
        self._release_all_allocations(stock_by_sku, at, actor, "remaining quantity short-closed")
        for line in self.lines:
            if line.open_quantity:
                line.quantity_cancelled += line.open_quantity
                self._touch_line(line, at)
        self._record("short_closed", at, actor, note=note)
        self._sync_fulfilment_status(at, actor)

    def close(self, at: datetime, actor: str, note: str | None = None) -> None:
        if self.status == status.SHIPPED and not all(s.is_final for s in self.shipments):
            raise DomainError(f"order {self.order_id} still has parcels in transit")
        self._move_to(status.CLOSED, at, actor, note=note)

    def issue_credit_memo(
        self,
        *,
        credit_memo_id: str,
        invoice_id: str,
        amount: Decimal,
        reason_code: str,
        at: datetime,
        actor: str,
        note: str | None = None,
    ) -> CreditMemo:
        if reason_code not in CREDIT_MEMO_REASONS:
            raise DomainError(
                f"unknown credit memo reason {reason_code!r}; expected one of {', '.join(CREDIT_MEMO_REASONS)}"
            )
        invoice = next((i for i in self.invoices if i.invoice_id == invoice_id), None)
        if invoice is None:
            raise DomainError(f"order {self.order_id} has no invoice {invoice_id}")
        if amount <= 0:
            raise DomainError(f"a credit memo amount must be positive, got {amount}")
        credited = sum((m.amount for m in self.credit_memos if m.invoice_id == invoice_id), Decimal("0"))
        if credited + amount > invoice.amount:
            raise DomainError(
                f"credit of {amount} would exceed invoice {invoice_id}: {invoice.amount} invoiced, {credited} credited"
            )
        memo = CreditMemo(credit_memo_id, invoice_id, at, amount, reason_code, actor, note)
        self.credit_memos.append(memo)
        self._record(
            "credit_memo_issued", at, actor, reason_code=reason_code, note=f"{credit_memo_id} {amount}"
        )
        return memo

    def invoice_for_sku(self, sku: str) -> Invoice:
        """The invoice of the first shipment that carried `sku` (a refund credits it)."""
        for shipment in self.shipments:
            if any(line.sku == sku for line in shipment.lines):
                return next(i for i in self.invoices if i.shipment_id == shipment.shipment_id)
        raise DomainError(f"order {self.order_id} never shipped {sku}")

    def line_for_sku(self, sku: str) -> OrderLine:
        for line in self.lines:
            if line.sku == sku:
                return line
        raise DomainError(f"order {self.order_id} has no line for {sku}")

    def record_return_event(
        self, event_type: str, at: datetime, actor: str, reason_code: str | None, note: str
    ) -> None:
        self._record(event_type, at, actor, reason_code=reason_code, note=note)

    # ------------------------------------------------------------------ internals
    def _release_all_allocations(self, stock_by_sku, at, actor, note) -> None:
        for allocation in self.allocations:
            sku = self._line(allocation.line_number).sku
            level = stock_at(stock_by_sku, sku, allocation.warehouse_id)
            level.unreserve(allocation.quantity)
        self.allocations = []

    def _merge_allocations(self) -> None:
        merged: dict[tuple[int, str, str], Allocation] = {}
        for allocation in self.allocations:
            key = (allocation.line_number, allocation.warehouse_id, allocation.stage)
            if key in merged:
                merged[key].quantity += allocation.quantity
            else:
                merged[key] = allocation
        self.allocations = list(merged.values())

    def _sync_fulfilment_status(self, at: datetime, actor: str) -> None:
        """Move the order to the milestone all its open work has reached.

        Work released later for a backorder does not move the order back: an order stays
        `packed` while its remainder is picked, and `partially_shipped` until all has shipped.
        The caller has already recorded what happened (the warehouse's picked and packed events,
        the shipment), so the status change adds no event of its own.
        """
        target = self._fulfilment_milestone()
        if target is None or target == self.status or not ORDER_LIFECYCLE.allows(self.status, target):
            return
        self._move_to(target, at, actor, record=False)

    def _fulfilment_milestone(self) -> str | None:
        lines = self.lines
        if any(line.quantity_shipped for line in lines):
            everything_settled = all(
                line.quantity_ordered == line.quantity_shipped + line.quantity_cancelled for line in lines
            )
            return status.SHIPPED if everything_settled else status.PARTIALLY_SHIPPED
        in_warehouse = [a for a in self.allocations if a.stage != ALLOCATED]
        if not in_warehouse:
            return status.BACKORDERED if self.total_backordered else None
        least = min(in_warehouse, key=lambda a: _STAGE_RANK[a.stage]).stage
        return _ORDER_STATUS_OF_STAGE[least]

    def _line(self, line_number: int) -> OrderLine:
        return self.lines[line_number - 1]

    def _touch_line(self, line: OrderLine, at: datetime) -> None:
        line.changed = True
        if at > line.updated_at:
            line.updated_at = at

    def _require(self, allowed: str | Sequence[str], action: str) -> None:
        allowed = (allowed,) if isinstance(allowed, str) else tuple(allowed)
        if self.status not in allowed:
            raise DomainError(f"cannot {action} order {self.order_id} while it is {self.status}")

    def _move_to(
        self,
        target: str,
        at: datetime,
        actor: str,
        *,
        reason_code: str | None = None,
        note: str | None = None,
        record: bool = True,
    ) -> None:
        ORDER_LIFECYCLE.check(self.order_id, self.status, target)
        self.status = target
        if record:
            self._record(target, at, actor, reason_code=reason_code, note=note)
        else:
            self.changed = True
            if at > self.updated_at:
                self.updated_at = at

    def _record(
        self,
        event_type: str,
        at: datetime,
        actor: str,
        *,
        reason_code: str | None = None,
        note: str | None = None,
    ) -> None:
        self.events.append(OrderEvent(self.order_id, event_type, at, actor, reason_code, note, self.status))
        self.changed = True
        if at > self.updated_at:
            self.updated_at = at

    def _warehouse_event(self, warehouse_id, event_type, at, actor, sku, quantity, note=None) -> None:
        self.warehouse_events.append(
            WarehouseEvent(self.order_id, warehouse_id, event_type, at, actor, sku, quantity, note)
        )
        self.changed = True
        if at > self.updated_at:
            self.updated_at = at


def is_cancellable(order: Order) -> bool:
    return order.status in CANCELLABLE
