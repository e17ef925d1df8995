"""Audit events: every change in the core appends one, saying what, when, who and why.

`OrderEvent` rows become the contract's `oms/order_events` (only the contract's event types are
exported; the others, such as `shipped`, are audit-only). `WarehouseEvent` rows become
`wms/warehouse_events`. `InventoryEvent` rows audit stock changes and are not exported.

Events are immutable named tuples: cheap to create by the hundred thousand in a simulation.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple


class OrderEvent(NamedTuple):
    order_id: str
    event_type: str
    at: datetime
    actor: str
    reason_code: str | None = None
    note: str | None = None
    status_after: str | None = None  # the order's status once the event happened


class WarehouseEvent(NamedTuple):
    order_id: str
    warehouse_id: str
    event_type: str
    at: datetime
    actor: str
    sku: str | None = None
    quantity: int | None = None
    note: str | None = None


class InventoryEvent(NamedTuple):
    sku: str
    warehouse_id: str
    event_type: str  # received, allocated, deallocated, shipped, written_off, restocked
    quantity: int
    at: datetime
    actor: str
    order_id: str | None = None
    note: str | None = None


class TrackingEvent(NamedTuple):
    tracking_number: str
    order_id: str
    shipment_id: str
    carrier: str
    status_code: str
    at: datetime
    exception_code: str | None = None
    location: str | None = None
