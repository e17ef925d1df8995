"""validate_frame runs each kind of check, counts the bad rows and flags what blocks a load."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pytest
from great_expectations.execution_engine import pandas_execution_engine

from contract import DATE, DECIMAL, ENTITIES, ENTITIES_BY_PATH, INTEGER, TIMESTAMP, Entity
from expectations import validate
from expectations.validate import ExpectationOutcome, summarize_failures, validate_frame

ORDERS = ENTITIES_BY_PATH[("oms", "orders")]
ORDER_LINES = ENTITIES_BY_PATH[("oms", "order_lines")]
ORDER_EVENTS = ENTITIES_BY_PATH[("oms", "order_events")]
TRACKING = ENTITIES_BY_PATH[("carrier", "tracking_events")]
LATEST_PLAUSIBLE = dt.datetime(2027, 12, 1)  # as-of 2026-10-27 + 400 days

NOT_NULL = "expect_column_values_to_not_be_null"
IN_SET = "expect_column_values_to_be_in_set"
BETWEEN = "expect_column_values_to_be_between"
BE_NULL = "expect_column_values_to_be_null"
ROW_COUNT = "expect_table_row_count_to_be_between"


# --- a small valid frame for any entity, built from the contract ---------------------------------


def _value(column, row: int):
    if column.nullable_key:
        return None  # tracking exception_code: null unless the status is 'exception'
    if column.accepted_values is not None:
        return column.accepted_values[row % len(column.accepted_values)]
    if column.kind == TIMESTAMP:
        return pd.Timestamp("2026-03-01 10:00") + pd.Timedelta(hours=row)
    if column.kind == DATE:
        return dt.date(2026, 3, 5)
    if column.kind == DECIMAL:
        return Decimal("19.90")
    if column.kind == INTEGER:
        return max(column.min_value or 0, 1) + row
    return f"{column.name}-{row}"


def valid_frame(entity: Entity, rows: int = 8) -> pd.DataFrame:
    """Valid rows (enums cycle through their values), one more row per reason domain, and the
    lineage columns of a raw table, in the dtypes a load hands over."""
    records = [{c.name: _value(c, row) for c in entity.columns} for row in range(rows)]
    for record in records:
        if record.get("status_code") == "exception":
            record["exception_code"] = "damaged"
        if record.get("event_type") in entity.reason_domains:
            record["reason_code"] = entity.reason_domains[record["event_type"]][0]
    for event_type, reasons in entity.reason_domains.items():
        records.append({**records[0], "event_type": event_type, "reason_code": reasons[-1]})
    frame = pd.DataFrame.from_records(records, columns=list(entity.column_names))
    for column in entity.columns:
        if column.kind == INTEGER:
            frame[column.name] = frame[column.name].astype("Int64")
        if column.kind == TIMESTAMP:
            frame[column.name] = pd.to_datetime(frame[column.name]).astype("datetime64[us]")
    frame["_source_file"] = f"{entity.source}/{entity.name}/batch-1.csv"
    frame["_file_sha256"] = "0" * 64
    frame["_file_seq"] = pd.array([1] * len(frame), dtype="Int64")
    frame["_row_number"] = pd.array(range(len(frame)), dtype="Int64")
    frame["_loaded_at"] = pd.Timestamp("2026-10-27 06:00")
    frame["_extra"] = None
    return frame


def with_values(frame: pd.DataFrame, column: str, values: list) -> pd.DataFrame:
    """The frame with the first len(values) rows of `column` replaced."""
    changed = frame.copy()
    original = changed[column].dtype
    changed[column] = changed[column].astype(object)
    for row, value in enumerate(values):
        changed.at[row, column] = value
    if original.kind in "Mi" or str(original) == "Int64":
        changed[column] = changed[column].astype(original)
    return changed


def the_outcome(outcomes: list[ExpectationOutcome], expectation: str, column: str | None, where: str = ""):
    found = [
        o for o in outcomes if o.expectation == expectation and o.column_name == column and where in o.details
    ]
    assert len(found) == 1, found
    return found[0]


def failed(outcomes: list[ExpectationOutcome]) -> list[tuple[str, str | None]]:
    return [(o.expectation, o.column_name) for o in outcomes if not o.passed]


# --- every entity ---------------------------------------------------------------------------------


@pytest.mark.parametrize("entity", ENTITIES, ids=lambda e: e.table)
def test_a_valid_frame_of_every_entity_passes_every_check(entity):
    outcomes = validate_frame(entity, valid_frame(entity), LATEST_PLAUSIBLE)

    assert outcomes, "no expectations ran"
    assert failed(outcomes) == []
    assert {o.suite for o in outcomes} == {f"{entity.table}__load_checks"}
    assert the_outcome(outcomes, ROW_COUNT, None).element_count == len(valid_frame(entity))


# --- one test per kind of check: a failing frame, its count and its blocking flag ---------------


def test_null_keys_are_counted_and_block():
    frame = with_values(valid_frame(ORDER_LINES), "line_number", [None, None])

    outcome = the_outcome(validate_frame(ORDER_LINES, frame, LATEST_PLAUSIBLE), NOT_NULL, "line_number")

    assert (outcome.passed, outcome.unexpected_count, outcome.element_count, outcome.blocking) == (
        False,
        2,
        len(frame),
        True,
    )


def test_a_null_in_the_nullable_part_of_a_key_is_not_an_error():
    outcomes = validate_frame(TRACKING, valid_frame(TRACKING), LATEST_PLAUSIBLE)

    assert valid_frame(TRACKING)["exception_code"].isna().any()
    assert [
        o
        for o in outcomes
        if o.expectation == NOT_NULL and o.column_name == "exception_code" and "where" not in o.details
    ] == []
    assert failed(outcomes) == []


def test_values_outside_an_enum_are_counted_with_examples_and_block_but_nulls_are_allowed():
    frame = with_values(valid_frame(ORDERS), "channel", ["WEB", "shop", None, "WEB"])

    outcome = the_outcome(validate_frame(ORDERS, frame, LATEST_PLAUSIBLE), IN_SET, "channel")

    assert (outcome.passed, outcome.unexpected_count, outcome.blocking) == (False, 3, True)
    assert "(examples: 'WEB', 'shop')" in outcome.details


def test_a_null_enum_key_fails_the_null_check_not_the_set_check():
    frame = with_values(valid_frame(TRACKING), "status_code", [None])

    outcomes = validate_frame(TRACKING, frame, LATEST_PLAUSIBLE)

    assert the_outcome(outcomes, NOT_NULL, "status_code").unexpected_count == 1
    assert the_outcome(outcomes, IN_SET, "status_code").passed


def test_integer_minimums_are_checked_on_nullable_integers():
    frame = with_values(valid_frame(ORDER_LINES), "quantity_ordered", [0, -3, None])

    outcome = the_outcome(validate_frame(ORDER_LINES, frame, LATEST_PLAUSIBLE), BETWEEN, "quantity_ordered")

    assert (outcome.passed, outcome.unexpected_count, outcome.blocking) == (False, 2, True)
    assert "below 1 (examples: 0, -3)" in outcome.details


@pytest.mark.parametrize(
    "prices",
    [
        [Decimal("-0.01"), Decimal("0"), None],  # as Arrow's to_pandas() returns DECIMAL
        [-0.01, 0.0, None],  # as DuckDB's .df() returns DECIMAL
    ],
    ids=["decimal-objects", "floats"],
)
def test_money_minimums_are_checked_on_decimals_and_floats(prices):
    frame = with_values(valid_frame(ORDER_LINES), "unit_price", prices)
    if isinstance(prices[0], float):
        frame["unit_price"] = frame["unit_price"].astype("float64")

    outcome = the_outcome(validate_frame(ORDER_LINES, frame, LATEST_PLAUSIBLE), BETWEEN, "unit_price")

    assert (outcome.passed, outcome.unexpected_count, outcome.blocking) == (False, 1, True)
    assert "-0.01" in outcome.details


def test_implausible_timestamps_are_counted_but_only_warn():
    too_old = pd.Timestamp("1999-12-31 23:59")
    too_new = pd.Timestamp(LATEST_PLAUSIBLE) + pd.Timedelta(seconds=1)
    frame = with_values(
        valid_frame(ORDER_EVENTS), "event_at", [too_old, too_new, None, pd.Timestamp(LATEST_PLAUSIBLE)]
    )

    outcomes = validate_frame(ORDER_EVENTS, frame, LATEST_PLAUSIBLE)
    outcome = the_outcome(outcomes, BETWEEN, "event_at")

    assert (outcome.passed, outcome.unexpected_count, outcome.blocking) == (False, 2, False)
    assert summarize_failures(outcomes) == ""  # nothing blocking failed


def test_timestamps_beyond_the_nanosecond_range_are_still_checked():
    # datetime64[us] holds year 1 and 9999 (DuckDB does too); such values cannot take the fast path.
    frame = with_values(
        valid_frame(ORDER_EVENTS), "event_at", [pd.Timestamp("0001-01-01"), pd.Timestamp("9999-12-31")]
    )

    outcome = the_outcome(validate_frame(ORDER_EVENTS, frame, LATEST_PLAUSIBLE), BETWEEN, "event_at")

    assert (outcome.passed, outcome.unexpected_count) == (False, 2)


def test_the_latest_plausible_timestamp_is_the_one_passed_in():
    frame = valid_frame(ORDER_EVENTS)
    assert sorted(frame["event_at"].dt.hour.unique()) == list(range(10, 18))  # hourly, 10:00 to 17:00

    noon = dt.datetime(2026, 3, 1, 12)
    outcome = the_outcome(validate_frame(ORDER_EVENTS, frame, noon), BETWEEN, "event_at")

    assert outcome.unexpected_count == 5  # 13:00 to 17:00


def test_an_empty_load_fails_the_blocking_row_count():
    outcomes = validate_frame(ORDERS, valid_frame(ORDERS).iloc[0:0], LATEST_PLAUSIBLE)

    outcome = the_outcome(outcomes, ROW_COUNT, None)
    assert (outcome.passed, outcome.element_count, outcome.blocking) == (False, 0, True)
    assert failed(outcomes) == [(ROW_COUNT, None)]


def test_reason_codes_are_checked_against_the_domain_of_their_event_type():
    frame = valid_frame(ORDER_EVENTS)
    frame.loc[0:3, "event_type"] = ["hold_placed", "hold_placed", "cancelled", "payment_failed"]
    frame.loc[0:3, "reason_code"] = [
        "bogus",
        "fraud",
        None,
        "card_declined",
    ]  # free text is fine for payment_failed

    outcomes = validate_frame(ORDER_EVENTS, frame, LATEST_PLAUSIBLE)
    holds = the_outcome(outcomes, IN_SET, "reason_code", "where event_type == 'hold_placed'")
    cancels_without_reason = the_outcome(outcomes, NOT_NULL, "reason_code", "where event_type == 'cancelled'")

    assert (holds.passed, holds.unexpected_count, holds.blocking) == (False, 1, True)
    assert holds.element_count == (frame["event_type"] == "hold_placed").sum()
    assert "'bogus'" in holds.details
    assert (
        cancels_without_reason.passed,
        cancels_without_reason.unexpected_count,
        cancels_without_reason.blocking,
    ) == (False, 1, False)
    assert sorted(failed(outcomes)) == [(IN_SET, "reason_code"), (NOT_NULL, "reason_code")]


def test_exception_code_must_come_exactly_with_the_exception_status_as_a_warning():
    frame = valid_frame(TRACKING)
    frame.loc[0:2, "status_code"] = ["exception", "exception", "delivered"]
    frame.loc[0:2, "exception_code"] = [None, "lost", "refused"]

    outcomes = validate_frame(TRACKING, frame, LATEST_PLAUSIBLE)
    missing = the_outcome(outcomes, NOT_NULL, "exception_code", "where status_code == 'exception'")
    unexpected = the_outcome(outcomes, BE_NULL, "exception_code", "where status_code != 'exception'")

    assert (missing.passed, missing.unexpected_count, missing.blocking) == (False, 1, False)
    assert (unexpected.passed, unexpected.unexpected_count, unexpected.blocking) == (False, 1, False)
    assert "'refused'" in unexpected.details
    assert summarize_failures(outcomes) == ""


def test_a_missing_column_fails_its_checks_and_says_so():
    frame = valid_frame(ORDER_LINES).drop(columns=["unit_price"])

    outcome = the_outcome(validate_frame(ORDER_LINES, frame, LATEST_PLAUSIBLE), BETWEEN, "unit_price")

    assert (outcome.passed, outcome.blocking, outcome.unexpected_count) == (False, True, None)
    assert "unit_price" in outcome.details and "does not exist" in outcome.details


def test_arrow_backed_frames_give_the_same_counts():
    frame = with_values(valid_frame(ORDER_LINES), "quantity_ordered", [0, None, -1])
    frame = with_values(frame, "unit_price", [Decimal("-1.5")])
    frame = with_values(frame, "line_number", [None])
    frame = with_values(frame, "updated_at", [pd.Timestamp("1999-01-01")])
    arrow_backed = pa.Table.from_pandas(frame).to_pandas(types_mapper=pd.ArrowDtype)
    assert str(arrow_backed["unit_price"].dtype).startswith("decimal128")

    def counts(data):
        return {
            (o.expectation, o.column_name): o.unexpected_count
            for o in validate_frame(ORDER_LINES, data, LATEST_PLAUSIBLE)
            if not o.passed
        }

    assert (
        counts(arrow_backed)
        == counts(frame)
        == {
            (NOT_NULL, "line_number"): 1,
            (BETWEEN, "quantity_ordered"): 2,
            (BETWEEN, "unit_price"): 1,
            (BETWEEN, "updated_at"): 1,
        }
    )


# --- reporting ----------------------------------------------------------------------------------


def test_summarize_failures_names_entity_expectation_column_and_count_of_blocking_failures_only():
    frame = with_values(valid_frame(ORDERS), "channel", ["WEB", "shop", "WEB"])
    frame = with_values(frame, "order_id", [None])
    frame = with_values(frame, "ordered_at", [pd.Timestamp("1970-01-01")])  # a warning: not listed

    lines = summarize_failures(validate_frame(ORDERS, frame, LATEST_PLAUSIBLE)).splitlines()

    assert sorted(lines) == [
        f"oms__orders: {IN_SET} on channel failed: 3 of {len(frame)} rows have channel outside "
        "['web', 'marketplace', 'edi', 'phone', 'sales_rep'] (examples: 'WEB', 'shop')",
        f"oms__orders: {NOT_NULL} on order_id failed: 1 of {len(frame)} rows have null order_id",
    ]


def test_validation_is_quiet_and_keeps_no_results_or_fingerprints(capfd, monkeypatch):
    def no_hashing(frame):
        raise AssertionError("GX hashed the whole frame")

    monkeypatch.setattr(pandas_execution_engine, "hash_pandas_dataframe", no_hashing)
    validate_frame(ORDER_EVENTS, valid_frame(ORDER_EVENTS), LATEST_PLAUSIBLE)

    out, err = capfd.readouterr()
    assert (out, err) == ("", "")  # no progress bars, no log lines
    assert validate._context().validation_results_store.list_keys() == []


def test_a_changed_entity_definition_gets_a_fresh_suite():
    stricter = Entity(ORDERS.source, ORDERS.name, ORDERS.columns[:3])  # same table, fewer columns
    try:
        outcomes = validate_frame(stricter, valid_frame(ORDERS), LATEST_PLAUSIBLE)
        assert {o.column_name for o in outcomes} == {None, "order_id", "channel"}
    finally:
        validate_frame(ORDERS, valid_frame(ORDERS), LATEST_PLAUSIBLE)  # leave the real one cached


def test_gx_gets_only_the_checked_columns_in_dtypes_it_compares_vectorized():
    # A performance guard: GX 1.24 falls back to a Python call per value for any other dtype.
    frame = with_values(valid_frame(ORDER_LINES), "unit_price", [Decimal("1.25")])
    prepared = validate._prepared(ORDER_LINES)

    data = validate._frame_for_gx(frame, prepared.columns, prepared.range_columns)

    assert set(data.columns) == {"order_id", "line_number", "quantity_ordered", "unit_price", "updated_at"}
    assert (str(data["quantity_ordered"].dtype), str(data["unit_price"].dtype)) == ("float64", "float64")
    assert str(data["updated_at"].dtype) == "datetime64[ns]"
    assert str(data["line_number"].dtype) == "Int64"  # only null-checked: left as it is
    assert data["unit_price"].iloc[0] == 1.25


def test_timestamps_outside_the_nanosecond_range_keep_their_dtype():
    frame = with_values(valid_frame(ORDER_EVENTS), "event_at", [pd.Timestamp("0001-01-01")])
    prepared = validate._prepared(ORDER_EVENTS)

    data = validate._frame_for_gx(frame, prepared.columns, prepared.range_columns)

    assert str(data["event_at"].dtype) == "datetime64[us]"
