"""queries.py against the hand-written warehouse of conftest.py: the numbers the pages will show."""

import datetime as dt

import pytest
from dashboard_warehouse import published_tables, write_warehouse

from dashboards import queries


@pytest.fixture
def warehouse(warehouse_path) -> queries.Warehouse:
    return queries.current_warehouse(warehouse_path)


def test_scorecard_picks_the_latest_mature_week_and_the_week_before(warehouse):
    periods = queries.scorecard(warehouse, "week").set_index("role")

    current, previous = periods.loc["current"], periods.loc["previous"]
    # 2026-03-16 ends on 03-22, after the as-of date 2026-03-18: not mature, so not "current".
    assert current["period_start"].date() == dt.date(2026, 3, 9)
    assert current["period_end"].date() == dt.date(2026, 3, 15)
    assert previous["period_start"].date() == dt.date(2026, 3, 2)
    assert current["otif_rate"] == pytest.approx(0.965)
    assert previous["otif_rate"] == pytest.approx(0.95)
    assert current["perfect_order_rate"] == pytest.approx(0.925)
    assert current["orders_measured"] == 200  # the 'all' row, not a channel's


def test_scorecard_reads_exceptions_and_cycle_time_per_period_from_dbt(warehouse):
    # dbt's scorecard_periods computes them (unit test the_scorecard_compares_the_latest_mature_period...).
    periods = queries.scorecard(warehouse, "week").set_index("role")

    assert periods.loc["current", "exceptions_per_1000_orders"] == pytest.approx(25.0)
    assert periods.loc["previous", "exceptions_per_1000_orders"] == pytest.approx(30.0)
    # 24/48/72/96 h; the excused 1000 h order is left out.
    assert periods.loc["current", "cycle_time_hours_p50"] == pytest.approx(60.0)
    assert periods.loc["current", "cycle_time_hours_p90"] == pytest.approx(88.8)
    assert periods.loc["previous", "cycle_time_hours_p50"] == pytest.approx(40.0)
    assert periods.loc["previous", "cycle_time_hours_p90"] == pytest.approx(48.0)


def test_scorecard_by_month_picks_february_against_january(warehouse):
    periods = queries.scorecard(warehouse, "month").set_index("role")

    assert periods.loc["current", "period_start"].date() == dt.date(2026, 2, 1)
    assert periods.loc["previous", "period_start"].date() == dt.date(2026, 1, 1)
    assert periods.loc["current", "otif_rate"] == pytest.approx(0.95)


def test_period_trend_splits_by_dimension_and_leaves_out_immature_periods(warehouse):
    trend = queries.period_trend(warehouse, "week", "channel")

    assert set(trend["dimension_value"]) == {"web", "marketplace"}
    assert trend["period_start"].max().date() == dt.date(2026, 3, 9)
    assert len(trend) == 3 * 2


def test_period_trend_rejects_an_unknown_dimension(warehouse):
    with pytest.raises(ValueError, match="unknown dimension"):
        queries.period_trend(warehouse, "week", "region; drop table kpi_weekly")


def test_exception_pareto_over_a_range_is_sorted_with_cumulative_share(warehouse):
    pareto = queries.exception_pareto(warehouse, dt.date(2026, 3, 9), dt.date(2026, 3, 15))

    assert list(pareto["exception_type"]) == ["short_pick", "carrier_lost", "hold_credit", "mis_pick"]
    assert list(pareto["exceptions"]) == [12, 5, 3, 2]
    assert pareto["cumulative_share"].iloc[0] == pytest.approx(12 / 22)
    assert pareto["cumulative_share"].iloc[-1] == pytest.approx(1.0)


def test_daily_queries_respect_the_date_range(warehouse):
    assert len(queries.daily_kpis(warehouse, dt.date(2026, 3, 9), dt.date(2026, 3, 15))) == 7
    assert len(queries.exceptions_trend(warehouse, dt.date(2026, 3, 9), dt.date(2026, 3, 15))) == 7
    assert len(queries.cycle_time_daily(warehouse, dt.date(2026, 3, 11), dt.date(2026, 3, 12))) == 2
    assert queries.date_bounds(warehouse, "orders_daily") == (dt.date(2026, 3, 2), dt.date(2026, 3, 17))


def test_latest_quality_results_lists_failures_first_and_only_for_the_latest_run(warehouse):
    results = queries.latest_quality_results(warehouse)

    assert set(results["run_id"]) == {"run-20260318-0615"}
    assert not results["passed"].iloc[0]
    assert results["column_name"].iloc[0] == "carrier"
    assert results["passed"].iloc[1:].all()


def test_load_ledger_and_quarantined_rows(warehouse):
    ledger = queries.load_ledger(warehouse)
    assert (ledger["rows_landed"] == ledger["rows_loaded"] + ledger["rows_quarantined"]).all()
    assert set(ledger["status"]) == {"loaded", "quarantined", "duplicate"}

    latest_one = queries.quarantined_rows(warehouse, 1)
    assert list(latest_one["row_number"]) == [42]
    assert '"quantity": "many"' in latest_one["raw_values"].iloc[0]


def test_run_info_gives_the_as_of_date_and_publication_time(warehouse):
    info = queries.run_info(warehouse)
    assert info["as_of_date"].iloc[0].date() == dt.date(2026, 3, 18)
    assert str(info["published_at"].iloc[0]) == "2026-03-18 06:15:00"


def test_a_missing_file_raises_warehouse_missing(tmp_path):
    with pytest.raises(queries.WarehouseMissing) as raised:
        queries.current_warehouse(tmp_path / "nowhere.duckdb")
    assert raised.value.path == tmp_path / "nowhere.duckdb"


def test_the_warehouse_version_changes_when_a_new_file_is_published(warehouse_path):
    before = queries.current_warehouse(warehouse_path)
    write_warehouse(warehouse_path, published_tables(run_id="run-next"))
    after = queries.current_warehouse(warehouse_path)

    assert before.version != after.version
    assert queries.run_info(after)["run_id"].iloc[0] == "run-next"
