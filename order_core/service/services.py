"""Use cases of the order core, one function each.

Every function runs inside `with uow:` and commits; called inside an outer unit of work (a
batch), it joins that transaction. Times are passed in (`at`) so a simulation can replay a
quarter; live callers leave them out and get the current time. `actor` is who did it.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import NamedTuple

from order_core.domain.errors import DomainError
from order_core.domain.events import TrackingEvent
from order_core.domain.inventory import Customer, Product, Warehouse
from order_core.domain.orders import TRACKING_EXCEPTIONS, TRACKING_STATUSES, Order
from order_core.domain.returns import ReturnAuthorization, ReturnRequestLine
from order_core.domain.validation import (
    CURRENCIES,
    LineRequest,
    ValidationPolicy,
    holds_for,
    reject_invalid_lines,
)
from order_core.service.payments import PaymentGateway
from order_core.service.unit_of_work import DuplicateOrder

SYSTEM = "system"
SHIP_CUTOFF = time(14, 0)  # orders released before 14:00 UTC leave the same day
_SHIP_CUTOFF_UTC = SHIP_CUTOFF.replace(tzinfo=UTC)
SHIP_BY = time(20, 0)
TRANSIT_DAYS = {"standard": 5, "expedited": 3, "overnight": 1}
REGIONS = {"US": "NA", "CA": "NA", "MX": "NA"}  # everything else we ship to is served from Europe first


DEFAULT_POLICY = ValidationPolicy()


class UnknownRecord(DomainError):
    """An id that does not exist in the core."""


def _now(at: datetime | None) -> datetime:
    return at or datetime.now(UTC)


# ---------------------------------------------------------------------- master data
def add_warehouse(uow, warehouse_id: str, country: str) -> None:
    with uow:
        if any(w.warehouse_id == warehouse_id for w in uow.master_data.warehouses()):
            raise DomainError(f"warehouse {warehouse_id} already exists")
        uow.master_data.add_warehouse(Warehouse(warehouse_id, country))
        uow.commit()


def set_product(uow, sku: str, list_price: Decimal, export_restricted: bool = False) -> None:
    if list_price < 0:
        raise DomainError(f"list price must not be negative, got {list_price}")
    with uow:
        uow.master_data.add_product(Product(sku, list_price, export_restricted))
        uow.commit()


def set_customer(
    uow, customer_id: str, credit_limit: Decimal | None = None, open_balance: Decimal = Decimal("0")
) -> None:
    set_customers(uow, [Customer(customer_id, credit_limit, open_balance)])


def set_customers(uow, customers: Sequence[Customer]) -> None:
    with uow:
        uow.master_data.add_customers(customers)
        uow.commit()


# ---------------------------------------------------------------------- capture
@dataclass(frozen=True)
class PlaceOrder:
    channel: str
    external_order_id: str
    customer_id: str
    lines: Sequence[LineRequest]
    ship_to_country: str | None
    ship_to_postal_code: str | None
    currency: str = "USD"
    service_level: str = "standard"
    ship_complete: bool = False
    fraud_score: int | None = None
    ordered_at: datetime | None = None
    promised_delivery_date: date | None = None  # EDI orders bring the customer's required date


@dataclass(frozen=True)
class PlacedOrder:
    order_id: str
    status: str
    created: bool  # False: the request was a retry and this is the order captured earlier


def promise(ordered_at: datetime, service_level: str) -> tuple[datetime, date]:
    """Ship by the day's cut-off (or the next day's), deliver after the service level's transit days."""
    return _promise(ordered_at.date(), ordered_at.timetz() < _SHIP_CUTOFF_UTC, service_level)


@functools.lru_cache(maxsize=4096)
def _promise(order_day: date, before_cutoff: bool, service_level: str) -> tuple[datetime, date]:
    # Cached: a day's orders share one promise (and one pair of objects to store).
    ship_day = order_day if before_cutoff else order_day + timedelta(days=1)
    promised_ship_at = datetime.combine(ship_day, SHIP_BY, tzinfo=UTC)
    return promised_ship_at, ship_day + timedelta(days=TRANSIT_DAYS[service_level])


