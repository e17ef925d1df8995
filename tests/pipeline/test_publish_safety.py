"""Readers and runs never block each other; a killed run leaves the published warehouse serving."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from benchmarks.generate_landing import write_landing

ORDERPULSE = str(Path(sys.executable).with_name("orderpulse"))


def run(landing: Path, warehouse: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [ORDERPULSE, "run", "--landing", str(landing), "--warehouse", str(warehouse)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def test_an_analyst_holding_the_file_open_does_not_block_a_run_and_sees_new_data_on_reconnect(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "warehouse.duckdb"
    write_landing(landing, orders=300, days=10, file_format="csv")
    assert run(landing, warehouse).returncode == 0
    analyst = duckdb.connect(":memory:")
    analyst.execute(f"attach '{warehouse}' as published (read_only)")
    assert analyst.execute("select count(*) from published.order_outcomes").fetchone()[0] == 300

    write_landing(tmp_path / "more", orders=400, days=10, file_format="csv", seed=99)
    for path in (tmp_path / "more").rglob("*.csv"):
        target = landing / path.relative_to(tmp_path / "more")
        target.with_name("more-" + target.name).write_bytes(path.read_bytes())
    result = run(landing, warehouse)  # while the analyst's connection stays open
    assert result.returncode == 0, result.stderr[-2000:]
    # The open connection keeps its consistent (old) view; a new one sees the new data.
    assert analyst.execute("select count(*) from published.order_outcomes").fetchone()[0] == 300
    analyst.close()
    fresh = duckdb.connect(":memory:")
    fresh.execute(f"attach '{warehouse}' as published (read_only)")
    assert fresh.execute("select count(*) from published.order_outcomes").fetchone()[0] == 400
    fresh.close()


def test_a_run_killed_mid_build_leaves_the_previous_warehouse_and_the_next_run_recovers(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "warehouse.duckdb"
    write_landing(landing, orders=300, days=10, file_format="csv")
    assert run(landing, warehouse).returncode == 0
    published = warehouse.read_bytes()

    write_landing(tmp_path / "more", orders=3000, days=10, file_format="csv", seed=5)
    for path in (tmp_path / "more").rglob("*.csv"):
        target = landing / path.relative_to(tmp_path / "more")
        target.with_name("more-" + target.name).write_bytes(path.read_bytes())
    process = subprocess.Popen(
        [ORDERPULSE, "run", "--landing", str(landing), "--warehouse", str(warehouse)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    # Kill the whole run (Dagster and its dbt) once dbt has started building.
    deadline = time.monotonic() + 120
    while not _dbt_running(process.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _dbt_running(process.pid), "dbt never started"
    time.sleep(1.5)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert warehouse.read_bytes() == published  # still the previous, complete warehouse
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        assert conn.execute("select count(*) from order_outcomes").fetchone()[0] == 300

    result = run(landing, warehouse)
    assert result.returncode == 0, result.stderr[-2000:]
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        assert conn.execute("select count(*) from order_outcomes").fetchone()[0] == 3000
    assert not list(warehouse.parent.glob(".*.publishing"))


def _dbt_running(session_leader: int) -> bool:
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            if os.getsid(int(pid)) == session_leader and b"dbt" in Path(f"/proc/{pid}/cmdline").read_bytes():
                return True
        except (ProcessLookupError, FileNotFoundError, PermissionError):
            continue
    return False
