"""Independent reference implementation of the KPI definitions (kpis.md v1).

Written from /work/shared/spec/kpis.md and extract-contract.md only, without reading
or reusing the project's dbt models or its ingest code, so that a comparison of the
two is a real second opinion. Polars for reading and grouping; plain Python where a
rule is easier to check by eye (timestamp parsing, hold pairing, percentiles).

Team conventions followed (decided where kpis.md leaves room):

- a shipment line fills the order line its order_line_number names (contract v1.1),
  and without one the order line(s) with the same order_id and sku;
- an order with no lines is vacuously shipped_complete and otif ("for every line");
- kpi_daily has one row per due date with at least one measured order;
- last_delivered_at is the latest delivered_at among the order's delivered shipments;
- cycle_time_hours, order_to_ship_hours, ship_to_deliver_hours and
  clean_cycle_time_hours are set only when the order has >= 1 shipment and every
  shipment is delivered; hours = microseconds / 3.6e9;
- hold time pairs each hold_placed with the next hold_released at or after it;
- clean cycle time starts at the last hold_released (else ordered_at);
- exceptions_per_1000_orders = exceptions * 1000 / orders (by UTC day);
- excused: the latest `cancelled` event (by event_at, ties by event_id desc) has
  reason customer_request, fraud or payment_failed.

Readings taken where neither the spec nor the conventions decide (see the report):

- hold_hours is the sum over the (placed, next release) pairs; 0.0 for an order
  without a paired hold; it is not gated on delivery.
- On a latest-wins tie inside one file, the later row wins.
- Append-only and keyed entities without updated_at keep the first-landed copy.
- A file whose bytes (SHA-256) were already landed is ignored ("changes nothing"),
  so it does not count as a later landing for tie breaks.
- The tracking-event key compares event_at as an instant (after conversion to UTC).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path

import polars as pl

EXTENSIONS = {".csv", ".parquet", ".jsonl", ".ndjson"}


@dataclass(frozen=True)
class EntitySpec:
    keys: tuple[str, ...]
    columns: tuple[str, ...]
    versioned: bool = False
    timestamps: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    integers: tuple[str, ...] = ()


ENTITIES: dict[tuple[str, str], EntitySpec] = {
    ("oms", "orders"): EntitySpec(
        ("order_id",),
        (
            "order_id",
            "customer_id",
            "channel",
            "ordered_at",
            "promised_ship_at",
            "promised_delivery_date",
            "ship_to_country",
            "ship_to_postal_code",
            "currency",
            "order_total",
            "status",
            "updated_at",
        ),
        versioned=True,
        timestamps=("ordered_at", "promised_ship_at", "updated_at"),
        dates=("promised_delivery_date",),
    ),
    ("oms", "order_lines"): EntitySpec(
        ("order_id", "line_number"),
        ("order_id", "line_number", "sku", "quantity_ordered", "unit_price", "updated_at"),
        versioned=True,
        timestamps=("updated_at",),
        integers=("line_number", "quantity_ordered"),
    ),
    ("oms", "order_events"): EntitySpec(
        ("event_id",),
        ("event_id", "order_id", "event_type", "event_at", "reason_code"),
        timestamps=("event_at",),
    ),
    ("oms", "invoices"): EntitySpec(
        ("invoice_id",),
        ("invoice_id", "order_id", "invoiced_at", "amount", "currency"),
        timestamps=("invoiced_at",),
    ),
    ("oms", "credit_memos"): EntitySpec(
        ("credit_memo_id",),
        ("credit_memo_id", "invoice_id", "order_id", "issued_at", "amount", "reason_code"),
        timestamps=("issued_at",),
    ),
    ("wms", "shipments"): EntitySpec(
        ("shipment_id",),
        (
            "shipment_id",
            "order_id",
            "warehouse_id",
            "carrier",
            "service_level",
            "tracking_number",
            "shipped_at",
        ),
        timestamps=("shipped_at",),
    ),
    ("wms", "shipment_lines"): EntitySpec(
        ("shipment_id", "line_number"),
        ("shipment_id", "line_number", "order_id", "sku", "quantity_shipped", "order_line_number"),
        integers=("line_number", "quantity_shipped", "order_line_number"),
    ),
    ("wms", "warehouse_events"): EntitySpec(
        ("event_id",),
        ("event_id", "order_id", "warehouse_id", "event_type", "event_at", "sku", "quantity"),
        timestamps=("event_at",),
    ),
    ("carrier", "tracking_events"): EntitySpec(
        ("tracking_number", "event_at", "status_code", "exception_code"),
        ("tracking_number", "event_at", "status_code", "exception_code", "carrier", "location"),
        timestamps=("event_at",),
    ),
    ("returns", "return_lines"): EntitySpec(
        ("rma_id", "line_number"),
        (
            "rma_id",
            "line_number",
            "order_id",
            "sku",
            "quantity_returned",
            "reason_code",
            "requested_at",
            "received_at",
            "refund_amount",
            "disposition",
        ),
        timestamps=("requested_at", "received_at"),
        integers=("line_number", "quantity_returned"),
    ),
}

EXCUSING_REASONS = ("customer_request", "fraud", "payment_failed")
US_PER_HOUR = 3.6e9


# --------------------------------------------------------------------------- reading


def parse_timestamp(value: str | None) -> dt.datetime | None:
    """ISO 8601 with `Z` or an offset -> naive UTC; a value without offset is UTC."""
    if value is None:
        return None
    parsed = dt.datetime.fromisoformat(value.strip())
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed


def _as_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            return value.isoformat()
        return value.isoformat() + "Z"
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return text if text != "" else None


def _read_file_as_text(path: Path) -> pl.DataFrame:
    """Every column as (nullable) text; an empty field is null."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        frame = pl.read_csv(path, infer_schema=False)
        return frame.with_columns(
            pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in frame.columns
        )
    if suffix == ".parquet":
        frame = pl.read_parquet(path)
        columns = {name: [_as_text(v) for v in frame[name].to_list()] for name in frame.columns}
        return pl.DataFrame(columns, schema={name: pl.String for name in frame.columns})
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    names: list[str] = []
    for row in rows:
        names.extend(name for name in row if name not in names)
    columns = {name: [_as_text(row.get(name)) for row in rows] for name in names}
    return pl.DataFrame(columns, schema={name: pl.String for name in names})


