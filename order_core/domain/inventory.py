"""Catalog, warehouses and stock per SKU per warehouse."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from order_core.domain.errors import DomainError
from order_core.domain.events import InventoryEvent


@dataclass(slots=True)
class Product:
    sku: str
    list_price: Decimal
    # Export-controlled goods need screening before they ship outside the home countries.
    export_restricted: bool = False


class Warehouse(NamedTuple):  # a named tuple: allocation hashes the warehouse list for every order
    warehouse_id: str
    country: str


@dataclass(slots=True)
class Customer:
    customer_id: str
    credit_limit: Decimal | None = None  # None: no limit (card payers)
    open_balance: Decimal = Decimal("0")  # receivables not yet paid, kept by the finance system


@dataclass(slots=True)
class StockLevel:
    """Stock of one SKU in one warehouse. Available to promise = on hand - allocated.

    Its own log records what changes the count on hand: receipts, write-offs and restocks.
    Reservations and shipments are audited on the order, whose `allocated`, `cancelled` and
    `shipped` events (and shipment lines) name the SKU, warehouse and quantity.
    """

    sku: str
    warehouse_id: str
    on_hand: int = 0
    allocated: int = 0
    events: list[InventoryEvent] = field(default_factory=list, repr=False)
    changed: bool = field(default=False, repr=False)

    @property
    def available(self) -> int:
        return self.on_hand - self.allocated

    def receive(self, quantity: int, at: datetime, actor: str, note: str | None = None) -> None:
        if quantity <= 0:
            raise DomainError(f"received quantity must be positive, got {quantity}")
        self.on_hand += quantity
        self._record("received", quantity, at, actor, None, note)

    def reserve(self, quantity: int) -> None:
        if quantity > self.available:
            raise DomainError(
                f"cannot allocate {quantity} of {self.sku} at {self.warehouse_id}: {self.available} available"
            )
        self.allocated += quantity
        self.changed = True

    def unreserve(self, quantity: int) -> None:
        self.allocated -= quantity
        self.changed = True

    def ship(self, quantity: int) -> None:
        self.on_hand -= quantity
        self.allocated -= quantity
        self.changed = True

    def write_off_reserved(self, quantity: int, order_id: str, at: datetime, actor: str, note: str) -> None:
        """Reserved units that are not there (short pick) or are broken (damage): both counts drop."""
        self.on_hand -= quantity
        self.allocated -= quantity
        self._record("written_off", quantity, at, actor, order_id, note)

    def restock(self, quantity: int, order_id: str, at: datetime, actor: str) -> None:
        self.on_hand += quantity
        self._record("restocked", quantity, at, actor, order_id)

    def _record(self, event_type, quantity, at, actor, order_id, note=None) -> None:
        self.changed = True
        self.events.append(
            InventoryEvent(self.sku, self.warehouse_id, event_type, quantity, at, actor, order_id, note)
        )


def stock_at(stock_by_sku: Mapping[str, Sequence[StockLevel]], sku: str, warehouse_id: str) -> StockLevel:
    """The stock level of `sku` at `warehouse_id` among those a repository's `for_skus` returned."""
    for level in stock_by_sku.get(sku, ()):
        if level.warehouse_id == warehouse_id:
            return level
    raise DomainError(f"no stock record of {sku} at {warehouse_id}")
