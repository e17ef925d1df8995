"""An order's outcome said in words, from its order_outcomes and order_failure_causes row.

Pure functions of one row (a mapping of column name to value), so the wording is tested without
Streamlit, e.g. "Delivered 2 days after the due date; it left the warehouse on time, so the delay was
in transit with UPS."
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping

import pandas as pd

from dashboards.kpis import FAILURE_CAUSES_BY_NAME


def _missing(value: object) -> bool:
    if value is None or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _flag(order: Mapping, column: str) -> bool:
    value = order.get(column)
    return not _missing(value) and bool(value)


def _date(value: object) -> dt.date | None:
    return None if _missing(value) else pd.Timestamp(value).date()


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def _hours(hours: float) -> str:
    rounded = math.floor(hours * 10 + 0.5) / 10
    return f"{rounded:g} hour" if rounded == 1 else f"{rounded:g} hours"


def _delivery(order: Mapping) -> str:
    """When it arrived compared with the due date, or that it has not arrived yet."""
    due = _date(order["due_date"])
    delivered = _date(order["last_delivered_at"])
    if _flag(order, "fully_delivered") and delivered is not None and due is not None:
        late = (delivered - due).days
        if late > 0:
            return f"delivered {_days(late)} after the due date ({due})"
        return f"delivered on {delivered}, by the due date ({due})"
    as_of = _date(order.get("as_of_date"))
    if due is not None and as_of is not None and as_of > due:
        return f"not fully delivered {_days((as_of - due).days)} after the due date ({due})"
    return f"not fully delivered yet (due {due})"


def _carrier(order: Mapping) -> str:
    carrier = order.get("primary_carrier")
    return "the carrier" if _missing(carrier) else str(carrier)


def _left_late(order: Mapping) -> str:
    shipped, promised = order.get("last_shipped_at"), order.get("promised_ship_at")
    hours = (pd.Timestamp(shipped) - pd.Timestamp(promised)).total_seconds() / 3600
    where = order.get("primary_warehouse_id")
    place = "the warehouse" if _missing(where) else f"warehouse {where}"
    return f"its last parcel left {place} {_hours(hours)} after the promised ship time ({promised})"


def failure_story(order: Mapping) -> str:
    """One or two sentences: why the order failed, or why it is perfect or not measured."""
    if _flag(order, "excused"):
        return f"Cancelled ({order.get('cancel_reason')}): excused, so it is left out of the outcome KPIs."
    if not _flag(order, "measured"):
        return f"Not measured yet: it is due on {_date(order['due_date'])}, not before the as-of date."
    if _flag(order, "perfect"):
        return f"Perfect: {_delivery(order)}, in full, undamaged and accurate."
    cause = order.get("failure_cause")
    if cause == "not_shipped":
        story = f"Not shipped: no parcel left the warehouse; {_delivery(order)}."
    elif cause == "short_shipped":
        story = (
            f"Shipped short: {int(order['units_filled'])} of {int(order['units_ordered'])} units shipped; "
            f"{_delivery(order)}."
        )
    elif cause == "late_from_warehouse":
        story = f"Late from the warehouse: {_left_late(order)}; {_delivery(order)}."
    elif cause == "late_in_transit":
        delivery = _delivery(order)
        story = (
            f"{delivery[0].upper()}{delivery[1:]}; it left the warehouse on time, so the delay was in "
            f"transit with {_carrier(order)}."
        )
    elif cause == "damaged":
        story = (
            f"Damaged: {_delivery(order)}, in full, but a carrier damage scan or a return for damage "
            f"marks it damaged (shipped with {_carrier(order)})."
        )
    elif cause == "inaccurate":
        story = (
            f"Inaccurate: {_delivery(order)}, in full and undamaged, but a mis-pick, a wrong-item return "
            "or a pricing or billing credit memo marks it inaccurate."
        )
    else:
        return "Not perfect, but no failure cause is published for it (is the warehouse older than v1.1?)."
    also = [
        FAILURE_CAUSES_BY_NAME[name].label.lower()
        for name in FAILURE_CAUSES_BY_NAME
        if name != cause and _flag(order, f"is_{name}")
    ]
    if also:
        story += f" It also failed as: {', '.join(also)}."
    return story
