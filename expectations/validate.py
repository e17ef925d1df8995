"""Run an entity's load checks over a pandas frame of newly loaded rows.

GX runs in one ephemeral (in-memory) context per process. The context, the data source, the batch
definition and the suite of each entity are built on first use and reused for every later load:
the pipeline validates every entity on every load, and rebuilding them each time costs more than
validating a small load (see bench_validate.py).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from typing import Any

import great_expectations as gx
import pandas as pd
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.execution_engine import pandas_execution_engine
from great_expectations.expectations.row_conditions import ComparisonCondition, deserialize_row_condition

from contract import Entity
from expectations.suites import LATEST_PLAUSIBLE_PARAMETER, SUITE_SUFFIX, build_suite, is_blocking

# GX logs its internals at DEBUG/INFO (thousands of registry lines at import); an application
# that turns on DEBUG logging would drown in them. GX warnings still come through.
logging.getLogger("great_expectations").setLevel(logging.WARNING)

# GX fingerprints every pandas batch under 1 GB: an md5 over `hash_pandas_object` of all rows,
# kept only as a label in the result's batch markers (`pandas_data_fingerprint`), which nothing
# here reads. On 5M order events that hashing is ~80% of the validation time (the unique key
# columns are the costly part). A threshold of 0 turns it off; the checks themselves are unchanged.
# The setting is process-wide, so any other GX use in the process loses the label too.
pandas_execution_engine.HASH_THRESHOLD = 0

# BASIC gives counts and the first unexpected values, all a failure message needs. SUMMARY adds
# value counts and row indexes of the unexpected values, which cost time on big frames and that
# nobody reads here; COMPLETE lists every unexpected row.
RESULT_FORMAT = {"result_format": "BASIC", "partial_unexpected_count": 20}
EXAMPLES_IN_MESSAGE = 5
VALUES_IN_MESSAGE = 5

ROW_COUNT = "expect_table_row_count_to_be_between"
NOT_NULL = "expect_column_values_to_not_be_null"
NULL = "expect_column_values_to_be_null"
IN_SET = "expect_column_values_to_be_in_set"
BETWEEN = "expect_column_values_to_be_between"


@dataclass(frozen=True)
class ExpectationOutcome:
    suite: str
    expectation: str  # GX type name, e.g. "expect_column_values_to_be_in_set"
    column_name: str | None
    passed: bool
    blocking: bool
    unexpected_count: int | None  # None for the row count check and for checks that could not run
    element_count: int | None  # rows the check looked at (those matching its row condition, if any)
    details: str


def validate_frame(
    entity: Entity, frame: pd.DataFrame, latest_plausible: dt.datetime
) -> list[ExpectationOutcome]:
    """Check newly loaded rows of `entity` against its load checks; one outcome per expectation.

    `latest_plausible` is the newest timestamp that is not suspicious (e.g. as-of + 400 days).
    """
    prepared = _prepared(entity)
    data = _frame_for_gx(frame, prepared.columns, prepared.range_columns)
    # One validation at a time per process: a GX data source keeps the loaded batch as state,
    # and the results store below is shared. Loads run in separate processes anyway.
    with _lock:
        result = prepared.validation.run(
            batch_parameters={"dataframe": data},
            expectation_parameters={LATEST_PLAUSIBLE_PARAMETER: latest_plausible},
            result_format=RESULT_FORMAT,
        )
        # run() also keeps each result in the context's in-memory store. Nobody reads them
        # there, and a long-lived process would pile them up (~10 kB per run).
        store = prepared.context.validation_results_store
        for key in store.list_keys():
            store.remove_key(key)
    return [_outcome(prepared.suite.name, r) for r in result.results]


def checked_columns(entity: Entity) -> list[str]:
    """The contract columns the entity's suite reads, in contract order: fetch only these."""
    columns = _prepared(entity).columns
    return [name for name in entity.column_names if name in columns]


