"""The pipeline's one resource: where files land and where the warehouse lives."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import Field

from ingest.report import connect_work_db
from orderpulse.config import DEFAULT_DATA_CHECKS_PATH, DEFAULT_ENGINE, DEFAULT_FRESHNESS_HOURS
from warehouse.paths import WarehousePaths


class WarehouseResource(dg.ConfigurableResource):
    landing_dir: str
    warehouse_path: str
    as_of_date: str | None = None  # YYYY-MM-DD; None: derived from the data (kpis.md)
    quarantine_threshold: float = 0.01
    freshness_hours: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_FRESHNESS_HOURS))
    # The data checks' severity and thresholds (a TOML file); the repository's defaults when unset.
    data_checks_path: str = str(DEFAULT_DATA_CHECKS_PATH)
    # Where foreign documents arrive for the importers (<inbox_dir>/<importer>/); None: no inbox.
    inbox_dir: str | None = None
    # The engine that runs the dbt models (orderpulse/config.py ENGINES; docs/spark.md).
    engine: str = DEFAULT_ENGINE

    @property
    def paths(self) -> WarehousePaths:
        return WarehousePaths(Path(self.warehouse_path).resolve())

    @property
    def landing(self) -> Path:
        return Path(self.landing_dir).resolve()

    @property
    def inbox(self) -> Path | None:
        return Path(self.inbox_dir).resolve() if self.inbox_dir else None

    def connect_work_db(self) -> duckdb.DuckDBPyConnection:
        """A connection to the run's private work database (never the published file).

        Open it for one step and close it: dbt runs as its own process and needs the file.
        """
        self.paths.create()
        return connect_work_db(self.paths.work_db)

    def parsed_as_of_date(self) -> dt.date | None:
        return dt.date.fromisoformat(self.as_of_date) if self.as_of_date else None
