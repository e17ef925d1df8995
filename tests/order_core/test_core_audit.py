"""Audit: every change appends an event saying what, when, who and why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import text

from order_core.service import services
from order_core.service.payments import PaymentGateway

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def events(engine, table: str) -> list[tuple]:
    with engine.connect() as connection:
        return connection.execute(text(f"SELECT * FROM {table} ORDER BY event_id")).all()


def test_every_use_case_appends_events_naming_what_when_who_and_why(engine, uow, catalog, request_for):
    catalog(uow, {("SKU-1", "WH-A"): 5})
    steps = []

    def step(name, at, call):
        before = {t: len(events(engine, t)) for t in ("order_events", "warehouse_events", "tracking_events")}
        call(at)
        after = {t: len(events(engine, t)) for t in before}
        steps.append((name, {t: after[t] - before[t] for t in before}))

    placed = {}
    step("place", T0, lambda at: placed.update(
        id=services.place_order(uow, request_for("W-1", [("SKU-1", 2)], ordered_at=at), PaymentGateway(),
                                actor="web.shop").order_id))  # fmt: skip
    order_id = placed["id"]
    step("pick", T0 + timedelta(hours=1),
         lambda at: services.pick(uow, [services.PickConfirmation(order_id, "WH-A")], at=at, actor="p.lee"))  # fmt: skip
    step(
        "pack",
        T0 + timedelta(hours=2),
        lambda at: services.pack(uow, [(order_id, "WH-A")], at=at, actor="p.lee"),
    )
    step("ship", T0 + timedelta(hours=3), lambda at: services.ship(
        uow, [services.ShipConfirmation(order_id, "WH-A", "UPS", "standard", "1Z9")], at=at, actor="dock.1"))  # fmt: skip
    step("track", T0 + timedelta(days=2), lambda at: services.record_tracking_events(
        uow, [services.TrackingUpdate("1Z9", "delivered", at, location="Memphis TN")]))  # fmt: skip
    step("credit", T0 + timedelta(days=3), lambda at: services.issue_credit_memo(
        uow, order_id, Decimal("2.00"), "pricing_error", "f.ng", "promotion missed", at=at))  # fmt: skip
    step(
        "close",
        T0 + timedelta(days=20),
        lambda at: services.close_orders(uow, [order_id], at=at, actor="sys"),
    )

    assert all(sum(added.values()) >= 1 for _, added in steps), steps
    order_events = events(engine, "order_events")
    columns = (
        "event_id",
        "order_id",
        "event_type",
        "event_at",
        "actor",
        "reason_code",
        "note",
        "status_after",
    )
    rows = [dict(zip(columns, row[: len(columns)], strict=True)) for row in order_events]
    assert [r["event_type"] for r in rows] == [
        "created", "payment_authorized", "validated", "allocated", "released_to_warehouse",
        "shipped", "invoiced", "delivered", "credit_memo_issued", "closed",
    ]  # fmt: skip
    assert all(r["actor"] and r["event_at"] for r in rows), "every event says who and when"
    by_type = {r["event_type"]: r for r in rows}
    assert by_type["created"]["actor"] == "web.shop"
    assert by_type["credit_memo_issued"]["actor"] == "f.ng"
    assert by_type["credit_memo_issued"]["reason_code"] == "pricing_error", "and why"
    assert by_type["closed"]["status_after"] == "closed"
    warehouse = [(row[3], row[5]) for row in events(engine, "warehouse_events")]
    assert warehouse == [("picked", "p.lee"), ("packed", "p.lee")]


def test_a_hold_and_a_cancellation_record_who_and_why(uow, catalog, request_for):
    catalog(uow, {("SKU-1", "WH-A"): 5})
    placed = services.place_order(uow, request_for("W-1", fraud_score=99), PaymentGateway())
    services.cancel_order(
        uow, placed.order_id, "fraud", "m.chen", "chargeback history", at=T0 + timedelta(hours=2)
    )
    _, history = services.order_history(uow, placed.order_id)
    hold = next(e for e in history if e[2] == "hold_placed")
    cancel = next(e for e in history if e[2] == "cancelled")
    assert hold[4] == "fraud" and "risk score 99" in hold[5]
    assert cancel[1:] == ("order", "cancelled", "m.chen", "fraud", "chargeback history")
    assert cancel[0] == T0 + timedelta(hours=2)


def test_stock_received_and_written_off_is_on_the_inventory_log(engine, uow, catalog, request_for):
    catalog(uow, {("SKU-1", "WH-A"): 5})
    placed = services.place_order(uow, request_for("W-1", [("SKU-1", 3)]), PaymentGateway())
    services.pick(
        uow, [services.PickConfirmation(placed.order_id, "WH-A", damaged={"SKU-1": 1})], actor="p.lee"
    )
    with engine.connect() as connection:
        log = connection.execute(text("SELECT event_type, quantity, actor, note FROM inventory_events")).all()
    assert [tuple(row) for row in log] == [
        ("received", 5, "system", None),
        ("written_off", 1, "p.lee", "damaged in warehouse"),
    ]
