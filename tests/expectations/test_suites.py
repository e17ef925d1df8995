"""The suites follow the contract: one per entity, each check where the contract says so."""

from __future__ import annotations

import dataclasses

import pytest

from contract import ENTITIES, ENTITIES_BY_PATH, TIMESTAMP, Column
from expectations.suites import EARLIEST_PLAUSIBLE, LATEST_PLAUSIBLE_PARAMETER, build_suite, is_blocking


def _checks(entity) -> list[tuple[str, str | None, dict, bool]]:
    """(type, column, kwargs, blocking) of every expectation in the entity's suite."""
    return [
        (
            e.configuration.type,
            e.configuration.kwargs.get("column"),
            e.configuration.kwargs,
            is_blocking(e.meta),
        )
        for e in build_suite(entity).expectations
    ]


@pytest.mark.parametrize("entity", ENTITIES, ids=lambda e: e.table)
def test_every_entity_gets_a_named_suite_with_a_blocking_row_count(entity):
    suite = build_suite(entity)

    assert suite.name == f"{entity.source}__{entity.name}__load_checks"
    assert ("expect_table_row_count_to_be_between", None, True) in [
        (t, c, b) for t, c, _, b in _checks(entity)
    ]
    assert all("blocking" in e.meta for e in suite.expectations)


@pytest.mark.parametrize("entity", ENTITIES, ids=lambda e: e.table)
def test_key_columns_are_checked_for_nulls_and_keys_are_not_checked_for_uniqueness(entity):
    checks = _checks(entity)
    not_null = {
        c
        for t, c, kw, b in checks
        if t == "expect_column_values_to_not_be_null" and b and not kw.get("row_condition")
    }

    assert not_null == {c.name for c in entity.columns if c.key and not c.nullable_key}
    # Files may resend rows, so duplicate keys within a batch are not an error.
    assert not [t for t, *_ in checks if "unique" in t]


def test_enum_minimum_and_timestamp_checks_come_from_the_contract():
    checks = _checks(ENTITIES_BY_PATH[("oms", "order_lines")])
    minimums = {
        c: (kw["min_value"], b)
        for t, c, kw, b in checks
        if t == "expect_column_values_to_be_between" and c in ("quantity_ordered", "unit_price")
    }
    timestamps = [(c, kw, b) for t, c, kw, b in checks if c == "updated_at"]

    assert minimums == {"quantity_ordered": (1, True), "unit_price": (0, True)}
    assert timestamps == [
        (
            "updated_at",
            {
                "column": "updated_at",
                "min_value": EARLIEST_PLAUSIBLE,
                "max_value": {"$PARAMETER": LATEST_PLAUSIBLE_PARAMETER},
            },
            False,
        )
    ]

    channel = [
        (kw["value_set"], b) for t, c, kw, b in _checks(ENTITIES_BY_PATH[("oms", "orders")]) if c == "channel"
    ]
    assert channel == [(["web", "marketplace", "edi", "phone", "sales_rep"], True)]


def test_a_new_enum_column_in_the_contract_gets_a_set_check_without_touching_the_suites():
    orders = ENTITIES_BY_PATH[("oms", "orders")]
    extended = dataclasses.replace(
        orders, columns=(*orders.columns, Column("priority", accepted_values=("low", "high")))
    )

    assert ("expect_column_values_to_be_in_set", "priority", True) in [
        (t, c, b) for t, c, _, b in _checks(extended)
    ]


def test_reason_domains_are_checked_per_event_type():
    checks = _checks(ENTITIES_BY_PATH[("oms", "order_events")])
    reason_checks = [(t, kw["row_condition"]["parameter"], b) for t, c, kw, b in checks if c == "reason_code"]

    assert sorted(reason_checks) == [
        ("expect_column_values_to_be_in_set", "cancelled", True),
        ("expect_column_values_to_be_in_set", "hold_placed", True),
        # A missing reason is loaded (ingest quarantines unknown reasons only), so it warns.
        ("expect_column_values_to_not_be_null", "cancelled", False),
        ("expect_column_values_to_not_be_null", "hold_placed", False),
    ]


def test_only_tracking_events_get_the_exception_code_consistency_warnings():
    for entity in ENTITIES:
        conditioned = [
            (t, c, b) for t, c, kw, b in _checks(entity) if kw.get("row_condition") and c == "exception_code"
        ]
        if entity.name == "tracking_events":
            assert sorted(conditioned) == [
                ("expect_column_values_to_be_null", "exception_code", False),
                ("expect_column_values_to_not_be_null", "exception_code", False),
            ]
        else:
            assert conditioned == []


def test_timestamp_plausibility_is_a_warning_everywhere():
    for entity in ENTITIES:
        timestamp_columns = {c.name for c in entity.columns if c.kind == TIMESTAMP}
        plausibility = [
            (c, b)
            for t, c, kw, b in _checks(entity)
            if t == "expect_column_values_to_be_between" and c in timestamp_columns
        ]
        assert sorted(c for c, _ in plausibility) == sorted(timestamp_columns)
        assert not any(b for _, b in plausibility)
