"""A small published warehouse (every table of notes/marts.md) with hand-written rows.

The numbers are chosen so a wrong query gives a visibly different answer:

- as-of date 2026-03-18 (a Wednesday). Weeks start on Monday:
  2026-02-23 (older), 2026-03-02 (previous mature), 2026-03-09 (latest mature, ends 03-15),
  2026-03-16 (NOT mature: ends 03-22 >= as-of). The immature week has an OTIF of 12.35% and the
  split rows (channel, warehouse, carrier) about 78% and 99%, so picking either by mistake shows.
- Months: 2026-01 and 2026-02 are mature, 2026-03 is not.
- Latest mature week: 200 measured orders, 193 OTIF (96.50%); previous week: 180 and 171 (95.00%).
- orders_daily: 10 exceptions over 400 orders in the latest week (25.00 per 1,000) and 9 over 300 in
  the previous (30.00).
- order_outcomes: delivered in the latest week, cycle times 24/48/72/96 h (p50 60.0, p90 88.8) plus an
  excused order of 1000 h that must be ignored; previous week 30/50 h (p50 40.0, p90 48.0).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd

from dashboards.queries import FAILURE_CAUSES

AS_OF = dt.date(2026, 3, 18)

COUNT_COLUMNS = (
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
)
RATE_COLUMNS = (
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

SCHEMA = {
    "order_outcomes": """
        order_id varchar, customer_id varchar, channel varchar, ordered_at timestamp, cancelled boolean,
        fully_delivered boolean,
        promised_ship_at timestamp, due_date date, status varchar, excused boolean, cancel_reason varchar,
        measured boolean, line_count integer, lines_filled integer, units_ordered integer,
        units_filled integer, shipment_count integer, delivered_shipment_count integer,
        first_shipped_at timestamp, last_shipped_at timestamp, last_delivered_at timestamp,
        primary_warehouse_id varchar, primary_carrier varchar, shipped_complete boolean, on_time boolean,
        otif boolean, damaged boolean, inaccurate boolean, perfect boolean, on_time_ship boolean,
        cycle_time_hours double, order_to_ship_hours double, ship_to_deliver_hours double,
        hold_hours double, clean_cycle_time_hours double""",
    "kpi_daily": "due_date date, "
    + ", ".join(f"{c} bigint" for c in COUNT_COLUMNS)
    + ", "
    + ", ".join(f"{c} double" for c in RATE_COLUMNS),
    **{
        table: "period_start date, period_end date, is_mature boolean, dimension varchar, dimension_value varchar, "
        + ", ".join(f"{c} bigint" for c in COUNT_COLUMNS)
        + ", "
        + ", ".join(f"{c} double" for c in RATE_COLUMNS)
        for table in ("kpi_weekly", "kpi_monthly")
    },
    "scorecard_periods": "grain varchar, period_start date, period_end date, is_mature boolean, "
    "dimension varchar, dimension_value varchar, "
    + ", ".join(f"{c} bigint" for c in COUNT_COLUMNS)
    + ", "
    + ", ".join(f"{c} double" for c in RATE_COLUMNS)
    + ", scorecard_role varchar, exceptions bigint, orders_created bigint, exceptions_per_1000_orders double, "
    "cycle_time_hours_p50 double, cycle_time_hours_p90 double",
    "order_failure_causes": "order_id varchar, due_date date, channel varchar, primary_warehouse_id varchar, "
    "primary_carrier varchar, failure_cause varchar, "
    + ", ".join(f"is_{cause} boolean" for cause in FAILURE_CAUSES)
    + ", promised_ship_at timestamp, last_shipped_at timestamp, last_delivered_at timestamp",
    **{
        table: "period_start date, period_end date, is_mature boolean, dimension varchar, dimension_value varchar, "
        "orders_measured bigint, orders_perfect bigint, orders_not_perfect bigint, perfect_order_rate double, "
        + ", ".join(f"cause_{cause}_orders bigint, cause_{cause}_share double" for cause in FAILURE_CAUSES)
        for table in ("failure_causes_weekly", "failure_causes_monthly")
    },
    "order_timeline": "order_id varchar, event_at timestamp, event_source varchar, event_type varchar, "
    "detail varchar, reference_id varchar",
    "order_lines": "order_id varchar, line_number integer, sku varchar, quantity_ordered integer, "
    "unit_price decimal(18, 2), quantity_shipped bigint, quantity_delivered_by_due_date bigint, is_filled boolean, "
    "is_delivered_in_full_by_due_date boolean",
    "open_orders": """
        order_id varchar, channel varchar, status varchar, primary_warehouse_id varchar, primary_carrier varchar,
        ordered_at timestamp, promised_ship_at timestamp, due_date date, as_of_date date, age_days bigint,
        age_bucket varchar, open_status varchar, is_on_hold boolean, hold_reason varchar,
        hold_placed_at timestamp, is_backordered boolean, is_past_due boolean, line_count integer,
        units_ordered integer, units_filled integer, shipment_count integer, delivered_shipment_count integer""",
    "cycle_time_daily": """
        delivery_date date, orders_delivered bigint, cycle_time_hours_mean double,
        cycle_time_hours_p50 double, cycle_time_hours_p90 double, order_to_ship_hours_mean double,
        order_to_ship_hours_p50 double, order_to_ship_hours_p90 double, ship_to_deliver_hours_mean double,
        ship_to_deliver_hours_p50 double, ship_to_deliver_hours_p90 double, hold_hours_mean double,
        clean_cycle_time_hours_mean double, clean_cycle_time_hours_p50 double,
        clean_cycle_time_hours_p90 double""",
    "exceptions_daily": """
        exception_date date, exception_type varchar, exception_source varchar, exceptions bigint""",
    "orders_daily": """
        order_date date, orders_created bigint, orders_cancelled bigint, orders_backordered bigint,
        cancellation_rate double, backorder_rate double, exceptions bigint,
        exceptions_per_1000_orders double""",
    "returns_daily": """
        delivery_date date, orders_delivered bigint, orders_returned bigint, return_rate double,
        refund_amount decimal(18, 2)""",
    "return_reasons": """
        requested_date date, reason_code varchar, return_lines bigint, units_returned bigint,
        refund_amount decimal(18, 2)""",
    "open_order_aging": "as_of_date date, age_bucket varchar, bucket_order integer, open_orders bigint",
    "run_info": """
        as_of_date date, published_at timestamp, run_id varchar, landing_dir varchar, files_loaded bigint,
        rows_loaded bigint, rows_quarantined bigint""",
    "data_quality_results": """
        checked_at timestamp, run_id varchar, entity varchar, suite varchar, expectation varchar,
        column_name varchar, passed boolean, blocking boolean, unexpected_count bigint,
        element_count bigint, details varchar""",
    "load_ledger": """
        file_path varchar, file_sha256 varchar, source varchar, entity varchar, file_format varchar,
        status varchar, reason varchar, rows_landed bigint, rows_loaded bigint, rows_quarantined bigint,
        loaded_at timestamp""",
    "quarantined_rows": """
        file_path varchar, file_sha256 varchar, entity varchar, row_number bigint, column_name varchar,
        reason varchar, raw_values varchar, quarantined_at timestamp""",
}


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def kpi_row(measured: int, otif: int, perfect: int, on_time: int | None = None) -> dict:
    """Counts of a KPI row, with every rate computed from them as the pipeline defines it."""
    on_time = otif + 2 if on_time is None else on_time
    counts = {
        "orders_measured": measured,
        "orders_otif": otif,
        "orders_on_time": min(on_time, measured),
        "orders_shipped_complete": min(otif + 1, measured),
        "orders_perfect": perfect,
        "orders_damaged": 1,
        "orders_inaccurate": 1,
        "orders_on_time_ship": min(otif + 3, measured),
        "lines_measured": measured * 3,
        "lines_filled": measured * 3 - 4,
        "units_ordered": measured * 10,
        "units_filled": measured * 10 - 9,
    }
    rates = {
        "otif_rate": _ratio(otif, measured),
        "on_time_delivery_rate": _ratio(counts["orders_on_time"], measured),
        "order_fill_rate": _ratio(counts["orders_shipped_complete"], measured),
        "line_fill_rate": _ratio(counts["lines_filled"], counts["lines_measured"]),
        "unit_fill_rate": _ratio(counts["units_filled"], counts["units_ordered"]),
        "perfect_order_rate": _ratio(perfect, measured),
        "on_time_ship_rate": _ratio(counts["orders_on_time_ship"], measured),
        "damage_free_rate": _ratio(measured - 1, measured),
        "accuracy_rate": _ratio(measured - 1, measured),
    }
    rates["perfect_order_index"] = (
        rates["on_time_delivery_rate"]
        * rates["order_fill_rate"]
        * rates["damage_free_rate"]
        * rates["accuracy_rate"]
    )
    return counts | rates


WEEKS = {
    # period_start: (measured, otif, perfect) for dimension 'all'
    dt.date(2026, 2, 23): (150, 135, 130),
    dt.date(2026, 3, 2): (180, 171, 162),  # previous mature week: OTIF 95.00%, perfect 90.00%
    dt.date(2026, 3, 9): (200, 193, 185),  # latest mature week: OTIF 96.50%, perfect 92.50%
    dt.date(2026, 3, 16): (81, 10, 5),  # immature week: OTIF 12.35%
}
MONTHS = {
    dt.date(2026, 1, 1): (600, 540, 520),  # OTIF 90.00%
    dt.date(2026, 2, 1): (640, 608, 590),  # latest mature month: OTIF 95.00%
    dt.date(2026, 3, 1): (400, 44, 40),  # immature month: OTIF 11.00%
}


def _period_rows(periods: dict, period_end: Callable[[dt.date], dt.date], otif_shift: int) -> list[dict]:
    rows = []
    for start, (measured, otif, perfect) in periods.items():
        otif = min(otif + otif_shift, measured)
        common = {
            "period_start": start,
            "period_end": period_end(start),
            "is_mature": period_end(start) < AS_OF,
        }
        rows.append(
            common | {"dimension": "all", "dimension_value": "all"} | kpi_row(measured, otif, perfect)
        )
        # Split rows carry deliberately different rates, so a missing `dimension = 'all'` filter shows.
        for dimension, values in (
            ("channel", ("web", "marketplace")),
            ("warehouse", ("WH-EAST", "WH-WEST")),
            ("carrier", ("UPS", "unshipped")),
        ):
            first_share = measured // 2
            rows.append(
                common
                | {"dimension": dimension, "dimension_value": values[0]}
                | kpi_row(first_share, round(first_share * 0.7777), round(first_share * 0.7))
            )
            rows.append(
                common
                | {"dimension": dimension, "dimension_value": values[1]}
                | kpi_row(measured - first_share, measured - first_share - 1, measured - first_share - 2)
            )
    return rows


def _month_end(start: dt.date) -> dt.date:
    next_month = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return next_month - dt.timedelta(days=1)


def _order(order_id: str, ordered_at: dt.datetime, cycle_hours: float, excused: bool = False) -> dict:
    delivered_at = ordered_at + dt.timedelta(hours=cycle_hours)
    shipped_at = ordered_at + dt.timedelta(hours=cycle_hours / 3)
    return {
        "order_id": order_id,
        "customer_id": f"C-{order_id}",
        "channel": "web",
        "ordered_at": ordered_at,
        "promised_ship_at": ordered_at + dt.timedelta(hours=24),
        "due_date": (ordered_at + dt.timedelta(days=5)).date(),
        "status": "cancelled" if excused else "delivered",
        "cancelled": excused,
        "fully_delivered": True,
        "excused": excused,
        "cancel_reason": "customer_request" if excused else None,
        "measured": not excused,
        "line_count": 2,
        "lines_filled": 2,
        "units_ordered": 5,
        "units_filled": 5,
        "shipment_count": 1,
        "delivered_shipment_count": 1,
        "first_shipped_at": shipped_at,
        "last_shipped_at": shipped_at,
        "last_delivered_at": delivered_at,
        "primary_warehouse_id": "WH-EAST",
        "primary_carrier": "UPS",
        "shipped_complete": True,
        "on_time": True,
        "otif": True,
        "damaged": False,
        "inaccurate": False,
        "perfect": True,
        "on_time_ship": True,
        "cycle_time_hours": cycle_hours,
        "order_to_ship_hours": cycle_hours / 3,
        "ship_to_deliver_hours": cycle_hours * 2 / 3,
        "hold_hours": 0.0,
        "clean_cycle_time_hours": cycle_hours,
    }


def _orders() -> list[dict]:
    def delivered_on(day: dt.date, hours: float) -> dt.datetime:
        # Ordered so that the last delivery lands at noon of `day`.
        return dt.datetime.combine(day, dt.time(12)) - dt.timedelta(hours=hours)

    latest_week = [("O-1", 24.0), ("O-2", 48.0), ("O-3", 72.0), ("O-4", 96.0)]
    previous_week = [("O-5", 30.0), ("O-6", 50.0)]
    rows = [_order(order_id, delivered_on(dt.date(2026, 3, 12), h), h) for order_id, h in latest_week]
    rows += [_order(order_id, delivered_on(dt.date(2026, 3, 4), h), h) for order_id, h in previous_week]
    rows.append(_order("O-7", delivered_on(dt.date(2026, 3, 13), 1000.0), 1000.0, excused=True))
    rows.append(_order("O-8", delivered_on(dt.date(2026, 3, 17), 500.0), 500.0))  # immature week
    rows.append(LATE_IN_TRANSIT_ORDER)
    return rows


# Due 2026-03-11, left WH-EAST on time with UPS, delivered 2026-03-13: late in transit by 2 days.
LATE_IN_TRANSIT_ORDER = _order("O-9", dt.datetime(2026, 3, 6, 9), 100.0) | {
    "due_date": dt.date(2026, 3, 11),
    "promised_ship_at": dt.datetime(2026, 3, 7, 12),
    "first_shipped_at": dt.datetime(2026, 3, 7, 10),
    "last_shipped_at": dt.datetime(2026, 3, 7, 10),
    "last_delivered_at": dt.datetime(2026, 3, 13, 15),
    "on_time": False,
    "otif": False,
    "perfect": False,
}


def _failure_cause_rows(kpi_rows: list[dict]) -> list[dict]:
    """A failure-cause rollup row per kpi rollup row: its failed orders spread over the causes in fixed
    proportions (for the latest mature week overall: 6 late from the warehouse, 4 late in transit,
    2 damaged, 1 each of inaccurate, not shipped and short shipped)."""
    rows = []
    for kpi in kpi_rows:
        measured, perfect = kpi["orders_measured"], kpi["orders_perfect"]
        failed = measured - perfect
        counts = {
            "late_from_warehouse": failed * 4 // 10,
            "late_in_transit": failed * 3 // 10,
            "short_shipped": failed // 10,
            "not_shipped": failed // 10,
        }
        rest = failed - sum(counts.values())
        counts |= {"damaged": (rest + 1) // 2, "inaccurate": rest // 2}
        row = {
            key: kpi[key]
            for key in ("period_start", "period_end", "is_mature", "dimension", "dimension_value")
        }
        row |= {
            "orders_measured": measured,
            "orders_perfect": perfect,
            "orders_not_perfect": failed,
            "perfect_order_rate": perfect / measured,
        }
        for cause in FAILURE_CAUSES:
            row[f"cause_{cause}_orders"] = counts[cause]
            row[f"cause_{cause}_share"] = counts[cause] / measured
        rows.append(row)
    return rows


def _scorecard_rows(week_rows: list[dict], month_rows: list[dict]) -> list[dict]:
    """scorecard_periods as dbt computes it, with the figures of the module docstring: the latest
    mature week (03-09) 'current' with 25.00 exceptions per 1,000 and cycle time p50 60.0 / p90 88.8,
    the week before 'previous' with 30.00 and 40.0 / 48.0; February 'current', January 'previous'
    (no orders_daily or deliveries in them: no exception or cycle figures)."""
    figures = {
        ("week", dt.date(2026, 3, 9)): ("current", 10, 400, 60.0, 88.8),
        ("week", dt.date(2026, 3, 2)): ("previous", 9, 300, 40.0, 48.0),
        ("week", dt.date(2026, 3, 16)): (None, 20, 100, 500.0, 500.0),
        ("month", dt.date(2026, 2, 1)): ("current", None, None, None, None),
        ("month", dt.date(2026, 1, 1)): ("previous", None, None, None, None),
    }
    rows = []
    for grain, kpi_rows in (("week", week_rows), ("month", month_rows)):
        for kpi in kpi_rows:
            if kpi["dimension"] != "all":
                continue
            role, exceptions, created, p50, p90 = figures.get((grain, kpi["period_start"]), (None,) * 5)
            rows.append(
                {"grain": grain}
                | kpi
                | {
                    "scorecard_role": role,
                    "exceptions": exceptions,
                    "orders_created": created,
                    "exceptions_per_1000_orders": exceptions * 1000 / created if created else None,
                    "cycle_time_hours_p50": p50,
                    "cycle_time_hours_p90": p90,
                }
            )
    return rows


def _order_failure_causes() -> list[dict]:
    order = LATE_IN_TRANSIT_ORDER
    return [
        {
            "order_id": order["order_id"],
            "due_date": order["due_date"],
            "channel": order["channel"],
            "primary_warehouse_id": order["primary_warehouse_id"],
            "primary_carrier": order["primary_carrier"],
            "failure_cause": "late_in_transit",
            **{f"is_{cause}": cause == "late_in_transit" for cause in FAILURE_CAUSES},
            "promised_ship_at": order["promised_ship_at"],
            "last_shipped_at": order["last_shipped_at"],
            "last_delivered_at": order["last_delivered_at"],
        }
    ]


def _order_timeline() -> list[dict]:
    def event(at, source, kind, detail, reference):
        return {
            "order_id": "O-9",
            "event_at": at,
            "event_source": source,
            "event_type": kind,
            "detail": detail,
            "reference_id": reference,
        }

    return [
        event(dt.datetime(2026, 3, 6, 9), "oms", "ordered", "channel web, due 2026-03-11", "O-9"),
        event(dt.datetime(2026, 3, 6, 9, 5), "oms", "hold_placed", "credit", "EV-1"),
        event(dt.datetime(2026, 3, 6, 11), "oms", "hold_released", None, "EV-2"),
        event(dt.datetime(2026, 3, 6, 11, 15), "oms", "allocated", None, "EV-3"),
        event(dt.datetime(2026, 3, 7, 10), "wms", "shipped", "from WH-EAST with UPS, tracking 1Z9", "S-9"),
        event(dt.datetime(2026, 3, 7, 10), "billing", "invoiced", "59.90 USD", "INV-9"),
        event(dt.datetime(2026, 3, 9, 8), "carrier", "exception", "UPS: weather_delay", "1Z9"),
        event(dt.datetime(2026, 3, 13, 15), "carrier", "delivered", "UPS", "1Z9"),
    ]


def _order_lines() -> list[dict]:
    return [
        {
            "order_id": "O-9",
            "line_number": number,
            "sku": sku,
            "quantity_ordered": quantity,
            "unit_price": 11.98,
            "quantity_shipped": quantity,
            "quantity_delivered_by_due_date": 0,
            "is_filled": True,
            "is_delivered_in_full_by_due_date": False,
        }
        for number, sku, quantity in ((1, "SKU-A", 3), (2, "SKU-B", 2))
    ]


def _open_orders() -> list[dict]:
    """Three open orders: the oldest on hold at WH-EAST, one backordered, one in transit."""

    def open_order(order_id, ordered, status, warehouse, channel, bucket, hold_reason=None):
        return {
            "order_id": order_id,
            "channel": channel,
            "status": "open",
            "primary_warehouse_id": warehouse,
            "primary_carrier": "UPS" if warehouse != "unshipped" else "unshipped",
            "ordered_at": ordered,
            "promised_ship_at": ordered + dt.timedelta(days=1),
            "due_date": (ordered + dt.timedelta(days=5)).date(),
            "as_of_date": AS_OF,
            "age_days": (AS_OF - ordered.date()).days,
            "age_bucket": bucket,
            "open_status": status,
            "is_on_hold": status == "on_hold",
            "hold_reason": hold_reason,
            "hold_placed_at": ordered + dt.timedelta(minutes=5) if hold_reason else None,
            "is_backordered": status == "backordered",
            "is_past_due": (ordered + dt.timedelta(days=5)).date() < AS_OF,
            "line_count": 1,
            "units_ordered": 4,
            "units_filled": 0 if status != "in_transit" else 4,
            "shipment_count": 0 if status != "in_transit" else 1,
            "delivered_shipment_count": 0,
        }

    return [
        open_order("OPEN-1", dt.datetime(2026, 2, 20, 8), "on_hold", "unshipped", "web", "21+", "fraud"),
        open_order("OPEN-2", dt.datetime(2026, 3, 10, 8), "backordered", "unshipped", "edi", "8-20"),
        open_order("OPEN-3", dt.datetime(2026, 3, 17, 8), "in_transit", "WH-EAST", "web", "0-2"),
    ]


def _orders_daily() -> list[dict]:
    rows = []
    day = dt.date(2026, 3, 2)
    while day <= dt.date(2026, 3, 17):
        if day < dt.date(2026, 3, 9):  # previous week: 300 orders, 9 exceptions
            created, exceptions = (45 if day.weekday() < 6 else 30), (2 if day.weekday() < 2 else 1)
        elif day < dt.date(2026, 3, 16):  # latest week: 400 orders, 10 exceptions
            created, exceptions = (60 if day.weekday() < 6 else 40), (2 if day.weekday() < 3 else 1)
        else:
            created, exceptions = 50, 20
        rows.append(
            {
                "order_date": day,
                "orders_created": created,
                "orders_cancelled": 1,
                "orders_backordered": 2,
                "cancellation_rate": 1 / created,
                "backorder_rate": 2 / created,
                "exceptions": exceptions,
                "exceptions_per_1000_orders": exceptions * 1000 / created,
            }
        )
        day += dt.timedelta(days=1)
    return rows


EXCEPTIONS_DAILY = [
    # Over 2026-03-09..03-15: short_pick 12, carrier_lost 5, hold_credit 3, mis_pick 2 (22 in all).
    (dt.date(2026, 3, 9), "short_pick", "wms", 7),
    (dt.date(2026, 3, 10), "short_pick", "wms", 5),
    (dt.date(2026, 3, 10), "carrier_lost", "carrier", 5),
    (dt.date(2026, 3, 11), "hold_credit", "oms", 3),
    (dt.date(2026, 3, 12), "mis_pick", "wms", 2),
    # Outside that range: must not be counted when the range is 03-09..03-15.
    (dt.date(2026, 3, 3), "payment_failed", "oms", 40),
]


def _cycle_time_daily() -> list[dict]:
    rows = []
    for offset, (orders, p50) in enumerate([(3, 40.0), (4, 60.0), (5, 55.0), (2, 70.0)]):
        rows.append(
            {
                "delivery_date": dt.date(2026, 3, 10) + dt.timedelta(days=offset),
                "orders_delivered": orders,
                "cycle_time_hours_mean": p50 + 5,
                "cycle_time_hours_p50": p50,
                "cycle_time_hours_p90": p50 * 1.5,
                "order_to_ship_hours_mean": p50 / 3 + 1,
                "order_to_ship_hours_p50": p50 / 3,
                "order_to_ship_hours_p90": p50 / 2,
                "ship_to_deliver_hours_mean": p50 * 2 / 3 + 2,
                "ship_to_deliver_hours_p50": p50 * 2 / 3,
                "ship_to_deliver_hours_p90": p50,
                "hold_hours_mean": 1.5,
                "clean_cycle_time_hours_mean": p50 + 3,
                "clean_cycle_time_hours_p50": p50 - 2,
                "clean_cycle_time_hours_p90": p50 * 1.4,
            }
        )
    return rows


LATEST_RUN = "run-20260318-0615"


def _quality_results() -> list[dict]:
    def result(run_id, checked_at, entity, expectation, column, passed, blocking, unexpected):
        return {
            "checked_at": checked_at,
            "run_id": run_id,
            "entity": entity,
            "suite": f"{entity}__contract",
            "expectation": expectation,
            "column_name": column,
            "passed": passed,
            "blocking": blocking,
            "unexpected_count": unexpected,
            "element_count": 1000,
            "details": None if passed else f"{unexpected} rows",
        }

    latest = dt.datetime(2026, 3, 18, 6, 14)
    older = dt.datetime(2026, 3, 17, 6, 14)
    return [
        result(
            LATEST_RUN, latest, "orders", "expect_column_values_to_not_be_null", "order_id", True, True, 0
        ),
        result(LATEST_RUN, latest, "orders", "expect_column_values_to_be_unique", "order_id", True, True, 0),
        result(
            LATEST_RUN, latest, "shipments", "expect_column_values_to_not_be_null", "carrier", False, False, 3
        ),
        result(
            LATEST_RUN, latest, "order_lines", "expect_column_values_to_be_between", "quantity", True, True, 0
        ),
        # An older run's failure must not appear among the latest run's results.
        result("run-20260317-0615", older, "orders", "expect_older_run_failure", "status", False, True, 99),
    ]


LEDGER = [
    {
        "file_path": "oms/orders/orders_20260318.csv",
        "file_sha256": "a" * 64,
        "source": "oms",
        "entity": "orders",
        "file_format": "csv",
        "status": "loaded",
        "reason": None,
        "rows_landed": 1000,
        "rows_loaded": 998,
        "rows_quarantined": 2,
        "loaded_at": dt.datetime(2026, 3, 18, 6, 10),
    },
    {
        "file_path": "wms/warehouse_events/events_20260318.jsonl",
        "file_sha256": "b" * 64,
        "source": "wms",
        "entity": "warehouse_events",
        "file_format": "jsonl",
        "status": "quarantined",
        "reason": "quarantined share 40.00% above threshold 1.00%",
        "rows_landed": 50,
        "rows_loaded": 30,
        "rows_quarantined": 20,
        "loaded_at": dt.datetime(2026, 3, 18, 6, 11),
    },
    {
        "file_path": "oms/orders/orders_20260318_copy.csv",
        "file_sha256": "a" * 64,
        "source": "oms",
        "entity": "orders",
        "file_format": "csv",
        "status": "duplicate",
        "reason": "same sha256 as oms/orders/orders_20260318.csv",
        "rows_landed": 0,
        "rows_loaded": 0,
        "rows_quarantined": 0,
        "loaded_at": dt.datetime(2026, 3, 18, 6, 12),
    },
]


def _quarantined_rows() -> list[dict]:
    rows = []
    for row_number, raw_quantity in ((17, "-3"), (42, "many")):
        rows.append(
            {
                "file_path": "oms/orders/orders_20260318.csv",
                "file_sha256": "a" * 64,
                "entity": "orders",
                "row_number": row_number,
                "column_name": "quantity",
                "reason": "quantity is not a positive integer",
                "raw_values": json.dumps({"order_id": f"O-{row_number}", "quantity": raw_quantity}),
                "quarantined_at": dt.datetime(2026, 3, 18, 6, 10, row_number % 60),
            }
        )
    return rows


def published_tables(run_id: str = LATEST_RUN) -> dict[str, list[dict]]:
    week_rows = _period_rows(WEEKS, lambda start: start + dt.timedelta(days=6), otif_shift=0)
    month_rows = _period_rows(MONTHS, _month_end, otif_shift=0)
    daily = []
    for offset in range(16):
        day = dt.date(2026, 3, 2) + dt.timedelta(days=offset)
        daily.append({"due_date": day} | kpi_row(30, 28 + offset % 3, 27))
    return {
        "order_outcomes": _orders(),
        "scorecard_periods": _scorecard_rows(week_rows, month_rows),
        "order_failure_causes": _order_failure_causes(),
        "failure_causes_weekly": _failure_cause_rows(week_rows),
        "failure_causes_monthly": _failure_cause_rows(month_rows),
        "order_timeline": _order_timeline(),
        "order_lines": _order_lines(),
        "open_orders": _open_orders(),
        "kpi_daily": daily,
        "kpi_weekly": week_rows,
        "kpi_monthly": month_rows,
        "cycle_time_daily": _cycle_time_daily(),
        "exceptions_daily": [
            {"exception_date": d, "exception_type": t, "exception_source": s, "exceptions": n}
            for d, t, s, n in EXCEPTIONS_DAILY
        ],
        "orders_daily": _orders_daily(),
        "returns_daily": [
            {
                "delivery_date": dt.date(2026, 3, 12),
                "orders_delivered": 50,
                "orders_returned": 2,
                "return_rate": 0.04,
                "refund_amount": 59.90,
            }
        ],
        "return_reasons": [
            {
                "requested_date": dt.date(2026, 3, 14),
                "reason_code": "damaged",
                "return_lines": 2,
                "units_returned": 3,
                "refund_amount": 59.90,
            }
        ],
        "open_order_aging": [
            {"as_of_date": AS_OF, "age_bucket": bucket, "bucket_order": order, "open_orders": count}
            for order, (bucket, count) in enumerate(
                [("0-2", 40), ("3-5", 12), ("6-7", 4), ("8-20", 2), ("21+", 1)], start=1
            )
        ],
        "run_info": [
            {
                "as_of_date": AS_OF,
                "published_at": dt.datetime(2026, 3, 18, 6, 15),
                "run_id": run_id,
                "landing_dir": "/srv/landing",
                "files_loaded": 12,
                "rows_loaded": 4210,
                "rows_quarantined": 22,
            }
        ],
        "data_quality_results": _quality_results(),
        "load_ledger": LEDGER,
        "quarantined_rows": _quarantined_rows(),
    }


def write_warehouse(path: Path, tables: dict[str, list[dict]]) -> Path:
    """Write `tables` into a new DuckDB file and publish it at `path` by rename, as the pipeline does."""
    staging = path.with_name(f".{path.name}.{os.getpid()}.new")
    staging.unlink(missing_ok=True)
    connection = duckdb.connect(str(staging))
    try:
        assert set(tables) <= set(SCHEMA), set(tables) - set(SCHEMA)
        for table, columns in SCHEMA.items():
            connection.execute(f"create table {table} ({columns})")
            rows = tables.get(table, [])
            if rows:
                # One insert of a whole frame: row-by-row executemany made each fixture take a second.
                connection.register("landed_rows", pd.DataFrame(rows))
                connection.execute(f"insert into {table} by name select * from landed_rows")
                connection.unregister("landed_rows")
        connection.execute("checkpoint")
    finally:
        connection.close()
    os.replace(staging, path)
    return path


def build_published_warehouse(path: Path, run_id: str = LATEST_RUN) -> Path:
    return write_warehouse(path, published_tables(run_id))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
