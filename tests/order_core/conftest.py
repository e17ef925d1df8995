"""Fixtures for the order core tests: real SQLite files in tmp_path (and, from the root conftest.py,
a fresh PostgreSQL database).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from order_core.adapters.database import open_database
from order_core.adapters.repository import SqlUnitOfWork
from order_core.service import services
from order_core.service.ids import SequentialIds

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning, before the shipping cut-off


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'core.sqlite'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def any_url(request):
    """Both databases the core supports."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def engine(sqlite_url):
    engine = open_database(sqlite_url)
    yield engine
    engine.dispose()


@pytest.fixture
def uow(engine):
    return SqlUnitOfWork(engine, SequentialIds())


def set_up_catalog(uow, stock: dict[tuple[str, str], int] | None = None) -> None:
    """Two US warehouses and one in Europe, three SKUs at 10.00, customers with and without credit terms."""
    for warehouse_id, country in (("WH-A", "US"), ("WH-B", "US"), ("WH-EU", "NL")):
        services.add_warehouse(uow, warehouse_id, country)
    for sku in ("SKU-1", "SKU-2", "SKU-3"):
        services.set_product(uow, sku, Decimal("10.00"))
    services.set_product(uow, "SKU-LASER", Decimal("99.00"), export_restricted=True)
    services.set_customer(uow, "CUST-1")
    services.set_customer(uow, "CUST-B2B", credit_limit=Decimal("1000"), open_balance=Decimal("900"))
    if stock:
        receipts = [services.StockReceipt(sku, wh, quantity) for (sku, wh), quantity in stock.items()]
        services.receive_stock(uow, receipts, at=T0.replace(hour=6))


def order_request(external_id: str, lines=(("SKU-1", 2),), **overrides) -> services.PlaceOrder:
    from order_core.domain.validation import LineRequest

    fields = {
        "channel": "web",
        "external_order_id": external_id,
        "customer_id": "CUST-1",
        "lines": [LineRequest(sku, quantity, Decimal("10.00")) for sku, quantity in lines],
        "ship_to_country": "US",
        "ship_to_postal_code": "10001",
        "ordered_at": T0,
    }
    fields.update(overrides)
    return services.PlaceOrder(**fields)


@pytest.fixture
def catalog():
    return set_up_catalog


@pytest.fixture
def request_for():
    return order_request