def landed_files(landing_dir: Path) -> list[tuple[str, str, Path]]:
    """(source, entity, path) of every landed file in landing order, byte duplicates dropped."""
    found: list[tuple[int, str, str, str, Path]] = []
    for source, entity in ENTITIES:
        folder = landing_dir / source / entity
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            name = path.name
            if not path.is_file() or name.startswith((".", "_")) or name.endswith(".tmp"):
                continue
            if path.suffix.lower() not in EXTENSIONS:
                continue
            found.append((path.stat().st_mtime_ns, str(path), source, entity, path))
    found.sort(key=lambda item: (item[0], item[1]))
    seen: set[str] = set()
    result = []
    for _, _, source, entity, path in found:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest in seen:
            continue  # same bytes already landed: changes nothing
        seen.add(digest)
        result.append((source, entity, path))
    return result


def _typed(frame: pl.DataFrame, spec: EntitySpec) -> pl.DataFrame:
    replacements = []
    for name in spec.timestamps:
        if name in frame.columns:
            values = [parse_timestamp(v) for v in frame[name].to_list()]
            replacements.append(pl.Series(name, values, dtype=pl.Datetime("us")))
    for name in spec.dates:
        if name in frame.columns:
            values = [None if v is None else dt.date.fromisoformat(v.strip()) for v in frame[name].to_list()]
            replacements.append(pl.Series(name, values, dtype=pl.Date))
    for name in spec.integers:
        if name in frame.columns:
            values = [None if v is None else int(v.strip()) for v in frame[name].to_list()]
            replacements.append(pl.Series(name, values, dtype=pl.Int64))
    return frame.with_columns(replacements) if replacements else frame


