"""The dashboard against a warehouse built by the real pipeline (session fixture `pipeline_warehouse`).

The hand-written warehouse of dashboard_warehouse.py pins the numbers; this one pins the contract
between the pages and the marts as dbt builds them: every query function runs on it (a test fails
when a query is added without being run here), every page of the registry renders without an
exception or a warning, and the dashboard's list of failure causes is the marts' list. Renaming a
mart column that a query or page reads fails these tests.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import re
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

import dashboards
from dashboards import kpis, queries
from dashboards.pages import PAGES

APP = Path(dashboards.__file__).parent / "app.py"
TIMEOUT = 60
# Pages that draw no plotly chart by design.
PAGES_WITHOUT_CHARTS = {"data_quality.py"}


def failed_order_id(warehouse: Path) -> str:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return conn.execute(
            "select order_id from order_failure_causes where failure_cause = 'late_in_transit' "
            "order by order_id limit 1"
        ).fetchone()[0]


def query_functions() -> set[str]:
    """Every query of queries.py: the public functions whose first parameter is the warehouse."""
    names = set()
    for name, function in vars(queries).items():
        if (
            name.startswith("_")
            or not callable(function)
            or getattr(function, "__module__", "") != queries.__name__
        ):
            continue
        try:
            parameters = list(inspect.signature(function).parameters)
        except (TypeError, ValueError):
            continue
        if parameters[:1] == ["warehouse"] and name != "read_frame":  # read_frame runs the others' SQL
            names.add(name)
    return names


def run_every_query(warehouse: queries.Warehouse, order_id: str) -> dict[str, int]:
    """Call every query with arguments that reach data; rows returned per call."""
    rows: dict[str, int] = {}

    def call(name: str, *args) -> object:
        result = getattr(queries, name)(warehouse, *args)
        rows[f"{name}{args}"] = len(result)
        return result

    call("run_info")
    for table in ("kpi_daily", "cycle_time_daily", "orders_daily", "returns_daily", "return_reasons"):
        first, last = call("date_bounds", table)
        assert first is not None, table
    first, last = queries.date_bounds(warehouse, "kpi_daily")
    call("daily_kpis", first, last)
    call("cycle_time_daily", *queries.date_bounds(warehouse, "cycle_time_daily"))
    call("exceptions_trend", *queries.date_bounds(warehouse, "orders_daily"))
    call("exception_pareto", *queries.date_bounds(warehouse, "orders_daily"))
    call("returns_daily", *queries.date_bounds(warehouse, "returns_daily"))
    call("return_reasons", *queries.date_bounds(warehouse, "return_reasons"))
    call("load_ledger")
    call("quarantined_rows", 10)
    call("latest_quality_results")
    call("latest_data_checks")  # one row per data check across entities and time, slice 'all'
    call("suspect_days")  # empty: the generated landing is clean
    call("active_alerts")  # the shipped alert rules find breaches in the generated weeks
    for grain in ("week", "month"):
        call("scorecard", grain)
        call("failure_cause_trend", grain)
        periods = call("failure_cause_periods", grain)
        period_start = periods[0]
        period_end = period_start + dt.timedelta(days=6) if grain == "week" else dt.date(2099, 1, 1)
        for dimension in queries.DIMENSIONS:
            call("period_trend", grain, dimension)
            split = call("failure_causes_in_period", grain, period_start, dimension)
            value = None if dimension == "all" else split["dimension_value"].iloc[0]
            for cause in queries.FAILURE_CAUSES:
                call("failed_orders", period_start, period_end, cause, dimension, value)
    call("open_order_aging")
    filters = call("open_order_filters")
    for statuses in ([], list(queries.OPEN_STATUSES)):
        args = (filters["warehouse"][:1], filters["channel"][:2], statuses)
        call("open_orders_summary", *args)
        call("open_orders", *args)
    call("order_summary", order_id)
    call("order_lines", order_id)
    call("order_timeline", order_id)
    return rows


def test_every_query_runs_on_the_marts_the_pipeline_builds(pipeline_warehouse):
    warehouse = queries.current_warehouse(pipeline_warehouse)
    order_id = failed_order_id(pipeline_warehouse)

    rows = run_every_query(warehouse, order_id)

    called = {call.split("(")[0] for call in rows}
    assert called == query_functions(), "a query of queries.py is not run against the pipeline's warehouse"
    # The calls reach data, so a filter on a renamed or retyped column would show as an empty answer
    # (a clean landing quarantines nothing and has no suspect day; some cause or filter may match no
    # order).
    empty = [
        call
        for call, count in rows.items()
        if count == 0
        and not call.startswith(("failed_orders", "open_orders", "quarantined_rows", "suspect_days"))
    ]
    assert empty == [], empty
    assert any(count > 0 for call, count in rows.items() if call.startswith("failed_orders"))
    assert rows[f"order_timeline{(order_id,)}"] >= 5


def test_the_dashboards_failure_causes_are_the_marts_causes_in_order(pipeline_warehouse):
    with duckdb.connect(str(pipeline_warehouse), read_only=True) as conn:
        for table in ("failure_causes_weekly", "failure_causes_monthly"):
            columns = [row[0] for row in conn.execute(f"describe {table}").fetchall()]
            causes = [
                c.removeprefix("cause_").removesuffix("_orders")
                for c in columns
                if c.endswith("_orders") and c.startswith("cause_")
            ]
            assert tuple(causes) == queries.FAILURE_CAUSES == tuple(c.name for c in kpis.FAILURE_CAUSES)
        published = {
            row[0]
            for row in conn.execute("select distinct failure_cause from order_failure_causes").fetchall()
        }
    assert published <= set(queries.FAILURE_CAUSES) and len(published) >= 4


def open_page(script: str, query: dict | None = None) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    app.query_params.update(query or {})
    app.run()
    app.switch_page(f"views/{script}").run()
    return app


# The frame's banner of active KPI alerts: a warning by design (the shipped alert rules judge this
# warehouse too), not a page in trouble.
ALERT_BANNER = re.compile(r"^\*\*\d+ KPI alerts?\*\* in the latest period:")


def assert_clean(app: AppTest) -> None:
    assert not app.exception, [error.value for error in app.exception]
    warnings = [warning.value for warning in app.warning if not ALERT_BANNER.match(warning.value)]
    assert not warnings, warnings
    assert not app.error, [error.value for error in app.error]


@pytest.mark.parametrize("page", PAGES, ids=[page.script for page in PAGES])
def test_every_page_renders_on_the_pipelines_warehouse(page, pipeline_env):
    query = {"order_id": failed_order_id(pipeline_env)} if page.script == "order_lookup.py" else None

    app = open_page(page.script, query)

    assert_clean(app)
    if page.script not in PAGES_WITHOUT_CHARTS:
        specs = [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]
        assert specs and all(spec["data"] for spec in specs), page.script


@pytest.mark.parametrize("dimension", ["warehouse", "carrier", "channel"])
def test_root_causes_by_each_dimension_lists_orders_of_each_cause(dimension, pipeline_env):
    app = open_page("root_causes.py")
    app.radio(key="causes_grain").set_value("month").run()
    app.radio(key="causes_dimension").set_value(dimension).run()
    listed = 0
    for cause in queries.FAILURE_CAUSES:
        app.selectbox(key="causes_cause").set_value(cause).run()
        assert_clean(app)
        listed += sum(len(frame.value) for frame in app.dataframe)
    assert listed > 0


def test_the_lookup_of_a_late_order_says_where_it_was_late(pipeline_env):
    order_id = failed_order_id(pipeline_env)
    app = open_page("order_lookup.py", {"order_id": order_id})

    assert_clean(app)
    assert "it left the warehouse on time, so the delay was in transit with" in app.markdown[0].value