@functools.cache
def warehouse_preference(warehouses: tuple[Warehouse, ...], country: str | None) -> list[str]:
    """Same country first, then same region, then the rest: the shortest trip ships."""
    region = REGIONS.get(country or "", "EU")

    def distance(w: Warehouse) -> tuple[int, str]:
        if w.country == country:
            return 0, w.warehouse_id
        return (1 if REGIONS.get(w.country, "EU") == region else 2), w.warehouse_id

    return [w.warehouse_id for w in sorted(warehouses, key=distance)]


def place_order(uow, request: PlaceOrder, payments: PaymentGateway, actor: str = SYSTEM,
                policy: ValidationPolicy = DEFAULT_POLICY) -> PlacedOrder:  # fmt: skip
    return place_orders(uow, [request], payments, actor, policy)[0]


def place_orders(uow, requests: Sequence[PlaceOrder], payments: PaymentGateway, actor: str = SYSTEM,
                 policy: ValidationPolicy = DEFAULT_POLICY) -> list[PlacedOrder]:  # fmt: skip
    """Capture orders (idempotent per channel and external id), authorize payment, validate, and
    allocate and release the ones that pass."""
    try:
        with uow:
            uow.orders.prefetch_external_ids((r.channel, r.external_order_id) for r in requests)
            uow.master_data.products_by_sku(line.sku for r in requests for line in r.lines)
            uow.master_data.customers_by_id(r.customer_id for r in requests)
            uow.stock.for_skus(line.sku for r in requests for line in r.lines)
            results = [_place(uow, request, payments, actor, policy) for request in requests]
            uow.commit()
            return results
    except DuplicateOrder:
        # A concurrent worker captured one of these first: the retry returns its order.
        with uow:
            results = []
            for request in requests:
                order = uow.orders.by_external_id(request.channel, request.external_order_id)
                if order is None:
                    raise
                results.append(PlacedOrder(order.order_id, order.status, created=False))
            return results


def _place(
    uow, request: PlaceOrder, payments: PaymentGateway, actor: str, policy: ValidationPolicy
) -> PlacedOrder:
    existing = uow.orders.by_external_id(request.channel, request.external_order_id)
    if existing is not None:
        return PlacedOrder(existing.order_id, existing.status, created=False)
    catalog = uow.master_data.products_by_sku(line.sku for line in request.lines)
    reject_invalid_lines(request.lines, catalog)
    customer = uow.master_data.customers_by_id([request.customer_id]).get(request.customer_id)
    if customer is None:
        raise UnknownRecord(f"unknown customer {request.customer_id!r}")
    if request.currency not in CURRENCIES:
        raise DomainError(f"unknown currency {request.currency!r}; expected one of {', '.join(CURRENCIES)}")
    if request.service_level not in TRANSIT_DAYS:
        raise DomainError(
            f"unknown service level {request.service_level!r}; expected one of {', '.join(TRANSIT_DAYS)}"
        )
    ordered_at = _now(request.ordered_at)
    promised_ship_at, promised_delivery = promise(ordered_at, request.service_level)
    order = Order.capture(
        order_id=uow.ids.new("SO"),
        channel=request.channel,
        external_order_id=request.external_order_id,
        customer_id=request.customer_id,
        ordered_at=ordered_at,
        promised_ship_at=promised_ship_at,
        promised_delivery_date=request.promised_delivery_date or promised_delivery,
        ship_to_country=request.ship_to_country,
        ship_to_postal_code=request.ship_to_postal_code,
        currency=request.currency,
        service_level=request.service_level,
        ship_complete=request.ship_complete,
        lines=request.lines,
        actor=actor,
    )
    uow.orders.add(order)
    authorization = payments.authorize(
        order.order_id, order.external_order_id, order.order_total, order.currency
    )
    if not authorization.approved:
        order.record_payment_failure(authorization.decline_reason or "declined", ordered_at, actor)
        return PlacedOrder(order.order_id, order.status, created=True)
    order.authorize_payment(ordered_at, actor)
    holds = holds_for(
        lines=request.lines,
        catalog=catalog,
        customer=customer,
        ship_to_country=request.ship_to_country,
        ship_to_postal_code=request.ship_to_postal_code,
        fraud_score=request.fraud_score,
        policy=policy,
    )
    order.apply_validation(holds, ordered_at, actor)
    if not holds:
        _allocate_and_release(uow, order, ordered_at, actor)
    return PlacedOrder(order.order_id, order.status, created=True)


