"""`orderpulse run` publishes the same KPIs as the independent reference (kpi_reference.py).

Two landings, each run through the real CLI:

- plain: the synthetic generator's output as is (3000 orders, mixed formats, 2 files per
  entity, seed 11), default as-of date (derived from the data);
- messy: a smaller generated landing plus resent overlapping files in other formats, a
  byte-identical resend, stale order and line versions landing later, newer versions
  landing earlier, latest-wins ties on the same instant spelled differently, timestamps
  with offsets (+hh:mm, +hhmm, +hh), without offset and with fractions of a second,
  typed Parquet timestamps, CRLF and quoted CSV, an extra column, and hand-made orders
  for rules the generator never hits (no lines, partial delivery, wrong sku, over-
  shipment, repeated delivered scans, overlapping holds, excused but shipped orders);
  run with an explicit `--as-of`.

Flags, counts, dates, timestamps and count-ratio rates (perfect_order_index included)
must be exactly equal (==); hours, cycle-time means and percentiles within 1e-9
relative. The two pipeline runs go in parallel: each takes about a minute, most of it
fixed start-up cost of the pipeline.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import polars as pl
import pytest
from kpi_reference import FAILURE_CAUSES, compute_reference, parse_timestamp, quantile_cont

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.generate_landing import write_landing  # noqa: E402

ORDERPULSE = str(Path(sys.executable).with_name("orderpulse"))
MESSY_AS_OF = dt.date(2024, 3, 20)
BASE_MTIME_NS = 1_700_000_000_000_000_000
SECOND_NS = 1_000_000_000

# table -> (key columns, exactly compared value columns, float columns within 1e-9 relative)
EXACT_RATES = (
    "otif_rate",
    "on_time_delivery_rate",
    "order_fill_rate",
    "line_fill_rate",
    "unit_fill_rate",
    "perfect_order_rate",
    "perfect_order_index",
    "on_time_ship_rate",
    "damage_free_rate",
    "accuracy_rate",
)
CYCLE_MEASURES = (
    "cycle_time_hours",
    "order_to_ship_hours",
    "ship_to_deliver_hours",
    "clean_cycle_time_hours",
)
CYCLE_FLOATS = (
    *(f"{measure}_{suffix}" for measure in CYCLE_MEASURES for suffix in ("mean", "p50", "p90")),
    "hold_hours_mean",
)
COMPARED = {
    "order_outcomes": (
        ("order_id",),
        (
            "channel",
            "due_date",
            "excused",
            "measured",
            "line_count",
            "lines_filled",
            "units_ordered",
            "units_filled",
            "shipment_count",
            "delivered_shipment_count",
            "shipped_complete",
            "on_time",
            "otif",
            "damaged",
            "inaccurate",
            "perfect",
            "on_time_ship",
            "ordered_at",
            "first_shipped_at",
            "last_shipped_at",
            "last_delivered_at",
        ),
        (
            "cycle_time_hours",
            "order_to_ship_hours",
            "ship_to_deliver_hours",
            "hold_hours",
            "clean_cycle_time_hours",
        ),
    ),
    "kpi_daily": (
        ("due_date",),
        (
            "orders_measured",
            "orders_otif",
            "orders_on_time",
            "orders_shipped_complete",
            "orders_perfect",
            "orders_damaged",
            "orders_inaccurate",
            "orders_on_time_ship",
            "lines_measured",
            "lines_filled",
            "units_ordered",
            "units_filled",
            *EXACT_RATES,
        ),
        (),
    ),
    "cycle_time_daily": (("delivery_date",), ("orders_delivered",), CYCLE_FLOATS),
    "exceptions_daily": (("exception_date", "exception_type"), ("exception_source", "exceptions"), ()),
    "orders_daily": (
        ("order_date",),
        ("orders_created", "exceptions", "exceptions_per_1000_orders"),
        (),
    ),
}
FAILURE_ROLLUP = (
    ("period_start", "dimension", "dimension_value"),
    (
        "period_end",
        "is_mature",
        "orders_measured",
        "orders_perfect",
        "orders_not_perfect",
        "perfect_order_rate",
        *(f"cause_{cause}_{part}" for cause in FAILURE_CAUSES for part in ("orders", "share")),
    ),
    (),
)
COMPARED["order_failure_causes"] = (
    ("order_id",),
    (
        "due_date",
        "channel",
        "primary_warehouse_id",
        "primary_carrier",
        "failure_cause",
        *(f"is_{cause}" for cause in FAILURE_CAUSES),
    ),
    (),
)
COMPARED["failure_causes_weekly"] = FAILURE_ROLLUP
COMPARED["failure_causes_monthly"] = FAILURE_ROLLUP
SHOWN_PER_COLUMN = 8


# --------------------------------------------------------------------------- comparison


def _normalise(value):
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    return value


def _close(a: float | None, b: float | None, rel: float = 1e-9) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a == b or math.isclose(a, b, rel_tol=rel, abs_tol=0.0)


def compare_table(name: str, reference: pl.DataFrame, columns: list[str], published: list[dict]) -> list[str]:
    keys, exact, approx = COMPARED[name]
    problems = []
    missing = [c for c in (*keys, *exact, *approx) if c not in columns]
    if missing:
        problems.append(f"{name}: columns missing from the warehouse: {missing}")
    ref_rows = {tuple(row[k] for k in keys): row for row in reference.iter_rows(named=True)}
    pub_rows = {tuple(row.get(k) for k in keys): row for row in published}
    if len(pub_rows) != len(published):
        problems.append(f"{name}: {len(published) - len(pub_rows)} duplicate keys {keys} in the warehouse")
    only_ref = sorted(set(ref_rows) - set(pub_rows), key=str)
    only_pub = sorted(set(pub_rows) - set(ref_rows), key=str)
    if only_ref:
        problems.append(
            f"{name}: {len(only_ref)} rows only in the reference, e.g. {only_ref[:SHOWN_PER_COLUMN]}"
        )
    if only_pub:
        problems.append(
            f"{name}: {len(only_pub)} rows only in the warehouse, e.g. {only_pub[:SHOWN_PER_COLUMN]}"
        )
    common = sorted(set(ref_rows) & set(pub_rows), key=str)
    for column in (*exact, *approx):
        if column in missing:
            continue
        bad = []
        for key in common:
            ours, theirs = _normalise(ref_rows[key][column]), _normalise(pub_rows[key][column])
            same = _close(ours, theirs) if column in approx else ours == theirs
            if not same:
                bad.append((key, ours, theirs))
        if bad:
            shown = "; ".join(
                f"{key[0] if len(key) == 1 else key}: reference={ours!r} warehouse={theirs!r}"
                for key, ours, theirs in bad[:SHOWN_PER_COLUMN]
            )
            problems.append(f"{name}.{column}: {len(bad)} of {len(common)} rows differ: {shown}")
    return problems


def compare_with_warehouse(reference: dict[str, pl.DataFrame], warehouse: Path) -> list[str]:
    problems = []
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        as_of = conn.execute("select as_of_date from run_info").fetchone()[0]
        if as_of != reference["as_of_date"]["as_of_date"][0]:
            problems.append(
                f"run_info.as_of_date: reference={reference['as_of_date']['as_of_date'][0]} warehouse={as_of}"
            )
        for name in COMPARED:
            cursor = conn.execute(f"select * from {name}")
            columns = [d[0] for d in cursor.description]
            published = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
            problems.extend(compare_table(name, reference[name], columns, published))
    return problems


# --------------------------------------------------------------------------- landings


def _set_landing_order(paths: list[Path], start_ns: int) -> None:
    for index, path in enumerate(paths):
        os.utime(path, ns=(start_ns + index * SECOND_NS,) * 2)


def _read_text_frame(path: Path) -> pl.DataFrame:
    if path.suffix == ".csv":
        return pl.read_csv(path, infer_schema=False)
    if path.suffix == ".parquet":
        frame = pl.read_parquet(path)
        return frame.with_columns(pl.all().cast(pl.String))
    return pl.read_ndjson(path, infer_schema_length=None).with_columns(pl.all().cast(pl.String))


INTEGER_COLUMNS = {"line_number", "quantity_ordered", "quantity_shipped", "quantity_returned", "quantity"}


def _write_frame(frame: pl.DataFrame, path: Path, mtime_ns: int, crlf: bool = False) -> Path:
    """Land a frame (integer columns typed for Parquet and JSONL) atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    if path.suffix == ".csv":
        frame.write_csv(tmp, line_terminator="\r\n" if crlf else "\n")
    else:
        typed = frame.with_columns(pl.col(c).cast(pl.Int64) for c in frame.columns if c in INTEGER_COLUMNS)
        if path.suffix == ".parquet":
            typed.write_parquet(tmp)
        else:
            typed.write_ndjson(tmp)
    tmp.rename(path)
    os.utime(path, ns=(mtime_ns, mtime_ns))
    return path