def summarize_failures(outcomes: list[ExpectationOutcome]) -> str:
    """One line per failed blocking expectation, for a check's message or a log."""
    lines = []
    for o in outcomes:
        if o.passed or not o.blocking:
            continue
        entity = o.suite.removesuffix(SUITE_SUFFIX)
        on_column = f" on {o.column_name}" if o.column_name else ""
        lines.append(f"{entity}: {o.expectation}{on_column} failed: {o.details}")
    return "\n".join(lines)


def reset_context() -> None:
    """Forget the cached context and suites; the next validation builds them afresh."""
    with _lock:
        _prepared_by_table.clear()
        _contexts.clear()


# --- the cached context, suites and validation definitions ---------------------------------------


@dataclass(frozen=True)
class _PreparedSuite:
    entity: Entity
    context: Any  # great_expectations EphemeralDataContext
    suite: gx.ExpectationSuite
    validation: gx.ValidationDefinition
    columns: frozenset[str]  # every column the suite reads
    range_columns: frozenset[str]  # columns checked by expect_column_values_to_be_between


_lock = threading.RLock()
_prepared_by_table: dict[str, _PreparedSuite] = {}
_contexts: list[Any] = []  # zero or one


def _context():
    if not _contexts:
        context = gx.get_context(mode="ephemeral")
        # GX draws a tqdm bar on stderr for every validation unless told not to.
        context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        # GX 1.24 has no usage-statistics client left (no analytics module; nothing is sent), and
        # an ephemeral context reads no config file. Stated anyway, in case a later version
        # brings analytics back.
        context.config.analytics_enabled = False
        _contexts.append(context)
    return _contexts[0]


def _prepared(entity: Entity) -> _PreparedSuite:
    """The entity's suite and validation definition, built on first use."""
    with _lock:
        cached = _prepared_by_table.get(entity.table)
        if cached is not None and cached.entity == entity:
            return cached
        context = _context()
        name = entity.table
        if cached is not None:  # the same table with another definition (tests): start afresh
            context.validation_definitions.delete(name)
            context.suites.delete(cached.suite.name)
            context.data_sources.delete(name)
        batch_definition = (
            context.data_sources.add_pandas(name)
            .add_dataframe_asset(name)
            .add_batch_definition_whole_dataframe(name)
        )
        suite = context.suites.add(build_suite(entity))
        validation = context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=batch_definition, suite=suite)
        )
        configs = [e.configuration for e in suite.expectations]
        columns = {c.kwargs["column"] for c in configs if c.kwargs.get("column")}
        for config in configs:
            condition = _condition(config.kwargs.get("row_condition"))
            if isinstance(condition, ComparisonCondition):
                columns.add(condition.column.name)
        prepared = _PreparedSuite(
            entity=entity,
            context=context,
            suite=suite,
            validation=validation,
            columns=frozenset(columns),
            range_columns=frozenset(c.kwargs["column"] for c in configs if c.type == BETWEEN),
        )
        _prepared_by_table[name] = prepared
        return prepared


# --- the frame handed to GX ---------------------------------------------------------------------


def _frame_for_gx(
    frame: pd.DataFrame, columns: frozenset[str], range_columns: frozenset[str]
) -> pd.DataFrame:
    """The columns under check, with range-checked columns in dtypes GX compares vectorized.

    GX computes each metric on the whole batch, and row conditions copy it, so lineage and extra
    columns would only cost time. A missing column stays missing: the checks on it then fail and
    say so.
    """
    data = frame[[c for c in frame.columns if c in columns]]
    # GX 1.24 compares min/max vectorized only for numpy int64/float64 and datetime64[ns]; any
    # other dtype (datetime64[us], which is what pandas 3 and DuckDB produce, nullable Int64,
    # Decimal objects) goes through a Python function per value, ~20x slower.
    converted = {}
    for name in range_columns.intersection(data.columns):
        fast = _vectorizable(data[name])
        if fast is not None:
            converted[name] = fast
    return data.assign(**converted) if converted else data


