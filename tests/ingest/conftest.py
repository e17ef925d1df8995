"""Fixtures of the ingest tests; hand-written landed files come from order_files.py."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest


@pytest.fixture
def conn(tmp_path: Path):
    """A fresh work database."""
    with duckdb.connect(str(tmp_path / "work.duckdb")) as connection:
        yield connection