def _with_offset(
    value: str | None, offset_minutes: int, fraction: str = "", keep_naive: bool = False, style: str = "hh:mm"
) -> str | None:
    """The same instant written in local time at the offset (or naive UTC), optionally with a fraction.

    style: the ISO 8601 offset spelling, `hh:mm`, `hhmm` or `hh` (whole hours only)."""
    if value is None:
        return None
    utc = parse_timestamp(value)
    if keep_naive:
        return utc.strftime("%Y-%m-%dT%H:%M:%S") + fraction
    local = utc + dt.timedelta(minutes=offset_minutes)
    sign = "+" if offset_minutes >= 0 else "-"
    hours, minutes = divmod(abs(offset_minutes), 60)
    offset = {
        "hh:mm": f"{hours:02d}:{minutes:02d}",
        "hhmm": f"{hours:02d}{minutes:02d}",
        "hh": f"{hours:02d}",
    }
    assert style != "hh" or minutes == 0
    return local.strftime("%Y-%m-%dT%H:%M:%S") + fraction + sign + offset[style]


def _rewrite(frame: pl.DataFrame, column: str, function) -> pl.DataFrame:
    return frame.with_columns(
        pl.Series(column, [function(v) for v in frame[column].to_list()], dtype=pl.String)
    )


def write_messy_landing(landing: Path) -> None:
    """The generator's landing plus resends, stale/newer/tied versions and offset timestamps."""
    write_landing(landing, orders=1500, days=60, file_format="mixed", files_per_entity=2, seed=23)
    base = sorted(p for p in landing.rglob("*") if p.is_file())
    _set_landing_order(base, BASE_MTIME_NS)
    late = BASE_MTIME_NS + 1000 * SECOND_NS
    early = BASE_MTIME_NS - 1000 * SECOND_NS

    def first(entity: str, part: int = 0) -> Path:
        return next(p for p in base if p.parent.name == entity and p.stem == f"extract-{part:04d}")

    # 1. Orders: rewrite the second file's timestamps with offsets / naive / fractions (same file name,
    #    same landing position), so every order-level time goes through offset handling.
    orders_path = first("orders", 1)
    orders = _read_text_frame(orders_path)
    orders = _rewrite(orders, "ordered_at", lambda v: _with_offset(v, 5 * 60 + 30, ".250"))
    styles = iter(["hhmm", "hh"] * orders.height)
    orders = _rewrite(orders, "promised_ship_at", lambda v: _with_offset(v, -7 * 60, style=next(styles)))
    orders = _rewrite(orders, "updated_at", lambda v: _with_offset(v, 0, keep_naive=True))
    orders_path.unlink()
    _write_frame(orders, orders_path, BASE_MTIME_NS + base.index(orders_path) * SECOND_NS)

    all_orders = pl.concat([_read_text_frame(first("orders", 0)), orders], how="diagonal")
    all_orders = all_orders.with_columns(
        pl.Series("_updated", [parse_timestamp(v) for v in all_orders["updated_at"]], dtype=pl.Datetime("us"))
    ).sort("order_id")

    def shifted(values, hours: int) -> list[str]:
        return [(v + dt.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ") for v in values]

    def moved_due(frame: pl.DataFrame, days: int) -> pl.Series:
        return pl.Series(
            "promised_delivery_date",
            [
                (dt.date.fromisoformat(v) + dt.timedelta(days=days)).isoformat()
                for v in frame["promised_delivery_date"]
            ],
        )

    # 2. A stale version (older updated_at, due date +10 days, other channel) landing last: must lose.
    stale = all_orders.filter(pl.int_range(pl.len()) % 17 == 0)
    stale = stale.with_columns(
        moved_due(stale, 10),
        pl.lit("phone").alias("channel"),
        pl.Series("updated_at", shifted(stale["_updated"], -48)),
    ).drop("_updated")
    _write_frame(stale, landing / "oms/orders/zz-stale-resend.jsonl", late + 50 * SECOND_NS)

    # 3. A newer version (due date -2 days) landing before everything else: wins by updated_at.
    newer = all_orders.filter(pl.int_range(pl.len()) % 23 == 5)
    newer = newer.with_columns(
        moved_due(newer, -2), pl.Series("updated_at", shifted(newer["_updated"], 24))
    ).drop("_updated")
    newer = newer.with_columns(pl.lit("north, east").alias("sales_region"))  # an extra column, quoted
    _write_frame(newer, landing / "oms/orders/aa-newer-early.csv", early)

    # 4. A tie on updated_at (same instant, other spelling) landing later: the later file wins...
    tie = all_orders.filter(pl.int_range(pl.len()) % 19 == 3)
    tie = tie.with_columns(
        pl.lit("edi").alias("channel"),
        moved_due(tie, 1),
    ).drop("_updated")
    # Parquet with real types: timestamps with a time zone (UTC) and a DATE column.
    tie = tie.with_columns(
        pl.Series(
            name, [parse_timestamp(v) for v in tie[name]], dtype=pl.Datetime("us")
        ).dt.replace_time_zone("UTC")
        for name in ("ordered_at", "promised_ship_at", "updated_at")
    ).with_columns(pl.col("promised_delivery_date").str.to_date())
    _write_frame(tie, landing / "oms/orders/mm-tie.parquet", late + 10 * SECOND_NS)
    # ...and a byte-identical copy of a base orders file landing after it changes nothing.
    copy = landing / "oms/orders/zz-identical-copy.csv"
    shutil.copyfile(first("orders", 0), copy)
    os.utime(copy, ns=(late + 60 * SECOND_NS,) * 2)

    # 5. Order lines: stale versions (quantity + 3, older updated_at) landing late must lose; newer
    #    versions (quantity + 1) landing late win, leaving the line short.
    lines = pl.concat(
        [_read_text_frame(first("order_lines", 0)), _read_text_frame(first("order_lines", 1))], how="diagonal"
    ).sort("order_id", "line_number")
    updated = [parse_timestamp(v) for v in lines["updated_at"]]
    lines = lines.with_columns(pl.Series("_updated", updated, dtype=pl.Datetime("us")))
    stale_lines = lines.filter(pl.int_range(pl.len()) % 13 == 0)
    stale_lines = stale_lines.with_columns(
        (pl.col("quantity_ordered").cast(pl.Int64) + 3).cast(pl.String),
        pl.Series("updated_at", shifted(stale_lines["_updated"], -1)),
    ).drop("_updated")
    _write_frame(stale_lines, landing / "oms/order_lines/zz-stale.csv", late + 20 * SECOND_NS, crlf=True)
    newer_lines = lines.filter(pl.int_range(pl.len()) % 29 == 7)
    newer_lines = newer_lines.with_columns(
        (pl.col("quantity_ordered").cast(pl.Int64) + 1).cast(pl.String),
        pl.Series(
            "updated_at", [_with_offset(v, 90, ".000001") for v in shifted(newer_lines["_updated"], 2)]
        ),
    ).drop("_updated")
    _write_frame(newer_lines, landing / "oms/order_lines/zz-newer.jsonl", late + 21 * SECOND_NS)

    # 6. Order events: a byte-identical resend, and an overlapping re-export (every third event) as
    #    CSV with event_at in -07:00 or naive, plus fresh events only in the re-export.
    events_path = first("order_events", 0)
    shutil.copyfile(events_path, landing / "oms/order_events/zz-identical-resend.jsonl")
    os.utime(landing / "oms/order_events/zz-identical-resend.jsonl", ns=(late + 30 * SECOND_NS,) * 2)
    events = pl.concat(
        [_read_text_frame(events_path), _read_text_frame(first("order_events", 1))], how="diagonal"
    ).sort("event_id")
    overlap = events.filter(pl.int_range(pl.len()) % 3 == 0)
    overlap = overlap.with_columns(
        pl.Series(
            "event_at",
            [
                _with_offset(v, -7 * 60) if i % 2 else _with_offset(v, 0, keep_naive=True)
                for i, v in enumerate(overlap["event_at"])
            ],
        )
    )
    ordered = {
        o: parse_timestamp(v) for o, v in zip(all_orders["order_id"], all_orders["ordered_at"], strict=True)
    }
    order_ids = sorted(ordered)
    fresh_rows = []  # (event_id, order_id, event_type, hours after ordered_at, reason_code)
    for order_id in order_ids[::11]:  # a hold, released 90 minutes later
        fresh_rows.append((f"X-{order_id}-hp", order_id, "hold_placed", 30.0, "compliance"))
        fresh_rows.append((f"X-{order_id}-hr", order_id, "hold_released", 31.5, None))
    for order_id in order_ids[5::37]:  # a cancellation that is not excused
        fresh_rows.append((f"X-{order_id}-c", order_id, "cancelled", 2.0, "other"))
    for order_id in order_ids[7::41]:
        fresh_rows.append((f"X-{order_id}-ac", order_id, "address_corrected", 1.0, None))
    for order_id in order_ids[3::53]:  # two cancellations at the same instant: event_id desc decides
        fresh_rows.append((f"X-{order_id}-a", order_id, "cancelled", 1.0, "out_of_stock"))
        fresh_rows.append((f"X-{order_id}-b", order_id, "cancelled", 1.0, "customer_request"))
    for order_id in order_ids[9::59]:  # excusing cancellation first, an `other` one later: not excused
        fresh_rows.append((f"X-{order_id}-e", order_id, "cancelled", 1.0, "fraud"))
        fresh_rows.append((f"X-{order_id}-f", order_id, "cancelled", 3.0, "other"))
    fresh = pl.DataFrame(
        [
            (
                event_id,
                order_id,
                kind,
                _with_offset((ordered[order_id] + dt.timedelta(hours=hours)).isoformat(), 2 * 60),
                reason,
            )
            for event_id, order_id, kind, hours, reason in fresh_rows
        ],
        schema={c: pl.String for c in ("event_id", "order_id", "event_type", "event_at", "reason_code")},
        orient="row",
    )
    _write_frame(
        pl.concat([overlap, fresh]), landing / "oms/order_events/zz-reexport.csv", late + 31 * SECOND_NS
    )

    # 7. Tracking events: the whole second file resent as CSV with every event_at at -08:00 (the
    #    same instants; local dates differ from UTC dates in the evening), and the first file's
    #    delivered scans written again at +09:00.
    tracking_1 = _read_text_frame(first("tracking_events", 1))
    resent = _rewrite(tracking_1, "event_at", lambda v: _with_offset(v, -8 * 60)).with_columns(
        pl.lit('Dock "B", Memphis, TN').alias("location")  # RFC 4180 quoting
    )
    _write_frame(resent, landing / "carrier/tracking_events/zz-resend-pst.csv", late + 40 * SECOND_NS)
    tracking_0 = _read_text_frame(first("tracking_events", 0)).filter(pl.col("status_code") == "delivered")
    tokyo = _rewrite(tracking_0, "event_at", lambda v: _with_offset(v, 9 * 60))
    _write_frame(tokyo, landing / "carrier/tracking_events/zz-resend-jst.jsonl", late + 41 * SECOND_NS)

    # 8. Shipments and shipment lines re-exported in full in another format (overlap, no change).
    for entity, name in (("shipments", "zz-reexport.parquet"), ("shipment_lines", "zz-reexport.jsonl")):
        frame = pl.concat(
            [_read_text_frame(first(entity, 0)), _read_text_frame(first(entity, 1))], how="diagonal"
        )
        if entity == "shipments":
            frame = _rewrite(frame, "shipped_at", lambda v: _with_offset(v, 60))
        _write_frame(frame, landing / "wms" / entity / name, late + 45 * SECOND_NS)

    # 9. Hand-made orders for the rules the generator never hits.
    write_edge_orders(landing, late + 5 * SECOND_NS)


EDGE_ORDERS_CSV = """\
order_id,customer_id,channel,ordered_at,promised_ship_at,promised_delivery_date,ship_to_country,ship_to_postal_code,currency,order_total,status,updated_at
E01,CE,web,2024-02-10T08:00:00Z,2024-02-11T08:00:00Z,2024-02-14,US,10001,USD,0.00,closed,2024-02-10T08:00:00Z
E02,CE,web,2024-02-10T08:00:00Z,2024-02-11T08:00:00Z,2024-02-14,US,10001,USD,0.00,open,2024-02-10T08:00:00Z
E04,CE,edi,2024-02-10T08:00:00Z,2024-02-11T08:00:00Z,2024-02-14,US,10001,USD,20.00,shipped,2024-02-10T08:00:00Z
E05,CE,phone,2024-02-10T08:00:00Z,2024-02-11T08:00:00Z,2024-02-14,US,10001,USD,20.00,closed,2024-02-10T08:00:00Z
E06,CE,web,2024-02-10T08:00:00Z,2024-02-11T08:00:00Z,2024-02-14,US,10001,USD,10.00,closed,2024-02-10T08:00:00Z
E07,CE,web,2024-02-10T08:00:00Z,2024-02-11T08:00:00Z,2024-02-14,US,10001,USD,10.00,closed,2024-02-10T08:00:00Z
E08,CE,marketplace,2024-02-10T08:00:00Z,2024-02-11T08:00:00Z,2024-02-14,US,10001,USD,10.00,closed,2024-02-10T08:00:00Z
E09,CE,web,2024-02-10T08:00:00Z,2024-02-11T08:00:00Z,2024-02-14,US,10001,USD,10.00,closed,2024-02-10T08:00:00Z
E10,CE,sales_rep,2024-02-10T08:00:00Z,2024-02-11T08:00:00Z,2024-02-14,US,10001,USD,10.00,closed,2024-02-10T08:00:00Z
E11,CE,web,2024-02-10T08:00:00Z,2024-02-11T08:00:00Z,2024-02-14,US,10001,USD,10.00,closed,2024-02-10T08:00:00Z
E12,CE,web,2024-02-10T08:00:00Z,2024-02-11T08:00:00Z,2024-02-14,US,10001,USD,10.00,cancelled,2024-02-10T08:00:00Z
E13,CE,web,2024-02-10T08:00:00Z,2024-02-11T08:00:00Z,2024-02-14,US,10001,USD,10.00,cancelled,2024-02-10T08:00:00Z
E14,CE,edi,2024-02-10T08:00:00Z,2024-02-11T08:00:00Z,2024-02-14,US,10001,USD,20.00,closed,2024-02-10T08:00:00Z
E15,CE,web,2024-02-10T08:00:00Z,2024-02-11T08:00:00Z,2024-02-14,US,10001,USD,10.00,closed,2024-02-10T08:00:00Z
"""
EDGE_ORDER_LINES_CSV = """\
order_id,line_number,sku,quantity_ordered,unit_price,updated_at
E04,1,SKU-A,1,10.00,2024-02-10T08:00:00Z
E04,2,SKU-B,1,10.00,2024-02-10T08:00:00Z
E05,1,SKU-A,2,10.00,2024-02-10T08:00:00Z
E06,1,SKU-A,1,10.00,2024-02-10T08:00:00Z
E07,1,SKU-A,1,10.00,2024-02-10T08:00:00Z
E08,1,SKU-A,1,10.00,2024-02-10T08:00:00Z
E09,1,SKU-A,1,10.00,2024-02-10T08:00:00Z
E10,1,SKU-A,1,10.00,2024-02-10T08:00:00Z
E11,1,SKU-A,1,10.00,2024-02-10T08:00:00Z
E12,1,SKU-A,1,10.00,2024-02-10T08:00:00Z
E13,1,SKU-A,1,10.00,2024-02-10T08:00:00Z
E14,1,SKU-A,1,10.00,2024-02-10T08:00:00Z
E14,2,SKU-B,1,10.00,2024-02-10T08:00:00Z
E15,1,SKU-A,1,10.00,2024-02-10T08:00:00Z
"""
# Each shipment: E01 ships without lines; E04 one parcel never delivered; E05 over-ships; E06 ships
# the wrong sku; E11 ships exactly at promised_ship_at; E14 ships one parcel late; E15 ships 0 units.
EDGE_SHIPMENTS_CSV = """\
shipment_id,order_id,warehouse_id,carrier,service_level,tracking_number,shipped_at
SE01,E01,WH-EAST,UPS,ground,TE01,2024-02-11T06:00:00Z
SE04A,E04,WH-EAST,UPS,ground,TE04A,2024-02-11T06:00:00Z
SE04B,E04,WH-EAST,UPS,ground,TE04B,2024-02-11T07:00:00Z
SE05,E05,WH-WEST,FEDEX,ground,TE05,2024-02-11T06:00:00Z
SE06,E06,WH-WEST,FEDEX,ground,TE06,2024-02-11T06:00:00Z
SE07,E07,WH-WEST,FEDEX,ground,TE07,2024-02-11T06:00:00Z
SE08,E08,WH-WEST,FEDEX,ground,TE08,2024-02-11T06:00:00Z
SE09,E09,WH-WEST,FEDEX,ground,TE09,2024-02-11T06:00:00Z
SE10,E10,WH-WEST,FEDEX,ground,TE10,2024-02-11T06:00:00Z
SE11,E11,WH-WEST,FEDEX,ground,TE11,2024-02-11T03:00:00-05:00
SE12,E12,WH-WEST,FEDEX,ground,TE12,2024-02-11T06:00:00Z
SE13,E13,WH-WEST,FEDEX,ground,TE13,2024-02-11T06:00:00Z
SE14A,E14,WH-CENTRAL,DHL,ground,TE14A,2024-02-11T06:00:00Z
SE14B,E14,WH-CENTRAL,DHL,ground,TE14B,2024-02-11T08:00:01Z
SE15,E15,WH-CENTRAL,DHL,ground,TE15,2024-02-11T06:00:00Z
SE99,E99,WH-CENTRAL,DHL,ground,TE99,2024-02-11T06:00:00Z
"""
EDGE_SHIPMENT_LINES_CSV = """\
shipment_id,line_number,order_id,sku,quantity_shipped
SE04A,1,E04,SKU-A,1
SE04B,1,E04,SKU-B,1
SE05,1,E05,SKU-A,3
SE06,1,E06,SKU-Z,1
SE07,1,E07,SKU-A,1
SE08,1,E08,SKU-A,1
SE09,1,E09,SKU-A,1
SE10,1,E10,SKU-A,1
SE11,1,E11,SKU-A,1
SE12,1,E12,SKU-A,1
SE13,1,E13,SKU-A,1
SE14A,1,E14,SKU-A,1
SE14B,1,E14,SKU-B,1
SE15,1,E15,SKU-A,0
SE99,1,E99,SKU-A,1
"""


def _tracking(number: str, at: str, status: str = "delivered", code: str | None = None) -> str:
    return json.dumps(
        {
            "tracking_number": number,
            "event_at": at,
            "status_code": status,
            "exception_code": code,
            "carrier": "UPS",
            "location": None,
        }
    )


EDGE_TRACKING = [
    _tracking("TE01", "2024-02-12T10:00:00Z"),
    _tracking("TE04A", "2024-02-12T10:00:00Z"),
    _tracking("TE04B", "2024-02-12T12:00:00Z", "exception", "lost"),
    _tracking("TE05", "2024-02-12T09:00:00Z", "exception", "damaged"),
    _tracking("TE05", "2024-02-13T10:00:00Z"),
    _tracking("TE06", "2024-02-13T10:00:00Z"),
    _tracking("TE07", "2024-02-15T00:30:00+01:00"),  # 23:30 UTC on the due date: on time
    _tracking("TE08", "2024-02-14T20:00:00-05:00"),  # 01:00 UTC the day after: late
    _tracking("TE09", "2024-02-16T10:00:00Z"),  # a second, later delivered scan
    _tracking("TE09", "2024-02-13T10:00:00.5Z"),  # the earliest delivered scan wins
    _tracking("TE10", "2024-02-13T10:00:00Z"),
    _tracking("TE11", "2024-02-13T10:00:00Z"),
    _tracking("TE12", "2024-02-13T10:00:00Z"),
    _tracking("TE13", "2024-02-14T23:59:59.999999Z"),
    _tracking("TE14A", "2024-02-12T10:00:00Z"),
    _tracking("TE14B", "2024-02-13T10:00:00Z"),
    _tracking("TE15", "2024-02-12T10:00:00Z"),
    _tracking("TE99", "2024-02-12T10:00:00Z", "exception", "refused"),
]


def _event(event_id: str, order_id: str, kind: str, at: str, reason: str | None = None) -> str:
    return json.dumps(
        {
            "event_id": event_id,
            "order_id": order_id,
            "event_type": kind,
            "event_at": at,
            "reason_code": reason,
        }
    )


EDGE_EVENTS = [
    # E10: two placements share the 09:00 release; a release before any placement; one never released;
    # one released at the very instant it is placed.
    _event("EV10-1", "E10", "hold_released", "2024-02-10T08:05:00Z"),
    _event("EV10-2", "E10", "hold_placed", "2024-02-10T08:10:00Z", "credit"),
    _event("EV10-3", "E10", "hold_placed", "2024-02-10T08:20:00Z", "fraud"),
    _event("EV10-4", "E10", "hold_released", "2024-02-10T09:00:00Z"),
    _event("EV10-5", "E10", "hold_released", "2024-02-10T10:00:00Z"),
    _event("EV10-6", "E10", "hold_placed", "2024-02-10T12:00:00+02:00", "pricing"),
    _event("EV10-7", "E10", "hold_released", "2024-02-10T10:00:00Z"),
    _event("EV10-8", "E10", "hold_placed", "2024-02-10T13:00:00Z", "address"),
    # E12: excused (payment_failed) although shipped and delivered.
    _event("EV12-1", "E12", "payment_failed", "2024-02-10T08:30:00Z", "card_declined"),
    _event("EV12-2", "E12", "cancelled", "2024-02-10T09:00:00Z", "payment_failed"),
    # E13: an out_of_stock cancellation, then a later customer_request one: excused.
    _event("EV13-1", "E13", "cancelled", "2024-02-10T09:00:00Z", "out_of_stock"),
    _event("EV13-2", "E13", "cancelled", "2024-02-10T11:00:00+01:00", "customer_request"),
    # E02: backordered, never shipped; E99: an order the OMS never sent.
    _event("EV02-1", "E02", "backordered", "2024-02-10T09:00:00Z"),
    _event("EV99-1", "E99", "hold_placed", "2024-02-10T09:00:00Z", "compliance"),
]


def write_edge_orders(landing: Path, mtime_ns: int) -> None:
    """Hand-made orders for rules the generator never exercises."""
    files = {
        "oms/orders/edge.csv": EDGE_ORDERS_CSV,
        "oms/order_lines/edge.csv": EDGE_ORDER_LINES_CSV,
        "wms/shipments/edge.csv": EDGE_SHIPMENTS_CSV,
        "wms/shipment_lines/edge.csv": EDGE_SHIPMENT_LINES_CSV,
        "carrier/tracking_events/edge.jsonl": "\n".join(EDGE_TRACKING) + "\n",
        "oms/order_events/edge.jsonl": "\n".join(EDGE_EVENTS) + "\n",
    }
    for relative, text in files.items():
        path = landing / relative
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.rename(path)
        os.utime(path, ns=(mtime_ns, mtime_ns))


# --------------------------------------------------------------------------- runs


def run_pipeline(landing: Path, warehouse: Path, as_of: dt.date | None) -> subprocess.CompletedProcess:
    args = [ORDERPULSE, "run", "--landing", str(landing), "--warehouse", str(warehouse)]
    if as_of is not None:
        args += ["--as-of", as_of.isoformat()]
    # One pseudonym key for every run: the published customer ids of two runs (SQLite and PostgreSQL
    # core, say) compare only under the same key; without one, each warehouse draws its own.
    env = os.environ | {"ORDERPULSE_PSEUDONYM_KEY": "reference-test-key"}
    return subprocess.run(args, capture_output=True, text=True, check=False, timeout=600, cwd=REPO, env=env)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple]:
    """Both landings are built first, then the two pipeline runs go in parallel (wall time)."""
    tmp = tmp_path_factory.mktemp("reference")
    plain = tmp / "plain"
    write_landing(plain, orders=3000, file_format="mixed", files_per_entity=2, seed=11)
    messy = tmp / "messy"
    write_messy_landing(messy)
    cases = {"plain": (plain, tmp / "plain-out" / "warehouse.duckdb", None)}
    cases["messy"] = (messy, tmp / "messy-out" / "warehouse.duckdb", MESSY_AS_OF)
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(run_pipeline, *case) for name, case in cases.items()}
        results = {name: future.result() for name, future in futures.items()}
    return {name: (*cases[name], results[name]) for name in cases}


