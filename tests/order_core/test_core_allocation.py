"""Allocation through the service layer on a real SQLite file: one warehouse when possible,
split otherwise, backorder the rest, and backorders filled first come, first served."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from order_core.service import services
from order_core.service.payments import PaymentGateway

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def allocations_of(uow, order_id):
    order = services.get_orders(uow, [order_id])[order_id]
    return sorted((order.lines[a.line_number - 1].sku, a.warehouse_id, a.quantity) for a in order.allocations)


def stock(uow):
    return {(sku, wh): (on_hand, allocated) for sku, wh, on_hand, allocated in services.stock_levels(uow)}


def test_an_order_is_allocated_from_one_warehouse_when_one_can_serve_it_all(uow, catalog, request_for):
    catalog(uow, {("SKU-1", "WH-A"): 5, ("SKU-2", "WH-A"): 1, ("SKU-2", "WH-B"): 9, ("SKU-1", "WH-B"): 9})
    placed = services.place_order(uow, request_for("W-1", [("SKU-1", 2), ("SKU-2", 3)]), PaymentGateway())
    assert placed.status == "released_to_warehouse"
    assert allocations_of(uow, placed.order_id) == [("SKU-1", "WH-B", 2), ("SKU-2", "WH-B", 3)]


def test_an_order_no_warehouse_can_serve_alone_is_split_across_warehouses(uow, catalog, request_for):
    catalog(uow, {("SKU-1", "WH-A"): 5, ("SKU-2", "WH-B"): 5})
    placed = services.place_order(uow, request_for("W-1", [("SKU-1", 2), ("SKU-2", 1)]), PaymentGateway())
    assert allocations_of(uow, placed.order_id) == [("SKU-1", "WH-A", 2), ("SKU-2", "WH-B", 1)]


def test_a_line_larger_than_any_one_warehouses_stock_is_split_between_them(uow, catalog, request_for):
    catalog(uow, {("SKU-1", "WH-A"): 3, ("SKU-1", "WH-B"): 4})
    placed = services.place_order(uow, request_for("W-1", [("SKU-1", 6)]), PaymentGateway())
    assert allocations_of(uow, placed.order_id) == [("SKU-1", "WH-A", 3), ("SKU-1", "WH-B", 3)]
    assert stock(uow) == {("SKU-1", "WH-A"): (3, 3), ("SKU-1", "WH-B"): (4, 3)}


def test_allocating_more_than_available_backorders_the_rest(uow, catalog, request_for):
    catalog(uow, {("SKU-1", "WH-A"): 3})
    placed = services.place_order(uow, request_for("W-1", [("SKU-1", 5)]), PaymentGateway())
    order = services.get_orders(uow, [placed.order_id])[placed.order_id]
    assert order.status == "released_to_warehouse", (
        "partial shipment is allowed, so the 3 go to the warehouse"
    )
    assert order.total_backordered == 2
    assert stock(uow)[("SKU-1", "WH-A")] == (3, 3)


def test_an_order_that_must_ship_complete_waits_for_its_backorder(uow, catalog, request_for):
    catalog(uow, {("SKU-1", "WH-A"): 3})
    placed = services.place_order(
        uow, request_for("W-1", [("SKU-1", 5)], ship_complete=True), PaymentGateway()
    )
    assert placed.status == "backordered"
    filled = services.receive_stock(
        uow, [services.StockReceipt("SKU-1", "WH-A", 2)], at=T0 + timedelta(days=1)
    )
    assert filled == [placed.order_id]
    assert services.get_orders(uow, [placed.order_id])[placed.order_id].status == "released_to_warehouse"


def test_replenishment_fills_the_oldest_backorders_first(uow, catalog, request_for):
    catalog(uow)
    first = services.place_order(uow, request_for("W-1", [("SKU-1", 2)]), PaymentGateway())
    second = services.place_order(
        uow, request_for("W-2", [("SKU-1", 2)], ordered_at=T0 + timedelta(hours=1)), PaymentGateway()
    )
    assert first.status == second.status == "backordered"
    filled = services.receive_stock(
        uow, [services.StockReceipt("SKU-1", "WH-B", 3)], at=T0 + timedelta(days=2)
    )
    assert filled == [first.order_id, second.order_id]
    orders = services.get_orders(uow, [first.order_id, second.order_id])
    assert orders[first.order_id].status == "released_to_warehouse"
    assert orders[first.order_id].total_backordered == 0
    assert orders[second.order_id].total_backordered == 1
    assert stock(uow)[("SKU-1", "WH-B")] == (3, 3)


def test_a_short_pick_writes_off_the_missing_units_and_backorders_them(uow, catalog, request_for):
    catalog(uow, {("SKU-1", "WH-A"): 5})
    placed = services.place_order(uow, request_for("W-1", [("SKU-1", 3)]), PaymentGateway())
    services.pick(uow, [services.PickConfirmation(placed.order_id, "WH-A", short={"SKU-1": 1})], at=T0)
    order = services.get_orders(uow, [placed.order_id])[placed.order_id]
    assert order.total_backordered == 1
    assert stock(uow)[("SKU-1", "WH-A")] == (4, 2), "one unit written off, two still reserved"
    services.pack(uow, [(placed.order_id, "WH-A")], at=T0)
    services.ship(uow, [services.ShipConfirmation(placed.order_id, "WH-A", "UPS", "standard", "1Z1")], at=T0)
    order = services.get_orders(uow, [placed.order_id])[placed.order_id]
    assert order.status == "partially_shipped"
    assert stock(uow)[("SKU-1", "WH-A")] == (2, 0)


def test_cancelling_an_allocated_order_gives_its_stock_back(uow, catalog, request_for):
    catalog(uow, {("SKU-1", "WH-A"): 5})
    placed = services.place_order(uow, request_for("W-1", [("SKU-1", 3)]), PaymentGateway())
    services.cancel_order(uow, placed.order_id, "customer_request", "customer", "changed my mind")
    assert stock(uow)[("SKU-1", "WH-A")] == (5, 0)


def test_an_order_goes_from_placement_to_closed_through_the_services(uow, catalog, request_for):
    catalog(uow, {("SKU-1", "WH-A"): 5})
    placed = services.place_order(uow, request_for("W-1", [("SKU-1", 2)]), PaymentGateway())
    services.pick(uow, [services.PickConfirmation(placed.order_id, "WH-A")], at=T0 + timedelta(hours=5))
    services.pack(uow, [(placed.order_id, "WH-A")], at=T0 + timedelta(hours=6))
    services.ship(uow, [services.ShipConfirmation(placed.order_id, "WH-A", "UPS", "standard", "1Z1")],
                  at=T0 + timedelta(hours=7))  # fmt: skip
    updates = [
        services.TrackingUpdate("1Z1", "label_created", T0 + timedelta(hours=7)),
        services.TrackingUpdate("1Z1", "in_transit", T0 + timedelta(days=1)),
        services.TrackingUpdate("1Z1", "delivered", T0 + timedelta(days=3)),
    ]
    assert services.record_tracking_events(uow, updates) == [placed.order_id] * 3
    rma = services.open_return(uow, placed.order_id, [services.ReturnRequestLine("SKU-1", 1, "defective")],
                               "customer", at=T0 + timedelta(days=5))  # fmt: skip
    services.receive_return(uow, rma, {"SKU-1": "restock"}, "dock", at=T0 + timedelta(days=9))
    services.refund_return(uow, rma, "finance", at=T0 + timedelta(days=10))
    services.close_orders(uow, [placed.order_id], at=T0 + timedelta(days=20))
    order = services.get_orders(uow, [placed.order_id])[placed.order_id]
    assert order.status == "closed"
    assert [m.amount for m in order.credit_memos] == [order.invoices[0].amount / 2]
    assert stock(uow)[("SKU-1", "WH-A")] == (4, 0), "two shipped, one restocked"
