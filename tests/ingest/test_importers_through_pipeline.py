"""What the importers land passes the whole pipeline: the Shopify example and a small Olist dataset
with items, imported into one landing folder, then one `orderpulse run`."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest
from olist_files import dataset

from orderpulse.cli import main

REPO = Path(__file__).resolve().parents[2]
SHOPIFY_EXAMPLE = REPO / "examples" / "shopify" / "orders_export.csv"


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict[str, dict]:
    work = tmp_path_factory.mktemp("importers")
    dataset(work / "olist")
    landing = work / "landing"
    assert main(["import", "shopify", str(SHOPIFY_EXAMPLE), "--landing", str(landing)]) == 0
    assert main(["import", "olist", str(work / "olist"), "--landing", str(landing)]) == 0
    warehouse = work / "warehouse.duckdb"
    assert main(["run", "--landing", str(landing), "--warehouse", str(warehouse)]) == 0
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        assert conn.execute("select count(*) from quarantined_rows").fetchone() == (0,)
        cursor = conn.execute("select * from order_outcomes")
        names = [d[0] for d in cursor.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def test_olist_items_become_lines_filled_by_their_shipment_and_deliveries_judge_on_time(outcomes):
    o1, o2, o5 = outcomes["o1"], outcomes["o2"], outcomes["o5"]
    # o1: two items of one product, both on its parcel; delivered on 20 March, due 15 March.
    assert (o1["line_count"], o1["lines_filled"], o1["shipped_complete"]) == (2, 2, True)
    assert (o1["on_time"], o1["on_time_ship"], o1["measured"]) == (False, True, True)
    assert o1["cycle_time_hours"] == pytest.approx(19 * 24 - 0.75)
    # o2: no items, delivered with no carrier date, before its due date.
    assert (o2["line_count"], o2["shipment_count"], o2["on_time"]) == (0, 1, True)
    assert o2["first_shipped_at"] is None and o2["cycle_time_hours"] == pytest.approx(7 * 24 + 7)
    # o5: handed to the carrier before its shipping limit, not delivered yet.
    assert (o5["shipped_complete"], o5["on_time_ship"], o5["fully_delivered"]) == (True, True, False)
    assert (outcomes["o3"]["cancel_reason"], outcomes["o4"]["cancel_reason"]) == ("other", "out_of_stock")


def test_shopify_orders_are_shipped_complete_exactly_when_the_export_says_fulfilled(outcomes):
    with SHOPIFY_EXAMPLE.open(newline="", encoding="utf-8") as stream:
        first_rows = {row["Name"]: row for row in reversed(list(csv.DictReader(stream)))}
    expected = {name: row["Fulfillment Status"] == "fulfilled" for name, row in first_rows.items()}
    assert len(expected) == 60 and 0 < sum(expected.values()) < 60
    published = {
        order_id: o["shipped_complete"] for order_id, o in outcomes.items() if order_id.startswith("#")
    }
    assert published == expected
    cancelled = {name for name, row in first_rows.items() if row["Cancelled at"]}
    assert cancelled and {k for k, o in outcomes.items() if k.startswith("#") and o["cancelled"]} == cancelled
    # No deliveries in a Shopify export: never on time, no cycle time (docs/importers.md).
    assert not any(o["on_time"] or o["fully_delivered"] for k, o in outcomes.items() if k.startswith("#"))