def load_entities(landing_dir: Path) -> dict[str, pl.DataFrame]:
    """Current rows of every entity, deduplicated by the contract keys."""
    parts: dict[tuple[str, str], list[pl.DataFrame]] = {key: [] for key in ENTITIES}
    for landing_order, (source, entity, path) in enumerate(landed_files(landing_dir)):
        frame = _read_file_as_text(path).with_columns(
            pl.lit(landing_order, pl.Int64).alias("_landing_order"),
            pl.int_range(pl.len(), dtype=pl.Int64).alias("_row"),
        )
        parts[(source, entity)].append(frame)
    tables: dict[str, pl.DataFrame] = {}
    for (source, entity), spec in ENTITIES.items():
        empty = pl.DataFrame(
            schema={**dict.fromkeys(spec.columns, pl.String), "_landing_order": pl.Int64, "_row": pl.Int64}
        )
        frame = _typed(pl.concat([empty, *parts[(source, entity)]], how="diagonal"), spec)
        keys = list(spec.keys)
        if spec.versioned:
            # Latest wins: greatest updated_at; ties by the later-landed file (then later row).
            frame = frame.sort([*keys, "updated_at", "_landing_order", "_row"]).unique(
                subset=keys, keep="last", maintain_order=True
            )
        else:
            frame = frame.sort(["_landing_order", "_row"]).unique(
                subset=keys, keep="first", maintain_order=True
            )
        tables[entity] = frame.drop("_landing_order", "_row")
    return tables


# --------------------------------------------------------------------------- helpers


def hours_between(start: dt.datetime | None, end: dt.datetime | None) -> float | None:
    if start is None or end is None:
        return None
    delta = end - start
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return micros / US_PER_HOUR


