"""Validation rules: what rejects an order outright, and which hold each rule places."""

from __future__ import annotations

from decimal import Decimal

import pytest

from order_core.domain.errors import DomainError, OrderRejected
from order_core.domain.inventory import Customer, Product
from order_core.domain.validation import LineRequest, ValidationPolicy, holds_for, reject_invalid_lines
from order_core.service import services
from order_core.service.payments import DecliningGateway, PaymentGateway

CATALOG = {
    "SKU-1": Product("SKU-1", Decimal("10.00")),
    "SKU-LASER": Product("SKU-LASER", Decimal("99.00"), export_restricted=True),
}
CARD_CUSTOMER = Customer("CUST-1")


def hold_reasons(lines=(("SKU-1", 1, "10.00"),), customer=CARD_CUSTOMER, country="US", postal_code="10001",
                 fraud_score=None) -> list[str]:  # fmt: skip
    return [
        hold.reason
        for hold in holds_for(
            lines=[LineRequest(sku, quantity, Decimal(price)) for sku, quantity, price in lines],
            catalog=CATALOG,
            customer=customer,
            ship_to_country=country,
            ship_to_postal_code=postal_code,
            fraud_score=fraud_score,
            policy=ValidationPolicy(),
        )
    ]


def test_a_clean_order_gets_no_hold():
    assert hold_reasons() == []


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([("SKU-9", 1)], "unknown SKU 'SKU-9'"),
        ([("SKU-1", 0)], "quantity must be positive, got 0"),
        ([("SKU-1", -2)], "quantity must be positive, got -2"),
        ([("SKU-1", 1), ("SKU-1", 2)], "appears on more than one line"),
        ([], "at least one line"),
    ],
)
def test_an_order_with_an_unknown_sku_or_a_bad_quantity_is_rejected(lines, message):
    with pytest.raises(OrderRejected, match=message):
        reject_invalid_lines([LineRequest(sku, q, Decimal("10.00")) for sku, q in lines], CATALOG)


def test_a_price_off_the_list_beyond_the_tolerance_gets_a_pricing_hold():
    assert hold_reasons(lines=[("SKU-1", 1, "9.50")]) == ["pricing"]


def test_a_price_within_the_tolerance_passes():
    assert hold_reasons(lines=[("SKU-1", 1, "9.81")]) == []


@pytest.mark.parametrize(
    ("country", "postal_code"),
    [(None, "10001"), ("ZZ", "10001"), ("US", None), ("US", "1000"), ("CA", "12345"), ("GB", "not a code")],
)
def test_a_missing_or_invalid_ship_to_gets_an_address_hold(country, postal_code):
    assert hold_reasons(country=country, postal_code=postal_code) == ["address"]


def test_valid_foreign_addresses_pass():
    for country, postal_code in (("CA", "K1A 0B1"), ("GB", "SW1A 1AA"), ("NL", "1012 AB"), ("DE", "10115")):
        assert hold_reasons(country=country, postal_code=postal_code) == []


def test_an_order_over_the_customers_credit_limit_gets_a_credit_hold():
    near_limit = Customer("CUST-B2B", credit_limit=Decimal("1000"), open_balance=Decimal("995"))
    assert hold_reasons(customer=near_limit) == ["credit"]
    assert hold_reasons(customer=Customer("CUST-B2B", Decimal("1000"), Decimal("990"))) == []


def test_a_high_payment_risk_score_gets_a_fraud_hold():
    assert hold_reasons(fraud_score=80) == ["fraud"]
    assert hold_reasons(fraud_score=79) == []


def test_an_export_restricted_sku_shipped_abroad_gets_a_compliance_hold():
    laser = [("SKU-LASER", 1, "99.00")]
    assert hold_reasons(lines=laser, country="DE", postal_code="10115") == ["compliance"]
    assert hold_reasons(lines=laser, country="US", postal_code="10001") == []


def test_several_rules_can_hold_one_order():
    assert hold_reasons(lines=[("SKU-1", 1, "5.00")], postal_code=None, fraud_score=95) == [
        "fraud",
        "pricing",
        "address",
    ]


def test_a_held_order_waits_until_a_named_person_releases_every_hold(uow, catalog, request_for):
    catalog(uow, {("SKU-1", "WH-A"): 10})
    request = request_for("W-1", ship_to_postal_code="1", fraud_score=90)
    placed = services.place_order(uow, request, PaymentGateway())
    assert placed.status == "on_hold"
    with pytest.raises(DomainError, match="name of the person and a reason"):
        services.release_hold(uow, placed.order_id, "fraud", "", "")
    assert services.release_hold(uow, placed.order_id, "fraud", "m.chen", "cardholder verified") == "on_hold"
    with pytest.raises(DomainError, match="no open fraud hold"):
        services.release_hold(uow, placed.order_id, "fraud", "m.chen", "again")
    services.correct_address(uow, placed.order_id, "US", "10001", "a.garcia", "customer called")
    final = services.release_hold(uow, placed.order_id, "address", "a.garcia", "address corrected")
    assert final == "released_to_warehouse", "the last release validates, allocates and releases the order"
    _, history = services.order_history(uow, placed.order_id)
    releases = [
        (event, actor, reason) for _, _, event, actor, reason, _ in history if event == "hold_released"
    ]
    assert releases == [("hold_released", "m.chen", "fraud"), ("hold_released", "a.garcia", "address")]


def test_a_declined_payment_is_recorded_and_the_order_waits_for_a_retry(uow, catalog, request_for):
    catalog(uow, {("SKU-1", "WH-A"): 10})
    placed = services.place_order(uow, request_for("W-1"), DecliningGateway("card_declined"))
    assert placed.status == "created"
    assert services.retry_payment(uow, placed.order_id, PaymentGateway()) == "released_to_warehouse"
    _, history = services.order_history(uow, placed.order_id)
    assert [(e, r) for _, _, e, _, r, _ in history if e == "payment_failed"] == [
        ("payment_failed", "card_declined")
    ]


def test_an_unknown_customer_is_refused(uow, catalog, request_for):
    catalog(uow)
    with pytest.raises(DomainError, match="unknown customer 'NOBODY'"):
        services.place_order(uow, request_for("W-1", customer_id="NOBODY"), PaymentGateway())
