"""The pipeline's one resource: where files land and where the warehouse lives."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg
from pydantic import Field

from orderpulse.config import DEFAULT_FRESHNESS_HOURS
from warehouse.paths import WarehousePaths


class WarehouseResource(dg.ConfigurableResource):
    landing_dir: str
    warehouse_path: str
    as_of_date: str | None = None  # YYYY-MM-DD; None: derived from the data (kpis.md)
    quarantine_threshold: float = 0.01
    freshness_hours: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_FRESHNESS_HOURS))
    # Where foreign documents arrive for the importers (<inbox_dir>/<importer>/); None: no inbox.
    inbox_dir: str | None = None

    @property
    def paths(self) -> WarehousePaths:
        return WarehousePaths(Path(self.warehouse_path).resolve())

    @property
    def landing(self) -> Path:
        return Path(self.landing_dir).resolve()

    @property
    def inbox(self) -> Path | None:
        return Path(self.inbox_dir).resolve() if self.inbox_dir else None

    def parsed_as_of_date(self) -> dt.date | None:
        return dt.date.fromisoformat(self.as_of_date) if self.as_of_date else None
