"""`orderpulse sql`: one query with -c for scripts, and the Harlequin workbench driven under tmux."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import duckdb
import pytest
from analyst_warehouse import ORDERPULSE, orderpulse
from harlequin.exception import HarlequinQueryError

from analysts.workbench import PublishedWarehouseAdapter

QUERY = "select dimension, count(*) as periods from kpi_weekly group by dimension order by dimension"


def direct(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def test_sql_c_prints_the_result_as_a_table_csv_or_json(analyst_warehouse):
    warehouse = str(analyst_warehouse.warehouse)
    expected = direct(analyst_warehouse.warehouse, QUERY)

    table = orderpulse("sql", "--warehouse", warehouse, "-c", QUERY)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["dimension", "periods"]
    assert [tuple(line.split()) for line in lines[2:-1]] == [(d, str(n)) for d, n in expected]
    assert lines[-1] == f"({len(expected)} rows)"

    as_csv = orderpulse("sql", "--warehouse", warehouse, "-c", QUERY, "--format", "csv")
    assert as_csv.returncode == 0, as_csv.stderr
    assert list(csv.reader(io.StringIO(as_csv.stdout))) == [["dimension", "periods"]] + [
        [d, str(n)] for d, n in expected
    ]

    as_json = orderpulse("sql", "--warehouse", warehouse, "-c", QUERY, "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout) == [{"dimension": d, "periods": n} for d, n in expected]


def test_sql_c_writes_dates_and_decimals_as_json(analyst_warehouse):
    sql = "select as_of_date, cast(1.25 as decimal(9, 2)) as amount, true as flag from run_info"
    result = orderpulse("sql", "--warehouse", str(analyst_warehouse.warehouse), "-c", sql, "--format", "json")
    assert result.returncode == 0, result.stderr
    [row] = json.loads(result.stdout)
    expected_as_of = direct(analyst_warehouse.warehouse, "select as_of_date from run_info")[0][0]
    assert row == {"as_of_date": expected_as_of.isoformat(), "amount": 1.25, "flag": True}


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("selec 1", "Parser Error"),
        ("select * from no_such_table", "no_such_table"),
        ("create table scratch as select 1 as x", "read-only"),
        ("delete from order_outcomes", "read-only"),
        ("drop table kpi_daily", "read-only"),
    ],
)
def test_a_sql_error_or_a_write_is_one_line_and_exit_code_1(analyst_warehouse, sql, message):
    before = direct(analyst_warehouse.warehouse, "select count(*) from order_outcomes")
    result = orderpulse("sql", "--warehouse", str(analyst_warehouse.warehouse), "-c", sql)
    assert result.returncode == 1
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("orderpulse sql: error: ") and message in result.stderr
    assert "Traceback" not in result.stderr
    assert direct(analyst_warehouse.warehouse, "select count(*) from order_outcomes") == before
    assert {row[0] for row in direct(analyst_warehouse.warehouse, "show tables")} >= {"kpi_daily"}


def test_a_missing_warehouse_is_a_user_mistake(tmp_path):
    result = orderpulse("sql", "--warehouse", str(tmp_path / "nope.duckdb"), "-c", "select 1")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"orderpulse: error: no published warehouse at {tmp_path / 'nope.duckdb'}"
        " (run `orderpulse run` or `make demo` first)"
    )


def test_the_workbench_without_a_terminal_says_to_use_c(analyst_warehouse):
    result = orderpulse("sql", "--warehouse", str(analyst_warehouse.warehouse), stdin=subprocess.DEVNULL)
    assert result.returncode == 2
    assert (
        result.stderr
        == "orderpulse: error: the workbench needs a terminal; for a script, give the query with -c\n"
    )


def republish(warehouse: Path, change_sql: str) -> None:
    """Publish a new file the way warehouse/publish.py does: write beside it, rename over it."""
    staging = warehouse.with_name(f".{warehouse.name}.{uuid.uuid4()}.publishing")
    shutil.copyfile(warehouse, staging)
    with duckdb.connect(str(staging)) as conn:
        conn.execute(change_sql)
    os.replace(staging, warehouse)


def require_tmux() -> None:
    if shutil.which("tmux") is not None:
        return
    if os.environ.get("CI"):
        pytest.fail("tmux is missing on CI: install Debian's tmux package (make test does)")
    pytest.skip("tmux is not installed (set CI=true to make this a failure)")


class Tmux:
    """A terminal program on a tmux server of its own (its own socket), so nothing else is touched."""

    def __init__(self, tmp_path: Path, command: list[str], env: dict[str, str]) -> None:
        self.socket = tmp_path / "tmux.sock"
        exports = " ".join(f"{key}={value}" for key, value in env.items())
        self.tmux(
            "new-session", "-d", "-s", "wb", "-x", "160", "-y", "45", f"env {exports} {' '.join(command)}"
        )

    def tmux(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-S", str(self.socket), *args], capture_output=True, text=True, check=True, timeout=30
        ).stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "wb")

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "wb", *keys)

    def wait_for(self, predicate, what: str, seconds: float = 60) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            screen = self.screen()
            if predicate(screen):
                return screen
            time.sleep(0.3)
        pytest.fail(f"the workbench did not show {what} within {seconds} s; screen:\n{self.screen()}")

    def run_editor_query_until(self, predicate, what: str, tries: int = 3) -> str:
        """Focus the editor, run its query, wait for the screen; again if the keys came too early
        (a loaded machine may still be moving the focus when Ctrl+J arrives)."""
        for _ in range(tries - 1):
            self.keys("F2")
            time.sleep(1)
            self.keys("C-j")
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                screen = self.screen()
                if predicate(screen):
                    return screen
                time.sleep(0.3)
        self.keys("F2")
        time.sleep(1)
        self.keys("C-j")
        return self.wait_for(predicate, what)

    def alive(self) -> bool:
        return (
            subprocess.run(
                ["tmux", "-S", str(self.socket), "has-session", "-t", "wb"], check=False
            ).returncode
            == 0
        )

    def kill(self) -> None:
        subprocess.run(["tmux", "-S", str(self.socket), "kill-server"], check=False, capture_output=True)


def result_rows(screen: str) -> dict[str, str]:
    """`dimension -> periods` as the results grid shows them."""
    rows = {}
    for line in screen.splitlines():
        cells = line.replace("│", " ").split()
        if len(cells) == 2 and cells[0] in {"all", "channel", "warehouse", "carrier"} and cells[1].isdigit():
            rows[cells[0]] = cells[1]
    return rows


def test_workbench_runs_a_query_and_follows_a_new_publish(analyst_warehouse, tmp_path, workbench_env):
    require_tmux()
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(analyst_warehouse.warehouse, warehouse)
    expected = {d: str(n) for d, n in direct(warehouse, QUERY)}
    session = Tmux(tmp_path, [ORDERPULSE, "sql", "--warehouse", str(warehouse)], workbench_env)
    try:
        session.wait_for(lambda s: "Query Editor" in s and "warehouse" in s, "the editor and the catalog")
        session.keys(QUERY)
        screen = session.run_editor_query_until(
            lambda s: result_rows(s) == expected, f"the result {expected}"
        )
        assert f"Query Results ({len(expected)} Records)" in screen

        # A run publishes a new file underneath (and nothing waits for the workbench to let go).
        republish(warehouse, "delete from kpi_weekly where dimension = 'carrier'")
        expected.pop("carrier")
        session.run_editor_query_until(
            lambda s: result_rows(s) == expected, f"the new file's result {expected}"
        )

        session.keys("C-q")
        deadline = time.monotonic() + 20
        while session.alive() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not session.alive(), "Ctrl+Q did not quit the workbench"
    finally:
        session.kill()


def test_the_workbench_connection_refuses_writes(analyst_warehouse):
    connection = PublishedWarehouseAdapter(analyst_warehouse.warehouse).connect()
    try:
        with pytest.raises(HarlequinQueryError, match="read-only"):
            connection.execute("delete from kpi_daily")
        with pytest.raises(HarlequinQueryError, match="read-only"):
            connection.execute("create table scratch as select 1 as x")
        # The catalog tree shows the warehouse alone (not the in-memory database that attaches it).
        assert [item.label for item in connection.get_catalog().items] == ["warehouse"]
    finally:
        connection.reader.close()
    assert direct(analyst_warehouse.warehouse, "select count(*) from kpi_daily")[0][0] > 0
