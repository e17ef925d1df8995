"""Fixtures of the dashboard tests; the warehouse itself is built by dashboard_warehouse.py.

(The builder has a module name of its own: every test folder may have a `conftest`, so importing
helpers from "conftest" could pick up another folder's.)
"""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from dashboard_warehouse import build_published_warehouse


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