def _allocate_and_release(uow, order: Order, at: datetime, actor: str) -> None:
    stock = uow.stock.for_skus(line.sku for line in order.lines)
    order.allocate(
        stock, warehouse_preference(uow.master_data.warehouses(), order.ship_to_country), at, actor
    )
    if order.can_release:
        order.release_to_warehouse(at, actor)


def _get_order(uow, order_id: str) -> Order:
    order = uow.orders.get(order_id)
    if order is None:
        raise UnknownRecord(f"unknown order {order_id!r}")
    return order


def retry_payment(uow, order_id: str, payments: PaymentGateway, at: datetime | None = None,
                  actor: str = SYSTEM, policy: ValidationPolicy = DEFAULT_POLICY) -> str:  # fmt: skip
    at = _now(at)
    with uow:
        order = _get_order(uow, order_id)
        authorization = payments.authorize(
            order.order_id, order.external_order_id, order.order_total, order.currency
        )
        if not authorization.approved:
            order.record_payment_failure(authorization.decline_reason or "declined", at, actor)
        else:
            order.authorize_payment(at, actor)
            catalog = uow.master_data.products_by_sku(line.sku for line in order.lines)
            customer = uow.master_data.customers_by_id([order.customer_id])[order.customer_id]
            holds = holds_for(
                lines=[LineRequest(line.sku, line.quantity_ordered, line.unit_price) for line in order.lines],
                catalog=catalog,
                customer=customer,
                ship_to_country=order.ship_to_country,
                ship_to_postal_code=order.ship_to_postal_code,
                fraud_score=None,
                policy=policy,
            )
            order.apply_validation(holds, at, actor)
            if not holds:
                _allocate_and_release(uow, order, at, actor)
        uow.commit()
        return order.status


# ---------------------------------------------------------------------- holds
def place_hold(uow, order_id: str, reason: str, actor: str, note: str, at: datetime | None = None) -> str:
    with uow:
        order = _get_order(uow, order_id)
        order.place_hold(reason, _now(at), actor, note)
        uow.commit()
        return order.status


def release_hold(uow, order_id: str, reason: str, actor: str, note: str, at: datetime | None = None) -> str:
    """A named person releases a hold with a reason; releasing the last one allocates the order."""
    at = _now(at)
    with uow:
        order = _get_order(uow, order_id)
        order.release_hold(reason, at, actor, note)
        if order.status == "validated":
            _allocate_and_release(uow, order, at, actor)
        uow.commit()
        return order.status


def correct_address(uow, order_id: str, country: str, postal_code: str, actor: str, note: str,
                    at: datetime | None = None) -> None:  # fmt: skip
    with uow:
        _get_order(uow, order_id).correct_address(country, postal_code, _now(at), actor, note)
        uow.commit()


# ---------------------------------------------------------------------- inventory
@dataclass(frozen=True)
class StockReceipt:
    sku: str
    warehouse_id: str
    quantity: int
    note: str | None = None


