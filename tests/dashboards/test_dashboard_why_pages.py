"""The pages that answer "why" and "which" (root causes, open orders, returns, order lookup) through
AppTest, against the hand-written warehouse of dashboard_warehouse.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import dashboards
from dashboards.pages import PAGES, order_link

APP = Path(dashboards.__file__).parent / "app.py"
TIMEOUT = 60


def open_page(script: str, query: dict | None = None) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    app.query_params.update(query or {})
    app.run()
    app.switch_page(f"views/{script}").run()
    assert not app.exception, [error.value for error in app.exception]
    return app


def chart_specs(app: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]


def metrics(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


def test_root_causes_shows_the_pareto_of_the_latest_mature_week(warehouse_env):
    app = open_page("root_causes.py")

    assert app.selectbox(key="causes_period").value.isoformat() == "2026-03-09"
    assert metrics(app) == {"Measured orders": "200", "Not perfect": "15", "Perfect order rate": "92.50%"}
    pareto = chart_specs(app)[0]
    bars = pareto["data"][0]
    assert bars["x"][:3] == ["Late from the warehouse", "Late in transit", "Damaged"]
    assert bars["y"][:3] == [6, 4, 2]
    assert pareto["data"][1]["y"][-1] == pytest.approx(1.0)  # cumulative share of the failures


def test_choosing_a_cause_lists_its_orders_with_links_to_the_lookup(warehouse_env):
    app = open_page("root_causes.py")
    app.selectbox(key="causes_cause").set_value("late_in_transit").run()

    assert not app.exception
    [orders] = app.dataframe
    assert list(orders.value["order_id"]) == [order_link("O-9")] == ["order_lookup?order_id=O-9"]
    assert list(orders.value["primary_carrier"]) == ["UPS"]


def test_root_causes_split_by_carrier_draws_one_bar_per_carrier_and_cause(warehouse_env):
    app = open_page("root_causes.py")
    app.radio(key="causes_dimension").set_value("carrier").run()

    assert not app.exception
    by_carrier = chart_specs(app)[1]
    assert by_carrier["layout"]["barmode"] == "stack"
    assert {tuple(trace["x"]) for trace in by_carrier["data"]} == {("UPS", "unshipped")}
    assert len(by_carrier["data"]) == 6
    assert app.selectbox(key="causes_value").options == ["UPS", "unshipped"]


def test_open_orders_lists_the_oldest_first_and_filters_by_status(warehouse_env):
    app = open_page("open_orders.py")

    assert metrics(app) == {"Open orders": "3", "On hold": "1", "Backordered": "1", "Past due": "2"}
    [orders] = app.dataframe
    assert list(orders.value["order_id"]) == [order_link(o) for o in ("OPEN-1", "OPEN-2", "OPEN-3")]
    assert orders.value["hold_reason"].iloc[0] == "fraud"

    app.multiselect(key="open_statuses").set_value(["backordered"]).run()
    assert metrics(app)["Open orders"] == "1"
    assert list(app.dataframe[0].value["order_id"]) == [order_link("OPEN-2")]


def test_returns_page_shows_the_rate_and_the_reasons(warehouse_env):
    app = open_page("returns.py")

    shown = metrics(app)
    assert shown["Return rate"] == "4.00%"
    assert shown["Refunds on them"] == "59.90"
    rate, reasons = chart_specs(app)
    assert rate["data"][0]["y"] == [0.04]
    assert reasons["data"][0]["x"] == ["damaged"]
    assert list(app.dataframe[0].value["units_returned"]) == [3]


def test_order_lookup_tells_the_story_of_the_order_in_the_link(warehouse_env):
    app = open_page("order_lookup.py", {"order_id": "O-9"})

    assert app.text_input(key="lookup_order_id").value == "O-9"
    story = app.markdown[0].value
    assert story == (
        "**Delivered 2 days after the due date (2026-03-11); it left the warehouse on time, so the delay "
        "was in transit with UPS.**"
    )
    assert metrics(app)["OTIF"] == "no" and metrics(app)["Shipped complete"] == "yes"
    lines, events = (frame.value for frame in app.dataframe)
    assert list(lines["sku"]) == ["SKU-A", "SKU-B"]
    assert list(events["event_type"])[:2] == ["ordered", "hold_placed"]
    assert len(events) == 8
    # An event without a detail (hold_released, allocated) shows an empty cell, not "None".
    assert list(events["detail"])[1:4] == ["credit", "", ""]
    [timeline] = chart_specs(app)
    assert {trace["name"] for trace in timeline["data"]} == {"oms", "wms", "carrier", "billing"}


def test_order_lookup_of_an_unknown_order_says_so(warehouse_env):
    app = open_page("order_lookup.py", {"order_id": "NOPE"})

    assert app.warning[0].value == "No order `NOPE` in the published warehouse."


@pytest.mark.parametrize("page", [page.script for page in PAGES])
def test_every_page_of_the_registry_explains_a_missing_warehouse(page, tmp_path, monkeypatch):
    missing = tmp_path / "not-yet" / "warehouse.duckdb"
    monkeypatch.setenv("ORDERPULSE_WAREHOUSE", str(missing))

    app = open_page(page)

    assert any(f"No published warehouse at `{missing}` yet" in info.value for info in app.info)
    assert not app.get("plotly_chart")


def test_the_registry_lists_every_view_once_with_one_default():
    views = {path.name for path in (APP.parent / "views").glob("*.py")}
    assert sorted(page.script for page in PAGES) == sorted(views)
    assert [page.title for page in PAGES if page.default] == ["Scorecard"]


def test_served_dashboards_hide_the_developer_toolbar_from_viewers():
    from dashboards.serve import streamlit_command

    command = streamlit_command(8501, "127.0.0.1")
    assert command[command.index("--client.toolbarMode") + 1] == "viewer"
