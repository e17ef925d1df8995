"""A simulated quarter from the order core raises no data-check alarm (issue 14).

The simulator's data are clean but realistic: weekday patterns, a promotion peak, a trend, a ramp
at the start and orders not yet shipped at the as-of edge. A false alarm here is a defect.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from expectations.feed_checks import DEFAULT_CONFIG_PATH

# Whole pipeline runs: about a minute each on a quiet machine, many more on a shared, busy one.
pytestmark = pytest.mark.timeout(1800)

ORDERPULSE = str(Path(sys.executable).with_name("orderpulse"))


def orderpulse(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [ORDERPULSE, *args], capture_output=True, text=True, check=False, timeout=900, env=env
    )
    assert result.returncode == 0, f"orderpulse {args[0]}: {result.stdout[-2000:]}{result.stderr[-2000:]}"
    return result


def test_a_simulated_quarter_raises_no_alarm(tmp_path: Path):
    core = f"sqlite:///{tmp_path / 'core.sqlite'}"
    orderpulse("simulate", "--db", core, "--days", "90", "--orders-per-day", "150", "--seed", "7", "--quiet")
    orderpulse("core", "export", "--db", core, "--landing", str(tmp_path / "landing"))
    # Every orphan judged at once (no grace): the strictest reading.
    config = tmp_path / "checks.toml"
    config.write_text(DEFAULT_CONFIG_PATH.read_text().replace("grace_hours = 48.0", "grace_hours = 0.0"))
    warehouse = tmp_path / "warehouse.duckdb"
    # KPI alerts (a KPI threshold breach, not a data check) print warnings too: this run judges the
    # data checks alone (tests/alerts covers alerts).
    no_alert_rules = tmp_path / "no_alert_rules.yml"
    no_alert_rules.write_text("rules: []\n")
    result = orderpulse(
        "run",
        "--landing",
        str(tmp_path / "landing"),
        "--warehouse",
        str(warehouse),
        env=os.environ
        | {"ORDERPULSE_DATA_CHECKS": str(config), "ORDERPULSE_ALERT_RULES": str(no_alert_rules)},
    )
    assert "Warning" not in result.stdout, result.stdout
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        results = conn.execute(
            "select check_name, passed, element_count, details from data_quality_results "
            "where suite in ('plausibility', 'referential_integrity', 'volume')"
        ).fetchall()
        assert conn.execute("select count(*) from suspect_days").fetchone() == (0,)
    assert [r for r in results if not r[1]] == []
    judged = {name: count for name, _, count, _ in results}
    # The volume checks had history enough to judge most of the quarter, every slice included.
    assert judged["shipments_per_warehouse"] > 100 and judged["orders_per_channel"] > 100, judged
    assert judged["rows_per_entity_per_day"] > 300, judged
