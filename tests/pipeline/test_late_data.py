"""Late data restates earlier orders and days: the marts are recomputed from all loaded rows."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import duckdb
from hand_landing import AS_OF, write_hand_landing

ORDERPULSE = str(Path(sys.executable).with_name("orderpulse"))


def run(landing: Path, warehouse: Path) -> None:
    result = subprocess.run(
        [ORDERPULSE, "run", "--landing", str(landing), "--warehouse", str(warehouse), "--as-of", AS_OF],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]


def outcome_and_day(warehouse: Path) -> tuple:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        o4 = conn.execute(
            "select on_time, otif, perfect from order_outcomes where order_id = 'O4'"
        ).fetchone()
        d1 = conn.execute(
            "select otif_rate, on_time_delivery_rate from kpi_daily where due_date = date '2024-01-10'"
        ).fetchone()
        returns = conn.execute("select count(*) from return_reasons").fetchone()[0]
    return o4, d1, returns


def test_late_tracking_events_and_returns_restate_the_order_and_its_day(tmp_path):
    landing = write_hand_landing(tmp_path / "landing")
    warehouse = tmp_path / "warehouse.duckdb"
    run(landing, warehouse)
    assert outcome_and_day(warehouse) == ((False, False, False), (1 / 5, 2 / 5), 0)

    # Days later the carrier reports O4's "lost" parcel delivered on 2024-01-09, and a return lands.
    late = landing / "carrier" / "tracking_events" / "late.csv"
    late.write_text(
        "tracking_number,event_at,status_code,exception_code,carrier,location\n"
        "T4,2024-01-09T18:00:00Z,delivered,,FEDEX,\n"
    )
    (landing / "returns" / "return_lines").mkdir(parents=True)
    (landing / "returns" / "return_lines" / "late.csv").write_text(
        "rma_id,line_number,order_id,sku,quantity_returned,reason_code,requested_at,received_at,refund_amount,disposition\n"
        "R1,1,O1,SKU-A,1,damaged,2024-01-15T10:00:00Z,,10.00,\n"
    )
    run(landing, warehouse)
    o4, d1, returns = outcome_and_day(warehouse)
    assert o4 == (True, True, True)
    assert d1 == (2 / 5, 3 / 5)  # O4 is now on time and in full
    assert returns == 1
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        o1 = conn.execute("select damaged, perfect from order_outcomes where order_id = 'O1'").fetchone()
        assert o1 == (True, False)
        assert conn.execute("select as_of_date from run_info").fetchone()[0] == dt.date(2024, 1, 20)
