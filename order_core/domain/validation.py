"""Validation rules run when an order is captured.

Two kinds of finding: a *rejection* (the order cannot be captured at all: unknown SKU,
non-positive quantity) and a *hold* (the order is captured but waits for a person:
credit, fraud, pricing, address, compliance).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from order_core.domain.errors import OrderRejected
from order_core.domain.inventory import Customer, Product

HOLD_REASONS = ("credit", "fraud", "pricing", "address", "compliance")

# Countries we ship to, with the postal code format the carriers accept.
POSTAL_CODE_FORMATS: Mapping[str, re.Pattern[str]] = {
    "US": re.compile(r"\d{5}(-\d{4})?"),
    "CA": re.compile(r"[A-Z]\d[A-Z] ?\d[A-Z]\d"),
    "GB": re.compile(r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}"),
    "DE": re.compile(r"\d{5}"),
    "FR": re.compile(r"\d{5}"),
    "NL": re.compile(r"\d{4} ?[A-Z]{2}"),
    "BE": re.compile(r"\d{4}"),
    "ES": re.compile(r"\d{5}"),
    "IT": re.compile(r"\d{5}"),
    "AT": re.compile(r"\d{4}"),
    "IE": re.compile(r"[A-Z]\d[\dW] ?[A-Z\d]{4}"),
    "AU": re.compile(r"\d{4}"),
    "JP": re.compile(r"\d{3}-\d{4}"),
    "MX": re.compile(r"\d{5}"),
}
CURRENCIES = ("USD", "CAD", "GBP", "EUR", "AUD", "JPY", "MXN")


@dataclass(frozen=True)
class ValidationPolicy:
    price_tolerance: Decimal = Decimal("0.02")  # share of the list price a line may deviate by
    fraud_score_threshold: int = 80  # payment provider risk score (0-100) that needs review
    home_countries: tuple[str, ...] = ("US", "CA")  # export-restricted SKUs ship here unscreened


class LineRequest(NamedTuple):  # a named tuple: cheap to make for every line of a busy day
    sku: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class Hold:
    reason: str
    note: str


def reject_invalid_lines(lines: Sequence[LineRequest], catalog: Mapping[str, Product]) -> None:
    if not lines:
        raise OrderRejected("an order needs at least one line")
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if line.sku not in catalog:
            raise OrderRejected(f"line {number}: unknown SKU {line.sku!r}")
        if line.quantity <= 0:
            raise OrderRejected(f"line {number}: quantity must be positive, got {line.quantity}")
        if line.unit_price < 0:
            raise OrderRejected(f"line {number}: unit price must not be negative, got {line.unit_price}")
        # Shipments are matched to order lines by SKU, so one SKU appears on one line only.
        if line.sku in seen:
            raise OrderRejected(f"line {number}: SKU {line.sku!r} appears on more than one line")
        seen.add(line.sku)


def holds_for(
    *,
    lines: Sequence[LineRequest],
    catalog: Mapping[str, Product],
    customer: Customer,
    ship_to_country: str | None,
    ship_to_postal_code: str | None,
    fraud_score: int | None,
    policy: ValidationPolicy,
) -> list[Hold]:
    holds = []
    order_total = sum((line.unit_price * line.quantity for line in lines), Decimal("0"))
    if customer.credit_limit is not None and customer.open_balance + order_total > customer.credit_limit:
        holds.append(
            Hold(
                "credit",
                f"open balance {customer.open_balance} + order {order_total} exceeds limit {customer.credit_limit}",
            )
        )
    if fraud_score is not None and fraud_score >= policy.fraud_score_threshold:
        holds.append(Hold("fraud", f"payment risk score {fraud_score} >= {policy.fraud_score_threshold}"))
    for line in lines:
        list_price = catalog[line.sku].list_price
        if abs(line.unit_price - list_price) > list_price * policy.price_tolerance:
            holds.append(Hold("pricing", f"{line.sku} priced {line.unit_price}, list price {list_price}"))
            break
    address_problem = address_problem_of(ship_to_country, ship_to_postal_code)
    if address_problem:
        holds.append(Hold("address", address_problem))
    elif ship_to_country not in policy.home_countries:
        restricted = [line.sku for line in lines if catalog[line.sku].export_restricted]
        if restricted:
            holds.append(
                Hold("compliance", f"export screening for {', '.join(restricted)} to {ship_to_country}")
            )
    return holds


def address_problem_of(country: str | None, postal_code: str | None) -> str | None:
    if not country:
        return "ship-to country is missing"
    if country not in POSTAL_CODE_FORMATS:
        return f"ship-to country {country!r} is not a country we ship to"
    if not postal_code:
        return "ship-to postal code is missing"
    if not POSTAL_CODE_FORMATS[country].fullmatch(postal_code):
        return f"postal code {postal_code!r} is not valid for {country}"
    return None
