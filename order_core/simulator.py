"""A simulated operation that drives the order core through its use cases, day by day.

Customers order on five channels (weekday and seasonal peaks, repeat customers, skewed SKU
popularity); validation holds are reviewed by named people; payments fail and are retried;
the warehouses pick, pack and ship up to their capacity; carriers report tracking events,
delays and exceptions; suppliers replenish, sometimes late; customers cancel and return.
Every trouble has a configurable rate (`SimulationRates`).

Each simulated day is one transaction: every use case of the day joins it, so the writes go
to the database in bulk. A seed fixes every random draw, and ids are sequential, so the same
seed gives the same database and byte-identical exports.
"""

from __future__ import annotations

import gc
import itertools
import math
import random
import time as clock
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from operator import attrgetter, itemgetter

from order_core.domain import lifecycle as status
from order_core.domain.errors import DomainError
from order_core.domain.inventory import Customer
from order_core.domain.lifecycle import CANCELLABLE
from order_core.domain.returns import ReturnRequestLine
from order_core.domain.validation import LineRequest
from order_core.service import services
from order_core.service.payments import Authorization, PaymentGateway
from order_core.service.services import (
    PickConfirmation,
    PlaceOrder,
    ShipConfirmation,
    StockReceipt,
    TrackingUpdate,
)


@dataclass(frozen=True)
class SimulationRates:
    """Probabilities per order (or per shipment, per purchase order) of each kind of trouble."""

    credit_hold: float = 0.008
    fraud_hold: float = 0.005
    pricing_hold: float = 0.006
    address_hold: float = 0.010
    compliance_hold: float = 0.004
    payment_failure: float = 0.018
    payment_recovery: float = 0.6  # share of failed payments that succeed when retried
    customer_cancel: float = 0.012
    duplicate_submission: float = 0.003  # a channel resends an order it already sent
    supplier_delay: float = 0.12  # per purchase order
    short_pick: float = 0.008  # per warehouse pick
    mis_pick: float = 0.004  # caught at the pack check
    mis_ship: float = 0.002  # not caught: the customer gets the wrong item
    warehouse_damage: float = 0.003
    carrier_delay: float = 0.03  # per shipment
    weather_delay: float = 0.015
    address_issue: float = 0.005
    refused: float = 0.002
    lost: float = 0.003
    damaged_parcel: float = 0.004
    billing_error: float = 0.004  # per invoice
    pricing_error: float = 0.003
    goodwill_credit: float = 0.002
    return_defective: float = 0.02  # per delivered order
    return_not_as_described: float = 0.012
    return_no_longer_needed: float = 0.025
    return_late_delivery: float = 0.15  # share of late deliveries returned
    return_damaged: float = 0.7  # share of damaged parcels returned (the rest get a damage credit)
    return_wrong_item: float = 0.9  # share of mis-shipments returned

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


@dataclass(frozen=True)
class SimulationConfig:
    days: int
    orders_per_day: int
    seed: int
    start_date: date = date(2026, 1, 5)
    rates: SimulationRates = field(default_factory=SimulationRates)
    skus: int = 400
    warehouse_capacity: float = 1.35  # picks per day, as a multiple of the average order count
    # On busy days (the promotion peak) the warehouses bring in temporary staff for this share of
    # the day's demand: the peak strains them, short of the whole backlog a fixed crew would build.
    peak_staffing: float = 1.1
    backorder_patience_days: int = 12  # then an out-of-stock order is cancelled or short-closed
    close_after_days: int = 14  # delivered orders close once the return window's first weeks pass


@dataclass(frozen=True)
class SimulationSummary:
    days: int
    orders: int
    seconds: float
    statuses: dict[str, int]