def receive_stock(
    uow, receipts: Sequence[StockReceipt], at: datetime | None = None, actor: str = SYSTEM
) -> list[str]:
    """Put received units on hand and allocate waiting backorders, oldest first.
    Returns the orders that got stock."""
    at = _now(at)
    with uow:
        skus = sorted({r.sku for r in receipts})
        unknown_skus = sorted(set(skus) - set(uow.master_data.products_by_sku(skus)))
        if unknown_skus:
            raise UnknownRecord(f"unknown SKU {unknown_skus[0]!r}")
        warehouses = uow.master_data.warehouses()
        unknown_warehouses = sorted({r.warehouse_id for r in receipts} - {w.warehouse_id for w in warehouses})
        if unknown_warehouses:
            raise UnknownRecord(f"unknown warehouse {unknown_warehouses[0]!r}")
        # Lock order: waiting orders first, then stock (as every other use case does).
        waiting = uow.orders.get_many(uow.orders.ids_waiting_for(skus))
        for receipt in receipts:
            uow.stock.level(receipt.sku, receipt.warehouse_id).receive(
                receipt.quantity, at, actor, receipt.note
            )
        filled = []
        for order in sorted(waiting.values(), key=lambda o: (o.ordered_at, o.order_id)):
            if not order.can_allocate:
                continue
            stock = uow.stock.for_skus(line.sku for line in order.lines)
            if order.allocate(stock, warehouse_preference(warehouses, order.ship_to_country), at, actor):
                filled.append(order.order_id)
                if order.can_release:
                    order.release_to_warehouse(at, actor)
        uow.commit()
        return filled


def stock_levels(uow) -> list[tuple[str, str, int, int]]:
    with uow:
        return [(lv.sku, lv.warehouse_id, lv.on_hand, lv.allocated) for lv in uow.stock.all_levels()]


# ---------------------------------------------------------------------- warehouse
@dataclass(frozen=True)
class PickConfirmation:
    order_id: str
    warehouse_id: str
    short: Mapping[str, int] = field(default_factory=dict)
    damaged: Mapping[str, int] = field(default_factory=dict)
    mis_picked: Sequence[str] = ()


@dataclass(frozen=True)
class ShipConfirmation:
    order_id: str
    warehouse_id: str
    carrier: str
    service_level: str
    tracking_number: str


def pick(
    uow, confirmations: Sequence[PickConfirmation], at: datetime | None = None, actor: str = SYSTEM
) -> None:
    at = _now(at)
    with uow:
        orders = _get_orders(uow, [c.order_id for c in confirmations])
        stock = uow.stock.for_skus(line.sku for order in orders.values() for line in order.lines)
        for c in confirmations:
            orders[c.order_id].pick(c.warehouse_id, stock, at, actor, c.short, c.damaged, c.mis_picked)
        uow.commit()


def pack(uow, work: Sequence[tuple[str, str]], at: datetime | None = None, actor: str = SYSTEM) -> None:
    """Pack (order id, warehouse id) pairs."""
    at = _now(at)
    with uow:
        orders = _get_orders(uow, [order_id for order_id, _ in work])
        for order_id, warehouse_id in work:
            orders[order_id].pack(warehouse_id, at, actor)
        uow.commit()


def ship(
    uow, confirmations: Sequence[ShipConfirmation], at: datetime | None = None, actor: str = SYSTEM
) -> list[str]:
    """Ship and invoice what was packed; returns the shipment ids."""
    at = _now(at)
    with uow:
        orders = _get_orders(uow, [c.order_id for c in confirmations])
        stock = uow.stock.for_skus(line.sku for order in orders.values() for line in order.lines)
        shipment_ids = []
        for c in confirmations:
            shipment = orders[c.order_id].ship(
                warehouse_id=c.warehouse_id,
                shipment_id=uow.ids.new("SH"),
                invoice_id=uow.ids.new("INV"),
                carrier=c.carrier,
                service_level=c.service_level,
                tracking_number=c.tracking_number,
                stock_by_sku=stock,
                at=at,
                actor=actor,
            )
            shipment_ids.append(shipment.shipment_id)
        uow.commit()
        return shipment_ids


def _get_orders(uow, order_ids: Sequence[str]) -> dict[str, Order]:
    orders = uow.orders.get_many(order_ids)
    unknown = sorted(set(order_ids) - set(orders))
    if unknown:
        raise UnknownRecord(f"unknown order {unknown[0]!r}")
    return orders