def _vectorizable(column: pd.Series) -> pd.Series | None:
    """The same values in int64/float64/datetime64[ns], or None to leave the column as it is."""
    dtype = column.dtype
    if dtype in ("int64", "float64", "datetime64[ns]"):
        return None
    try:
        if dtype.kind == "M" and not isinstance(dtype, pd.DatetimeTZDtype):
            # Exact, unless a value is outside 1677..2262; then it raises and we keep the slow path.
            return column.astype("datetime64[ns]")
        if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_object_dtype(dtype):
            # Nullable integers and Decimal objects (nulls become NaN, which GX skips like nulls).
            # Against the contract's integer minimums the comparison stays exact: rounding to the
            # nearest float never moves a value across an integer bound, short of values within
            # 1e-16 of it, which DECIMAL(18, 4) cannot hold.
            return column.astype("float64")
    except (ValueError, TypeError, OverflowError):
        return None  # not convertible (e.g. text in a number column): let GX report the values
    return None


# --- results to outcomes ------------------------------------------------------------------------


def _outcome(suite: str, result) -> ExpectationOutcome:
    config = result.expectation_config
    kwargs = config.kwargs
    column = kwargs.get("column")
    blocking = is_blocking(config.meta)
    error = _error(result.exception_info)
    if error is not None:
        return ExpectationOutcome(
            suite, config.type, column, False, blocking, None, None, f"could not run: {error}"
        )

    stats = result.result or {}
    if config.type == ROW_COUNT:
        rows = stats.get("observed_value")
        details = f"{rows} rows, expected at least {_show(kwargs.get('min_value'))}"
        return ExpectationOutcome(
            suite, config.type, None, bool(result.success), blocking, None, rows, details
        )

    unexpected = stats.get("unexpected_count")
    elements = stats.get("element_count")
    where = _where(_condition(kwargs.get("row_condition")))
    details = f"{unexpected} of {elements} rows{where} {_problem(config.type, column, kwargs)}"
    if unexpected and config.type != NOT_NULL:  # the examples of a null are all null
        examples = list(dict.fromkeys(_show(v) for v in stats.get("partial_unexpected_list") or []))
        details += f" (examples: {', '.join(examples[:EXAMPLES_IN_MESSAGE])})"
    return ExpectationOutcome(
        suite, config.type, column, bool(result.success), blocking, unexpected, elements, details
    )


def _error(exception_info: dict | None) -> str | None:
    """The first error message in a result, if the expectation could not be computed.

    GX reports either one {"raised_exception": ...} dict or, when metrics failed (a missing
    column), one such dict per failed metric.
    """
    info = exception_info or {}
    for entry in [info, *(v for v in info.values() if isinstance(v, dict))]:
        if entry.get("raised_exception"):
            return str(entry.get("exception_message") or "unknown error").splitlines()[0]
    return None


def _condition(row_condition):
    # Results carry the row condition serialized to a dict; the suite holds the object.
    return deserialize_row_condition(row_condition) if row_condition else None


def _where(condition) -> str:
    if isinstance(condition, ComparisonCondition):
        return f" where {condition.column.name} {condition.operator} {condition.parameter!r}"
    return f" where {condition!r}" if condition else ""


def _problem(expectation_type: str, column: str, kwargs: dict) -> str:
    if expectation_type == NOT_NULL:
        return f"have null {column}"
    if expectation_type == NULL:
        return f"have a non-null {column}"
    if expectation_type == IN_SET:
        values = [repr(v) for v in kwargs["value_set"]]
        if len(values) > VALUES_IN_MESSAGE:
            values = [*values[:VALUES_IN_MESSAGE], "..."]
        return f"have {column} outside [{', '.join(values)}]"
    if expectation_type == BETWEEN:
        low, high = kwargs.get("min_value"), kwargs.get("max_value")
        if high is None:
            return f"have {column} below {_show(low)}"
        return f"have {column} outside [{_show(low)}, {_show(high)}]"
    return f"fail {expectation_type}"


def _show(value) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # GX hands bounds back as floats, and integers we made float
    return str(value)
