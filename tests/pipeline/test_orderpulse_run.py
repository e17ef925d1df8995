"""End to end: `orderpulse run` on generated landings, as a user runs it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from benchmarks.generate_landing import write_landing

ORDERPULSE = str(Path(sys.executable).with_name("orderpulse"))
MARTS = (
    "order_outcomes",
    "kpi_daily",
    "kpi_weekly",
    "kpi_monthly",
    "cycle_time_daily",
    "exceptions_daily",
    "orders_daily",
    "returns_daily",
    "return_reasons",
    "open_order_aging",
    "order_failure_causes",
    "failure_causes_weekly",
    "failure_causes_monthly",
    "scorecard_periods",
    "open_orders",
    "order_lines",
    "order_timeline",
)


def orderpulse(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [ORDERPULSE, *args], capture_output=True, text=True, check=False, timeout=600, env=env
    )


def table(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory):
    tmp_path = tmp_path_factory.mktemp("e2e")
    landing = tmp_path / "landing"
    write_landing(landing, orders=2000, days=30, file_format="mixed", files_per_entity=2)
    warehouse = tmp_path / "out" / "warehouse.duckdb"
    # KPI alerts are printed as warnings after the summary (tests/report checks that); this run
    # judges the summary alone, so it goes without alert rules.
    no_alert_rules = tmp_path / "no_alert_rules.yml"
    no_alert_rules.write_text("rules: []\n")
    env = os.environ | {"ORDERPULSE_ALERT_RULES": str(no_alert_rules)}
    result = orderpulse("run", "--landing", str(landing), "--warehouse", str(warehouse), env=env)
    return landing, warehouse, result


def test_run_publishes_every_mart_and_the_operational_tables(first_run):
    _, warehouse, result = first_run
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"Published {warehouse}" in result.stdout
    # dbt's own log goes to a file beside the warehouse, not to the terminal.
    assert "START sql" not in result.stdout and len(result.stdout.splitlines()) == 2, result.stdout
    assert (
        "Completed successfully"
        in (warehouse.parent / ".warehouse.duckdb.orderpulse/last_run.log").read_text()
    )
    tables = {row[0] for row in table(warehouse, "show tables")}
    assert set(MARTS) | {"load_ledger", "quarantined_rows", "data_quality_results", "run_info"} <= tables
    assert table(warehouse, "select count(*), count(distinct order_id) from order_outcomes") == [(2000, 2000)]
    assert table(warehouse, "select count(*) from kpi_daily where orders_measured > 0")[0][0] > 20


def test_every_landed_row_is_loaded_and_accounted_for(first_run):
    _, warehouse, _ = first_run
    ledger = table(warehouse, "select status, rows_landed, rows_loaded, rows_quarantined from load_ledger")
    assert len(ledger) == 20  # ten entities, two files each
    for status, landed, loaded, quarantined in ledger:
        assert (status, quarantined, loaded) == ("loaded", 0, landed)
    failed = table(warehouse, "select count(*) from data_quality_results where blocking and not passed")
    assert failed == [(0,)]
    assert table(warehouse, "select count(*) from data_quality_results")[0][0] > 30


def test_published_file_carries_the_dbt_docs(first_run):
    _, warehouse, _ = first_run
    comment = table(
        warehouse,
        "select comment from duckdb_columns() where table_name = 'kpi_daily' and column_name = 'otif_rate'",
    )
    assert "otif" in comment[0][0]


def test_rerun_without_new_files_leaves_every_mart_identical(first_run, tmp_path):
    landing, warehouse, _ = first_run
    before = tmp_path / "before.duckdb"
    shutil.copy(warehouse, before)
    result = orderpulse("run", "--landing", str(landing), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "New files: 0" in result.stdout
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        conn.execute(f"attach '{before}' as before (read_only)")
        for mart in MARTS:
            changed = conn.execute(
                f"select count(*) from ((select * from {mart} except all select * from before.{mart})"
                f" union all (select * from before.{mart} except all select * from {mart}))"
            ).fetchone()[0]
            assert changed == 0, mart


def test_the_same_bytes_under_another_name_change_nothing(first_run, tmp_path):
    landing, warehouse, _ = first_run
    copy = landing / "oms" / "orders" / "resent-copy.csv"
    original = next((landing / "oms" / "orders").glob("extract-0000.*"))
    shutil.copy(original, copy.with_suffix(original.suffix))
    try:
        result = orderpulse("run", "--landing", str(landing), "--warehouse", str(warehouse))
        assert result.returncode == 0, result.stderr[-3000:]
        duplicates = table(
            warehouse, "select status, reason from load_ledger where file_path like '%resent-copy%'"
        )
        assert duplicates == [
            ("duplicate", "same bytes as oms/orders/extract-0000" + original.suffix + ", already loaded")
        ]
        assert table(warehouse, "select count(*) from order_outcomes") == [(2000,)]
    finally:
        copy.with_suffix(original.suffix).unlink()


def test_too_many_bad_rows_in_a_file_stops_publishing_and_names_the_file(tmp_path):
    landing = tmp_path / "landing"
    write_landing(landing, orders=300, days=10, file_format="csv")
    warehouse = tmp_path / "warehouse.duckdb"
    assert orderpulse("run", "--landing", str(landing), "--warehouse", str(warehouse)).returncode == 0
    published_before = warehouse.read_bytes()
    bad = landing / "oms" / "order_lines" / "late.csv"
    bad.write_text(
        "order_id,line_number,sku,quantity_ordered,unit_price,updated_at\n"
        "O00000001,9,SKU-X,-4,1.00,2024-02-01T00:00:00Z\n"
        "O00000001,10,SKU-Y,2,1.00,2024-02-01T00:00:00Z\n"
    )
    result = orderpulse("run", "--landing", str(landing), "--warehouse", str(warehouse))
    assert result.returncode == 1
    assert "oms/order_lines/late.csv: 1 of 2 rows quarantined" in result.stderr
    assert "previously published warehouse is unchanged" in result.stderr
    assert "dbt's log of this run:" in result.stderr
    assert "Traceback" not in result.stderr and "Stack Trace" not in result.stderr, result.stderr
    assert warehouse.read_bytes() == published_before
    # Rerunning does not slip the file through: it stays unpublished until someone decides.
    again = orderpulse("run", "--landing", str(landing), "--warehouse", str(warehouse))
    assert again.returncode == 1 and "late.csv: 1 of 2 rows quarantined" in again.stderr
    assert warehouse.read_bytes() == published_before
    # Accepting a higher share publishes the good row, and the bad one is visible with its reason;
    # a file that cannot be read at all is set aside, and the summary says so.
    (landing / "oms" / "orders" / "garbage.parquet").write_bytes(b"not parquet")
    accepted = orderpulse(
        "run",
        "--landing",
        str(landing),
        "--warehouse",
        str(warehouse),
        env=os.environ | {"ORDERPULSE_QUARANTINE_THRESHOLD": "0.5"},
    )
    assert accepted.returncode == 0, accepted.stderr[-2000:]
    assert "Warning: oms/orders/garbage.parquet set aside: cannot be parsed" in accepted.stdout, (
        accepted.stdout
    )
    quarantined = table(warehouse, "select file_path, row_number, column_name from quarantined_rows")
    assert quarantined == [("oms/order_lines/late.csv", 1, "quantity_ordered")]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--landing", "/nonexistent/landing"], "landing folder /nonexistent/landing does not exist"),
        (["--as-of", "2024-13-01"], "--as-of '2024-13-01' is not a date in the form YYYY-MM-DD"),
    ],
)
def test_user_mistakes_get_one_clear_line_not_a_traceback(tmp_path, args, message):
    defaults = {"--landing": str(tmp_path), "--warehouse": str(tmp_path / "w.duckdb")}
    given = dict(zip(args[::2], args[1::2], strict=True))
    argv = [item for key, value in (defaults | given).items() for item in (key, value)]
    result = orderpulse("run", *argv)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
