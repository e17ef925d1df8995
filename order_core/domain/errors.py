"""Errors the domain raises when asked to do something its rules forbid."""

from __future__ import annotations


class DomainError(Exception):
    """A request the domain rules refuse; the message says which rule and why."""


class InvalidTransition(DomainError):
    def __init__(self, entity: str, entity_id: str, current: str, target: str) -> None:
        super().__init__(f"{entity} {entity_id} cannot move from {current!r} to {target!r}")
        self.current = current
        self.target = target


class OrderRejected(DomainError):
    """The order cannot even be captured (unknown SKU, non-positive quantity, ...)."""
