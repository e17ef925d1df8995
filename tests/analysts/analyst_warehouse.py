"""A published warehouse as an analyst has it after `make demo`, smaller: the order core simulates
45 days, exports the extracts, and `orderpulse run` (the real pipeline) publishes them.

(A module name of its own, not `conftest`: every test folder may have a conftest.)
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ORDERPULSE = str(Path(sys.executable).with_name("orderpulse"))
DAYS, ORDERS_PER_DAY, SEED = 45, 80, 11


@dataclass(frozen=True)
class AnalystWarehouse:
    landing: Path
    warehouse: Path


def orderpulse(*args: str, timeout: float = 600, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [ORDERPULSE, *args], capture_output=True, text=True, check=False, timeout=timeout, cwd=REPO, **kwargs
    )


def _must(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, f"{result.args}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"


def build_analyst_warehouse(workdir: Path) -> AnalystWarehouse:
    core = f"sqlite:///{workdir / 'core.sqlite'}"
    landing, warehouse = workdir / "landing", workdir / "warehouse.duckdb"
    days, orders, seed = str(DAYS), str(ORDERS_PER_DAY), str(SEED)
    _must(
        orderpulse(
            "simulate", "--db", core, "--days", days, "--orders-per-day", orders, "--seed", seed, "--quiet"
        )
    )
    _must(orderpulse("core", "export", "--db", core, "--landing", str(landing)))
    _must(orderpulse("run", "--landing", str(landing), "--warehouse", str(warehouse)))
    return AnalystWarehouse(landing, warehouse)
