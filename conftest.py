"""Fixtures shared by every test folder: a throwaway PostgreSQL database.

PostgreSQL tests skip only when no server answers and CI is not set; under CI they fail.

This file sits at the repository root, not in tests/: pytest puts a conftest's folder on
sys.path, and tests/ holds folders named like the packages under test (dashboards, ingest,
order_core, ...), which would then shadow them.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

import pytest

POSTGRES_ADMIN_URL = os.environ.get("ORDERPULSE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def _admin_connection():
    import psycopg

    return psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3)


@contextlib.contextmanager
def _throwaway_postgres_database() -> Iterator[str]:
    """A fresh database's URL, dropped afterwards."""
    import psycopg

    try:
        admin = _admin_connection()
    except psycopg.OperationalError as error:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL must be available under CI: {error}")
        pytest.skip(f"no PostgreSQL server answers at {POSTGRES_ADMIN_URL}")
    name = f"orderpulse_core_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with _admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh database per test, dropped afterwards."""
    with _throwaway_postgres_database() as url:
        yield url


@pytest.fixture(scope="module")
def module_postgres_url() -> Iterator[str]:
    """A fresh database shared by one module's tests (for work too slow to repeat per test)."""
    with _throwaway_postgres_database() as url:
        yield url
