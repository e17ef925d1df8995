"""The one place that reads the environment.

Every path and URL the project uses has an embedded default, so `make demo` works on
a fresh machine; each can be overridden with an ORDERPULSE_* environment variable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DEFAULT_DATA_CHECKS_PATH = REPO_ROOT / "expectations" / "data_checks.toml"


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    warehouse_path: Path
    core_db_url: str
    dashboard_port: int
    # Share of a file's rows that may be quarantined before the load is stopped.
    quarantine_threshold: float
    # Hours within which each source is expected to land a file; older means stale (a warning).
    freshness_hours: dict[str, float]
    # Severity and thresholds of the data checks across entities and time (expectations/feed_checks.py).
    data_checks_path: Path


def load_settings() -> Settings:
    data_dir = Path(os.environ.get("ORDERPULSE_DATA_DIR", REPO_ROOT / "data"))
    return Settings(
        landing_dir=Path(os.environ.get("ORDERPULSE_LANDING", data_dir / "landing")),
        warehouse_path=Path(os.environ.get("ORDERPULSE_WAREHOUSE", data_dir / "warehouse.duckdb")),
        core_db_url=os.environ.get("ORDERPULSE_CORE_DB", f"sqlite:///{data_dir / 'order_core.sqlite'}"),
        dashboard_port=int(os.environ.get("ORDERPULSE_PORT", "8501")),
        quarantine_threshold=float(os.environ.get("ORDERPULSE_QUARANTINE_THRESHOLD", "0.01")),
        freshness_hours=DEFAULT_FRESHNESS_HOURS
        | _parse_hours(os.environ.get("ORDERPULSE_FRESHNESS_HOURS", "")),
        data_checks_path=Path(os.environ.get("ORDERPULSE_DATA_CHECKS", DEFAULT_DATA_CHECKS_PATH)),
    )


DEFAULT_FRESHNESS_HOURS = {"oms": 26.0, "wms": 26.0, "carrier": 26.0, "returns": 74.0}


def _parse_hours(text: str) -> dict[str, float]:
    """`oms=26,carrier=6` -> {"oms": 26.0, "carrier": 6.0}."""
    hours = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        source, _, value = item.partition("=")
        try:
            hours[source.strip()] = float(value)
        except ValueError:
            raise ValueError(
                f"ORDERPULSE_FRESHNESS_HOURS: {item!r} is not <source>=<hours>, e.g. oms=26,carrier=6"
            ) from None
    return hours