# ---------------------------------------------------------------------- carrier
class TrackingUpdate(NamedTuple):  # a named tuple: a carrier feed brings them by the hundred thousand
    tracking_number: str
    status_code: str
    at: datetime
    exception_code: str | None = None
    location: str | None = None


def record_tracking_events(uow, updates: Sequence[TrackingUpdate], actor: str = "carrier") -> list[str]:
    """A carrier feed: append each event; deliveries, losses and returns to sender update the order.
    Returns the order id of each update."""
    for u in updates:
        # The usual event in one test: a status other than exception, with no exception code.
        if u.exception_code is not None or u.status_code not in _STATUSES_WITHOUT_EXCEPTION:
            _check_tracking_update(u)
    with uow:
        shipments = uow.orders.shipments_by_tracking({u.tracking_number for u in updates})
        found = [shipments.get(u.tracking_number) for u in updates]
        if None in found:
            unknown = sorted(
                u.tracking_number for u, shipment in zip(updates, found, strict=True) if not shipment
            )
            raise UnknownRecord(f"unknown tracking number {unknown[0]!r}")
        final = [_ends_journey(u) for u in updates]
        orders = uow.orders.get_many(shipment[0] for shipment, ends in zip(found, final, strict=True) if ends)
        uow.tracking.add_many(
            TrackingEvent(u.tracking_number, order_id, shipment_id, carrier, u.status_code, u.at, u.exception_code,
                          u.location)
            for u, (order_id, shipment_id, carrier) in zip(updates, found, strict=True)
        )  # fmt: skip
        for u, shipment, ends in zip(updates, found, final, strict=True):
            if ends:
                orders[shipment[0]].apply_tracking(
                    u.tracking_number, u.status_code, u.exception_code, u.at, actor
                )
        uow.commit()
        return [order_id for order_id, _, _ in found]


_STATUSES_WITHOUT_EXCEPTION = frozenset(TRACKING_STATUSES) - {"exception"}


def _check_tracking_update(u: TrackingUpdate) -> None:
    if u.status_code not in TRACKING_STATUSES:
        raise DomainError(
            f"unknown tracking status {u.status_code!r}; expected one of {', '.join(TRACKING_STATUSES)}"
        )
    if (u.status_code == "exception") != (u.exception_code is not None):
        raise DomainError("an exception code goes with status 'exception', and only with it")
    if u.exception_code is not None and u.exception_code not in TRACKING_EXCEPTIONS:
        raise DomainError(
            f"unknown exception code {u.exception_code!r}; expected one of {', '.join(TRACKING_EXCEPTIONS)}"
        )


def _ends_journey(update: TrackingUpdate) -> bool:
    return update.status_code in ("delivered", "returned_to_sender") or update.exception_code == "lost"


# ---------------------------------------------------------------------- ending an order
def cancel_order(uow, order_id: str, reason: str, actor: str, note: str | None = None,
                 at: datetime | None = None) -> None:  # fmt: skip
    with uow:
        order = _get_order(uow, order_id)
        order.cancel(reason, uow.stock.for_skus(line.sku for line in order.lines), _now(at), actor, note)
        uow.commit()


def short_close(uow, order_id: str, actor: str, note: str, at: datetime | None = None) -> None:
    with uow:
        order = _get_order(uow, order_id)
        order.short_close(uow.stock.for_skus(line.sku for line in order.lines), _now(at), actor, note)
        uow.commit()


def close_orders(uow, order_ids: Sequence[str], at: datetime | None = None, actor: str = SYSTEM) -> None:
    at = _now(at)
    with uow:
        for order in _get_orders(uow, order_ids).values():
            order.close(at, actor)
        uow.commit()