def quantile_cont(values: list[float], q: float) -> float | None:
    """Continuous (linearly interpolated) quantile, as in percentile_cont / numpy 'linear'."""
    if not values:
        return None
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    lower = math.floor(position)
    upper = math.ceil(position)
    if lower == upper:
        return ordered[lower]
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def _mean(values: list[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


def _ratio(numerator: int, denominator: int) -> float | None:
    return None if denominator == 0 else numerator / denominator


def default_as_of(tables: dict[str, pl.DataFrame]) -> dt.date:
    latest = [
        tables["tracking_events"]["event_at"].max(),
        tables["order_events"]["event_at"].max(),
    ]
    return max(t for t in latest if t is not None).date()


# --------------------------------------------------------------------------- KPIs


def compute_reference(landing_dir: Path, as_of: dt.date | None = None) -> dict[str, pl.DataFrame]:
    tables = load_entities(Path(landing_dir))
    if as_of is None:
        as_of = default_as_of(tables)

    orders = tables["orders"]
    lines = tables["order_lines"]
    events = tables["order_events"]
    shipments = tables["shipments"]
    shipment_lines = tables["shipment_lines"]
    warehouse_events = tables["warehouse_events"]
    tracking = tables["tracking_events"]
    returns = tables["return_lines"]
    credit_memos = tables["credit_memos"]

    # Shipments with their delivered_at: earliest `delivered` event of the tracking number.
    delivered = (
        tracking.filter(pl.col("status_code") == "delivered")
        .group_by("tracking_number")
        .agg(pl.col("event_at").min().alias("delivered_at"))
    )
    ships = shipments.select("shipment_id", "order_id", "tracking_number", "shipped_at").join(
        delivered, on="tracking_number", how="left"
    )
    ships_by_order: dict[str, list[tuple[dt.datetime, dt.datetime | None]]] = {}
    for row in ships.iter_rows(named=True):
        ships_by_order.setdefault(row["order_id"], []).append((row["shipped_at"], row["delivered_at"]))
    delivered_at_by_shipment = dict(zip(ships["shipment_id"], ships["delivered_at"], strict=True))

    # An order's warehouse and carrier (team convention): those of its first shipment by
    # shipped_at, ties broken by the lower shipment_id; none when nothing has shipped.
    first_shipment: dict[str, tuple[dt.datetime, str, str | None, str | None]] = {}
    for row in shipments.iter_rows(named=True):
        if row["shipped_at"] is None:
            continue
        candidate = (row["shipped_at"], row["shipment_id"], row["warehouse_id"], row["carrier"])
        known = first_shipment.get(row["order_id"])
        if known is None or candidate[:2] < known[:2]:
            first_shipment[row["order_id"]] = candidate

    due_by_order = dict(zip(orders["order_id"], orders["promised_delivery_date"], strict=True))

    # Quantities shipped per order line (keyed (order_id, line_number)) when the shipment line
    # names it, else per (order_id, sku); all, and delivered on or before the due date.
    shipped_qty: dict[tuple[str, object], int] = {}
    in_full_qty: dict[tuple[str, object], int] = {}
    for row in shipment_lines.iter_rows(named=True):
        if row["order_line_number"] is not None:
            key = (row["order_id"], ("line", row["order_line_number"]))
        else:
            key = (row["order_id"], row["sku"])
        quantity = row["quantity_shipped"]
        shipped_qty[key] = shipped_qty.get(key, 0) + quantity
        delivered_at = delivered_at_by_shipment.get(row["shipment_id"])
        due = due_by_order.get(row["order_id"])
        if delivered_at is not None and due is not None and delivered_at.date() <= due:
            in_full_qty[key] = in_full_qty.get(key, 0) + quantity

    lines_by_order: dict[str, list[tuple[int, int, int]]] = {}  # (ordered, shipped, in-full shipped)
    for row in lines.iter_rows(named=True):
        by_sku = (row["order_id"], row["sku"])
        by_line = (row["order_id"], ("line", row["line_number"]))
        lines_by_order.setdefault(row["order_id"], []).append(
            (
                row["quantity_ordered"],
                shipped_qty.get(by_sku, 0) + shipped_qty.get(by_line, 0),
                in_full_qty.get(by_sku, 0) + in_full_qty.get(by_line, 0),
            )
        )

    # Excused: the latest cancelled event (event_at, ties by event_id desc) has an excusing reason.
    cancel_reason: dict[str, str | None] = {}
    for row in (
        events.filter(pl.col("event_type") == "cancelled")
        .sort(["order_id", "event_at", "event_id"], descending=[False, True, True])
        .iter_rows(named=True)
    ):
        cancel_reason.setdefault(row["order_id"], row["reason_code"])

    # Holds.
    placed: dict[str, list[dt.datetime]] = {}
    released: dict[str, list[dt.datetime]] = {}
    for row in events.filter(pl.col("event_type").is_in(["hold_placed", "hold_released"])).iter_rows(
        named=True
    ):
        target = placed if row["event_type"] == "hold_placed" else released
        target.setdefault(row["order_id"], []).append(row["event_at"])

    # Damaged and inaccurate.
    order_by_tracking: dict[str, set[str]] = {}
    for row in shipments.iter_rows(named=True):
        order_by_tracking.setdefault(row["tracking_number"], set()).add(row["order_id"])
    damaged_orders: set[str] = set()
    for number in tracking.filter(pl.col("exception_code") == "damaged")["tracking_number"].to_list():
        damaged_orders |= order_by_tracking.get(number, set())
    damaged_orders |= set(returns.filter(pl.col("reason_code") == "damaged")["order_id"].to_list())
    inaccurate_orders = (
        set(warehouse_events.filter(pl.col("event_type") == "mis_pick")["order_id"].to_list())
        | set(returns.filter(pl.col("reason_code") == "wrong_item")["order_id"].to_list())
        | set(
            credit_memos.filter(pl.col("reason_code").is_in(["pricing_error", "billing_error"]))[
                "order_id"
            ].to_list()
        )
    )

    outcome_rows = []
    for order in orders.sort("order_id").iter_rows(named=True):
        order_id = order["order_id"]
        due = order["promised_delivery_date"]
        reason = cancel_reason.get(order_id)
        excused = reason in EXCUSING_REASONS
        measured = (not excused) and due is not None and due < as_of

        order_lines = lines_by_order.get(order_id, [])
        line_count = len(order_lines)
        lines_filled = sum(1 for ordered, shipped, _ in order_lines if shipped >= ordered)
        units_ordered = sum(ordered for ordered, _, _ in order_lines)
        units_filled = sum(min(shipped, ordered) for ordered, shipped, _ in order_lines)
        shipped_complete = lines_filled == line_count
        otif = all(in_full >= ordered for ordered, _, in_full in order_lines)

        order_ships = ships_by_order.get(order_id, [])
        shipment_count = len(order_ships)
        delivered_times = [d for _, d in order_ships if d is not None]
        all_delivered = shipment_count > 0 and len(delivered_times) == shipment_count
        first_shipped_at = min((s for s, _ in order_ships), default=None)
        last_shipped_at = max((s for s, _ in order_ships), default=None)
        last_delivered_at = max(delivered_times, default=None)
        on_time = all_delivered and last_delivered_at.date() <= due
        on_time_ship = shipment_count > 0 and last_shipped_at <= order["promised_ship_at"]

        damaged = order_id in damaged_orders
        inaccurate = order_id in inaccurate_orders
        perfect = otif and not damaged and not inaccurate

        hold_hours = 0.0
        releases = sorted(released.get(order_id, []))
        for placed_at in placed.get(order_id, []):
            following = [r for r in releases if r >= placed_at]
            if following:
                hold_hours += hours_between(placed_at, following[0])
        clean_start = releases[-1] if releases else order["ordered_at"]

        outcome_rows.append(
            {
                "order_id": order_id,
                "channel": order["channel"],
                "due_date": due,
                "excused": excused,
                "measured": measured,
                "line_count": line_count,
                "lines_filled": lines_filled,
                "units_ordered": units_ordered,
                "units_filled": units_filled,
                "shipment_count": shipment_count,
                "delivered_shipment_count": len(delivered_times),
                "shipped_complete": shipped_complete,
                "on_time": on_time,
                "otif": otif,
                "damaged": damaged,
                "inaccurate": inaccurate,
                "perfect": perfect,
                "on_time_ship": on_time_ship,
                "promised_ship_at": order["promised_ship_at"],
                "primary_warehouse_id": first_shipment[order_id][2] if order_id in first_shipment else None,
                "primary_carrier": first_shipment[order_id][3] if order_id in first_shipment else None,
                "ordered_at": order["ordered_at"],
                "first_shipped_at": first_shipped_at,
                "last_shipped_at": last_shipped_at,
                "last_delivered_at": last_delivered_at,
                "cycle_time_hours": hours_between(order["ordered_at"], last_delivered_at)
                if all_delivered
                else None,
                "order_to_ship_hours": hours_between(order["ordered_at"], first_shipped_at)
                if all_delivered
                else None,
                "ship_to_deliver_hours": hours_between(first_shipped_at, last_delivered_at)
                if all_delivered
                else None,
                "hold_hours": hold_hours,
                "clean_cycle_time_hours": hours_between(clean_start, last_delivered_at)
                if all_delivered
                else None,
            }
        )
    outcomes = pl.DataFrame(
        outcome_rows,
        schema={
            "order_id": pl.String,
            "channel": pl.String,
            "due_date": pl.Date,
            "excused": pl.Boolean,
            "measured": pl.Boolean,
            "line_count": pl.Int64,
            "lines_filled": pl.Int64,
            "units_ordered": pl.Int64,
            "units_filled": pl.Int64,
            "shipment_count": pl.Int64,
            "delivered_shipment_count": pl.Int64,
            "shipped_complete": pl.Boolean,
            "on_time": pl.Boolean,
            "otif": pl.Boolean,
            "damaged": pl.Boolean,
            "inaccurate": pl.Boolean,
            "perfect": pl.Boolean,
            "on_time_ship": pl.Boolean,
            "promised_ship_at": pl.Datetime("us"),
            "primary_warehouse_id": pl.String,
            "primary_carrier": pl.String,
            "ordered_at": pl.Datetime("us"),
            "first_shipped_at": pl.Datetime("us"),
            "last_shipped_at": pl.Datetime("us"),
            "last_delivered_at": pl.Datetime("us"),
            "cycle_time_hours": pl.Float64,
            "order_to_ship_hours": pl.Float64,
            "ship_to_deliver_hours": pl.Float64,
            "hold_hours": pl.Float64,
            "clean_cycle_time_hours": pl.Float64,
        },
    )

    return {
        "order_outcomes": outcomes,
        "kpi_daily": _kpi_daily(outcomes),
        "cycle_time_daily": _cycle_time_daily(outcomes),
        **_exceptions(orders, events, warehouse_events, tracking),
        "as_of_date": pl.DataFrame({"as_of_date": [as_of]}, schema={"as_of_date": pl.Date}),
        **_failure_causes(outcomes, as_of),
    }


def _kpi_daily(outcomes: pl.DataFrame) -> pl.DataFrame:
    rows = []
    measured = outcomes.filter(pl.col("measured"))
    for due_date, group in sorted(measured.group_by("due_date"), key=lambda item: item[0][0]):
        n = group.height
        counts = {
            name: int(group[name].sum())
            for name in (
                "otif",
                "on_time",
                "shipped_complete",
                "perfect",
                "damaged",
                "inaccurate",
                "on_time_ship",
            )
        }
        lines_measured = int(group["line_count"].sum())
        lines_filled = int(group["lines_filled"].sum())
        units_ordered = int(group["units_ordered"].sum())
        units_filled = int(group["units_filled"].sum())
        on_time_rate = _ratio(counts["on_time"], n)
        fill_rate = _ratio(counts["shipped_complete"], n)
        damage_free = _ratio(n - counts["damaged"], n)
        accuracy = _ratio(n - counts["inaccurate"], n)
        rows.append(
            {
                "due_date": due_date[0],
                "orders_measured": n,
                "orders_otif": counts["otif"],
                "orders_on_time": counts["on_time"],
                "orders_shipped_complete": counts["shipped_complete"],
                "orders_perfect": counts["perfect"],
                "orders_damaged": counts["damaged"],
                "orders_inaccurate": counts["inaccurate"],
                "orders_on_time_ship": counts["on_time_ship"],
                "lines_measured": lines_measured,
                "lines_filled": lines_filled,
                "units_ordered": units_ordered,
                "units_filled": units_filled,
                "otif_rate": _ratio(counts["otif"], n),
                "on_time_delivery_rate": on_time_rate,
                "order_fill_rate": fill_rate,
                "line_fill_rate": _ratio(lines_filled, lines_measured),
                "unit_fill_rate": _ratio(units_filled, units_ordered),
                "perfect_order_rate": _ratio(counts["perfect"], n),
                "perfect_order_index": on_time_rate * fill_rate * damage_free * accuracy,
                "on_time_ship_rate": _ratio(counts["on_time_ship"], n),
                "damage_free_rate": damage_free,
                "accuracy_rate": accuracy,
            }
        )
    schema = {"due_date": pl.Date}
    schema.update(
        dict.fromkeys(
            [
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
            ],
            pl.Int64,
        )
    )
    schema.update(
        dict.fromkeys(
            [
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
            ],
            pl.Float64,
        )
    )
    return pl.DataFrame(rows, schema=schema)


CYCLE_MEASURES = (
    "cycle_time_hours",
    "order_to_ship_hours",
    "ship_to_deliver_hours",
    "clean_cycle_time_hours",
)


def _cycle_time_daily(outcomes: pl.DataFrame) -> pl.DataFrame:
    population = outcomes.filter(~pl.col("excused") & pl.col("cycle_time_hours").is_not_null())
    population = population.with_columns(pl.col("last_delivered_at").dt.date().alias("delivery_date"))
    rows = []
    for delivery_date, group in sorted(population.group_by("delivery_date"), key=lambda item: item[0][0]):
        row: dict[str, object] = {"delivery_date": delivery_date[0], "orders_delivered": group.height}
        for measure in CYCLE_MEASURES:
            values = group[measure].to_list()
            row[f"{measure}_mean"] = _mean(values)
            row[f"{measure}_p50"] = quantile_cont(values, 0.5)
            row[f"{measure}_p90"] = quantile_cont(values, 0.9)
        row["hold_hours_mean"] = _mean(group["hold_hours"].to_list())
        rows.append(row)
    schema: dict[str, pl.DataType] = {"delivery_date": pl.Date, "orders_delivered": pl.Int64}
    for measure in CYCLE_MEASURES:
        for suffix in ("mean", "p50", "p90"):
            schema[f"{measure}_{suffix}"] = pl.Float64
    schema["hold_hours_mean"] = pl.Float64
    return pl.DataFrame(rows, schema=schema)


def _exceptions(
    orders: pl.DataFrame, events: pl.DataFrame, warehouse_events: pl.DataFrame, tracking: pl.DataFrame
) -> dict[str, pl.DataFrame]:
    found: list[tuple[dt.date, str, str]] = []  # (date, type, source)
    for row in events.iter_rows(named=True):
        kind, reason = row["event_type"], row["reason_code"]
        if kind == "hold_placed":
            found.append((row["event_at"].date(), f"hold_{reason}", "oms"))
        elif kind in ("payment_failed", "address_corrected", "backordered"):
            found.append((row["event_at"].date(), kind, "oms"))
        elif kind == "cancelled" and reason == "out_of_stock":
            found.append((row["event_at"].date(), "cancelled_out_of_stock", "oms"))
    for row in warehouse_events.iter_rows(named=True):
        if row["event_type"] in ("short_pick", "mis_pick", "damaged_in_warehouse"):
            found.append((row["event_at"].date(), row["event_type"], "wms"))
    for row in tracking.iter_rows(named=True):
        if row["status_code"] == "exception":
            found.append((row["event_at"].date(), f"carrier_{row['exception_code']}", "carrier"))

    by_type: dict[tuple[dt.date, str, str], int] = {}
    by_day: dict[dt.date, int] = {}
    for day, kind, source in found:
        by_type[(day, kind, source)] = by_type.get((day, kind, source), 0) + 1
        by_day[day] = by_day.get(day, 0) + 1
    exceptions_daily = pl.DataFrame(
        [
            {"exception_date": day, "exception_type": kind, "exception_source": source, "exceptions": n}
            for (day, kind, source), n in sorted(by_type.items())
        ],
        schema={
            "exception_date": pl.Date,
            "exception_type": pl.String,
            "exception_source": pl.String,
            "exceptions": pl.Int64,
        },
    )

    created: dict[dt.date, int] = {}
    for ordered_at in orders["ordered_at"].to_list():
        created[ordered_at.date()] = created.get(ordered_at.date(), 0) + 1
    orders_daily = pl.DataFrame(
        [
            {
                "order_date": day,
                "orders_created": created.get(day, 0),
                "exceptions": by_day.get(day, 0),
                "exceptions_per_1000_orders": _ratio(by_day.get(day, 0) * 1000, created.get(day, 0)),
            }
            for day in sorted(set(created) | set(by_day))
        ],
        schema={
            "order_date": pl.Date,
            "orders_created": pl.Int64,
            "exceptions": pl.Int64,
            "exceptions_per_1000_orders": pl.Float64,
        },
    )
    return {"exceptions_daily": exceptions_daily, "orders_daily": orders_daily}


# --------------------------------------------------------------------------- why orders fail (v1.1)

FAILURE_CAUSES = (
    "not_shipped",
    "short_shipped",
    "late_from_warehouse",
    "late_in_transit",
    "damaged",
    "inaccurate",
)
UNSHIPPED = "unshipped"


def failure_tests(order: dict) -> dict[str, bool]:
    """Each test of kpis.md's "Why orders fail" table on one order_outcomes row, independently."""
    shipped = order["first_shipped_at"] is not None
    last_shipped, promised = order["last_shipped_at"], order["promised_ship_at"]
    left_late = last_shipped is not None and promised is not None and last_shipped > promised
    late_from_warehouse = not order["otif"] and left_late
    return {
        "not_shipped": not shipped,
        "short_shipped": not order["shipped_complete"],
        "late_from_warehouse": late_from_warehouse,
        # Late although it left complete and not late: the delay happened in transit.
        "late_in_transit": not order["otif"]
        and shipped
        and order["shipped_complete"]
        and not late_from_warehouse,
        "damaged": order["damaged"],
        "inaccurate": order["inaccurate"],
    }


def _period_start(day: dt.date, grain: str) -> dt.date:
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())  # ISO weeks start on Monday
    return day.replace(day=1)


def _period_end(start: dt.date, grain: str) -> dt.date:
    if grain == "week":
        return start + dt.timedelta(days=6)
    following = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def _failure_causes(outcomes: pl.DataFrame, as_of: dt.date) -> dict[str, pl.DataFrame]:
    per_order = []
    # (grain, period_start, dimension, value) -> [measured, perfect, count per cause...]
    groups: dict[tuple[str, dt.date, str, str], list[int]] = {}
    for order in outcomes.filter(pl.col("measured")).iter_rows(named=True):
        cause = None
        if not order["perfect"]:
            tests = failure_tests(order)
            cause = next(name for name in FAILURE_CAUSES if tests[name])
            per_order.append(
                {
                    "order_id": order["order_id"],
                    "due_date": order["due_date"],
                    "channel": order["channel"],
                    "primary_warehouse_id": order["primary_warehouse_id"] or UNSHIPPED,
                    "primary_carrier": order["primary_carrier"] or UNSHIPPED,
                    "failure_cause": cause,
                    **{f"is_{name}": tests[name] for name in FAILURE_CAUSES},
                }
            )
        dimensions = {
            "all": "all",
            "channel": order["channel"] or "unknown",
            "warehouse": order["primary_warehouse_id"] or UNSHIPPED,
            "carrier": order["primary_carrier"] or UNSHIPPED,
        }
        for grain in ("week", "month"):
            start = _period_start(order["due_date"], grain)
            for dimension, value in dimensions.items():
                counts = groups.setdefault((grain, start, dimension, value), [0] * (2 + len(FAILURE_CAUSES)))
                counts[0] += 1
                counts[1] += 1 if order["perfect"] else 0
                if cause is not None:
                    counts[2 + FAILURE_CAUSES.index(cause)] += 1

    flag_schema = {f"is_{name}": pl.Boolean for name in FAILURE_CAUSES}
    result = {
        "order_failure_causes": pl.DataFrame(
            per_order,
            schema={
                "order_id": pl.String,
                "due_date": pl.Date,
                "channel": pl.String,
                "primary_warehouse_id": pl.String,
                "primary_carrier": pl.String,
                "failure_cause": pl.String,
                **flag_schema,
            },
        )
    }
    for grain, table in (("week", "failure_causes_weekly"), ("month", "failure_causes_monthly")):
        rows = []
        for (row_grain, start, dimension, value), counts in sorted(groups.items()):
            if row_grain != grain:
                continue
            measured, perfect = counts[0], counts[1]
            end = _period_end(start, grain)
            row = {
                "period_start": start,
                "period_end": end,
                "is_mature": end < as_of,
                "dimension": dimension,
                "dimension_value": value,
                "orders_measured": measured,
                "orders_perfect": perfect,
                "orders_not_perfect": measured - perfect,
                "perfect_order_rate": _ratio(perfect, measured),
            }
            for index, name in enumerate(FAILURE_CAUSES):
                row[f"cause_{name}_orders"] = counts[2 + index]
                row[f"cause_{name}_share"] = _ratio(counts[2 + index], measured)
            rows.append(row)
        schema = {
            "period_start": pl.Date,
            "period_end": pl.Date,
            "is_mature": pl.Boolean,
            "dimension": pl.String,
            "dimension_value": pl.String,
            "orders_measured": pl.Int64,
            "orders_perfect": pl.Int64,
            "orders_not_perfect": pl.Int64,
            "perfect_order_rate": pl.Float64,
        }
        for name in FAILURE_CAUSES:
            schema[f"cause_{name}_orders"] = pl.Int64
            schema[f"cause_{name}_share"] = pl.Float64
        result[table] = pl.DataFrame(rows, schema=schema)
    return result
