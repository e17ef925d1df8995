"""Returns (RMAs): requested by the customer, received at the warehouse with a disposition, refunded."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from order_core.domain import lifecycle as status
from order_core.domain.errors import DomainError
from order_core.domain.inventory import StockLevel, stock_at
from order_core.domain.lifecycle import RETURN_LIFECYCLE
from order_core.domain.orders import Order

RETURN_REASONS = (
    "damaged",
    "defective",
    "wrong_item",
    "not_as_described",
    "no_longer_needed",
    "late_delivery",
)
DISPOSITIONS = ("restock", "refurbish", "scrap", "return_to_vendor")
# A change of mind costs the customer a restocking fee; every other reason is our fault.
RESTOCKING_FEE = {"no_longer_needed": Decimal("0.10")}
CENT = Decimal("0.01")


@dataclass(frozen=True)
class ReturnRequestLine:
    sku: str
    quantity: int
    reason_code: str


@dataclass(slots=True)
class ReturnLine:
    line_number: int
    sku: str
    quantity: int
    reason_code: str
    refund_amount: Decimal
    warehouse_id: str  # where the units come back to
    received_at: datetime | None = None
    disposition: str | None = None
    updated_at: datetime | None = None
    is_new: bool = True
    changed: bool = False


@dataclass(slots=True)
class ReturnAuthorization:
    rma_id: str
    order_id: str
    status: str
    requested_at: datetime
    updated_at: datetime
    lines: list[ReturnLine] = field(default_factory=list)
    is_new: bool = True
    changed: bool = False

    @classmethod
    def request(
        cls,
        *,
        rma_id: str,
        order: Order,
        lines: Sequence[ReturnRequestLine],
        already_returned: Mapping[str, int],
        at: datetime,
        actor: str,
    ) -> ReturnAuthorization:
        if not lines:
            raise DomainError("a return needs at least one line")
        return_lines = []
        for number, request in enumerate(lines, start=1):
            if request.reason_code not in RETURN_REASONS:
                raise DomainError(
                    f"unknown return reason {request.reason_code!r}; expected one of {', '.join(RETURN_REASONS)}"
                )
            if request.quantity <= 0:
                raise DomainError(f"return quantity must be positive, got {request.quantity}")
            line = order.line_for_sku(request.sku)
            returnable = line.quantity_shipped - already_returned.get(request.sku, 0)
            if request.quantity > returnable:
                raise DomainError(
                    f"order {order.order_id} can return at most {returnable} of {request.sku}, not {request.quantity}"
                )
            fee = RESTOCKING_FEE.get(request.reason_code, Decimal("0"))
            refund = (line.unit_price * request.quantity * (1 - fee)).quantize(CENT)
            warehouse = next(
                s.warehouse_id for s in order.shipments if any(sl.sku == request.sku for sl in s.lines)
            )
            return_lines.append(
                ReturnLine(
                    number,
                    request.sku,
                    request.quantity,
                    request.reason_code,
                    refund,
                    warehouse,
                    updated_at=at,
                )
            )
        rma = cls(rma_id, order.order_id, status.REQUESTED, at, at, return_lines)
        summary = ", ".join(f"{line.sku} x{line.quantity} ({line.reason_code})" for line in return_lines)
        order.record_return_event("return_requested", at, actor, lines[0].reason_code, f"{rma_id}: {summary}")
        return rma

    def receive(
        self,
        *,
        order: Order,
        dispositions: Mapping[str, str],
        stock_by_sku: Mapping[str, Sequence[StockLevel]],
        at: datetime,
        actor: str,
    ) -> None:
        RETURN_LIFECYCLE.check(self.rma_id, self.status, status.RECEIVED)
        missing = [line.sku for line in self.lines if line.sku not in dispositions]
        if missing:
            raise DomainError(f"return {self.rma_id} needs a disposition for {', '.join(missing)}")
        for line in self.lines:
            disposition = dispositions[line.sku]
            if disposition not in DISPOSITIONS:
                raise DomainError(
                    f"unknown disposition {disposition!r}; expected one of {', '.join(DISPOSITIONS)}"
                )
            line.received_at, line.disposition, line.updated_at, line.changed = at, disposition, at, True
            if disposition == "restock":
                level = stock_at(stock_by_sku, line.sku, line.warehouse_id)
                level.restock(line.quantity, self.order_id, at, actor)
        self._move_to(status.RECEIVED, at)
        summary = ", ".join(f"{line.sku}: {line.disposition}" for line in self.lines)
        order.record_return_event("return_received", at, actor, None, f"{self.rma_id}: {summary}")

    def refund(
        self, *, order: Order, new_credit_memo_id: Callable[[], str], at: datetime, actor: str
    ) -> None:
        """Credit the refund against the invoices that billed the returned units."""
        RETURN_LIFECYCLE.check(self.rma_id, self.status, status.REFUNDED)
        refund_by_invoice: dict[str, Decimal] = defaultdict(Decimal)
        for line in self.lines:
            refund_by_invoice[order.invoice_for_sku(line.sku).invoice_id] += line.refund_amount
        for invoice_id, amount in refund_by_invoice.items():
            invoice = next(i for i in order.invoices if i.invoice_id == invoice_id)
            credited = sum((m.amount for m in order.credit_memos if m.invoice_id == invoice_id), Decimal("0"))
            # An earlier credit (damage, goodwill) may already cover part of the invoice.
            creditable = min(amount, invoice.amount - credited)
            if creditable > 0:
                order.issue_credit_memo(
                    credit_memo_id=new_credit_memo_id(),
                    invoice_id=invoice_id,
                    amount=creditable,
                    reason_code="return",
                    at=at,
                    actor=actor,
                    note=f"refund for {self.rma_id}",
                )
        self._move_to(status.REFUNDED, at)
        order.record_return_event(
            "refunded", at, actor, None, f"{self.rma_id}: {sum(refund_by_invoice.values())}"
        )

    def _move_to(self, target: str, at: datetime) -> None:
        self.status = target
        self.updated_at = max(self.updated_at, at)
        self.changed = True
