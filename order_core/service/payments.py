"""The payment provider port: the core asks it to authorize an order's amount."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Authorization:
    approved: bool
    decline_reason: str | None = None


class PaymentGateway:
    """Approves everything. The core keeps no card data; a provider integration subclasses this."""

    def authorize(
        self, order_id: str, external_order_id: str, amount: Decimal, currency: str
    ) -> Authorization:
        return Authorization(approved=True)


class DecliningGateway(PaymentGateway):
    """Declines every authorization with one reason (the CLI's --payment-declined)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def authorize(
        self, order_id: str, external_order_id: str, amount: Decimal, currency: str
    ) -> Authorization:
        return Authorization(approved=False, decline_reason=self.reason)