WAREHOUSES = (("WH-CA", "CA"), ("WH-EU", "NL"), ("WH-US", "US"))
MARKETS = (  # country, currency, share of customers
    ("US", "USD", 0.58),
    ("CA", "CAD", 0.09),
    ("GB", "GBP", 0.09),
    ("DE", "EUR", 0.08),
    ("FR", "EUR", 0.06),
    ("NL", "EUR", 0.04),
    ("ES", "EUR", 0.02),
    ("IT", "EUR", 0.02),
    ("MX", "MXN", 0.02),
)
CHANNELS = (("web", 0.55), ("marketplace", 0.20), ("edi", 0.09), ("phone", 0.07), ("sales_rep", 0.09))
CARD_CHANNELS = ("web", "marketplace", "phone")
SERVICE_LEVELS = (("standard", 0.74), ("expedited", 0.20), ("overnight", 0.06))
CARRIERS = {"WH-US": ("UPS", "FedEx", "USPS"), "WH-CA": ("Purolator", "Canada Post"), "WH-EU": ("DHL", "DPD")}
# Days in transit by service level: (days, weight) before any delay.
TRANSIT = {
    "standard": ((3, 0.30), (4, 0.45), (5, 0.22), (6, 0.03)),
    "expedited": ((2, 0.50), (3, 0.47), (4, 0.03)),
    "overnight": ((1, 0.97), (2, 0.03)),
}
WEEKDAY_FACTOR = (1.15, 1.10, 1.05, 1.00, 0.95, 0.85, 0.90)  # Monday first
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 9, 9, 9, 8, 8, 8, 8, 8, 9, 10, 10, 8, 5, 2)
HOURS = tuple(range(24))
HOUR_CUM_WEIGHTS = tuple(itertools.accumulate(HOUR_WEIGHTS))
LINE_COUNTS, LINE_COUNT_WEIGHTS = (1, 2, 3, 4, 5), (55, 25, 12, 5, 3)
QUANTITIES, QUANTITY_WEIGHTS = (1, 2, 3, 4, 5), (70, 18, 7, 3, 2)
LINE_COUNT_CUM_WEIGHTS = tuple(itertools.accumulate(LINE_COUNT_WEIGHTS))
QUANTITY_CUM_WEIGHTS = tuple(itertools.accumulate(QUANTITY_WEIGHTS))
MARKET_CUM_WEIGHTS = tuple(itertools.accumulate(m[2] for m in MARKETS))
CHANNEL_NAMES = tuple(c for c, _ in CHANNELS)
CHANNEL_CUM_WEIGHTS = tuple(itertools.accumulate(w for _, w in CHANNELS))
SERVICE_LEVEL_NAMES = tuple(s for s, _ in SERVICE_LEVELS)
SERVICE_LEVEL_CUM_WEIGHTS = tuple(itertools.accumulate(w for _, w in SERVICE_LEVELS))
TRANSIT_DRAWS = {  # service level -> (days, cumulative weights)
    level: (tuple(d for d, _ in days), tuple(itertools.accumulate(w for _, w in days)))
    for level, days in TRANSIT.items()
}
PEOPLE = ("a.garcia", "m.chen", "j.okafor", "s.novak", "r.patel")
LOCATIONS = {"US": ("Memphis TN", "Louisville KY", "Chicago IL", "Dallas TX"), "CA": ("Toronto ON", "Montreal QC"),
             "EU": ("Leipzig DE", "Venlo NL", "Paris FR")}  # fmt: skip
DISPOSITION_BY_REASON = {
    "damaged": "scrap",
    "defective": "return_to_vendor",
    "wrong_item": "restock",
    "not_as_described": "refurbish",
    "no_longer_needed": "restock",
    "late_delivery": "restock",
}
RETURN_LAG_DAYS = {  # days after delivery the customer asks
    "damaged": (0, 3),
    "wrong_item": (1, 4),
    "late_delivery": (0, 5),
    "defective": (3, 25),
    "not_as_described": (2, 12),
    "no_longer_needed": (3, 28),
}


class SimulatedPayments(PaymentGateway):
    """Declines the authorizations the simulation chose to fail."""

    def __init__(self) -> None:
        self.declines: dict[str, str] = {}

    def authorize(
        self, order_id: str, external_order_id: str, amount: Decimal, currency: str
    ) -> Authorization:
        reason = self.declines.pop(external_order_id, None)
        return Authorization(approved=reason is None, decline_reason=reason)


@dataclass(slots=True)
class _Customer:
    customer_id: str
    country: str
    currency: str
    postal_code: str
    channel: str
    at_credit_limit: bool = False


def _postal_code(rng: random.Random, country: str) -> str:
    def d(n):
        return "".join(rng.choice("0123456789") for _ in range(n))

    def letter():
        return rng.choice("ABCEGHJKLMNPRSTVXY")

    if country == "CA":
        return f"{letter()}{d(1)}{letter()} {d(1)}{letter()}{d(1)}"
    if country == "GB":
        return f"{letter()}{letter()}{d(1)} {d(1)}{letter()}{letter()}"
    if country == "NL":
        return f"{rng.randint(1000, 9999)} {letter()}{letter()}"
    return d(5)


