"""The simulator: deterministic for a seed, and every kind of trouble shows up in its data."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from order_core.adapters.background_writer import BackgroundWriteFailed
from order_core.adapters.database import open_database
from order_core.adapters.extract_writer import export_extracts
from order_core.adapters.repository import SoleWriterUnitOfWork, SqlUnitOfWork
from order_core.domain.errors import DomainError
from order_core.domain.returns import ReturnRequestLine
from order_core.service import services
from order_core.service.ids import SequentialIds
from order_core.service.payments import PaymentGateway
from order_core.simulator import Simulation, SimulationConfig, SimulationRates, parse_rate_overrides

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def simulate(url: str, seed: int, days: int = 8, orders_per_day: int = 30, rates=None):
    engine = open_database(url)
    uow = SoleWriterUnitOfWork(engine, SequentialIds())
    config = SimulationConfig(
        days=days, orders_per_day=orders_per_day, seed=seed, rates=rates or SimulationRates(), skus=50
    )
    try:
        summary = Simulation(lambda: uow, config).run()
    finally:
        uow.close()
    return engine, summary


def digest_of_landing(folder) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_the_same_seed_gives_byte_identical_exports_and_another_seed_does_not(tmp_path):
    digests = []
    for run, seed in (("a", 5), ("b", 5), ("c", 6)):
        engine, _ = simulate(f"sqlite:///{tmp_path / run}.sqlite", seed, days=14)
        export_extracts(engine, tmp_path / f"landing-{run}")
        engine.dispose()
        digests.append(digest_of_landing(tmp_path / f"landing-{run}"))
    assert len(digests[0]) == 10, "one file per entity"
    assert digests[0] == digests[1]
    assert digests[0] != digests[2]


def test_a_busy_quarter_in_small_shows_every_kind_of_trouble(tmp_path):
    rates = SimulationRates(
        credit_hold=0.04, fraud_hold=0.04, pricing_hold=0.04, address_hold=0.04, compliance_hold=0.04,
        payment_failure=0.05, customer_cancel=0.04, short_pick=0.05, mis_pick=0.05, warehouse_damage=0.04,
        carrier_delay=0.1, weather_delay=0.05, address_issue=0.04, refused=0.03, lost=0.03, damaged_parcel=0.05,
        billing_error=0.05, pricing_error=0.05, goodwill_credit=0.03, return_defective=0.1,
        return_not_as_described=0.08, return_no_longer_needed=0.1, mis_ship=0.05, supplier_delay=0.5,
    )  # fmt: skip
    engine, summary = simulate(f"sqlite:///{tmp_path / 'busy.sqlite'}", seed=3, days=40, orders_per_day=40,
                               rates=rates)  # fmt: skip

    def values(sql: str) -> set:
        with engine.connect() as connection:
            return {tuple(row) if len(row) > 1 else row[0] for row in connection.execute(text(sql))}

    assert values("SELECT reason_code FROM order_events WHERE event_type = 'hold_placed'") == {
        "credit", "fraud", "pricing", "address", "compliance"}  # fmt: skip
    assert values("SELECT reason_code FROM order_events WHERE event_type = 'cancelled'") >= {
        "customer_request", "out_of_stock", "fraud", "payment_failed", "other"}  # fmt: skip
    assert {"payment_failed", "backordered", "address_corrected", "hold_released"} <= values(
        "SELECT event_type FROM order_events"
    )
    assert values("SELECT event_type FROM warehouse_events") == {
        "picked", "packed", "short_pick", "mis_pick", "damaged_in_warehouse"}  # fmt: skip
    assert values("SELECT exception_code FROM tracking_events WHERE status_code = 'exception'") == {
        "damaged", "lost", "address_issue", "weather_delay", "carrier_delay", "refused"}  # fmt: skip
    assert "returned_to_sender" in values("SELECT status_code FROM tracking_events")
    assert values("SELECT reason_code FROM credit_memos") == {
        "pricing_error", "billing_error", "damage", "return", "goodwill"}  # fmt: skip
    assert values("SELECT reason_code FROM return_lines") == {
        "damaged", "defective", "wrong_item", "not_as_described", "no_longer_needed", "late_delivery"}  # fmt: skip
    assert values("SELECT disposition FROM return_lines WHERE disposition IS NOT NULL") == {
        "restock", "refurbish", "scrap", "return_to_vendor"}  # fmt: skip
    split = values("SELECT order_id FROM shipments GROUP BY order_id HAVING count(DISTINCT warehouse_id) > 1")
    assert split, "some orders ship from two warehouses"
    assert "partially_shipped" in values("SELECT status_after FROM order_events") or values(
        "SELECT order_id FROM order_lines WHERE quantity_shipped > 0 AND quantity_shipped < quantity_ordered"
    )
    on_time = values("""SELECT o.order_id FROM orders o JOIN shipments s ON s.order_id = o.order_id
                        WHERE date(s.delivered_at) <= o.promised_delivery_date""")
    late = values("""SELECT o.order_id FROM orders o JOIN shipments s ON s.order_id = o.order_id
                     WHERE date(s.delivered_at) > o.promised_delivery_date""")
    assert len(on_time) > len(late) > 0, "most deliveries on time, some late"
    assert {"released_to_warehouse", "shipped", "delivered", "closed"} <= set(summary.statuses), (
        "open orders remain"
    )
    engine.dispose()


def test_simulating_into_a_database_that_has_orders_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'core.sqlite'}"
    engine, _ = simulate(url, seed=1, days=1, orders_per_day=5)
    with pytest.raises(DomainError, match="simulate into a fresh database"):
        simulate(url, seed=1, days=1, orders_per_day=5)
    engine.dispose()


def test_rate_overrides_are_checked():
    assert parse_rate_overrides(["short_pick=0.2"]).short_pick == 0.2
    with pytest.raises(ValueError, match="unknown rate 'short_picks'"):
        parse_rate_overrides(["short_picks=0.2"])
    with pytest.raises(ValueError, match="between 0 and 1"):
        parse_rate_overrides(["lost=2"])


def test_keeping_orders_in_memory_between_days_changes_nothing_in_the_data(tmp_path):
    """The simulator's sole-writer unit of work must write exactly what fresh reads each day would,
    the tables no extract carries included (it rewrites allocations and holds only when they
    change, and a line's stored backorder only when it differs)."""

    def run(name: str, keep_in_memory: bool) -> tuple[dict[str, str], dict[str, list]]:
        engine = open_database(f"sqlite:///{tmp_path / name}.sqlite")
        ids = SequentialIds()
        sole_writer = SoleWriterUnitOfWork(engine, ids)
        factory = (lambda: sole_writer) if keep_in_memory else (lambda: SqlUnitOfWork(engine, ids))
        Simulation(factory, SimulationConfig(days=14, orders_per_day=30, seed=9, skus=50)).run()
        sole_writer.close()
        export_extracts(engine, tmp_path / f"landing-{name}")
        with engine.connect() as connection:
            tables = {
                table: connection.execute(text(f"SELECT * FROM {table} ORDER BY 1, 2, 3")).all()
                for table in ("allocations", "order_holds", "order_lines")
            }
        engine.dispose()
        return digest_of_landing(tmp_path / f"landing-{name}"), tables

    kept_landing, kept_tables = run("kept", keep_in_memory=True)
    fresh_landing, fresh_tables = run("fresh", keep_in_memory=False)
    assert kept_landing == fresh_landing
    assert kept_tables == fresh_tables
    assert kept_tables["allocations"], "the comparison needs orders still waiting for the warehouse"
    assert any(hold.released_at for hold in kept_tables["order_holds"]), "and holds released later"
    assert any(line.quantity_backordered for line in kept_tables["order_lines"]), "and backorders"


def test_the_sole_writer_forgets_finished_orders_and_reads_them_back_with_their_returns(
    engine, catalog, request_for
):
    """A finished order leaves the sole writer's memory once `keep_finished` has passed; a late
    return on it reads it back from the database and still counts the earlier returns."""
    uow = SoleWriterUnitOfWork(engine, SequentialIds(), keep_finished=timedelta(0))
    try:
        catalog(uow, {("SKU-1", "WH-A"): 10})
        order_id = services.place_order(
            uow, request_for("W-1", lines=(("SKU-1", 2),)), PaymentGateway()
        ).order_id
        services.pick(uow, [services.PickConfirmation(order_id, "WH-A")], at=T0)
        services.pack(uow, [(order_id, "WH-A")], at=T0)
        services.ship(uow, [services.ShipConfirmation(order_id, "WH-A", "UPS", "standard", "1Z1")], at=T0)
        first = services.open_return(
            uow, order_id, [ReturnRequestLine("SKU-1", 1, "defective")], "customer", at=T0
        )
        services.receive_return(uow, first, {"SKU-1": "restock"}, "dock", at=T0 + timedelta(days=5))
        services.refund_return(uow, first, "finance", at=T0 + timedelta(days=6))
        assert order_id in uow.orders.loaded
        services.record_tracking_events(
            uow, [services.TrackingUpdate("1Z1", "delivered", T0 + timedelta(days=2))]
        )
        services.close_orders(uow, [order_id], at=T0 + timedelta(days=20))
        assert order_id not in uow.orders.loaded, "a finished order is forgotten after its commit"
        with pytest.raises(DomainError, match="at most 1 of SKU-1"):
            services.open_return(
                uow,
                order_id,
                [ReturnRequestLine("SKU-1", 2, "defective")],
                "customer",
                at=T0 + timedelta(days=21),
            )
        second = services.open_return(
            uow,
            order_id,
            [ReturnRequestLine("SKU-1", 1, "defective")],
            "customer",
            at=T0 + timedelta(days=21),
        )
        assert [rma.rma_id for rma in services.get_returns(uow, [first, second]).values()] == [first, second]
    finally:
        uow.close()
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT rma_id FROM returns ORDER BY rma_id")).scalars().all()
        status = connection.execute(text("SELECT status FROM orders")).scalar_one()
    assert stored == [first, second], "close() returns once every commit is in the database"
    assert status == "closed"


def test_a_failed_background_write_is_reported_and_nothing_after_it_is_written(engine, catalog, request_for):
    uow = SoleWriterUnitOfWork(engine, SequentialIds())
    catalog(uow, {("SKU-1", "WH-A"): 10})
    services.place_order(uow, request_for("W-1", lines=(("SKU-1", 1),)), PaymentGateway())
    uow.close()
    # Numbering starts again at SO-00000001, which W-1 has: the database refuses W-2's row.
    uow = SoleWriterUnitOfWork(engine, SequentialIds())
    services.place_order(uow, request_for("W-2", lines=(("SKU-1", 1),)), PaymentGateway())
    with pytest.raises(BackgroundWriteFailed, match=r"(?i)unique"):
        services.place_order(uow, request_for("W-3", lines=(("SKU-1", 1),)), PaymentGateway())
        uow.close()
    uow.close()
    with engine.connect() as connection:
        external_ids = connection.execute(text("SELECT external_order_id FROM orders")).scalars().all()
    assert external_ids == ["W-1"]


def test_audit_events_are_named_tuples_in_their_tables_column_order():
    """Flushes write the events' tuples as they are: their fields must follow the column lists."""
    from order_core.adapters import repository
    from order_core.domain.events import InventoryEvent, OrderEvent, TrackingEvent, WarehouseEvent

    for event_type, columns in (
        (OrderEvent, repository.ORDER_EVENT_COLUMNS),
        (WarehouseEvent, repository.WAREHOUSE_EVENT_COLUMNS),
        (TrackingEvent, repository.TRACKING_EVENT_COLUMNS),
        (InventoryEvent, repository.INVENTORY_EVENT_COLUMNS),
    ):
        fields = ["event_at" if name == "at" else name for name in event_type._fields]
        assert [c for c in columns if c != "change_seq"] == fields, event_type.__name__
