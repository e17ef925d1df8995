"""Acceptance: the real Olist orders file through `orderpulse import olist` and `orderpulse run`.

The expected figures are computed here, straight from the CSV with the csv module, and compared
with what the pipeline published: every order, nothing quarantined, the share of delivered orders
delivered after their estimated date, and the mean purchase-to-delivery time.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from datetime import datetime
from fractions import Fraction
from pathlib import Path

import duckdb
import pytest

from orderpulse.cli import main

REPO = Path(__file__).resolve().parents[2]
# The shared data folder sits beside the project's checkout (../shared), or beside the worktrees' folder.
CANDIDATES = [REPO.parent / "shared/data/olist", REPO.parents[1] / "shared/data/olist"]
OLIST = next((folder for folder in CANDIDATES if (folder / "olist_orders_dataset.csv").is_file()), None)

pytestmark = pytest.mark.skipif(OLIST is None, reason=f"the Olist dataset is not in {CANDIDATES[0]}")


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """The pipeline's warehouse over the real orders and payments files (one import, one run)."""
    work = tmp_path_factory.mktemp("olist")
    assert main(["import", "olist", str(OLIST), "--landing", str(work / "landing")]) == 0
    assert (
        main(["run", "--landing", str(work / "landing"), "--warehouse", str(work / "warehouse.duckdb")]) == 0
    )
    return work / "warehouse.duckdb"


@pytest.fixture(scope="module")
def csv_orders() -> list[dict[str, str]]:
    with (OLIST / "olist_orders_dataset.csv").open(newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def test_the_files_are_the_real_dataset():
    sums = dict(
        reversed(line.split()) for line in (OLIST / "SHA256SUMS").read_text().splitlines() if line.strip()
    )
    for name in ("olist_orders_dataset.csv", "olist_order_payments_dataset.csv"):
        assert hashlib.sha256((OLIST / name).read_bytes()).hexdigest() == sums[name]


def test_every_order_is_published_and_nothing_is_quarantined(published: Path, csv_orders):
    order_ids = {row["order_id"] for row in csv_orders}
    assert len(order_ids) == 99_441
    assert query(published, "select count(*), count(distinct order_id) from order_outcomes") == [
        (99_441, 99_441)
    ]
    published_ids = {order_id for (order_id,) in query(published, "select order_id from order_outcomes")}
    assert published_ids == order_ids
    assert query(published, "select count(*) from quarantined_rows") == [(0,)]
    ledger = query(
        published, "select status, sum(rows_landed), sum(rows_quarantined) from load_ledger group by status"
    )
    assert [(status, quarantined) for status, _landed, quarantined in ledger] == [("loaded", 0)]


def test_the_share_delivered_after_the_estimated_date_matches_the_csv(published: Path, csv_orders):
    delivered = [row for row in csv_orders if row["order_delivered_customer_date"]]
    late = [
        row
        for row in delivered
        if row["order_delivered_customer_date"][:10] > row["order_estimated_delivery_date"][:10]
    ]
    [(published_delivered, published_late)] = query(
        published,
        "select count(last_delivered_at), count(case when cast(last_delivered_at as date) > due_date then 1 end)"
        " from order_outcomes",
    )
    assert (published_delivered, published_late) == (len(delivered), len(late))
    assert Fraction(published_late, published_delivered) == Fraction(len(late), len(delivered))
    assert 0.05 < len(late) / len(delivered) < 0.10  # Olist's known figure, about 8%


def test_the_mean_purchase_to_delivery_time_matches_the_csv(published: Path, csv_orders):
    seconds = [
        (
            datetime.fromisoformat(row["order_delivered_customer_date"])
            - datetime.fromisoformat(row["order_purchase_timestamp"])
        ).total_seconds()
        for row in csv_orders
        if row["order_delivered_customer_date"]
    ]
    expected_hours = sum(seconds) / len(seconds) / 3600
    [(mean_hours, orders)] = query(
        published, "select avg(cycle_time_hours), count(cycle_time_hours) from order_outcomes"
    )
    assert orders == len(seconds)
    assert mean_hours == pytest.approx(expected_hours, rel=1e-12)
    # The cycle time mart: its daily means, weighted by their orders, give the same mean.
    [(weighted, delivered)] = query(
        published,
        "select sum(cycle_time_hours_mean * orders_delivered) / sum(orders_delivered), sum(orders_delivered)"
        " from cycle_time_daily",
    )
    assert delivered == len(seconds)
    assert weighted == pytest.approx(expected_hours, rel=1e-12)


def test_cancelled_and_unavailable_orders_are_cancellations_with_their_reasons(published: Path, csv_orders):
    statuses = Counter(row["order_status"] for row in csv_orders)
    reasons = dict(
        query(
            published,
            "select cancel_reason, count(*) from order_outcomes where cancelled group by cancel_reason",
        )
    )
    assert reasons == {"other": statuses["canceled"], "out_of_stock": statuses["unavailable"]}
