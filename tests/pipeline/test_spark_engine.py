"""The Spark engine publishes the warehouse the DuckDB engine publishes, mart for mart, value for value.

One landing holds the hand-computed edge cases (hand_landing.py) and a generated landing with
resent copies and stale versions; `orderpulse run` builds it once per engine. Spark's JVM is slow
to start: the whole module pays for one pipeline run and one unit-test run on Spark.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from benchmarks.generate_landing import write_landing
from orderpulse.config import DBT_PROJECT_DIR
from tests.pipeline.hand_landing import AS_OF, write_hand_landing
from warehouse.paths import WarehousePaths

# One Spark pipeline run is minutes on a busy 2-core machine: above the suite's default timeout.
pytestmark = [pytest.mark.spark, pytest.mark.timeout(1800)]

ORDERPULSE = str(Path(sys.executable).with_name("orderpulse"))
DBT = str(Path(sys.executable).with_name("dbt"))
ENGINES = ("duckdb", "spark")
FLOAT_TOLERANCE = 1e-12
GENERATED_ORDERS = 300
# Columns that say when or by which run, not what was computed.
RUN_COLUMNS = {
    "loaded_at",
    "run_id",
    "quarantined_at",
    "published_at",
    "landing_dir",
    "checked_at",
    "first_fired_at",  # alerts: when a breach was first found and last judged
    "last_evaluated_at",
}
# The load checks' details quote bounds taken from the clock (no event in the future): they
# differ between two runs of the same engine too. The checks' outcomes are still compared.
RUN_COLUMNS_OF_TABLE = {"data_quality_results": {"details"}}


def _land_resends_and_stale_versions(landing: Path) -> None:
    """Later files that resend generated rows: stale order versions and resent events and scans."""
    conn = duckdb.connect()
    orders = landing / "oms/orders/extract-0000.csv"
    # Every fifth order again, a day older and on another channel: the earlier-landed version must win.
    conn.execute(
        f"""copy (
            select * replace (
                strftime(cast(updated_at as timestamp) - interval 1 day, '%Y-%m-%dT%H:%M:%SZ') as updated_at,
                'phone' as channel)
            from read_csv('{orders}', all_varchar = true)
            where cast(substr(order_id, 2) as bigint) % 5 = 0
        ) to '{landing / "oms/orders/zz-stale-versions.csv"}' (format csv, header)"""
    )
    for source_entity in ("oms/order_events", "carrier/tracking_events", "wms/shipments"):
        first = sorted((landing / source_entity).glob("extract-*"))[0]
        reader = {".csv": "read_csv", ".parquet": "read_parquet", ".jsonl": "read_json"}[first.suffix]
        options = ", all_varchar = true" if first.suffix == ".csv" else ""
        conn.execute(
            f"""copy (select * from {reader}('{first}'{options}) using sample 30 percent (bernoulli, 7))
            to '{landing / source_entity / "zz-resent.csv"}' (format csv, header)"""
        )
    conn.close()


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp_path = tmp_path_factory.mktemp("engines")
    landing = tmp_path / "landing"
    write_landing(landing, orders=GENERATED_ORDERS, days=10, start=dt.date(2024, 1, 3), file_format="mixed")
    _land_resends_and_stale_versions(landing)
    write_hand_landing(landing)
    # One pseudonym key for both runs: without one, each warehouse draws its own, and the published
    # customer ids could not be compared.
    env = os.environ | {
        "DBT_LOG_PATH": str(tmp_path / "dbt-logs"),
        "ORDERPULSE_PSEUDONYM_KEY": "engines-test-key",
    }
    runs = {
        engine: subprocess.Popen(
            [
                ORDERPULSE,
                "run",
                "--landing",
                str(landing),
                "--warehouse",
                str(tmp_path / engine / "warehouse.duckdb"),
                "--as-of",
                AS_OF,
                "--engine",
                engine,
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for engine in ENGINES
    }
    for engine, run in runs.items():
        output, _ = run.communicate(timeout=1200)
        assert run.returncode == 0, f"{engine}: {output}"
    return {engine: tmp_path / engine / "warehouse.duckdb" for engine in ENGINES}


def _tables(path: Path) -> dict[str, list[str]]:
    with duckdb.connect(str(path), read_only=True) as conn:
        rows = conn.execute(
            "select table_name, column_name from duckdb_columns()"
            " where database_name = current_database() and schema_name = 'main' and not internal"
            " order by table_name, column_index"
        ).fetchall()
    tables: dict[str, list[str]] = {}
    for table, column in rows:
        tables.setdefault(table, []).append(column)
    return tables


def _rows(path: Path, table: str, columns: list[str]) -> list[tuple]:
    listed = ", ".join(f'"{c}"' for c in columns)
    with duckdb.connect(str(path), read_only=True) as conn:
        return conn.execute(f'select {listed} from "{table}" order by all').fetchall()


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=FLOAT_TOLERANCE, abs_tol=FLOAT_TOLERANCE)
    return a == b


def test_both_engines_publish_the_same_tables_with_the_same_columns(published):
    duckdb_tables, spark_tables = _tables(published["duckdb"]), _tables(published["spark"])
    assert {"kpi_daily", "order_outcomes", "cycle_time_daily", "load_ledger"} <= set(duckdb_tables)
    assert spark_tables == duckdb_tables


def test_every_published_table_is_equal_value_for_value(published):
    tables = _tables(published["duckdb"])
    compared = 0
    for table, columns in tables.items():
        kept = [c for c in columns if c not in RUN_COLUMNS | RUN_COLUMNS_OF_TABLE.get(table, set())]
        expected, actual = _rows(published["duckdb"], table, kept), _rows(published["spark"], table, kept)
        assert len(actual) == len(expected), table
        for row_expected, row_actual in zip(expected, actual, strict=True):
            assert all(map(_same, row_expected, row_actual)), (table, kept, row_expected, row_actual)
        compared += len(expected)
    # Not vacuous: order_outcomes has one row per landed order (300 generated, 11 by hand).
    assert len(_rows(published["spark"], "order_outcomes", ["order_id"])) == GENERATED_ORDERS + 11
    assert compared > GENERATED_ORDERS


def test_the_spark_marts_carry_the_dbt_docs_as_comments(published):
    query = (
        "select table_name, column_name, comment from duckdb_columns()"
        " where database_name = current_database() and schema_name = 'main' and comment is not null"
        " order by all"
    )
    with duckdb.connect(str(published["duckdb"]), read_only=True) as conn:
        expected = conn.execute(query).fetchall()
    with duckdb.connect(str(published["spark"]), read_only=True) as conn:
        actual = conn.execute(query).fetchall()
    assert expected and actual == expected


def test_dbt_unit_tests_pass_on_spark(published, tmp_path):
    # Unit tests take their inputs' columns from the relations: the models are built (without
    # the data tests) over the run's raw layer, each after its unit tests.
    env = os.environ | {
        "ORDERPULSE_ENGINE": "spark",
        "ORDERPULSE_RAW_DIR": str(WarehousePaths(published["spark"]).raw_dir),
        "ORDERPULSE_SPARK_WAREHOUSE": str(tmp_path / "spark-warehouse"),
        "DBT_TARGET_PATH": str(tmp_path / "dbt-target"),
        "DBT_LOG_PATH": str(tmp_path / "dbt-logs"),
    }
    result = subprocess.run(
        [DBT, "build", "--exclude-resource-type", "test", "--profiles-dir", str(DBT_PROJECT_DIR)],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert "ERROR=0" in result.stdout
    unit_tests = [line for line in result.stdout.splitlines() if " PASS " in line and "::" in line]
    assert len(unit_tests) >= 5, result.stdout[-4000:]