@pytest.mark.parametrize("case", ["plain", "messy"])
def test_published_kpis_agree_with_the_reference(runs, case):
    landing, warehouse, as_of, result = runs[case]
    assert result.returncode == 0, f"orderpulse run failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    reference = compute_reference(landing, as_of)
    problems = compare_with_warehouse(reference, warehouse)
    assert not problems, f"{len(problems)} disagreements on the {case} landing:\n" + "\n".join(problems)


# --------------------------------------------------------------------------- the reference itself


def test_reference_timestamp_parsing_and_percentiles():
    assert parse_timestamp("2024-01-07T05:00:00-05") == dt.datetime(2024, 1, 7, 10)
    assert parse_timestamp("2024-01-07T10:00:00") == dt.datetime(2024, 1, 7, 10)
    assert parse_timestamp("2024-01-08T01:30:00.5+02:00") == dt.datetime(2024, 1, 7, 23, 30, 0, 500000)
    assert parse_timestamp("2024-01-07T10:00:00Z") == dt.datetime(2024, 1, 7, 10)
    assert quantile_cont([53.0, 57.0], 0.9) == 53 + 0.9 * 4
    assert quantile_cont([96.0, 98.0, 96.0], 0.5) == 96.0
    assert quantile_cont([1.0], 0.9) == 1.0
    assert quantile_cont([], 0.5) is None


