"""The one place that reads the environment.

Every path and URL the project uses has an embedded default, so `make demo` works on
a fresh machine; each can be overridden with an ORDERPULSE_* environment variable.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"

# The engines that can run the dbt project; each is a target of dbt_project/profiles.yml
# of the same name (docs/spark.md). DuckDB is the default.
ENGINES = ("duckdb", "spark")
DEFAULT_ENGINE = "duckdb"


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
    # The engine that runs the dbt models: duckdb (in the work database) or spark (dbt-spark).
    engine: str = DEFAULT_ENGINE


def load_settings() -> Settings:
    data_dir = Path(os.environ.get("ORDERPULSE_DATA_DIR", REPO_ROOT / "data"))
    return Settings(
        engine=parse_engine(os.environ.get("ORDERPULSE_ENGINE", DEFAULT_ENGINE), "ORDERPULSE_ENGINE"),
        landing_dir=Path(os.environ.get("ORDERPULSE_LANDING", data_dir / "landing")),
        warehouse_path=Path(os.environ.get("ORDERPULSE_WAREHOUSE", data_dir / "warehouse.duckdb")),
        core_db_url=os.environ.get("ORDERPULSE_CORE_DB", f"sqlite:///{data_dir / 'order_core.sqlite'}"),
        dashboard_port=int(os.environ.get("ORDERPULSE_PORT", "8501")),
        quarantine_threshold=float(os.environ.get("ORDERPULSE_QUARANTINE_THRESHOLD", "0.01")),
        freshness_hours=DEFAULT_FRESHNESS_HOURS
        | _parse_hours(os.environ.get("ORDERPULSE_FRESHNESS_HOURS", "")),
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


def parse_engine(text: str, setting: str) -> str:
    """The engine named by a setting (ORDERPULSE_ENGINE or --engine), checked against ENGINES."""
    engine = text.strip().lower()
    if engine not in ENGINES:
        raise ValueError(f"{setting}: {text!r} is not an engine; choose one of {', '.join(ENGINES)}")
    return engine


def java_runtime_found() -> bool:
    """Whether pyspark can start its JVM: JAVA_HOME names a Java, or `java` is on the PATH."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        return (Path(java_home) / "bin" / "java").exists()
    return shutil.which("java") is not None
