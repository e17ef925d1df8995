"""The data checks across entities and time on the dashboard (issue 14): the Data quality page lists
the failing slices and the suspect days, and the trend charts shade those days with the slice.

The hand-written warehouse of dashboard_warehouse.py predates the checks (the other dashboard tests
show that such a file still opens); here it gains the new columns and a suspect_days table.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest
from dashboard_warehouse import LATEST_RUN, build_published_warehouse
from streamlit.testing.v1 import AppTest

import dashboards
from warehouse.quality import ADDED_COLUMNS

APP = Path(dashboards.__file__).parent / "app.py"
TIMEOUT = 60  # pages query DuckDB: AppTest's default of 3 s is too tight on a busy machine

OUTAGE = [dt.date(2026, 3, 10) + dt.timedelta(days=n) for n in range(3)]


@pytest.fixture
def checked_warehouse(tmp_path, monkeypatch: pytest.MonkeyPatch):
    path = build_published_warehouse(tmp_path / "warehouse.duckdb")
    with duckdb.connect(str(path)) as conn:
        for name, sql_type in ADDED_COLUMNS.items():
            conn.execute(f"alter table data_quality_results add column {name} {sql_type}")
        checked_at = dt.datetime(2026, 3, 18, 6, 14, 30)

        def add(check, suite, passed, severity, dimension, value, share, examples, details):
            conn.execute(
                "insert into data_quality_results (checked_at, run_id, entity, suite, expectation, passed, "
                "blocking, unexpected_count, element_count, details, check_name, severity, slice_dimension, "
                "slice_value, affected_share, example_keys) values (?, ?, 'wms__shipments', ?, ?, ?, ?, 0, 0, ?, "
                "?, ?, ?, ?, ?, ?)",
                [checked_at, LATEST_RUN, suite, check, passed, severity == "block", details, check, severity,
                 dimension, value, share, examples, ],
            )  # fmt: skip

        add("shipments_per_warehouse", "volume", False, "warn", "all", "all", 0.02, None, "3 of 150 judged")
        add("shipments_per_warehouse", "volume", False, "warn", "warehouse", "WH-EAST", 0.02,
            "2026-03-10: 0.0% of 80 rows vs 33.0% usual", "3 day(s) far below")  # fmt: skip
        add(
            "delivered_before_shipped",
            "plausibility",
            True,
            "block",
            "all",
            "all",
            0.0,
            None,
            "0 of 900 rows",
        )
        conn.execute(
            "create table suspect_days (day date, slice_dimension varchar, slice_value varchar, "
            "check_name varchar, severity varchar, reason varchar, run_id varchar)"
        )
        for day in OUTAGE:
            conn.execute(
                "insert into suspect_days values (?, 'warehouse', 'WH-EAST', 'shipments_per_warehouse', 'warn', "
                "'shipments_per_warehouse: warehouse WH-EAST 0.0% of 80 rows vs 33.0% usual', ?)",
                [day, LATEST_RUN],
            )
    monkeypatch.setenv("ORDERPULSE_WAREHOUSE", str(path))
    return path


def open_page(page: str) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    app.switch_page(page).run()
    assert not app.exception, [error.value for error in app.exception]
    return app


def test_data_quality_page_lists_the_failing_slice_and_the_suspect_days(checked_warehouse):
    app = open_page("views/data_quality.py")
    assert app.warning[0].value == "1 of 2 data checks failed (0 blocking), on 1 slice(s)."
    failing = app.dataframe[0].value
    assert list(failing["slice_value"]) == ["WH-EAST"] and list(failing["check_name"]) == [
        "shipments_per_warehouse"
    ]
    suspect = app.dataframe[2].value
    assert sorted(d.date() for d in suspect["day"]) == OUTAGE and set(suspect["slice_value"]) == {"WH-EAST"}
    # The expectations section below still counts only the Great Expectations results.
    assert any(w.value.startswith("1 of 4 expectations failed") for w in app.warning)


def test_trend_charts_shade_the_suspect_days_with_their_slice(checked_warehouse):
    app = open_page("views/trends.py")
    specs = [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]
    daily = specs[1]
    bands = [s for s in daily["layout"]["shapes"] if s.get("type") == "rect"]
    assert len(bands) == 1  # three consecutive days: one band
    assert bands[0]["label"]["text"] == "suspect data: warehouse WH-EAST"
    assert bands[0]["x0"].startswith("2026-03-09T12:00") and bands[0]["x1"].startswith("2026-03-12T12:00")
    assert any("Shaded: 3 day(s) between 2026-03-10 and 2026-03-12" in w.value for w in app.warning)


def test_pages_open_on_a_warehouse_published_before_the_data_checks(warehouse_env):
    app = open_page("views/data_quality.py")
    assert any("No data check results yet" in info.value for info in app.info)
    trends = open_page("views/trends.py")
    assert not [w for w in trends.warning if w.value.startswith("Shaded")]
