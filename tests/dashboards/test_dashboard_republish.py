"""The pipeline publishes by renaming a new file over the old one; the dashboard must keep answering."""

from __future__ import annotations

import os
import shutil
import threading
import time

import duckdb
from dashboard_warehouse import build_published_warehouse

from dashboards import queries

RUN_ID_SQL = "select run_id from run_info"


def test_queries_keep_answering_while_the_file_is_replaced(tmp_path, warehouse_path):
    templates = [
        build_published_warehouse(tmp_path / f"template-{name}.duckdb", run_id=f"run-{name}") for name in "ab"
    ]
    stop = threading.Event()
    answers: list[str] = []
    errors: list[BaseException] = []

    def keep_reading() -> None:
        while not stop.is_set():
            try:
                warehouse = queries.current_warehouse(warehouse_path)
                answers.append(queries.read_frame(warehouse, RUN_ID_SQL)["run_id"].iloc[0])
            except BaseException as error:  # any failure of a reader is the finding
                errors.append(error)

    readers = [threading.Thread(target=keep_reading) for _ in range(4)]
    for reader in readers:
        reader.start()
    try:
        for publication in range(16):
            staging = tmp_path / f"staging-{publication}.duckdb"
            shutil.copyfile(templates[publication % 2], staging)
            os.replace(staging, warehouse_path)
            # Let the readers answer between publications, so reads and renames really interleave.
            answered = len(answers)
            while len(answers) < answered + 1 and not errors:
                time.sleep(0.001)
    finally:
        stop.set()
        for reader in readers:
            reader.join(timeout=30)

    assert errors == []
    assert len(answers) >= 16
    assert set(answers) <= {"run-20260318-0615", "run-a", "run-b"}
    # The last publication was template "b" (publication 15 is odd).
    latest = queries.read_frame(queries.current_warehouse(warehouse_path), RUN_ID_SQL)
    assert latest["run_id"].iloc[0] == "run-b"


def test_a_reader_of_the_old_file_neither_blocks_publishing_nor_hides_the_new_file(warehouse_path):
    # An analyst (or a slow query of another session) keeps the published file open read-only.
    analyst = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        # The pipeline writes its new file next to it and renames it over: nothing waits on the reader.
        build_published_warehouse(warehouse_path, run_id="run-next")

        fresh = queries.read_frame(queries.current_warehouse(warehouse_path), RUN_ID_SQL)
        assert fresh["run_id"].iloc[0] == "run-next"
        # The reader keeps its consistent view of the file it opened.
        assert analyst.execute(RUN_ID_SQL).fetchone()[0] == "run-20260318-0615"
    finally:
        analyst.close()
