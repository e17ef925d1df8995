"""The pipeline's one resource: where files land and where the warehouse lives."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import Field

from orderpulse.config import DEFAULT_ENGINE, DEFAULT_FRESHNESS_HOURS
from warehouse.paths import WarehousePaths

# A run killed outright (SIGKILL) can leave its dbt process running for a while, holding
# the work database; the next run waits for it rather than failing.
LOCK_WAIT_SECONDS = 600


def connect_waiting_for_lock(
    path: Path, wait_seconds: float = LOCK_WAIT_SECONDS
) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return duckdb.connect(str(path))
        except duckdb.IOException as error:
            if "lock" not in str(error).lower() or time.monotonic() > deadline:
                raise
            time.sleep(1)


class WarehouseResource(dg.ConfigurableResource):
    landing_dir: str
    warehouse_path: str
    as_of_date: str | None = None  # YYYY-MM-DD; None: derived from the data (kpis.md)
    quarantine_threshold: float = 0.01
    freshness_hours: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_FRESHNESS_HOURS))
    # The engine that runs the dbt models (orderpulse/config.py ENGINES; docs/spark.md).
    engine: str = DEFAULT_ENGINE

    @property
    def paths(self) -> WarehousePaths:
        return WarehousePaths(Path(self.warehouse_path).resolve())

    @property
    def landing(self) -> Path:
        return Path(self.landing_dir).resolve()

    def connect_work_db(self) -> duckdb.DuckDBPyConnection:
        """A connection to the run's private work database (never the published file).

        Open it for one step and close it: dbt runs as its own process and needs the file.
        """
        self.paths.create()
        conn = connect_waiting_for_lock(self.paths.work_db)
        conn.execute("set TimeZone = 'UTC'")
        return conn

    def parsed_as_of_date(self) -> dt.date | None:
        return dt.date.fromisoformat(self.as_of_date) if self.as_of_date else None
