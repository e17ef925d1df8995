"""Lifecycles as explicit transition tables: every status change in the core is checked against one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from order_core.domain.errors import InvalidTransition


@dataclass(frozen=True)
class Lifecycle:
    entity: str
    transitions: Mapping[str, frozenset[str]]

    @property
    def statuses(self) -> tuple[str, ...]:
        return tuple(self.transitions)

    def allows(self, current: str, target: str) -> bool:
        return target in self.transitions[current]

    def check(self, entity_id: str, current: str, target: str) -> None:
        if not self.allows(current, target):
            raise InvalidTransition(self.entity, entity_id, current, target)


CREATED = "created"
ON_HOLD = "on_hold"
VALIDATED = "validated"
ALLOCATED = "allocated"
BACKORDERED = "backordered"
RELEASED_TO_WAREHOUSE = "released_to_warehouse"
PICKED = "picked"
PACKED = "packed"
PARTIALLY_SHIPPED = "partially_shipped"
SHIPPED = "shipped"
DELIVERED = "delivered"
CLOSED = "closed"
CANCELLED = "cancelled"

ORDER_LIFECYCLE = Lifecycle(
    "order",
    {
        CREATED: frozenset({ON_HOLD, VALIDATED, CANCELLED}),
        ON_HOLD: frozenset({VALIDATED, CANCELLED}),
        VALIDATED: frozenset({ALLOCATED, BACKORDERED, CANCELLED}),
        ALLOCATED: frozenset({RELEASED_TO_WAREHOUSE, CANCELLED}),
        # A backordered order that accepts partial shipments releases what is allocated.
        BACKORDERED: frozenset({ALLOCATED, RELEASED_TO_WAREHOUSE, CANCELLED}),
        # Split across warehouses, one warehouse may ship before the other has picked.
        # A pick that finds nothing on the shelf sends the order back to backorder.
        RELEASED_TO_WAREHOUSE: frozenset({PICKED, PARTIALLY_SHIPPED, BACKORDERED, CANCELLED}),
        PICKED: frozenset({PACKED, PARTIALLY_SHIPPED, CANCELLED}),
        PACKED: frozenset({SHIPPED, PARTIALLY_SHIPPED, CANCELLED}),
        PARTIALLY_SHIPPED: frozenset({SHIPPED}),
        # Shipped straight to closed: every parcel was lost or returned to sender and credited.
        SHIPPED: frozenset({DELIVERED, CLOSED}),
        DELIVERED: frozenset({CLOSED}),
        CLOSED: frozenset(),
        CANCELLED: frozenset(),
    },
)

# Statuses in which nothing has left a warehouse yet, so the order can still be cancelled.
CANCELLABLE = frozenset(s for s in ORDER_LIFECYCLE.statuses if ORDER_LIFECYCLE.allows(s, CANCELLED))

REQUESTED = "requested"
RECEIVED = "received"
REFUNDED = "refunded"

RETURN_LIFECYCLE = Lifecycle(
    "return",
    {
        REQUESTED: frozenset({RECEIVED}),
        RECEIVED: frozenset({REFUNDED}),
        REFUNDED: frozenset(),
    },
)
