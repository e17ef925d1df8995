"""The banner of active KPI alerts on the app frame (AppTest over the hand-written warehouse)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
from streamlit.testing.v1 import AppTest

import dashboards
from alerts.store import ensure_tables

APP = Path(dashboards.__file__).parent / "app.py"
TIMEOUT = 60


def add_alerts(warehouse: Path, rows: list[tuple[str, bool]]) -> None:
    """Give the published file an `alerts` table (as the pipeline's publish does) with these rows."""
    with duckdb.connect(str(warehouse)) as conn:
        ensure_tables(conn)
        for number, (description, active) in enumerate(rows):
            conn.execute(
                "insert into ops.alerts (alert_key, rule, description, first_fired_at, active) "
                "values (?, 'r', ?, ?, ?)",
                [f"k{number}", description, dt.datetime(2026, 3, 18, 6, number), active],
            )
        conn.execute("create table main.alerts as select * from ops.alerts")


def banner_texts(app: AppTest) -> list[str]:
    return [warning.value for warning in app.warning if "KPI alert" in warning.value]


def test_no_banner_without_an_alerts_table_or_without_active_alerts(warehouse_env):
    app = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not app.exception and banner_texts(app) == []
    add_alerts(warehouse_env, [("Weekly OTIF for carrier UPS was 90.00%", False)])
    app = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not app.exception and banner_texts(app) == []


def test_the_banner_lists_the_active_alerts_newest_first_on_every_page(warehouse_env):
    add_alerts(
        warehouse_env,
        [(f"alert number {n}", True) for n in range(5)] + [("an old alert, no longer breached", False)],
    )
    app = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not app.exception
    (banner,) = banner_texts(app)
    assert banner.splitlines() == [
        "**5 KPI alerts** in the latest period:",
        "- alert number 4",
        "- alert number 3",
        "- alert number 2",
        "- … and 2 more (table `alerts` of the published warehouse)",
    ]
    app.switch_page("views/data_quality.py").run()
    assert len(banner_texts(app)) == 1