def test_messy_landing_exercises_every_trap(tmp_path):
    """The derived landing really contains what the comparison claims to cover."""
    landing = tmp_path / "messy"
    write_messy_landing(landing)
    reference = compute_reference(landing, MESSY_AS_OF)
    outcomes = reference["order_outcomes"]
    assert outcomes.height == 1500 + 14
    assert outcomes["channel"].value_counts().height >= 4
    names = {p.name for p in landing.rglob("*") if p.is_file()}
    assert {"zz-stale-resend.jsonl", "aa-newer-early.csv", "mm-tie.parquet", "zz-identical-copy.csv"} <= names
    tied = set(pl.read_parquet(landing / "oms/orders/mm-tie.parquet")["order_id"].to_list())
    newer = set(pl.read_csv(landing / "oms/orders/aa-newer-early.csv")["order_id"].to_list())
    assert tied - newer
    assert set(outcomes.filter(pl.col("order_id").is_in(tied - newer))["channel"].to_list()) == {"edi"}
    stale = set(pl.read_ndjson(landing / "oms/orders/zz-stale-resend.jsonl")["order_id"].to_list())
    kept = outcomes.filter(pl.col("order_id").is_in(stale - tied - newer))
    lead_days = (kept["due_date"] - kept["ordered_at"].dt.date()).dt.total_days()
    assert kept.height > 50 and lead_days.is_between(3, 5).all()  # the stale +10 days lost
    assert outcomes["excused"].sum() > 0 and outcomes["hold_hours"].sum() > 0
