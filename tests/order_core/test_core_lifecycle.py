"""The order lifecycle: every legal transition happens through the domain's operations, and
illegal moves are refused with a clear error, leaving the order untouched."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from order_core.domain import lifecycle as status
from order_core.domain.errors import DomainError, InvalidTransition
from order_core.domain.inventory import StockLevel
from order_core.domain.lifecycle import ORDER_LIFECYCLE, RETURN_LIFECYCLE
from order_core.domain.orders import Order
from order_core.domain.returns import ReturnAuthorization, ReturnRequestLine
from order_core.domain.validation import Hold, LineRequest

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PREFERENCE = ("WH-A", "WH-B")


class RecordingOrder(Order):
    """An order that remembers every status it moved through (a small subclass, not a mock)."""

    seen: set

    def _move_to(self, target, at, actor, **kwargs):
        before = self.status
        super()._move_to(target, at, actor, **kwargs)
        RecordingOrder.seen.add((before, target))

    def apply_validation(self, holds, at, actor):
        before = self.status
        super().apply_validation(holds, at, actor)
        if self.status != before:
            RecordingOrder.seen.add((before, self.status))


def new_order(*skus_and_quantities, ship_complete=False, number=1) -> RecordingOrder:
    lines = [
        LineRequest(sku, quantity, Decimal("10.00"))
        for sku, quantity in skus_and_quantities or [("SKU-1", 2)]
    ]
    return RecordingOrder.capture(
        order_id=f"SO-{number}",
        channel="web",
        external_order_id=f"W-{number}",
        customer_id="CUST-1",
        ordered_at=T0,
        promised_ship_at=T0 + timedelta(hours=11),
        promised_delivery_date=date(2026, 3, 7),
        ship_to_country="US",
        ship_to_postal_code="10001",
        currency="USD",
        service_level="standard",
        ship_complete=ship_complete,
        lines=lines,
        actor="test",
    )


def stock_of(**on_hand_by_sku_and_warehouse) -> dict[str, list[StockLevel]]:
    """stock_of(SKU_1__WH_A=5) -> {"SKU-1": [StockLevel("SKU-1", "WH-A", 5)]}"""
    stock: dict[str, list[StockLevel]] = {}
    for key, on_hand in on_hand_by_sku_and_warehouse.items():
        sku, warehouse = (part.replace("_", "-") for part in key.split("__"))
        stock.setdefault(sku, []).append(StockLevel(sku, warehouse, on_hand))
    for levels in stock.values():
        levels.sort(key=lambda level: level.warehouse_id)
    return stock


def validated(order: RecordingOrder, holds=()) -> RecordingOrder:
    order.authorize_payment(T0, "test")
    order.apply_validation(list(holds), T0, "test")
    return order


def released(order, stock):
    validated(order)
    order.allocate(stock, PREFERENCE, T0, "test")
    order.release_to_warehouse(T0, "test")
    return order


def ship_from(order, warehouse, stock, number):
    order.pick(warehouse, stock, T0, "picker")
    order.pack(warehouse, T0, "packer")
    return order.ship(
        warehouse_id=warehouse, shipment_id=f"SH-{number}", invoice_id=f"INV-{number}", carrier="UPS",
        service_level="standard", tracking_number=f"1Z{number}", stock_by_sku=stock, at=T0, actor="dock",
    )  # fmt: skip


def test_the_scenarios_below_use_every_legal_transition_and_no_other():
    RecordingOrder.seen = set()
    # Happy path: created -> validated -> allocated -> released -> picked -> packed -> shipped -> delivered -> closed.
    stock = stock_of(SKU_1__WH_A=10)
    order = released(new_order(), stock)
    ship_from(order, "WH-A", stock, 1)
    order.apply_tracking("1Z1", "delivered", None, T0 + timedelta(days=3), "carrier")
    order.close(T0 + timedelta(days=20), "system")
    # Holds: created -> on_hold -> validated, and on_hold -> cancelled.
    held = validated(new_order(number=2), [Hold("credit", "over limit")])
    held.release_hold("credit", T0, "a.garcia", "paid")
    validated(new_order(number=3), [Hold("fraud", "risky")]).cancel("fraud", {}, T0, "m.chen")
    # created -> cancelled (payment never authorized), validated -> cancelled, allocated -> cancelled.
    new_order(number=4).cancel("payment_failed", {}, T0, "order.desk")
    validated(new_order(number=5)).cancel("customer_request", {}, T0, "customer")
    allocated = validated(new_order(number=6))
    allocated.allocate(stock_of(SKU_1__WH_A=5), PREFERENCE, T0, "test")
    allocated.cancel("customer_request", stock_of(SKU_1__WH_A=5), T0, "customer")
    # validated -> backordered -> allocated on replenishment; backordered -> cancelled.
    empty = stock_of(SKU_1__WH_A=0)
    waiting = validated(new_order(number=7))
    waiting.allocate(empty, PREFERENCE, T0, "test")
    empty["SKU-1"][0].receive(5, T0, "dock")
    waiting.allocate(empty, PREFERENCE, T0, "test")
    gone = validated(new_order(number=8))
    gone.allocate(stock_of(SKU_1__WH_A=0), PREFERENCE, T0, "test")
    gone.cancel("out_of_stock", stock_of(SKU_1__WH_A=0), T0, "order.desk")
    # backordered -> released (partial shipment allowed); released -> backordered (nothing on the shelf).
    partial_stock = stock_of(SKU_1__WH_A=2, SKU_2__WH_A=0)
    partial = validated(new_order(("SKU-1", 2), ("SKU-2", 1), number=9))
    partial.allocate(partial_stock, PREFERENCE, T0, "test")
    partial.release_to_warehouse(T0, "test")
    partial.pick("WH-A", partial_stock, T0, "picker", short={"SKU-1": 2})
    # Split across warehouses: released -> partially_shipped -> shipped.
    split_stock = stock_of(SKU_1__WH_A=2, SKU_2__WH_B=1)
    split = released(new_order(("SKU-1", 2), ("SKU-2", 1), number=10), split_stock)
    ship_from(split, "WH-A", split_stock, 10)
    ship_from(split, "WH-B", split_stock, 11)
    # picked -> partially_shipped, and packed -> partially_shipped.
    for number, pack_both in ((12, False), (14, True)):
        s = stock_of(SKU_1__WH_A=2, SKU_2__WH_B=1)
        o = released(new_order(("SKU-1", 2), ("SKU-2", 1), number=number), s)
        o.pick("WH-A", s, T0, "picker")
        o.pick("WH-B", s, T0, "picker")
        o.pack("WH-A", T0, "packer")
        if pack_both:
            o.pack("WH-B", T0, "packer")
        o.ship(warehouse_id="WH-A", shipment_id=f"SH-{number}", invoice_id=f"INV-{number}", carrier="UPS",
               service_level="standard", tracking_number=f"1Z{number}", stock_by_sku=s, at=T0, actor="dock")  # fmt: skip
    # released -> cancelled, picked -> cancelled, packed -> cancelled.
    for number, steps in ((20, 0), (21, 1), (22, 2)):
        s = stock_of(SKU_1__WH_A=5)
        o = released(new_order(number=number), s)
        if steps >= 1:
            o.pick("WH-A", s, T0, "picker")
        if steps >= 2:
            o.pack("WH-A", T0, "packer")
        o.cancel("customer_request", s, T0, "customer")
        assert s["SKU-1"][0].allocated == 0, "cancelling gives the reserved units back"
    # shipped -> closed: the only parcel was lost and credited.
    s = stock_of(SKU_1__WH_A=5)
    lost = released(new_order(number=30), s)
    ship_from(lost, "WH-A", s, 30)
    lost.apply_tracking("1Z30", "exception", "lost", T0 + timedelta(days=4), "carrier")
    lost.close(T0 + timedelta(days=5), "order.desk")

    legal = {(a, b) for a, targets in ORDER_LIFECYCLE.transitions.items() for b in targets}
    assert RecordingOrder.seen == legal


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (a, b)
        for a, b in itertools.product(ORDER_LIFECYCLE.statuses, repeat=2)
        if not ORDER_LIFECYCLE.allows(a, b)
    ],
)
def test_the_lifecycle_refuses_every_move_outside_its_table(current, target):
    with pytest.raises(InvalidTransition, match=f"from '{current}' to '{target}'"):
        ORDER_LIFECYCLE.check("SO-1", current, target)


def test_cancelling_a_shipped_order_is_refused_and_changes_nothing():
    stock = stock_of(SKU_1__WH_A=5)
    order = released(new_order(), stock)
    ship_from(order, "WH-A", stock, 1)
    events_before = len(order.events)
    with pytest.raises(InvalidTransition, match="cannot move from 'shipped' to 'cancelled'"):
        order.cancel("customer_request", stock, T0, "customer")
    assert order.status == status.SHIPPED
    assert len(order.events) == events_before
    assert order.lines[0].quantity_cancelled == 0


def test_closing_an_order_still_in_the_warehouse_is_refused():
    order = released(new_order(), stock_of(SKU_1__WH_A=5))
    with pytest.raises(InvalidTransition, match="'released_to_warehouse' to 'closed'"):
        order.close(T0, "system")


def test_closing_a_shipped_order_with_a_parcel_in_transit_is_refused():
    stock = stock_of(SKU_1__WH_A=5)
    order = released(new_order(), stock)
    ship_from(order, "WH-A", stock, 1)
    with pytest.raises(DomainError, match="still has parcels in transit"):
        order.close(T0, "system")


def test_picking_an_order_that_was_never_released_is_refused():
    order = validated(new_order())
    with pytest.raises(DomainError, match="nothing released to WH-A"):
        order.pick("WH-A", stock_of(SKU_1__WH_A=5), T0, "picker")


def test_a_return_is_requested_then_received_then_refunded_and_never_refunded_twice():
    stock = stock_of(SKU_1__WH_A=5)
    order = released(new_order(), stock)
    ship_from(order, "WH-A", stock, 1)
    rma = ReturnAuthorization.request(
        rma_id="RMA-1", order=order, lines=[ReturnRequestLine("SKU-1", 1, "defective")], already_returned={},
        at=T0, actor="customer",
    )  # fmt: skip
    with pytest.raises(InvalidTransition, match="'requested' to 'refunded'"):
        rma.refund(order=order, new_credit_memo_id=lambda: "CM-1", at=T0, actor="finance")
    rma.receive(order=order, dispositions={"SKU-1": "restock"}, stock_by_sku=stock, at=T0, actor="dock")
    rma.refund(order=order, new_credit_memo_id=lambda: "CM-1", at=T0, actor="finance")
    assert rma.status == status.REFUNDED
    assert [(m.reason_code, m.amount) for m in order.credit_memos] == [("return", Decimal("10.00"))]
    with pytest.raises(InvalidTransition, match="'refunded' to 'refunded'"):
        rma.refund(order=order, new_credit_memo_id=lambda: "CM-2", at=T0, actor="finance")
    assert RETURN_LIFECYCLE.allows(status.REQUESTED, status.RECEIVED)


def test_returning_more_than_was_shipped_is_refused():
    stock = stock_of(SKU_1__WH_A=5)
    order = released(new_order(), stock)
    ship_from(order, "WH-A", stock, 1)
    with pytest.raises(DomainError, match="at most 1 of SKU-1"):
        ReturnAuthorization.request(
            rma_id="RMA-1", order=order, lines=[ReturnRequestLine("SKU-1", 2, "defective")],
            already_returned={"SKU-1": 1}, at=T0, actor="customer",
        )  # fmt: skip


def test_a_credit_memo_cannot_exceed_what_the_invoice_still_owes():
    stock = stock_of(SKU_1__WH_A=5)
    order = released(new_order(), stock)
    ship_from(order, "WH-A", stock, 1)
    order.issue_credit_memo(credit_memo_id="CM-1", invoice_id="INV-1", amount=Decimal("15.00"),
                            reason_code="billing_error", at=T0, actor="finance")  # fmt: skip
    with pytest.raises(DomainError, match="would exceed invoice INV-1"):
        order.issue_credit_memo(credit_memo_id="CM-2", invoice_id="INV-1", amount=Decimal("5.01"),
                                reason_code="goodwill", at=T0, actor="finance")  # fmt: skip