class Simulation:
    def __init__(self, uow_factory, config: SimulationConfig, log=None) -> None:
        self.uow_factory = uow_factory
        self.config = config
        self.rates = config.rates
        self.rng = random.Random(config.seed)
        self.log = log or (lambda message: None)
        self.payments = SimulatedPayments()
        self.customers: list[_Customer] = []
        self.customer_cum_weights: list[float] = []  # cumulative, so a draw is a bisection
        self.sku_ids = [f"SKU-{n:05d}" for n in range(1, config.skus + 1)]
        self.sku_weights = [1 / (rank**1.05) for rank in range(1, config.skus + 1)]
        self.sku_cum_weights = list(itertools.accumulate(self.sku_weights))
        self.restricted_skus: list[str] = []
        self.prices: dict[str, Decimal] = {}
        self.order_count = 0
        self.tracking_count = 0
        # Work the operation has scheduled for a later day: day -> list of (time, kind, payload).
        self.agenda: dict[date, list[tuple]] = defaultdict(list)
        self.scheduled = 0
        # The carriers' scans, kept apart (they are most of the agenda, and a day's go in one feed).
        self.scans: dict[date, list[TrackingUpdate]] = defaultdict(list)
        self.released: dict[str, datetime] = {}  # orders with work released to a warehouse, and since when
        self.on_order: dict[tuple[str, str], int] = defaultdict(int)  # purchase orders not yet received
        self.daily_demand: dict[tuple[str, str], float] = {}
        self.mis_shipped: set[str] = set()
        self.damaged_parcels: set[str] = set()

    # ------------------------------------------------------------------ driver
    def run(self) -> SimulationSummary:
        with _no_cycle_collection():
            return self._run()

    def _run(self) -> SimulationSummary:
        started = clock.perf_counter()
        if services.order_status_counts(self.uow_factory()):
            raise DomainError("the database already has orders: simulate into a fresh database")
        day_factors = self._day_factors()
        self._set_up(day_factors)
        for index, factor in enumerate(day_factors):
            day = self.config.start_date + timedelta(days=index)
            uow = self.uow_factory()
            with uow:
                self._simulate_day(uow, day, factor)
                uow.commit()
            if (index + 1) % 10 == 0 or index + 1 == len(day_factors):
                self.log(f"day {index + 1}/{len(day_factors)}: {self.order_count} orders")
        statuses = services.order_status_counts(self.uow_factory())
        return SimulationSummary(len(day_factors), self.order_count, clock.perf_counter() - started, statuses)

    def _day_factors(self) -> list[float]:
        days = self.config.days
        raw = []
        for index in range(days):
            weekday = (self.config.start_date + timedelta(days=index)).weekday()
            # A promotion peak three quarters into the period, a gentle trend, and daily noise.
            peak = 0.45 * math.exp(-(((index - 0.75 * days) / max(2.0, 0.06 * days)) ** 2))
            trend = 1 + 0.1 * index / max(1, days)
            raw.append(WEEKDAY_FACTOR[weekday] * (1 + peak) * trend * self.rng.uniform(0.93, 1.07))
        mean = sum(raw) / len(raw)
        return [value / mean for value in raw]

    def _set_up(self, day_factors: list[float]) -> None:
        rng = self.rng
        start = datetime.combine(self.config.start_date, time(0, 0), tzinfo=UTC) - timedelta(days=1)
        uow = self.uow_factory()
        with uow:
            for warehouse_id, country in WAREHOUSES:
                services.add_warehouse(uow, warehouse_id, country)
            for sku in self.sku_ids:
                price = Decimal(str(round(math.exp(rng.uniform(math.log(4), math.log(400))), 0))) - Decimal(
                    "0.01"
                )
                self.prices[sku] = price
                restricted = rng.random() < 0.04
                if restricted:
                    self.restricted_skus.append(sku)
                services.set_product(uow, sku, price, export_restricted=restricted)
            # Expected daily demand per SKU per warehouse, for the opening stock and reorder points.
            units_per_order = _expected_units_per_order()
            total_weight = sum(self.sku_weights)
            region_share = {"WH-US": 0.60, "WH-CA": 0.11, "WH-EU": 0.29}
            receipts = []
            for sku, weight in zip(self.sku_ids, self.sku_weights, strict=True):
                for warehouse_id, _ in WAREHOUSES:
                    demand = self.config.orders_per_day * units_per_order * weight / total_weight
                    demand *= region_share[warehouse_id]
                    self.daily_demand[(sku, warehouse_id)] = demand
                    opening = max(3, round(demand * rng.uniform(10, 16)))
                    receipts.append(StockReceipt(sku, warehouse_id, opening, note="opening balance"))
            services.receive_stock(uow, receipts, at=start, actor="opening.balance")
            uow.commit()

    def _simulate_day(self, uow, day: date, factor: float) -> None:
        self._review_backorders(uow, day)
        self._run_agenda(uow, day)
        self._take_orders(uow, day, factor)
        self._run_agenda(uow, day)  # same-day follow-ups: customers cancelling soon after ordering
        self._warehouse_wave(uow, day, factor)
        self._run_agenda(uow, day)  # the carriers' first scans of today's parcels
        self._replenish(uow, datetime.combine(day, time(22, 0), tzinfo=UTC))

    def _run_agenda(self, uow, day: date) -> None:
        # A day's work was planned in running-number order: a stable sort by time alone puts it in
        # (time, running number) order without comparing whole tuples.
        planned = self.agenda.pop(day, [])
        planned.sort(key=itemgetter(0))
        deliveries = [(at, payload) for at, _, kind, payload in planned if kind == "receive_po"]
        other = [(at, kind, payload) for at, _, kind, payload in planned if kind != "receive_po"]
        receipts = [StockReceipt(*payload, note="purchase order") for _, payload in deliveries]
        if receipts:
            # The receiving dock books the morning's deliveries together.
            at = max(at for at, _ in deliveries)
            for order_id in services.receive_stock(uow, receipts, at=at, actor="receiving.dock"):
                self.released.setdefault(order_id, at)
            for receipt in receipts:
                self.on_order[(receipt.sku, receipt.warehouse_id)] -= receipt.quantity
        # A carrier sends its day's scans as one feed, in time order (scans planned for the same
        # moment in the order they were planned: the sort is stable).
        updates = self.scans.pop(day, [])
        updates.sort(key=attrgetter("at"))
        if updates:
            order_ids = services.record_tracking_events(uow, updates)
            for update, order_id in zip(updates, order_ids, strict=True):
                if update.status_code == "delivered":
                    self._after_delivery(uow, order_id, update)
                elif update.status_code == "returned_to_sender":
                    self._schedule(
                        update.at + timedelta(days=1),
                        "credit_memo",
                        (order_id, update.tracking_number, "return_to_sender"),
                    )
        # Load the orders the rest of the agenda touches in one go rather than one by one.
        services.get_orders(uow, [_subject_of(payload) for _, kind, payload in other if kind in ORDER_WORK])
        services.get_returns(uow, [_subject_of(payload) for _, kind, payload in other if kind in RETURN_WORK])
        for at, kind, payload in other:
            getattr(self, f"_do_{kind}")(uow, at, payload)

    # ------------------------------------------------------------------ orders
    def _take_orders(self, uow, day: date, factor: float) -> None:
        rng, rates = self.rng, self.rates
        count = max(1, round(self.config.orders_per_day * factor))
        day_start = datetime.combine(day, time(0, 0), tzinfo=UTC)
        times = sorted(
            day_start + timedelta(hours=_draw(rng, HOURS, HOUR_CUM_WEIGHTS), seconds=rng.randrange(3600))
            for _ in range(count)
        )
        new_customers: list[_Customer] = []
        requests: list[PlaceOrder] = []
        troubles: list[str | None] = []
        day_code = f"{day:%y%m%d}"  # formatted once: strftime costs a microsecond
        for ordered_at in times:
            customer = self._customer(new_customers)
            request, trouble = self._order_request(customer, ordered_at, day_code)
            requests.append(request)
            troubles.append(trouble)
        if new_customers:
            services.set_customers(uow, [self._customer_record(c) for c in new_customers])
        results = services.place_orders(uow, requests, self.payments, actor="order.capture")
        self.order_count += sum(1 for r in results if r.created)
        for request, trouble, result in zip(requests, troubles, results, strict=True):
            self._after_capture(request, trouble, result)
        resent = [r for r in requests if rng.random() < rates.duplicate_submission]
        if resent:
            # A channel resends orders it already sent: capture must return the same orders.
            again = services.place_orders(uow, resent, self.payments, actor="order.capture")
            assert not any(r.created for r in again), "a resent order was captured twice"

    def _customer(self, new_customers: list[_Customer]) -> _Customer:
        rng = self.rng
        if self.customers and rng.random() < 0.62:
            return _draw(rng, self.customers, self.customer_cum_weights)
        country, currency, _ = _draw(rng, MARKETS, MARKET_CUM_WEIGHTS)
        channel = _draw(rng, CHANNEL_NAMES, CHANNEL_CUM_WEIGHTS)
        customer = _Customer(
            f"CUST-{len(self.customers) + 1:07d}", country, currency, _postal_code(rng, country), channel
        )
        if channel in ("edi", "sales_rep") and rng.random() < 0.08:
            customer.at_credit_limit = True
        self.customers.append(customer)
        # Some customers buy much more often than others.
        previous = self.customer_cum_weights[-1] if self.customer_cum_weights else 0.0
        self.customer_cum_weights.append(previous + rng.paretovariate(1.6))
        new_customers.append(customer)
        return customer

    def _customer_record(self, customer: _Customer) -> Customer:
        if customer.channel in ("edi", "sales_rep"):
            limit = Decimal(self.rng.choice((5000, 10000, 25000, 50000)))
            balance = limit - Decimal("50") if customer.at_credit_limit else limit * Decimal("0.2")
            return Customer(customer.customer_id, limit, balance)
        return Customer(customer.customer_id)

    def _order_request(
        self, customer: _Customer, ordered_at: datetime, day_code: str
    ) -> tuple[PlaceOrder, str | None]:
        rng, rates = self.rng, self.rates
        trouble = None
        roll = rng.random()
        for name in ("fraud_hold", "pricing_hold", "address_hold", "compliance_hold", "payment_failure",
                     "customer_cancel"):  # fmt: skip
            rate = getattr(rates, name)
            if name in ("fraud_hold", "payment_failure") and customer.channel not in CARD_CHANNELS:
                continue
            if roll < rate:
                trouble = name
                break
            roll -= rate
        b2b = customer.channel in ("edi", "sales_rep")
        if b2b and not customer.at_credit_limit and rng.random() < rates.credit_hold * 4:
            # An overdue account: the finance system has raised the balance over the limit.
            customer.at_credit_limit = True
        line_count = _draw(rng, LINE_COUNTS, LINE_COUNT_CUM_WEIGHTS) + (2 if b2b else 0)
        skus = []
        while len(skus) < line_count:
            sku = _draw(rng, self.sku_ids, self.sku_cum_weights)
            if sku not in skus and (sku not in self.restricted_skus or customer.country in ("US", "CA")):
                skus.append(sku)
        country, postal = customer.country, customer.postal_code
        if trouble == "compliance_hold":
            if country in ("US", "CA"):
                country, postal = "DE", f"{rng.randint(10000, 99999)}"
            skus[-1] = rng.choice(self.restricted_skus)
            skus = list(dict.fromkeys(skus))
        if trouble == "address_hold":
            postal = rng.choice((None, postal[:-1], postal + "9", "N/A"))
        lines = []
        for index, sku in enumerate(skus):
            quantity = _draw(rng, QUANTITIES, QUANTITY_CUM_WEIGHTS) * (rng.randint(1, 3) if b2b else 1)
            price = self.prices[sku]
            if trouble == "pricing_hold" and index == 0:
                price = (price * Decimal(str(rng.choice((0.8, 0.85, 0.9, 1.1))))).quantize(Decimal("0.01"))
            lines.append(LineRequest(sku, quantity, price))
        external = f"{customer.channel.upper()}-{day_code}-{rng.randrange(16**8):08X}"
        if trouble == "payment_failure":
            self.payments.declines[external] = rng.choice(
                ("card_declined", "insufficient_funds", "expired_card")
            )
        service_level = _draw(rng, SERVICE_LEVEL_NAMES, SERVICE_LEVEL_CUM_WEIGHTS)
        request = PlaceOrder(
            channel=customer.channel,
            external_order_id=external,
            customer_id=customer.customer_id,
            lines=lines,
            ship_to_country=country,
            ship_to_postal_code=postal,
            currency=customer.currency,
            service_level=service_level if not b2b else "standard",
            ship_complete=rng.random() < (0.3 if b2b else 0.1),
            fraud_score=rng.randint(80, 99) if trouble == "fraud_hold" else rng.randint(0, 60),
            ordered_at=ordered_at,
        )
        return request, trouble

    def _after_capture(self, request: PlaceOrder, trouble: str | None, result) -> None:
        rng, at = self.rng, request.ordered_at
        if result.status == status.CREATED:  # payment failed: the customer retries tomorrow, or not
            retry_at = at + timedelta(hours=rng.uniform(12, 30))
            self._schedule(retry_at, "retry_payment", result.order_id)
        elif result.status == status.ON_HOLD:
            self._schedule(at + timedelta(hours=rng.uniform(14, 60)), "review_holds", result.order_id)
        elif result.status == status.RELEASED_TO_WAREHOUSE:
            self.released[result.order_id] = at
        if trouble == "customer_cancel":
            self._schedule(at + timedelta(minutes=rng.uniform(5, 150)), "customer_cancel", result.order_id)

    def _schedule(self, at: datetime, kind: str, payload) -> None:
        # The running number keeps work planned for the same moment in the order it was planned.
        self.scheduled += 1
        self.agenda[at.date()].append((at, self.scheduled, kind, payload))

    # ------------------------------------------------------------------ scheduled work
    def _do_retry_payment(self, uow, at: datetime, order_id: str) -> None:
        order = services.get_orders(uow, [order_id])[order_id]
        if order.status != status.CREATED:
            return
        if self.rng.random() < self.rates.payment_recovery:
            new_status = services.retry_payment(uow, order_id, self.payments, at=at, actor="customer")
            self._after_capture_status(order_id, new_status, at)
        else:
            self.payments.declines[order.external_order_id] = "card_declined"
            services.retry_payment(uow, order_id, self.payments, at=at, actor="customer")
            services.cancel_order(
                uow, order_id, "payment_failed", "order.desk", "no valid payment after retry", at
            )

    def _after_capture_status(self, order_id: str, new_status: str, at: datetime) -> None:
        if new_status == status.ON_HOLD:
            self._schedule(at + timedelta(hours=self.rng.uniform(14, 60)), "review_holds", order_id)
        elif new_status == status.RELEASED_TO_WAREHOUSE:
            self.released[order_id] = at

    def _do_review_holds(self, uow, at: datetime, order_id: str) -> None:
        rng = self.rng
        order = services.get_orders(uow, [order_id])[order_id]
        if order.status != status.ON_HOLD:
            return
        person = rng.choice(PEOPLE)
        new_status = order.status
        for hold in list(order.open_holds):
            decision = rng.random()
            if hold.reason == "fraud" and decision < 0.4:
                services.cancel_order(uow, order_id, "fraud", person, "fraud review: confirmed fraud", at)
                return
            if hold.reason in ("credit", "compliance") and decision < 0.15:
                services.cancel_order(uow, order_id, "other", person, f"{hold.reason} review: refused", at)
                return
            if hold.reason == "address":
                if decision < 0.1:
                    services.cancel_order(
                        uow, order_id, "customer_request", person, "no reply on address", at
                    )
                    return
                country = order.ship_to_country or "US"
                services.correct_address(
                    uow, order_id, country, _postal_code(rng, country), person, "confirmed with customer", at
                )
            notes = {
                "credit": "payment received, within terms",
                "fraud": "verified with cardholder",
                "pricing": "price agreed with account manager",
                "address": "address corrected",
                "compliance": "screening cleared",
            }
            new_status = services.release_hold(uow, order_id, hold.reason, person, notes[hold.reason], at)
            at += timedelta(minutes=rng.uniform(1, 20))
        if new_status == status.RELEASED_TO_WAREHOUSE:
            self.released.setdefault(order_id, at)

    def _do_customer_cancel(self, uow, at: datetime, order_id: str) -> None:
        if services.get_orders(uow, [order_id])[order_id].status in CANCELLABLE:  # else: too late, it shipped
            services.cancel_order(uow, order_id, "customer_request", "customer", "changed my mind", at)
            self.released.pop(order_id, None)

    def _review_backorders(self, uow, day: date) -> None:
        cutoff = datetime.combine(day, time(0), tzinfo=UTC) - timedelta(
            days=self.config.backorder_patience_days
        )
        waiting = services.orders_waiting_since(uow, cutoff, (status.BACKORDERED, status.PARTIALLY_SHIPPED))
        if not waiting:
            return
        at = datetime.combine(day, time(8, 30), tzinfo=UTC)
        for order_id, order in services.get_orders(uow, waiting).items():
            if order.status == status.BACKORDERED and not any(line.quantity_shipped for line in order.lines):
                services.cancel_order(
                    uow, order_id, "out_of_stock", "order.desk", "supplier cannot deliver", at
                )
                self.released.pop(order_id, None)
            elif order.status == status.PARTIALLY_SHIPPED and not any(
                a.stage != "allocated" for a in order.allocations
            ):
                services.short_close(
                    uow, order_id, "order.desk", "remainder out of stock, customer informed", at
                )

    # ------------------------------------------------------------------ warehouse
    def _warehouse_wave(self, uow, day: date, demand_factor: float) -> None:
        rng, rates = self.rng, self.rates
        cutoff = datetime.combine(day, services.SHIP_CUTOFF, tzinfo=UTC)
        due = sorted((since, order_id) for order_id, since in self.released.items() if since < cutoff)
        if not due:
            return
        staffing = max(self.config.warehouse_capacity, self.config.peak_staffing * demand_factor)
        capacity = round(self.config.orders_per_day * staffing)
        due = due[:capacity]
        work = services.released_work(uow, [order_id for _, order_id in due])
        has_work = {order_id for order_id, _ in work}
        for _, order_id in due:
            if order_id not in has_work:
                self.released.pop(order_id, None)
        if len(work) > capacity:
            work = work[:capacity]  # the rest waits for tomorrow: late shipments on peak days
        for order_id, _ in work:
            self.released.pop(order_id, None)
        orders = services.get_orders(uow, [order_id for order_id, _ in work])
        wave = datetime.combine(day, time(15, 0), tzinfo=UTC)
        picks = []
        for order_id, warehouse_id in work:
            order = orders[order_id]
            skus = [order.lines[a.line_number - 1].sku for a in order.allocations
                    if a.warehouse_id == warehouse_id and a.stage == "released"]  # fmt: skip
            short, damaged, mis_picked = {}, {}, []
            if rng.random() < rates.short_pick:
                short[rng.choice(skus)] = 1
            if rng.random() < rates.warehouse_damage:
                damaged[rng.choice(skus)] = 1
            if rng.random() < rates.mis_pick:
                mis_picked.append(rng.choice(skus))
            picks.append(PickConfirmation(order_id, warehouse_id, short, damaged, mis_picked))
        services.pick(uow, picks, at=wave, actor="picker")
        packable = [
            (order_id, warehouse_id)
            for order_id, warehouse_id in work
            if any(
                a.warehouse_id == warehouse_id and a.stage == "picked" for a in orders[order_id].allocations
            )
        ]
        services.pack(uow, packable, at=wave + timedelta(hours=1), actor="packer")
        confirmations = []
        day_code = f"{day:%y%m%d}"
        for order_id, warehouse_id in packable:
            order = orders[order_id]
            carrier = rng.choice(CARRIERS[warehouse_id])
            self.tracking_count += 1
            tracking = f"{carrier[:2].upper()}{day_code}{self.tracking_count:09d}"
            confirmations.append(
                ShipConfirmation(order_id, warehouse_id, carrier, order.service_level, tracking)
            )
        ship_at = wave + timedelta(hours=2, minutes=rng.randrange(120))
        services.ship(uow, confirmations, at=ship_at, actor="shipping.dock")
        for confirmation in confirmations:
            order = orders[confirmation.order_id]
            self._plan_journey(confirmation, order, ship_at)
            for kind in ("billing_error", "pricing_error", "goodwill_credit"):
                if rng.random() < getattr(rates, kind):
                    issued = ship_at + timedelta(days=rng.uniform(2, 20))
                    self._schedule(
                        issued, "credit_memo", (confirmation.order_id, confirmation.tracking_number, kind)
                    )
            if rng.random() < rates.mis_ship:
                self.mis_shipped.add(confirmation.tracking_number)
        for order_id, order in orders.items():
            # Work at a second warehouse cut by today's capacity, or released while this wave ran.
            if any(a.stage == "released" for a in order.allocations):
                self.released.setdefault(order_id, ship_at)

    def _plan_journey(self, confirmation: ShipConfirmation, order, shipped_at: datetime) -> None:
        """Schedule the carrier's tracking events for one parcel."""
        rng, rates = self.rng, self.rates
        number = confirmation.tracking_number
        region = {"WH-US": "US", "WH-CA": "CA", "WH-EU": "EU"}[confirmation.warehouse_id]
        days_in_transit = _draw(rng, *TRANSIT_DRAWS[confirmation.service_level])
        events = [
            (shipped_at, "label_created", None),
            (shipped_at + timedelta(hours=rng.uniform(1, 3)), "picked_up", None),
        ]
        base = datetime.combine(shipped_at.date(), time(0), tzinfo=UTC)
        events.append((base + timedelta(days=1, hours=rng.uniform(0.5, 6)), "in_transit", None))
        for delay_kind in ("carrier_delay", "weather_delay"):
            if rng.random() < getattr(rates, delay_kind):
                extra = rng.randint(1, 3)
                events.append((base + timedelta(days=1, hours=rng.uniform(8, 20)), "exception", delay_kind))
                days_in_transit += extra
        if rng.random() < rates.damaged_parcel:
            events.append((base + timedelta(days=1, hours=rng.uniform(9, 22)), "exception", "damaged"))
            self.damaged_parcels.add(number)
        arrival = base + timedelta(days=days_in_transit)
        outcome = rng.random()
        if outcome < rates.lost:
            events.append((arrival + timedelta(days=2, hours=12), "exception", "lost"))
            self._schedule(arrival + timedelta(days=4), "lost_parcel", (order.order_id, number))
        elif outcome < rates.lost + rates.refused:
            events.append((arrival + timedelta(hours=rng.uniform(10, 18)), "exception", "refused"))
            events.append((arrival + timedelta(days=5, hours=9), "returned_to_sender", None))
        elif outcome < rates.lost + rates.refused + rates.address_issue:
            events.append((arrival + timedelta(hours=rng.uniform(10, 18)), "exception", "address_issue"))
            if rng.random() < 0.7:
                arrival += timedelta(days=1)
                events.append((arrival + timedelta(hours=7.5), "out_for_delivery", None))
                events.append((arrival + timedelta(hours=rng.uniform(10, 19)), "delivered", None))
            else:
                events.append((arrival + timedelta(days=5, hours=9), "returned_to_sender", None))
        else:
            events.append((arrival + timedelta(hours=rng.uniform(7, 9)), "out_for_delivery", None))
            events.append((arrival + timedelta(hours=rng.uniform(10, 19)), "delivered", None))
        location = LOCATIONS[region]
        for at, status_code, exception_code in events:
            self.scans[at.date()].append(
                TrackingUpdate(number, status_code, at, exception_code, rng.choice(location))
            )

    # ------------------------------------------------------------------ carriers, returns, billing
    def _after_delivery(self, uow, order_id: str, update: TrackingUpdate) -> None:
        rng, rates = self.rng, self.rates
        order = services.get_orders(uow, [order_id])[order_id]
        shipment = order.shipment_by_tracking(update.tracking_number)
        delivered = update.at
        reasons = []
        if update.tracking_number in self.damaged_parcels:
            if rng.random() < rates.return_damaged:
                reasons.append("damaged")
            else:
                self._schedule(
                    delivered + timedelta(days=1), "credit_memo", (order_id, update.tracking_number, "damage")
                )
        if update.tracking_number in self.mis_shipped and rng.random() < rates.return_wrong_item:
            reasons.append("wrong_item")
        if delivered.date() > order.promised_delivery_date and rng.random() < rates.return_late_delivery:
            reasons.append("late_delivery")
        for reason in ("defective", "not_as_described", "no_longer_needed"):
            if rng.random() < getattr(rates, f"return_{reason}"):
                reasons.append(reason)
        if reasons:
            reason = reasons[0]
            low, high = RETURN_LAG_DAYS[reason]
            line = rng.choice(shipment.lines)
            quantity = line.quantity if rng.random() < 0.8 else rng.randint(1, line.quantity)
            requested = delivered + timedelta(days=rng.uniform(low, high) + 0.1)
            self._schedule(requested, "open_return", (order_id, line.sku, quantity, reason))
        if order.status == status.DELIVERED:
            self._schedule(delivered + timedelta(days=self.config.close_after_days), "close", order_id)

    def _do_open_return(self, uow, at: datetime, payload) -> None:
        order_id, sku, quantity, reason = payload
        try:
            rma_id = services.open_return(
                uow, order_id, [ReturnRequestLine(sku, quantity, reason)], "customer", at
            )
        except DomainError:
            return  # already returned in full by an earlier request
        if self.rng.random() < 0.95:  # some customers never send the parcel back
            received = at + timedelta(days=self.rng.uniform(4, 12))
            self._schedule(received, "receive_return", (rma_id, sku, reason))

    def _do_receive_return(self, uow, at: datetime, payload) -> None:
        rma_id, sku, reason = payload
        services.receive_return(uow, rma_id, {sku: DISPOSITION_BY_REASON[reason]}, "returns.desk", at)
        self._schedule(at + timedelta(days=self.rng.uniform(0.2, 3)), "refund", rma_id)

    def _do_refund(self, uow, at: datetime, rma_id: str) -> None:
        services.refund_return(uow, rma_id, "finance", at)

    def _do_credit_memo(self, uow, at: datetime, payload) -> None:
        order_id, tracking_number, kind = payload
        order = services.get_orders(uow, [order_id])[order_id]
        shipment = order.shipment_by_tracking(tracking_number)
        invoice = next(i for i in order.invoices if i.shipment_id == shipment.shipment_id)
        credited = sum(
            (m.amount for m in order.credit_memos if m.invoice_id == invoice.invoice_id), Decimal("0")
        )
        remaining = invoice.amount - credited
        reason_code, share, note = {
            "billing_error": ("billing_error", self.rng.uniform(0.05, 0.3), "invoice billed wrong freight"),
            "pricing_error": ("pricing_error", self.rng.uniform(0.05, 0.2), "promotion price not applied"),
            "goodwill_credit": ("goodwill", self.rng.uniform(0.05, 0.15), "goodwill for the inconvenience"),
            "damage": ("damage", self.rng.uniform(0.2, 0.5), "parcel arrived damaged, customer kept it"),
            "lost": ("goodwill", 1.0, "parcel lost by the carrier, refunded"),
            "return_to_sender": ("return", 1.0, "parcel returned to sender, refunded"),
        }[kind]
        amount = min(remaining, (invoice.amount * Decimal(str(round(share, 3)))).quantize(Decimal("0.01")))
        if amount > 0:
            services.issue_credit_memo(uow, order_id, amount, reason_code, rng_person(self.rng), note,
                                       invoice.invoice_id, at)  # fmt: skip
        if kind in ("lost", "return_to_sender"):
            self._schedule(at + timedelta(days=3), "close", order_id)

    def _do_lost_parcel(self, uow, at: datetime, payload) -> None:
        order_id, tracking_number = payload
        self._do_credit_memo(uow, at, (order_id, tracking_number, "lost"))

    def _do_close(self, uow, at: datetime, order_id: str) -> None:
        order = services.get_orders(uow, [order_id])[order_id]
        closable = order.status == status.DELIVERED or (
            order.status == status.SHIPPED and all(s.is_final for s in order.shipments)
        )
        if closable:
            services.close_orders(uow, [order_id], at=at, actor="system")

    # ------------------------------------------------------------------ supply
    def _replenish(self, uow, at: datetime) -> None:
        """Nightly review: order up to a target for every SKU below its reorder point."""
        rng = self.rng
        for sku, warehouse_id, on_hand, allocated in services.stock_levels(uow):
            demand = self.daily_demand[(sku, warehouse_id)]
            position = on_hand - allocated + self.on_order[(sku, warehouse_id)]
            if position >= max(2, demand * 8):
                continue
            quantity = max(4, round(demand * 16) - position)
            lead_days = rng.randint(4, 7)
            if rng.random() < self.rates.supplier_delay:
                lead_days += rng.randint(5, 15)
            arrival = datetime.combine(at.date() + timedelta(days=lead_days), time(6, 0), tzinfo=UTC)
            self.on_order[(sku, warehouse_id)] += quantity
            self._schedule(
                arrival + timedelta(minutes=rng.randrange(120)), "receive_po", (sku, warehouse_id, quantity)
            )


