"""dbt build over the hand-made landing of hand_landing.py; every expected value is worked out by hand."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from hand_landing import AS_OF, write_hand_landing

from contract import ENTITIES
from ingest.load import LOADED, load_entity
from orderpulse.config import DBT_PROJECT_DIR

D1, D2, D3 = dt.date(2024, 1, 10), dt.date(2024, 1, 12), dt.date(2024, 1, 17)
DBT = str(Path(sys.executable).with_name("dbt"))


def dbt(args: list[str], work_db: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    env = os.environ | {
        "ORDERPULSE_WORK_DB": str(work_db),
        "ORDERPULSE_RAW_DIR": str(tmp_path / "raw"),
        "ORDERPULSE_AS_OF_DATE": AS_OF,
        "DBT_TARGET_PATH": str(tmp_path / "dbt-target"),
        "DBT_LOG_PATH": str(tmp_path / "dbt-logs"),
    }
    return subprocess.run(
        [DBT, *args, "--profiles-dir", str(DBT_PROJECT_DIR), "--project-dir", str(DBT_PROJECT_DIR)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def marts(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    tmp_path = tmp_path_factory.mktemp("hand")
    landing = write_hand_landing(tmp_path / "landing")
    work_db = tmp_path / "work.duckdb"
    with duckdb.connect(str(work_db)) as conn:
        for entity in ENTITIES:
            for load in load_entity(conn, landing, entity, run_id="hand", raw_dir=tmp_path / "raw"):
                assert load.status == LOADED, load
                assert load.rows_quarantined == 0, load
    # The full build: models, data tests and the unit tests of the edge cases.
    result = dbt(["build"], work_db, tmp_path)
    assert result.returncode == 0, result.stdout[-4000:]
    conn = duckdb.connect(str(work_db), read_only=True)
    conn.execute("use marts")
    yield conn
    conn.close()


def rows_by_key(conn, sql: str) -> dict:
    cursor = conn.execute(sql)
    names = [d[0] for d in cursor.description]
    return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


FLAGS = (
    "measured",
    "excused",
    "shipped_complete",
    "on_time",
    "otif",
    "damaged",
    "inaccurate",
    "perfect",
    "on_time_ship",
)
# order: measured, excused, shipped_complete, on_time, otif, damaged, inaccurate, perfect, on_time_ship
EXPECTED_FLAGS = {
    "O1": (True, False, True, True, True, False, False, True, True),  # the perfect order
    "O2": (True, False, False, True, False, False, False, False, True),  # partial shipment
    "O3": (True, False, True, False, False, False, False, False, False),  # split, late 2nd parcel
    "O4": (True, False, True, False, False, False, False, False, True),  # lost parcel
    "O5": (True, False, True, True, True, True, False, False, True),  # damaged parcel
    "O6": (False, True, False, False, False, False, False, False, False),  # excused cancellation
    "O7": (True, False, False, False, False, False, False, False, False),  # out-of-stock cancellation
    "O8": (False, False, True, True, True, False, False, True, True),  # due date = as-of date
    "O9": (True, False, True, False, False, False, False, False, False),  # stale version landed later
    "O10": (True, False, True, False, False, False, True, False, True),  # mis-pick, late by UTC date
    "O11": (True, False, False, True, False, False, False, False, True),  # 2 lines of one SKU, 1 shipped
}


def test_every_order_gets_the_flags_worked_out_by_hand(marts):
    outcomes = rows_by_key(marts, "select * from order_outcomes")
    assert set(outcomes) == set(EXPECTED_FLAGS)
    for order_id, expected in EXPECTED_FLAGS.items():
        actual = tuple(outcomes[order_id][flag] for flag in FLAGS)
        assert actual == expected, f"{order_id}: {dict(zip(FLAGS, actual, strict=True))}"


def test_latest_order_version_wins_even_when_a_stale_one_lands_later(marts):
    o9 = rows_by_key(marts, "select * from order_outcomes where order_id = 'O9'")["O9"]
    assert (o9["channel"], o9["due_date"]) == ("phone", D1)


def test_timestamps_with_offsets_are_normalised_to_utc(marts):
    outcomes = rows_by_key(marts, "select * from order_outcomes")
    for order_id in ("O2", "O3", "O4"):  # +02:00, no offset (UTC), -05
        assert outcomes[order_id]["ordered_at"] == dt.datetime(2024, 1, 7, 10, 0)
    assert outcomes["O10"]["last_delivered_at"] == dt.datetime(2024, 1, 13, 1, 0)
    assert outcomes["O1"]["last_delivered_at"] == dt.datetime(2024, 1, 9, 15, 0)  # earliest delivered scan


def test_kpi_daily_rates_match_hand_computation(marts):
    daily = rows_by_key(marts, "select * from kpi_daily")
    assert set(daily) == {D1, D2, D3}
    d1, d2, d3 = daily[D1], daily[D2], daily[D3]
    # D1 measures O1, O2, O3, O4 and O9.
    assert d1["orders_measured"] == 5
    assert d1["otif_rate"] == 1 / 5
    assert d1["on_time_delivery_rate"] == 2 / 5
    assert d1["order_fill_rate"] == 4 / 5
    assert d1["line_fill_rate"] == 6 / 7
    assert d1["unit_fill_rate"] == 9 / 10
    assert d1["perfect_order_rate"] == 1 / 5
    assert d1["perfect_order_index"] == (2 / 5) * (4 / 5) * (5 / 5) * (5 / 5)
    assert d1["on_time_ship_rate"] == 3 / 5
    # D2 measures O5, O7 and O10 (O6 is excused).
    assert d2["orders_measured"] == 3
    assert d2["otif_rate"] == 1 / 3
    assert d2["on_time_delivery_rate"] == 1 / 3
    assert d2["order_fill_rate"] == 2 / 3
    assert d2["line_fill_rate"] == 2 / 3
    assert d2["unit_fill_rate"] == 2 / 4
    assert d2["perfect_order_rate"] == 0.0
    assert d2["perfect_order_index"] == (1 / 3) * (2 / 3) * (2 / 3) * (2 / 3)
    assert d2["on_time_ship_rate"] == 2 / 3
    assert (d2["damage_free_rate"], d2["accuracy_rate"]) == (2 / 3, 2 / 3)
    # D3 measures O11 alone: line 1 (2 units) shipped and delivered on time, line 2 (1 unit) not.
    assert d3["orders_measured"] == 1
    assert (d3["on_time_delivery_rate"], d3["order_fill_rate"], d3["otif_rate"]) == (1.0, 0.0, 0.0)
    assert (d3["line_fill_rate"], d3["unit_fill_rate"]) == (1 / 2, 2 / 3)
    assert (d3["perfect_order_rate"], d3["perfect_order_index"], d3["on_time_ship_rate"]) == (0.0, 0.0, 1.0)


def test_a_shipment_line_fills_the_order_line_it_names_not_every_line_of_its_sku(marts):
    lines = marts.execute(
        "select line_number, quantity_ordered, quantity_shipped, is_filled"
        " from intermediate.int_order_lines_filled where order_id = 'O11' order by line_number"
    ).fetchall()
    assert lines == [(1, 2, 2, True), (2, 1, 0, False)]


def test_weekly_rollups_recompute_rates_from_orders(marts):
    weekly = marts.execute(
        "select dimension, dimension_value, orders_measured, otif_rate, unit_fill_rate"
        " from kpi_weekly where period_start = date '2024-01-08' order by dimension, dimension_value"
    ).fetchall()
    assert ("all", "all", 8, 2 / 8, (9 + 2) / (10 + 4)) in weekly
    assert ("channel", "web", 4, 1 / 4, (2 + 3 + 1 + 1) / (2 + 4 + 1 + 1)) in weekly
    assert ("channel", "phone", 2, 0.0, (1 + 0) / (1 + 2)) in weekly
    assert ("warehouse", "unshipped", 1, 0.0, 0.0) in weekly
    assert ("carrier", "FEDEX", 2, 0.0, 2 / 2) in weekly  # O4 and O10 ship first with FEDEX
    period = marts.execute(
        "select distinct period_end from kpi_weekly where period_start = date '2024-01-08'"
    )
    assert period.fetchall() == [(dt.date(2024, 1, 14),)]


def test_cycle_time_by_delivery_date(marts):
    cycle = rows_by_key(marts, "select * from cycle_time_daily")
    assert set(cycle) == {
        dt.date(2024, 1, 9),
        dt.date(2024, 1, 11),
        dt.date(2024, 1, 13),
        dt.date(2024, 1, 16),  # O11, 48 h
        dt.date(2024, 1, 19),
    }
    jan9, jan11 = cycle[dt.date(2024, 1, 9)], cycle[dt.date(2024, 1, 11)]
    assert (jan9["orders_delivered"], jan9["cycle_time_hours_mean"]) == (2, 55.0)  # O1 53 h, O2 57 h
    assert jan9["cycle_time_hours_p50"] == 55.0
    assert jan9["cycle_time_hours_p90"] == pytest.approx(53 + 0.9 * 4, abs=1e-12)
    assert jan11["orders_delivered"] == 3  # O3 96 h, O5 96 h, O9 98 h
    assert jan11["cycle_time_hours_mean"] == pytest.approx((96 + 96 + 98) / 3, abs=1e-12)
    assert jan11["cycle_time_hours_p50"] == 96.0
    assert jan11["cycle_time_hours_p90"] == pytest.approx(96 + 0.8 * 2, abs=1e-12)
    assert jan11["hold_hours_mean"] == pytest.approx(4 / 3, abs=1e-12)  # O5 held 11:00-15:00
    assert jan11["clean_cycle_time_hours_p50"] == 96.0  # O3 96, O5 91 (after release), O9 98
    assert jan11["clean_cycle_time_hours_mean"] == pytest.approx((96 + 91 + 98) / 3, abs=1e-12)
    assert cycle[dt.date(2024, 1, 13)]["cycle_time_hours_mean"] == 135.0  # O10
    assert cycle[dt.date(2024, 1, 16)]["cycle_time_hours_mean"] == 48.0  # O11
    o1 = rows_by_key(marts, "select * from order_outcomes where order_id = 'O1'")["O1"]
    assert (o1["order_to_ship_hours"], o1["ship_to_deliver_hours"]) == (24.0, 29.0)


def test_exceptions_are_counted_once_by_type_and_day(marts):
    exceptions = marts.execute(
        "select exception_date, exception_type, exceptions from exceptions_daily order by 1, 2"
    ).fetchall()
    assert exceptions == [
        (dt.date(2024, 1, 7), "cancelled_out_of_stock", 1),
        (dt.date(2024, 1, 7), "hold_credit", 1),
        (dt.date(2024, 1, 9), "carrier_lost", 1),  # resent in a second file, counted once
        (dt.date(2024, 1, 9), "mis_pick", 1),
        (dt.date(2024, 1, 10), "carrier_damaged", 1),
    ]
    daily = rows_by_key(marts, "select * from orders_daily")
    jan7 = daily[dt.date(2024, 1, 7)]
    assert (jan7["orders_created"], jan7["exceptions"]) == (9, 2)
    assert jan7["exceptions_per_1000_orders"] == 2 * 1000 / 9
    assert jan7["cancellation_rate"] == 2 / 9
    assert daily[dt.date(2024, 1, 9)]["exceptions_per_1000_orders"] is None  # no orders that day


def test_open_order_aging_counts_orders_still_open_at_the_as_of_date(marts):
    aging = dict(marts.execute("select age_bucket, open_orders from open_order_aging").fetchall())
    # O4 (lost parcel, ordered 13 days before the as-of date) is the only open order.
    assert aging == {"0-2": 0, "3-5": 0, "6-7": 0, "8-20": 1, "21+": 0}


def test_the_hand_landing_raises_no_data_check_alarm(marts):
    from expectations.feed_checks import ALL, load_check_config, run_feed_checks

    # Every orphan judged at once (no grace): the strictest reading of a clean landing.
    config = {
        name: dataclasses.replace(c, settings=c.settings | {"grace_hours": 0.0})
        if "grace_hours" in c.settings
        else c
        for name, c in load_check_config().items()
    }
    report = run_feed_checks(marts, config)
    assert [r.details for r in report.results if not r.passed] == []
    assert report.suspect_days == []
    judged = {r.check_name: r.judged for r in report.results if r.slice_dimension == ALL}
    # The plausibility and integrity checks did look at the hand-made rows (11 orders, their shipments...).
    assert judged["promised_delivery_before_order"] == 11
    assert judged["delivered_before_shipped"] > 0 and judged["shipment_lines_without_shipment"] > 0
