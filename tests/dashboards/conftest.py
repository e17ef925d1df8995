"""Fixtures of the dashboard tests; the warehouse itself is built by dashboard_warehouse.py.

(The builder has a module name of its own: every test folder may have a `conftest`, so importing
helpers from "conftest" could pick up another folder's.)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import streamlit as st
from dashboard_warehouse import build_published_warehouse

from benchmarks.generate_landing import write_landing

ORDERPULSE = str(Path(sys.executable).with_name("orderpulse"))


@pytest.fixture
def warehouse_path(tmp_path: Path) -> Path:
    return build_published_warehouse(tmp_path / "warehouse.duckdb")


@pytest.fixture
def warehouse_env(warehouse_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point orderpulse.config at the fixture warehouse, as `orderpulse dashboard` does."""
    monkeypatch.setenv("ORDERPULSE_WAREHOUSE", str(warehouse_path))
    return warehouse_path


@pytest.fixture(autouse=True)
def _fresh_streamlit_cache():
    # st.cache_data is process-wide; clearing keeps one test's frames from answering another's query.
    st.cache_data.clear()
    yield


@pytest.fixture(scope="session")
def pipeline_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse published by the real pipeline (`orderpulse run`) over a small generated landing,
    so the pages meet the marts exactly as dbt builds them: a renamed mart column fails a test."""
    tmp = tmp_path_factory.mktemp("pipeline-warehouse")
    landing, warehouse = tmp / "landing", tmp / "out" / "warehouse.duckdb"
    write_landing(landing, orders=1500, days=45, seed=13)
    result = subprocess.run(
        [ORDERPULSE, "run", "--landing", str(landing), "--warehouse", str(warehouse)],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert result.returncode == 0, f"orderpulse run failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return warehouse


@pytest.fixture
def pipeline_env(pipeline_warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ORDERPULSE_WAREHOUSE", str(pipeline_warehouse))
    return pipeline_warehouse
