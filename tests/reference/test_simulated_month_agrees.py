"""A month simulated by the order core, on SQLite and on PostgreSQL, through the whole pipeline.

For each database: `orderpulse simulate` (30 days, same seed), `orderpulse core export`, then
`orderpulse run` on the landing. Every exported file must load with no row quarantined, and
the published KPIs must equal what the independent reference (kpi_reference.py) computes from
the same files, by the comparison of test_reference_agrees.py. Both databases must publish the
same marts, value for value: split shipments often leave in the same minute, so this also holds
the pipeline to a fixed tie-break for an order's primary warehouse and carrier.

The exports are compared as sets of rows, not bytes: the writer orders rows by key, and how a
database collates text is its own setting. Row order inside a file could only matter on a
latest-wins tie, and a full export holds one row per key.

Both months run in parallel (wall time); each is mostly the pipeline's fixed start-up cost.
"""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import pytest
from kpi_reference import compute_reference
from test_reference_agrees import COMPARED, ORDERPULSE, REPO, compare_with_warehouse, run_pipeline

from contract import ENTITIES
from warehouse.publish import OPS_TABLES

BACKENDS = ("sqlite", "postgresql")
DAYS, ORDERS_PER_DAY, SEED = 30, 150, 31


@dataclass(frozen=True)
class Month:
    landing: Path
    warehouse: Path
    run: subprocess.CompletedProcess


def _orderpulse(*args: str) -> None:
    result = subprocess.run(
        [ORDERPULSE, *args], capture_output=True, text=True, check=False, timeout=600, cwd=REPO
    )
    assert result.returncode == 0, (
        f"orderpulse {args[0]} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )


def simulate_export_and_run(url: str, workdir: Path) -> Month:
    landing, warehouse = workdir / "landing", workdir / "out" / "warehouse.duckdb"
    days, orders, seed = str(DAYS), str(ORDERS_PER_DAY), str(SEED)
    _orderpulse(
        "simulate", "--db", url, "--days", days, "--orders-per-day", orders, "--seed", seed, "--quiet"
    )
    _orderpulse("core", "export", "--db", url, "--landing", str(landing))
    return Month(landing, warehouse, run_pipeline(landing, warehouse, None))


@pytest.fixture(scope="module")
def months(request, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Month | str]:
    """The month per database, or why that database is not available (PostgreSQL off CI)."""
    tmp = tmp_path_factory.mktemp("month")
    (tmp / "sqlite").mkdir()
    urls = {"sqlite": f"sqlite:///{tmp / 'sqlite' / 'core.sqlite'}"}
    unavailable = {}
    try:
        urls["postgresql"] = request.getfixturevalue("module_postgres_url")
    except pytest.skip.Exception as skipped:
        unavailable["postgresql"] = skipped.msg
    with ThreadPoolExecutor(max_workers=len(urls)) as pool:
        futures = {name: pool.submit(simulate_export_and_run, url, tmp / name) for name, url in urls.items()}
        return {name: future.result() for name, future in futures.items()} | unavailable


def _month(months: dict[str, Month | str], backend: str) -> Month:
    month = months[backend]
    if isinstance(month, str):
        pytest.skip(month)
    assert month.run.returncode == 0, (
        f"orderpulse run failed:\n{month.run.stdout[-3000:]}\n{month.run.stderr[-3000:]}"
    )
    return month


def _rows_per_file(landing: Path) -> dict[str, int]:
    return {
        str(path.relative_to(landing)): pl.read_csv(path, infer_schema=False).height
        for path in sorted(landing.rglob("*.csv"))
    }


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_exported_file_loads_with_nothing_quarantined(months, backend):
    month = _month(months, backend)
    landed = _rows_per_file(month.landing)
    assert {path.rsplit("/", 1)[0] for path in landed} == {f"{e.source}/{e.name}" for e in ENTITIES}
    assert all(rows > 0 for rows in landed.values()), landed
    with duckdb.connect(str(month.warehouse), read_only=True) as conn:
        ledger = conn.execute(
            "select file_path, status, reason, rows_landed, rows_loaded, rows_quarantined from load_ledger"
        ).fetchall()
        quarantined = conn.execute(
            "select entity, column_name, reason, count(*) from quarantined_rows group by all order by all"
        ).fetchall()
    assert quarantined == []
    assert sorted(ledger) == [(path, "loaded", None, rows, rows, 0) for path, rows in landed.items()]


@pytest.mark.parametrize("backend", BACKENDS)
def test_published_kpis_agree_with_the_reference(months, backend):
    month = _month(months, backend)
    reference = compute_reference(month.landing)
    outcomes = reference["order_outcomes"]
    assert outcomes.height == _rows_per_file(month.landing)["oms/orders/order_core-000001.csv"]
    measured, perfect = outcomes["measured"].sum(), outcomes.filter(pl.col("measured"))["perfect"].sum()
    assert 0 < perfect < measured, "most measured orders are perfect, not all"
    assert all(reference[name].height > 0 for name in COMPARED), {n: reference[n].height for n in COMPARED}
    problems = compare_with_warehouse(reference, month.warehouse)
    assert not problems, f"{len(problems)} disagreements on the {backend} month:\n" + "\n".join(problems)


def _published_marts(warehouse: Path) -> dict[str, tuple[list[str], list[tuple]]]:
    """Every published mart's columns and rows; not the run's own bookkeeping (ledger, checks,
    run_info: ids, times, paths)."""
    marts = {}
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        names = [
            row[0] for row in conn.execute("select table_name from duckdb_tables() order by 1").fetchall()
        ]
        for name in names:
            if name in OPS_TABLES or name == "run_info":
                continue
            columns = [row[0] for row in conn.execute(f'describe "{name}"').fetchall()]
            rows = conn.execute(f'select * from "{name}" order by all').fetchall()
            marts[name] = (columns, rows)
    return marts


def _sorted_rows(landing: Path) -> dict[str, list[str]]:
    return {
        str(path.relative_to(landing)): sorted(path.read_text(encoding="utf-8").splitlines())
        for path in sorted(landing.rglob("*.csv"))
    }


def test_sqlite_and_postgresql_publish_the_same_marts(months):
    sqlite, postgresql = _month(months, "sqlite"), _month(months, "postgresql")
    assert _sorted_rows(sqlite.landing) == _sorted_rows(postgresql.landing)
    sqlite_marts, postgresql_marts = (
        _published_marts(sqlite.warehouse),
        _published_marts(postgresql.warehouse),
    )
    assert set(COMPARED) <= set(sqlite_marts)
    assert all(rows for _, rows in sqlite_marts.values()), "every mart has rows"
    assert sqlite_marts.keys() == postgresql_marts.keys()
    differing = [name for name in sqlite_marts if sqlite_marts[name] != postgresql_marts[name]]
    assert differing == [], f"marts that differ between SQLite and PostgreSQL: {differing}"
