"""An order's failure said in words (dashboards/stories.py)."""

import datetime as dt

from dashboards.stories import failure_story

DELIVERED_LATE = {
    "excused": False,
    "measured": True,
    "perfect": False,
    "fully_delivered": True,
    "due_date": dt.date(2026, 3, 11),
    "last_delivered_at": dt.datetime(2026, 3, 13, 15),
    "promised_ship_at": dt.datetime(2026, 3, 7, 12),
    "last_shipped_at": dt.datetime(2026, 3, 7, 10),
    "primary_warehouse_id": "WH-EAST",
    "primary_carrier": "UPS",
    "units_ordered": 5,
    "units_filled": 5,
    "as_of_date": dt.date(2026, 3, 18),
    "failure_cause": "late_in_transit",
    "is_late_in_transit": True,
}


def test_late_in_transit_names_the_days_late_and_the_carrier():
    assert failure_story(DELIVERED_LATE) == (
        "Delivered 2 days after the due date (2026-03-11); it left the warehouse on time, so the delay was "
        "in transit with UPS."
    )


def test_late_from_the_warehouse_says_how_late_it_left_and_the_other_failures():
    order = DELIVERED_LATE | {
        "failure_cause": "late_from_warehouse",
        "last_shipped_at": dt.datetime(2026, 3, 8, 18),
        "is_late_in_transit": False,
        "is_late_from_warehouse": True,
        "is_damaged": True,
    }
    assert failure_story(order) == (
        "Late from the warehouse: its last parcel left warehouse WH-EAST 30 hours after the promised ship "
        "time (2026-03-07 12:00:00); delivered 2 days after the due date (2026-03-11). It also failed as: "
        "damaged."
    )


def test_an_undelivered_order_counts_the_days_since_the_due_date():
    order = DELIVERED_LATE | {
        "failure_cause": "short_shipped",
        "fully_delivered": False,
        "last_delivered_at": None,
        "units_filled": 3,
        "is_late_in_transit": False,
    }
    assert failure_story(order) == (
        "Shipped short: 3 of 5 units shipped; not fully delivered 7 days after the due date (2026-03-11)."
    )


def test_perfect_excused_and_unmeasured_orders():
    perfect = DELIVERED_LATE | {"perfect": True, "last_delivered_at": dt.datetime(2026, 3, 10, 9)}
    assert failure_story(perfect) == (
        "Perfect: delivered on 2026-03-10, by the due date (2026-03-11), in full, undamaged and accurate."
    )
    excused = {"excused": True, "cancel_reason": "fraud"}
    assert failure_story(excused).startswith("Cancelled (fraud): excused")
    assert failure_story({"excused": False, "measured": False, "due_date": dt.date(2026, 3, 20)}) == (
        "Not measured yet: it is due on 2026-03-20, not before the as-of date."
    )