@contextmanager
def _no_cycle_collection():
    """The simulation keeps weeks of orders in memory, millions of objects that Python's cycle
    collector walks again and again: with its default thresholds that took a third of a busy
    simulation's time, and even collecting rarely cost over a tenth. The working copy makes next
    to no cyclic garbage (a simulated quarter leaves a few thousand collectable objects), so the
    collector is off while the simulation runs; reference counting frees everything else."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # Everything the run allocated is still in the youngest generation, which the first
        # collection after `enable` would walk whole (two seconds after a busy quarter): move
        # it to the oldest one unwalked, as if it had survived, for the next full collection.
        gc.freeze()
        gc.unfreeze()
        if was_enabled:
            gc.enable()


def _expected_units_per_order() -> float:
    """Units per order implied by the draws in `_order_request`, for replenishment planning."""
    lines = sum(n * w for n, w in zip(LINE_COUNTS, LINE_COUNT_WEIGHTS, strict=True)) / sum(LINE_COUNT_WEIGHTS)
    quantity = sum(n * w for n, w in zip(QUANTITIES, QUANTITY_WEIGHTS, strict=True)) / sum(QUANTITY_WEIGHTS)
    b2b = sum(w for c, w in CHANNELS if c in ("edi", "sales_rep"))
    return quantity * ((1 - b2b) * lines + b2b * (lines + 2) * 2)


ORDER_WORK = (
    "retry_payment",
    "review_holds",
    "customer_cancel",
    "close",
    "open_return",
    "credit_memo",
    "lost_parcel",
)


RETURN_WORK = ("receive_return", "refund")


def _subject_of(payload) -> str:
    """The order (or return) a piece of scheduled work is about: the payload or its first item."""
    return payload if isinstance(payload, str) else payload[0]


def _draw(rng: random.Random, population, cum_weights):
    """One weighted draw: exactly `rng.choices(population, cum_weights=cum_weights)[0]` (the same
    random number, the same bisection) without its per-call set-up, which a day repeats a
    hundred thousand times."""
    return population[bisect_right(cum_weights, rng.random() * cum_weights[-1], 0, len(population) - 1)]


def rng_person(rng: random.Random) -> str:
    return rng.choice(PEOPLE)


def parse_rate_overrides(pairs: Iterable[str]) -> SimulationRates:
    values = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        if name not in SimulationRates.names():
            raise ValueError(f"unknown rate {name!r}; rates: {', '.join(SimulationRates.names())}")
        try:
            values[name] = float(value)
        except ValueError:
            raise ValueError(f"rate {name} needs a number between 0 and 1, got {value!r}") from None
        if not 0 <= values[name] <= 1:
            raise ValueError(f"rate {name} must be between 0 and 1, got {value}")
    return SimulationRates(**values)
