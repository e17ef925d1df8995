"""A pipeline run publishes a new file while analysts read: nobody blocks, nobody fails.

`orderpulse run` rebuilds and publishes (a new run_id) while, at the same time, a loop of
`orderpulse sql -c` processes reads the warehouse and the workbench's connection (the one
Harlequin is given) keeps querying it in this process. Both must keep answering during the
run, and both must see the new file once it is published.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from pathlib import Path

import duckdb
from analyst_warehouse import ORDERPULSE, REPO

from analysts.reader import FollowingReader
from analysts.workbench import PublishedWarehouseConnection

RUN_ID = "select run_id from run_info"


def copy_warehouse(source: Path, target_dir: Path) -> Path:
    """The published file and the pipeline's state beside it, so this run leaves the shared one alone."""
    target = target_dir / source.name
    shutil.copyfile(source, target)
    state = f".{source.name}.orderpulse"
    shutil.copytree(source.parent / state, target_dir / state, ignore=shutil.ignore_patterns("*.lock"))
    return target


def test_a_run_publishes_while_sql_and_the_workbench_keep_reading(analyst_warehouse, tmp_path):
    warehouse = copy_warehouse(analyst_warehouse.warehouse, tmp_path)
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        old_run_id = conn.execute(RUN_ID).fetchone()[0]

    workbench = PublishedWarehouseConnection(FollowingReader(warehouse))
    assert workbench.execute(RUN_ID).fetchall().to_pylist() == [{"run_id": old_run_id}]

    run = subprocess.Popen(
        [ORDERPULSE, "run", "--landing", str(analyst_warehouse.landing), "--warehouse", str(warehouse)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    sql_results: list[subprocess.CompletedProcess] = []

    def sql_loop() -> None:
        while run.poll() is None:
            sql_results.append(
                subprocess.run(
                    [ORDERPULSE, "sql", "--warehouse", str(warehouse), "-c", RUN_ID, "--format", "csv"],
                    capture_output=True,
                    text=True,
                    timeout=60,
                    check=False,
                )
            )

    reader = threading.Thread(target=sql_loop)
    reader.start()
    workbench_seen = []
    started = time.monotonic()
    while run.poll() is None:
        # Each query must answer at once, whatever the run is doing.
        before = time.monotonic()
        workbench_seen.append(workbench.execute(RUN_ID).fetchall().to_pylist()[0]["run_id"])
        assert time.monotonic() - before < 10
        time.sleep(0.5)
    stdout, stderr = run.communicate(timeout=600)
    reader.join(timeout=120)
    assert run.returncode == 0, stderr[-3000:]
    assert f"Published {warehouse}" in stdout
    assert time.monotonic() - started > 1

    with duckdb.connect(str(warehouse), read_only=True) as conn:
        new_run_id = conn.execute(RUN_ID).fetchone()[0]
    assert new_run_id != old_run_id

    # The sql -c loop ran during the run, never failed, and read only whole files.
    assert len(sql_results) >= 3
    for result in sql_results:
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines()[1] in {old_run_id, new_run_id}
    after = subprocess.run(
        [ORDERPULSE, "sql", "--warehouse", str(warehouse), "-c", RUN_ID, "--format", "csv"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert after.stdout.splitlines()[1] == new_run_id

    # The workbench answered throughout, and its next query reads the new file.
    assert workbench_seen and set(workbench_seen) <= {old_run_id, new_run_id}
    assert workbench.execute(RUN_ID).fetchall().to_pylist() == [{"run_id": new_run_id}]
    workbench.reader.close()