def issue_credit_memo(uow, order_id: str, amount: Decimal, reason_code: str, actor: str, note: str | None = None,
                      invoice_id: str | None = None, at: datetime | None = None) -> str:  # fmt: skip
    """Credit part of an invoice (the order's first one unless named)."""
    with uow:
        order = _get_order(uow, order_id)
        if invoice_id is None:
            if not order.invoices:
                raise DomainError(f"order {order_id} has no invoice to credit")
            invoice_id = order.invoices[0].invoice_id
        memo = order.issue_credit_memo(
            credit_memo_id=uow.ids.new("CM"),
            invoice_id=invoice_id,
            amount=amount,
            reason_code=reason_code,
            at=_now(at),
            actor=actor,
            note=note,
        )
        uow.commit()
        return memo.credit_memo_id


# ---------------------------------------------------------------------- returns
def open_return(uow, order_id: str, lines: Sequence[ReturnRequestLine], actor: str,
                at: datetime | None = None) -> str:  # fmt: skip
    with uow:
        order = _get_order(uow, order_id)
        already: dict[str, int] = defaultdict(int)
        for earlier in uow.returns.for_order(order_id):
            for line in earlier.lines:
                already[line.sku] += line.quantity
        rma = ReturnAuthorization.request(
            rma_id=uow.ids.new("RMA"),
            order=order,
            lines=lines,
            already_returned=already,
            at=_now(at),
            actor=actor,
        )
        uow.returns.add(rma)
        uow.commit()
        return rma.rma_id


def _get_return_and_order(uow, rma_id: str) -> tuple[ReturnAuthorization, Order]:
    # The order is locked before its return, as open_return does, so two workers never deadlock.
    order_id = uow.returns.order_ids_of([rma_id]).get(rma_id)
    if order_id is None:
        raise UnknownRecord(f"unknown return {rma_id!r}")
    order = _get_order(uow, order_id)
    return uow.returns.get(rma_id), order


def receive_return(uow, rma_id: str, dispositions: Mapping[str, str], actor: str,
                   at: datetime | None = None) -> None:  # fmt: skip
    with uow:
        rma, order = _get_return_and_order(uow, rma_id)
        stock = uow.stock.for_skus(line.sku for line in rma.lines)
        rma.receive(order=order, dispositions=dispositions, stock_by_sku=stock, at=_now(at), actor=actor)
        uow.commit()


def refund_return(uow, rma_id: str, actor: str, at: datetime | None = None) -> None:
    with uow:
        rma, order = _get_return_and_order(uow, rma_id)
        rma.refund(order=order, new_credit_memo_id=lambda: uow.ids.new("CM"), at=_now(at), actor=actor)
        uow.commit()


# ---------------------------------------------------------------------- reading
def get_orders(uow, order_ids: Sequence[str]) -> dict[str, Order]:
    """Orders to look at (not to change: changes go through the use cases above)."""
    with uow:
        return _get_orders(uow, order_ids)


def get_returns(uow, rma_ids: Sequence[str]) -> dict[str, ReturnAuthorization]:
    """Returns to look at, with their orders loaded too (a returns desk's batch reads them together)."""
    with uow:
        uow.orders.get_many(uow.returns.order_ids_of(rma_ids).values())  # orders first, as ever
        return uow.returns.get_many(rma_ids)


def released_work(uow, order_ids: Sequence[str]) -> list[tuple[str, str]]:
    """(order id, warehouse id) pairs with work released to the warehouse and not yet picked."""
    with uow:
        orders = uow.orders.get_many(order_ids)
        return [
            (order_id, warehouse_id)
            for order_id in order_ids
            if order_id in orders
            for warehouse_id in sorted(
                {a.warehouse_id for a in orders[order_id].allocations if a.stage == "released"}
            )
        ]


def orders_waiting_since(uow, ordered_before: datetime, statuses: Sequence[str]) -> list[str]:
    """Orders in `statuses` placed before a time that still wait for stock (a backorder review's list)."""
    with uow:
        return uow.orders.ids_backordered_before(ordered_before, statuses)


def order_status_counts(uow) -> dict[str, int]:
    with uow:
        return uow.orders.status_counts()


def order_history(uow, order_id: str) -> tuple[Order, list[tuple]]:
    with uow:
        order = _get_order(uow, order_id)
        return order, uow.orders.history(order_id)
