"""Every question of docs/analysts.md, run against a warehouse the real pipeline built.

The SQL is read out of the markdown, so the doc cannot go stale: a renamed column, a dropped
mart or a query that stops returning rows fails here. Several answers are checked against a
computation of this test's own, from `order_outcomes` rows or from the landing files.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter, defaultdict
from pathlib import Path

import duckdb
import pytest
from analyst_warehouse import REPO

from analysts.query import run_query

DOC = REPO / "docs" / "analysts.md"
QUESTION = re.compile(r"^### (\d+)\. (.+?)$(.*?)^```sql\n(.*?)^```", re.MULTILINE | re.DOTALL)

# The columns each question's answer must have, by question number.
EXPECTED_COLUMNS = {
    1: ["carrier", "orders_measured", "orders_otif", "otif_pct"],
    2: ["why_late", "orders", "pct_of_late"],
    3: ["warehouse", "carrier", "orders_delivered", "transit_hours_mean", "transit_hours_p90"],
    4: ["sku", "backordered_lines", "units_on_backordered_lines", "units_still_short"],
    5: ["channel", "reason_code", "return_lines", "units_returned", "refunded"],
    6: [
        "dimension",
        "dimension_value",
        "otif_pct_previous_week",
        "otif_pct_latest_week",
        "change_pct_points",
    ],
    7: [
        "week",
        "orders_measured",
        "perfect_pct",
        "on_time_pct",
        "in_full_pct",
        "damage_free_pct",
        "accurate_pct",
    ],
    8: ["exception_type", "exceptions", "per_1000_orders"],
    9: ["age_bucket", "open_orders"],
    10: ["delivery_week", "orders_delivered", "cycle_hours_p50", "cycle_hours_p90", "clean_cycle_hours_p50"],
    11: ["channel", "orders_measured", "order_fill_pct", "line_fill_pct", "unit_fill_pct"],
    12: ["channel", "cancel_reason", "orders_cancelled", "excused_from_kpis"],
    13: ["source", "entity", "status", "files", "rows_landed", "rows_loaded", "rows_quarantined"],
}


def doc_questions() -> dict[int, tuple[str, str]]:
    return {int(m.group(1)): (m.group(2), m.group(4)) for m in QUESTION.finditer(DOC.read_text())}


def answer(warehouse: Path, number: int) -> list[dict]:
    columns, rows = run_query(warehouse, doc_questions()[number][1])
    return [dict(zip(columns, row, strict=True)) for row in rows]


def test_the_doc_has_a_dozen_questions_each_with_its_expected_columns():
    assert len(doc_questions()) >= 12
    assert set(doc_questions()) == set(EXPECTED_COLUMNS)


@pytest.mark.parametrize("number", sorted(EXPECTED_COLUMNS))
def test_each_question_returns_rows_with_its_columns(analyst_warehouse, number):
    title, sql = doc_questions()[number]
    columns, rows = run_query(analyst_warehouse.warehouse, sql)
    assert columns == EXPECTED_COLUMNS[number], title
    assert rows, f"question {number} ({title}) returned no rows"


def _outcomes(warehouse: Path) -> tuple[dt.date, list[dict]]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        as_of = conn.execute("select as_of_date from run_info").fetchone()[0]
        cursor = conn.execute("select * from order_outcomes")
        names = [c[0] for c in cursor.description]
        return as_of, [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_otif_by_carrier_last_month_agrees_with_counting_the_orders(analyst_warehouse):
    as_of, outcomes = _outcomes(analyst_warehouse.warehouse)
    first_of_month = as_of.replace(day=1)
    last_month = (first_of_month - dt.timedelta(days=1)).replace(day=1)
    measured, otif = Counter(), Counter()
    for order in outcomes:
        if order["measured"] and last_month <= order["due_date"] < first_of_month:
            carrier = order["primary_carrier"] or "unshipped"
            measured[carrier] += 1
            otif[carrier] += order["otif"]
    got = {row["carrier"]: row for row in answer(analyst_warehouse.warehouse, 1)}
    assert set(got) == set(measured)
    for carrier, row in got.items():
        assert (row["orders_measured"], row["orders_otif"]) == (measured[carrier], otif[carrier])
        assert row["otif_pct"] == pytest.approx(100 * otif[carrier] / measured[carrier], abs=0.005)


def test_late_orders_split_agrees_with_classifying_each_order(analyst_warehouse):
    _, outcomes = _outcomes(analyst_warehouse.warehouse)
    expected = Counter()
    for order in outcomes:
        if not order["measured"] or order["on_time"]:
            continue
        if order["first_shipped_at"] is None:
            expected["never shipped"] += 1
        elif not order["on_time_ship"]:
            expected["late from the warehouse"] += 1
        elif (
            order["last_delivered_at"] is None or order["delivered_shipment_count"] < order["shipment_count"]
        ):
            expected["not delivered yet"] += 1
        else:
            expected["late in transit"] += 1
    got = {row["why_late"]: row["orders"] for row in answer(analyst_warehouse.warehouse, 2)}
    assert got == dict(expected)
    assert got["late from the warehouse"] > 0 and got["late in transit"] > 0


def _landed(landing: Path, source: str, entity: str) -> list[dict]:
    rows = []
    for path in sorted((landing / source / entity).glob("*.csv")):
        with path.open(newline="") as file:
            rows.extend(csv.DictReader(file))
    return rows


def test_backorders_by_sku_agree_with_the_landing_files(analyst_warehouse):
    landing = analyst_warehouse.landing
    backordered = {
        e["order_id"] for e in _landed(landing, "oms", "order_events") if e["event_type"] == "backordered"
    }
    latest_lines = {}  # a line resent later replaces the earlier copy
    for line in _landed(landing, "oms", "order_lines"):
        key = (line["order_id"], line["line_number"])
        if key not in latest_lines or line["updated_at"] >= latest_lines[key]["updated_at"]:
            latest_lines[key] = line
    lines_by_sku, units_by_sku = Counter(), Counter()
    for line in latest_lines.values():
        if line["order_id"] in backordered:
            lines_by_sku[line["sku"]] += 1
            units_by_sku[line["sku"]] += int(line["quantity_ordered"])
    got = answer(analyst_warehouse.warehouse, 4)
    assert len(got) == min(20, len(lines_by_sku))
    for row in got:
        assert (row["backordered_lines"], row["units_on_backordered_lines"]) == (
            lines_by_sku[row["sku"]],
            units_by_sku[row["sku"]],
        ), row["sku"]
    # The top of the list is the SKU with the most backordered lines.
    assert got[0]["backordered_lines"] == max(lines_by_sku.values())


def test_return_reasons_by_channel_agree_with_the_landing_files(analyst_warehouse):
    landing = analyst_warehouse.landing
    channel = {order["order_id"]: order["channel"] for order in _landed(landing, "oms", "orders")}
    return_lines = {}  # resent as a return progresses: the last landed copy wins
    for line in _landed(landing, "returns", "return_lines"):
        return_lines[(line["rma_id"], line["line_number"])] = line
    lines, units = defaultdict(int), defaultdict(int)
    for line in return_lines.values():
        key = (channel.get(line["order_id"], "unknown order"), line["reason_code"])
        lines[key] += 1
        units[key] += int(line["quantity_returned"])
    got = {(row["channel"], row["reason_code"]): row for row in answer(analyst_warehouse.warehouse, 5)}
    assert {key: row["return_lines"] for key, row in got.items()} == dict(lines)
    assert {key: row["units_returned"] for key, row in got.items()} == dict(units)
