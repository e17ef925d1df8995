"""Time validate_frame on realistic frames of order_events and order_lines.

    .venv/bin/python -m expectations.bench_validate            # 100k, 1M and 5M rows
    .venv/bin/python -m expectations.bench_validate 100000     # chosen sizes

The frames have the dtypes a load hands over (what DuckDB's `.df()` returns for the raw tables:
`str` text, `datetime64[us]` timestamps, nullable `Int64` integers, and decimals as `float64`; order
lines are also timed with `Decimal` objects, as Arrow's `to_pandas()` returns them), the lineage
columns, and about 0.1% of bad rows so the failure path (counting and sampling unexpected values)
is timed too.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from decimal import Decimal

import numpy as np
import pandas as pd
from great_expectations.execution_engine import pandas_execution_engine

from contract import ENTITIES_BY_PATH, ORDER_EVENT_TYPES
from expectations.validate import reset_context, summarize_failures, validate_frame

AS_OF = dt.datetime(2026, 11, 1)
LATEST_PLAUSIBLE = AS_OF + dt.timedelta(days=400)
DEFAULT_SIZES = (100_000, 1_000_000, 5_000_000)


def _ids(prefix: str, n: int, rng: np.random.Generator, high: int | None = None) -> pd.Series:
    numbers = np.arange(n) if high is None else rng.integers(0, high, n)
    return prefix + pd.Series(numbers).astype("str")


def _timestamps(n: int, rng: np.random.Generator) -> pd.Series:
    seconds = rng.integers(0, 365 * 86_400, n)
    return pd.Series(np.datetime64("2026-01-01", "us") + seconds.astype("timedelta64[s]"))


def _lineage(frame: pd.DataFrame) -> pd.DataFrame:
    n = len(frame)
    frame["_source_file"] = "oms/landing/batch-0001.csv"
    frame["_file_sha256"] = "0" * 64
    frame["_file_seq"] = pd.array(np.ones(n, dtype="int64"), dtype="Int64")
    frame["_row_number"] = pd.array(np.arange(n), dtype="Int64")
    frame["_loaded_at"] = pd.Timestamp(AS_OF)
    frame["_extra"] = pd.Series([None] * n, dtype="str")
    return frame


def order_events(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    event_type = rng.choice(np.array(ORDER_EVENT_TYPES, dtype=object), n)
    reason = pd.Series([None] * n, dtype="str")
    holds = event_type == "hold_placed"
    cancels = event_type == "cancelled"
    reason[holds] = rng.choice(["credit", "fraud", "pricing"], holds.sum())
    reason[cancels] = rng.choice(["customer_request", "out_of_stock"], cancels.sum())
    frame = pd.DataFrame(
        {
            "event_id": _ids("E", n, rng),
            "order_id": _ids("O", n, rng, high=n // 5 + 1),
            "event_type": pd.Series(event_type, dtype="str"),
            "event_at": _timestamps(n, rng),
            "reason_code": reason,
        }
    )
    bad = rng.choice(n, max(1, n // 1000), replace=False)
    frame.loc[bad[0::3], "event_type"] = "HOLD"
    frame.loc[bad[1::3], "event_at"] = pd.Timestamp("1970-01-01")
    frame.loc[bad[2::3], "event_id"] = None
    return _lineage(frame)


def order_lines(n: int, seed: int = 2, decimals_as_objects: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cents = rng.integers(0, 50_000, n)
    prices = pd.Series(cents / 100)
    if decimals_as_objects:
        prices = pd.Series([Decimal(int(c)).scaleb(-2) for c in cents], dtype=object)
    frame = pd.DataFrame(
        {
            "order_id": _ids("O", n, rng, high=n // 3 + 1),
            "line_number": pd.array(rng.integers(1, 6, n), dtype="Int64"),
            "sku": _ids("SKU-", n, rng, high=5000),
            "quantity_ordered": pd.array(rng.integers(1, 20, n), dtype="Int64"),
            "unit_price": prices,
            "updated_at": _timestamps(n, rng),
        }
    )
    bad = rng.choice(n, max(1, n // 1000), replace=False)
    frame.loc[bad[0::2], "quantity_ordered"] = 0
    frame.loc[bad[1::2], "line_number"] = None
    return _lineage(frame)


def order_lines_with_decimal_objects(n: int) -> pd.DataFrame:
    return order_lines(n, decimals_as_objects=True)


def _time(entity_path: tuple[str, str], frame: pd.DataFrame, repeat: int) -> tuple[float, list]:
    entity = ENTITIES_BY_PATH[entity_path]
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        outcomes = validate_frame(entity, frame, LATEST_PLAUSIBLE)
        best = min(best, time.perf_counter() - start)
    return best, outcomes


def main(sizes: tuple[int, ...]) -> None:
    tiny = order_events(10)
    events = ENTITIES_BY_PATH[("oms", "order_events")]
    start = time.perf_counter()
    validate_frame(events, tiny, LATEST_PLAUSIBLE)
    first = time.perf_counter() - start
    reused, fresh = [], []
    for _ in range(5):
        start = time.perf_counter()
        validate_frame(events, tiny, LATEST_PLAUSIBLE)
        reused.append(time.perf_counter() - start)
        reset_context()
        start = time.perf_counter()
        validate_frame(events, tiny, LATEST_PLAUSIBLE)
        fresh.append(time.perf_counter() - start)
    print(
        f"fixed overhead, 10 rows of order_events (best of 5): first call in the process {first * 1000:.0f} ms"
    )
    print(f"  reusing the cached context and suite: {min(reused) * 1000:.0f} ms per call")
    print(f"  with a fresh context, suite and validation definition: {min(fresh) * 1000:.0f} ms per call")

    # The last case leaves GX's whole-frame fingerprint on (GX's default; validate.py turns it
    # off), to show what it costs.
    cases = [
        ("order_events", ("oms", "order_events"), order_events, False),
        ("order_lines (float decimals)", ("oms", "order_lines"), order_lines, False),
        ("order_lines (Decimal objects)", ("oms", "order_lines"), order_lines_with_decimal_objects, False),
        ("order_events, GX fingerprint on", ("oms", "order_events"), order_events, True),
    ]
    for label, path, make, fingerprint in cases:
        pandas_execution_engine.HASH_THRESHOLD = 1e9 if fingerprint else 0
        for n in sizes:
            frame = make(n)
            seconds, outcomes = _time(path, frame, repeat=3 if n <= 1_000_000 else 1)
            failed = sum(not o.passed for o in outcomes)
            print(
                f"{label:32} {n:>9,} rows: {seconds:6.2f} s  ({n / seconds / 1e6:.2f} M rows/s, "
                f"{failed} of {len(outcomes)} expectations failed)"
            )
            if n == sizes[0] and not fingerprint:
                print("  " + summarize_failures(outcomes).replace("\n", "\n  "))
    pandas_execution_engine.HASH_THRESHOLD = 0


if __name__ == "__main__":
    main(tuple(int(a) for a in sys.argv[1:]) or DEFAULT_SIZES)
