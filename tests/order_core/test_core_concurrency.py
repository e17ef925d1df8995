"""Eight workers at once, on SQLite and on PostgreSQL: allocation never oversells, no order is
lost, and capture is idempotent per (channel, external order id)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from order_core.adapters.database import open_database
from order_core.adapters.repository import SqlUnitOfWork
from order_core.service import services
from order_core.service.payments import PaymentGateway

WORKERS = 8
ORDERS_PER_WORKER = 6
STOCK = 20
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def run_workers(work) -> list:
    """Start `WORKERS` threads at the same moment; return their results, re-raising any failure."""
    barrier = threading.Barrier(WORKERS)
    results: list = [None] * WORKERS
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except BaseException as error:  # collected and re-raised below, so the test shows it
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def test_eight_workers_placing_orders_for_a_scarce_sku_never_oversell_nor_lose_an_order(
    any_url, catalog, request_for
):
    engine = open_database(any_url)
    catalog(SqlUnitOfWork(engine), {("SKU-1", "WH-A"): STOCK})

    def place_orders(worker: int) -> list[str]:
        statuses = []
        for n in range(ORDERS_PER_WORKER):
            request = request_for(f"W-{worker}-{n}", [("SKU-1", 1)], ordered_at=T0 + timedelta(seconds=n))
            statuses.append(services.place_order(SqlUnitOfWork(engine), request, PaymentGateway()).status)
        return statuses

    statuses = [s for worker_statuses in run_workers(place_orders) for s in worker_statuses]

    with engine.connect() as connection:
        orders = connection.execute(text("SELECT count(*) FROM orders")).scalar()
        on_hand, allocated = connection.execute(text("SELECT on_hand, allocated FROM inventory")).one()
        allocation_rows = connection.execute(
            text("SELECT coalesce(sum(quantity), 0) FROM allocations")
        ).scalar()
        backordered = connection.execute(text("SELECT sum(quantity_backordered) FROM order_lines")).scalar()
    engine.dispose()
    attempts = WORKERS * ORDERS_PER_WORKER
    assert orders == attempts, "every order was captured"
    assert (on_hand, allocated) == (STOCK, STOCK), "all stock allocated, none oversold"
    assert allocation_rows == STOCK
    assert backordered == attempts - STOCK
    assert statuses.count("released_to_warehouse") == STOCK
    assert statuses.count("backordered") == attempts - STOCK


def test_eight_workers_retrying_the_same_order_capture_it_once(any_url, catalog, request_for):
    engine = open_database(any_url)
    catalog(SqlUnitOfWork(engine), {("SKU-1", "WH-A"): STOCK})

    def place_same_order(worker: int):
        return services.place_order(
            SqlUnitOfWork(engine), request_for("EDI-42", [("SKU-1", 3)]), PaymentGateway()
        )

    results = run_workers(place_same_order)
    with engine.connect() as connection:
        orders = connection.execute(text("SELECT count(*) FROM orders")).scalar()
        allocated = connection.execute(text("SELECT allocated FROM inventory")).scalar()
    engine.dispose()
    assert orders == 1
    assert len({r.order_id for r in results}) == 1, "every retry got the same order"
    assert sum(r.created for r in results) == 1
    assert allocated == 3, "the order was allocated once"
