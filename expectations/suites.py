"""Load checks for each landed entity, derived from the extract contract.

One suite per entity, built from `contract` so that a contract change (a new enum value,
a new key column, a new minimum) changes the checks without anyone hand-editing ten suites.

Every expectation carries `meta={"blocking": bool}`:
- blocking: the checks that guard KPI correctness (keys present, enums, minimums, reason domains,
  rows present). A failure must stop the load from being published.
- warning (non-blocking): plausibility of timestamps and the tracking exception_code/status_code
  consistency. Real feeds do carry odd clocks and sloppy carrier codes; we want to see them, not
  stop the pipeline for them.
"""

from __future__ import annotations

import datetime as dt

import great_expectations as gx
from great_expectations.expectations.row_conditions import Column as RowColumn

from contract import TIMESTAMP, Entity

SUITE_SUFFIX = "__load_checks"

# Earliest timestamp we accept as plausible: no order system in scope predates it, and a
# 1970-01-01 or 1900-01-01 is the classic sign of a zero or default value sent as a date.
EARLIEST_PLAUSIBLE = dt.datetime(2000, 1, 1)

# The latest plausible timestamp depends on when the load runs (as-of + some margin), so the suite
# refers to it as a suite parameter and validation supplies the value. That keeps the suite a pure
# function of the contract, so it can be built once and reused for every load.
LATEST_PLAUSIBLE_PARAMETER = "latest_plausible"

# Column names that the contract's `reason_domains` refer to (the order events table).
EVENT_TYPE_COLUMN = "event_type"
REASON_COLUMN = "reason_code"

# carrier/tracking_events: exception_code is set exactly when status_code is 'exception'.
STATUS_COLUMN = "status_code"
EXCEPTION_COLUMN = "exception_code"
EXCEPTION_STATUS = "exception"


def suite_name(entity: Entity) -> str:
    return f"{entity.table}{SUITE_SUFFIX}"


def build_suite(entity: Entity) -> gx.ExpectationSuite:
    """The load checks of one contract entity, named `<source>__<entity>__load_checks`.

    Duplicate keys within a batch are deliberately not checked: the contract allows files to
    resend rows, and deduplication by key happens downstream.
    """
    # Passed to the constructor rather than add_expectation(), which needs an active GX context
    # (it checks whether the suite was saved): building a suite should not need one.
    return gx.ExpectationSuite(name=suite_name(entity), expectations=_expectations(entity))


def is_blocking(expectation_meta: dict | None) -> bool:
    """Read the blocking flag back from an expectation's meta; unflagged counts as blocking,
    so a check someone adds without thinking about it errs on the side of stopping a load."""
    return bool((expectation_meta or {}).get("blocking", True))


def _expectations(entity: Entity) -> list[gx.expectations.Expectation]:
    found: list[gx.expectations.Expectation] = [
        # Files landed but no row loaded: everything was quarantined, or parsing went wrong.
        gx.expectations.ExpectTableRowCountToBeBetween(min_value=1, meta={"blocking": True}),
    ]

    for column in entity.columns:
        if column.key and not column.nullable_key:
            found.append(
                gx.expectations.ExpectColumnValuesToNotBeNull(column=column.name, meta={"blocking": True})
            )
        if column.accepted_values is not None:
            # GX skips nulls in set checks: a null enum is allowed unless the column is a key,
            # and then the not-null check above already reports it.
            found.append(
                gx.expectations.ExpectColumnValuesToBeInSet(
                    column=column.name, value_set=list(column.accepted_values), meta={"blocking": True}
                )
            )
        if column.min_value is not None:
            found.append(
                gx.expectations.ExpectColumnValuesToBeBetween(
                    column=column.name, min_value=column.min_value, meta={"blocking": True}
                )
            )
        if column.kind == TIMESTAMP:
            found.append(
                gx.expectations.ExpectColumnValuesToBeBetween(
                    column=column.name,
                    min_value=EARLIEST_PLAUSIBLE,
                    max_value={"$PARAMETER": LATEST_PLAUSIBLE_PARAMETER},
                    meta={"blocking": False},
                )
            )

    for event_type, reasons in entity.reason_domains.items():
        is_this_event = RowColumn(EVENT_TYPE_COLUMN) == event_type
        found.append(
            gx.expectations.ExpectColumnValuesToBeInSet(
                column=REASON_COLUMN,
                value_set=list(reasons),
                row_condition=is_this_event,
                meta={"blocking": True},
            )
        )
        # The set check skips nulls. A hold or cancellation without a reason is loaded (ingest
        # quarantines unknown reasons, not missing ones) and counted as hold_unknown / not excused;
        # it weakens the reason breakdowns, so it warns rather than stops the load.
        found.append(
            gx.expectations.ExpectColumnValuesToNotBeNull(
                column=REASON_COLUMN, row_condition=is_this_event, meta={"blocking": False}
            )
        )

    if {STATUS_COLUMN, EXCEPTION_COLUMN} <= set(entity.column_names):
        found.append(
            gx.expectations.ExpectColumnValuesToNotBeNull(
                column=EXCEPTION_COLUMN,
                row_condition=RowColumn(STATUS_COLUMN) == EXCEPTION_STATUS,
                meta={"blocking": False},
            )
        )
        found.append(
            gx.expectations.ExpectColumnValuesToBeNull(
                column=EXCEPTION_COLUMN,
                row_condition=RowColumn(STATUS_COLUMN) != EXCEPTION_STATUS,
                meta={"blocking": False},
            )
        )
    return found
