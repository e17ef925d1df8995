"""Where a warehouse's private working files live, beside the published file.

Runs build in a work database that only the pipeline opens; readers open the
published file, which a run replaces atomically. Keeping the two apart is what
lets dashboards and analysts read while a run writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class WarehousePaths:
    published: Path

    @property
    def state_dir(self) -> Path:
        # Hidden and beside the published file: same filesystem, so the publish rename is atomic.
        return self.published.parent / f".{self.published.name}.orderpulse"

    @property
    def work_db(self) -> Path:
        return self.state_dir / "work.duckdb"

    @property
    def raw_dir(self) -> Path:
        """The raw layer: Parquet per entity and load, read by the dbt models (ingest/raw_layer.py)."""
        return self.state_dir / "raw"

    @property
    def spark_warehouse_dir(self) -> Path:
        """Where a local Spark session writes the run's tables as Parquet (engine spark)."""
        return self.state_dir / "spark-warehouse"

    @property
    def run_lock(self) -> Path:
        return self.state_dir / "run.lock"

    @property
    def run_log(self) -> Path:
        """dbt's log of the latest `orderpulse run`, kept out of the terminal."""
        return self.state_dir / "last_run.log"

    def staging_file(self, run_id: str) -> Path:
        return self.published.parent / f".{self.published.name}.{run_id}.publishing"

    def create(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
