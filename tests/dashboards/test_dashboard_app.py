"""Every page of the app through Streamlit's AppTest, against the hand-written warehouse."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from dashboard_warehouse import published_tables, write_warehouse
from streamlit.testing.v1 import AppTest

import dashboards

APP = Path(dashboards.__file__).parent / "app.py"
# Pages query DuckDB and import plotly; AppTest's default of 3 s is too tight on a busy CI machine.
TIMEOUT = 60


def open_app(page: str | None = None) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    if page is not None:
        app.switch_page(page).run()
    assert not app.exception, [error.value for error in app.exception]
    return app


def metrics_by_label(app: AppTest) -> dict[str, tuple[str, str]]:
    return {metric.label: (metric.value, metric.delta) for metric in app.metric}


def chart_specs(app: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]


def test_scorecard_shows_the_latest_mature_week_against_the_previous(warehouse_env):
    app = open_app()

    metrics = metrics_by_label(app)
    assert metrics["OTIF"] == ("96.50%", "+1.50 pp")
    assert metrics["Perfect order rate"] == ("92.50%", "+2.50 pp")
    assert metrics["Exceptions per 1,000 orders"] == ("25.00", "-5.00")
    assert metrics["Cycle time p50"] == ("60.0 h", "+20.0 h")
    assert metrics["Cycle time p90"] == ("88.8 h", "+40.8 h")
    assert len(metrics) == 11
    assert app.subheader[0].value == "Week 2026-03-09 – 2026-03-15 vs 2026-03-02 – 2026-03-08"
    assert "Data as of **2026-03-18** · published 2026-03-18 06:15 UTC" in app.markdown[0].value


def test_scorecard_trend_charts_carry_the_benchmark_lines(warehouse_env):
    app = open_app()

    benchmark_labels = {
        shape["label"]["text"] for spec in chart_specs(app) for shape in spec["layout"].get("shapes", [])
    }
    assert "Walmart OTIF target 98.00%" in benchmark_labels
    assert "WERC best-in-class 2020 99.56%" in benchmark_labels


def test_scorecard_by_month_compares_february_with_january(warehouse_env):
    app = open_app()
    app.radio(key="scorecard_grain").set_value("month").run()

    metrics = metrics_by_label(app)
    assert metrics["OTIF"] == ("95.00%", "+5.00 pp")
    # No orders_daily rows in February: the period has no figure rather than a made-up zero.
    assert metrics["Exceptions per 1,000 orders"][0] == "—"
    assert app.subheader[0].value.startswith("Month 2026-02-01 – 2026-02-28 vs 2026-01-01")


def test_trends_split_by_channel_draws_one_line_per_channel(warehouse_env):
    app = open_app("views/trends.py")
    assert [trace["name"] for trace in chart_specs(app)[0]["data"]] == ["OTIF"]

    app.radio(key="trends_dimension").set_value("channel").run()

    assert not app.exception
    assert app.multiselect(key="trends_values").options == ["marketplace", "web"]
    period_chart, daily_chart = chart_specs(app)
    assert [trace["name"] for trace in period_chart["data"]] == ["marketplace", "web"]
    assert period_chart["layout"]["shapes"][0]["label"]["text"] == "Walmart OTIF target 98.00%"
    assert len(daily_chart["data"][0]["x"]) == 16  # every kpi_daily row, 2026-03-02..03-17


def test_cycle_time_page_shows_the_daily_statistics(warehouse_env):
    app = open_app("views/cycle_time.py")

    [daily] = app.dataframe
    assert list(daily.value["cycle_time_hours_p50"]) == [40.0, 60.0, 55.0, 70.0]
    statistics, segments = chart_specs(app)
    assert [trace["name"] for trace in statistics["data"]] == ["mean", "p50", "p90"]
    assert len(segments["data"]) == 4


def test_exceptions_page_recomputes_the_rate_over_the_chosen_range(warehouse_env):
    app = open_app("views/exceptions.py")
    # Default range is the whole of orders_daily: 59 exceptions over 800 orders.
    assert metrics_by_label(app)["Exceptions per 1,000 orders"][0] == "73.75"

    app.date_input(key="exception_days").set_value((dt.date(2026, 3, 9), dt.date(2026, 3, 15))).run()

    assert not app.exception
    assert metrics_by_label(app)["Exceptions per 1,000 orders"][0] == "25.00"
    pareto = app.dataframe[0].value
    assert list(pareto["exception_type"]) == ["short_pick", "carrier_lost", "hold_credit", "mis_pick"]


def test_data_quality_page_lists_failures_first_and_the_ledger(warehouse_env):
    app = open_app("views/data_quality.py")

    assert app.warning[0].value.startswith("1 of 4 expectations failed (0 blocking)")
    results, ledger, quarantined = (frame.value for frame in app.dataframe)
    assert results["expectation"].iloc[0] == "expect_column_values_to_not_be_null"
    assert results["column_name"].iloc[0] == "carrier"
    assert "expect_older_run_failure" not in set(results["expectation"])
    assert set(ledger["status"]) == {"loaded", "quarantined", "duplicate"}
    assert list(quarantined["row_number"]) == [42, 17]
    assert metrics_by_label(app)["Rows quarantined"][0] == "22"


PAGES = [None, "views/trends.py", "views/cycle_time.py", "views/exceptions.py", "views/data_quality.py"]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_explains_a_missing_warehouse(page, tmp_path, monkeypatch):
    missing = tmp_path / "not-yet" / "warehouse.duckdb"
    monkeypatch.setenv("ORDERPULSE_WAREHOUSE", str(missing))

    app = open_app(page)

    [message] = app.info
    assert f"No published warehouse at `{missing}` yet" in message.value
    assert "orderpulse run --landing" in message.value
    assert not app.metric and not app.get("plotly_chart")


def test_an_empty_mart_gives_a_message_not_a_traceback(tmp_path, monkeypatch):
    tables = published_tables()
    tables["scorecard_periods"] = []
    tables["orders_daily"] = []
    monkeypatch.setenv("ORDERPULSE_WAREHOUSE", str(write_warehouse(tmp_path / "empty.duckdb", tables)))

    scorecard = open_app()
    assert "No rows in scorecard_periods" in scorecard.info[0].value

    exceptions = open_app("views/exceptions.py")
    assert exceptions.info[0].value == "No rows in orders_daily yet."


def test_a_newly_published_file_is_shown_on_the_next_rerun(warehouse_env):
    app = open_app()
    assert "run-20260318-0615" in app.markdown[0].value

    write_warehouse(warehouse_env, published_tables(run_id="run-20260319-0615"))
    app.run()

    # The cache is keyed by the file's identity, so a rename over the file is never served stale.
    assert "run-20260319-0615" in app.markdown[0].value
