"""The KPIs the dashboard shows: labels, units, direction and the benchmarks of kpis.md.

One catalogue, so the scorecard, the trend charts and the tests agree on what a KPI is called,
how it is formatted and which reference line belongs to it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

Unit = Literal["rate", "per_1000", "hours"]


@dataclass(frozen=True)
class Benchmark:
    value: float
    label: str


@dataclass(frozen=True)
class Kpi:
    column: str
    label: str
    unit: Unit
    higher_is_better: bool = True
    benchmark: Benchmark | None = None
    help: str = ""


WERC = "WERC best-in-class 2020"

PERFECT_ORDER_RATE = Kpi(
    "perfect_order_rate",
    "Perfect order rate",
    "rate",
    help="Share of measured orders that are OTIF, undamaged and accurate (SCOR RL.1.1).",
)
OTIF_RATE = Kpi(
    "otif_rate",
    "OTIF",
    "rate",
    benchmark=Benchmark(0.98, "Walmart OTIF target 98.00%"),
    help="Share of measured orders whose every line was delivered in full by the due date.",
)
ON_TIME_DELIVERY_RATE = Kpi(
    "on_time_delivery_rate",
    "On-time delivery",
    "rate",
    benchmark=Benchmark(0.9948, f"{WERC} 99.48%"),
    help="Share of measured orders whose last delivery was on or before the due date.",
)
ORDER_FILL_RATE = Kpi(
    "order_fill_rate",
    "Order fill rate (shipped complete)",
    "rate",
    benchmark=Benchmark(0.9956, f"{WERC} 99.56%"),
    help="Share of measured orders shipped complete.",
)
LINE_FILL_RATE = Kpi(
    "line_fill_rate",
    "Line fill rate",
    "rate",
    help="Lines shipped in full over all lines of measured orders.",
)
UNIT_FILL_RATE = Kpi(
    "unit_fill_rate",
    "Unit fill rate",
    "rate",
    help="Units shipped (capped at ordered) over units ordered.",
)
PERFECT_ORDER_INDEX = Kpi(
    "perfect_order_index",
    "Perfect order index",
    "rate",
    help="On-time delivery x order fill x damage-free x accuracy (APQC/WERC multiplicative index).",
)
ON_TIME_SHIP_RATE = Kpi(
    "on_time_ship_rate",
    "On-time ship",
    "rate",
    benchmark=Benchmark(0.997, f"{WERC} 99.70%"),
    help="Share of measured orders whose last shipment left by the promised ship time.",
)
DAMAGE_FREE_RATE = Kpi(
    "damage_free_rate",
    "Shipped damage-free",
    "rate",
    benchmark=Benchmark(0.997, f"{WERC} 99.70%"),
)
ACCURACY_RATE = Kpi(
    "accuracy_rate",
    "Order accuracy",
    "rate",
    benchmark=Benchmark(0.999, f"{WERC} picking accuracy 99.90%"),
)
EXCEPTIONS_PER_1000 = Kpi(
    "exceptions_per_1000_orders",
    "Exceptions per 1,000 orders",
    "per_1000",
    higher_is_better=False,
    help="Exceptions raised in the period x 1000 / orders created in the period.",
)
CYCLE_TIME_P50 = Kpi(
    "cycle_time_hours_p50",
    "Cycle time p50",
    "hours",
    higher_is_better=False,
    help="Median hours from order to last delivery, over orders whose last delivery falls in the period.",
)
CYCLE_TIME_P90 = Kpi(
    "cycle_time_hours_p90",
    "Cycle time p90",
    "hours",
    higher_is_better=False,
    help="90th percentile of hours from order to last delivery.",
)

HEADLINE_RATES: tuple[Kpi, ...] = (
    PERFECT_ORDER_RATE,
    OTIF_RATE,
    ON_TIME_DELIVERY_RATE,
    ORDER_FILL_RATE,
    LINE_FILL_RATE,
    UNIT_FILL_RATE,
    PERFECT_ORDER_INDEX,
    ON_TIME_SHIP_RATE,
)
SCORECARD_KPIS: tuple[Kpi, ...] = (*HEADLINE_RATES, EXCEPTIONS_PER_1000, CYCLE_TIME_P50, CYCLE_TIME_P90)
# Every rate column of kpi_daily / kpi_weekly / kpi_monthly, for the trend pages.
TREND_RATES: tuple[Kpi, ...] = (*HEADLINE_RATES, DAMAGE_FREE_RATE, ACCURACY_RATE)
RATES_BY_COLUMN: dict[str, Kpi] = {kpi.column: kpi for kpi in TREND_RATES}


def _is_missing(value: float | None) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(value)
    except TypeError:  # pandas' NA for a NULL in a nullable column
        return True


def format_value(kpi: Kpi, value: float | None) -> str:
    """A KPI value as the scorecard shows it; an em dash when the period has no data (NULL rate)."""
    if _is_missing(value):
        return "—"
    if kpi.unit == "rate":
        return f"{value:.2%}"
    if kpi.unit == "hours":
        return f"{value:,.1f} h"
    return f"{value:,.2f}"


def displayed_change(kpi: Kpi, current: float | None, previous: float | None) -> float | None:
    """Change against the previous period, rounded as displayed: percentage points for rates."""
    if _is_missing(current) or _is_missing(previous):
        return None
    change = current - previous
    if kpi.unit == "rate":
        change, decimals = change * 100, 2
    else:
        decimals = 1 if kpi.unit == "hours" else 2
    # Adding 0.0 turns a rounded -0.0 into 0.0, so no change never shows as "-0.00".
    return round(change, decimals) + 0.0


def format_delta(kpi: Kpi, current: float | None, previous: float | None) -> str | None:
    """The change as text; "pp" so +0.50 pp of a rate is not read as a relative +0.50%."""
    change = displayed_change(kpi, current, previous)
    if change is None:
        return None
    if kpi.unit == "rate":
        return f"{change:+.2f} pp"
    if kpi.unit == "hours":
        return f"{change:+,.1f} h"
    return f"{change:+,.2f}"


@dataclass(frozen=True)
class FailureCause:
    name: str
    label: str
    owner: str
    help: str


# kpis.md "Why orders fail" (v1.1), in the order of precedence: an order's failure_cause is the first
# that holds. The dashboard's copy of dbt's failure_causes() macro; a test against a pipeline-built
# warehouse holds the two together.
FAILURE_CAUSES: tuple[FailureCause, ...] = (
    FailureCause("not_shipped", "Not shipped", "warehouse / inventory", "No shipment of the order left."),
    FailureCause(
        "short_shipped", "Shipped short", "inventory / warehouse", "Not every line shipped in full."
    ),
    FailureCause(
        "late_from_warehouse",
        "Late from the warehouse",
        "warehouse",
        "Not OTIF, and the last shipment left after the promised ship time.",
    ),
    FailureCause(
        "late_in_transit",
        "Late in transit",
        "carrier",
        "Not OTIF although it shipped complete and on time: the delay was in transit.",
    ),
    FailureCause("damaged", "Damaged", "carrier / warehouse packing", "A damage scan or a damaged return."),
    FailureCause(
        "inaccurate",
        "Inaccurate",
        "warehouse / billing",
        "A mis-pick, a wrong-item return, or a pricing or billing credit memo.",
    ),
)
FAILURE_CAUSES_BY_NAME: dict[str, FailureCause] = {cause.name: cause for cause in FAILURE_CAUSES}
