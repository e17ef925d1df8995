"""Formatting of KPI values and the figures of charts.py, without Streamlit or a browser."""

import datetime as dt

import pandas as pd
import pytest

from dashboards import charts, kpis


def test_rates_show_two_decimals_and_deltas_in_percentage_points():
    assert kpis.format_value(kpis.OTIF_RATE, 0.965) == "96.50%"
    assert kpis.format_delta(kpis.OTIF_RATE, 0.965, 0.95) == "+1.50 pp"
    assert kpis.format_delta(kpis.OTIF_RATE, 0.95, 0.965) == "-1.50 pp"


def test_a_change_that_rounds_to_zero_is_zero_not_minus_zero():
    assert kpis.displayed_change(kpis.OTIF_RATE, 0.95, 0.950001) == 0
    assert kpis.format_delta(kpis.OTIF_RATE, 0.95, 0.950001) == "+0.00 pp"


def test_missing_values_show_a_dash_and_no_delta():
    assert kpis.format_value(kpis.OTIF_RATE, None) == "—"
    assert kpis.format_value(kpis.OTIF_RATE, float("nan")) == "—"
    assert kpis.format_value(kpis.CYCLE_TIME_P50, pd.NA) == "—"
    assert kpis.format_delta(kpis.OTIF_RATE, 0.9, None) is None


def test_hours_and_per_thousand_formats():
    assert kpis.format_value(kpis.CYCLE_TIME_P90, 88.8) == "88.8 h"
    assert kpis.format_delta(kpis.CYCLE_TIME_P90, 88.8, 48.0) == "+40.8 h"
    assert kpis.format_value(kpis.EXCEPTIONS_PER_1000, 1234.5) == "1,234.50"


def test_scorecard_lists_every_headline_kpi_of_the_spec():
    columns = [kpi.column for kpi in kpis.SCORECARD_KPIS]
    assert columns == [
        "perfect_order_rate",
        "otif_rate",
        "on_time_delivery_rate",
        "order_fill_rate",
        "line_fill_rate",
        "unit_fill_rate",
        "perfect_order_index",
        "on_time_ship_rate",
        "exceptions_per_1000_orders",
        "cycle_time_hours_p50",
        "cycle_time_hours_p90",
    ]


@pytest.mark.parametrize(
    ("kpi", "benchmark"),
    [
        (kpis.ORDER_FILL_RATE, 0.9956),
        (kpis.ON_TIME_DELIVERY_RATE, 0.9948),
        (kpis.ON_TIME_SHIP_RATE, 0.997),
        (kpis.DAMAGE_FREE_RATE, 0.997),
        (kpis.ACCURACY_RATE, 0.999),
        (kpis.OTIF_RATE, 0.98),
    ],
)
def test_benchmarks_are_those_of_the_kpi_spec(kpi, benchmark):
    assert kpi.benchmark.value == benchmark


def weekly_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "period_start": [
                dt.date(2026, 3, 2),
                dt.date(2026, 3, 2),
                dt.date(2026, 3, 9),
                dt.date(2026, 3, 9),
            ],
            "dimension_value": ["web", "marketplace", "web", "marketplace"],
            "otif_rate": [0.90, 0.95, 0.91, 0.96],
            "perfect_order_rate": [0.80, 0.85, 0.81, 0.86],
        }
    )


def test_rate_trend_draws_one_line_per_series_and_the_labelled_benchmark():
    figure = charts.rate_trend(weekly_frame(), kpis.OTIF_RATE, x="period_start", series="dimension_value")

    assert sorted(trace.name for trace in figure.data) == ["marketplace", "web"]
    web = next(trace for trace in figure.data if trace.name == "web")
    assert list(web.y) == [0.90, 0.91]
    [benchmark] = figure.layout.shapes
    assert (benchmark.y0, benchmark.y1) == (0.98, 0.98)
    assert benchmark.label.text == "Walmart OTIF target 98.00%"
    assert benchmark.label.yanchor == "bottom"  # data below the target: label above the line
    assert figure.layout.yaxis.tickformat == ".2%"
    # The target stays inside the visible range even though every value is below it.
    low, high = figure.layout.yaxis.range
    assert low < 0.90 and high > 0.98


def test_benchmark_label_goes_below_the_line_when_the_data_is_above_it():
    frame = weekly_frame().assign(otif_rate=[0.99, 0.995, 0.99, 0.999])
    figure = charts.rate_trend(frame, kpis.OTIF_RATE, x="period_start", series="dimension_value")
    assert figure.layout.shapes[0].label.yanchor == "top"


def test_rate_trend_without_benchmark_draws_no_reference_line():
    figure = charts.rate_trend(
        weekly_frame(), kpis.PERFECT_ORDER_RATE, x="period_start", series="dimension_value"
    )
    assert figure.layout.shapes == ()


def test_period_trend_ticks_on_each_period_start():
    figure = charts.rate_trend(
        weekly_frame(),
        kpis.OTIF_RATE,
        x="period_start",
        series="dimension_value",
        period_tick_format="%b %d",
    )
    assert list(figure.layout.xaxis.tickvals) == [dt.date(2026, 3, 2), dt.date(2026, 3, 9)]
    assert figure.layout.xaxis.tickformat == "%b %d"


def test_rate_trend_of_an_empty_selection_still_shows_the_benchmark():
    empty = weekly_frame().iloc[0:0]
    figure = charts.rate_trend(empty, kpis.OTIF_RATE, x="period_start", series="dimension_value")
    assert figure.data == ()
    assert figure.layout.shapes[0].y0 == 0.98


def test_pareto_bars_follow_the_query_order_with_cumulative_share_on_a_second_axis():
    frame = pd.DataFrame(
        {
            "exception_type": ["short_pick", "carrier_lost", "mis_pick"],
            "exceptions": [12, 5, 3],
            "cumulative_share": [0.6, 0.85, 1.0],
        }
    )
    figure = charts.exception_pareto(frame)

    bars, cumulative = figure.data
    assert bars.type == "bar" and list(bars.x) == ["short_pick", "carrier_lost", "mis_pick"]
    assert cumulative.yaxis == "y2" and list(cumulative.y) == [0.6, 0.85, 1.0]
    assert list(figure.layout.xaxis.categoryarray) == ["short_pick", "carrier_lost", "mis_pick"]
    assert figure.layout.shapes[0].y0 == 0.8 and figure.layout.shapes[0].yref == "y2"


def test_cycle_time_figures_draw_the_statistics_and_the_segments():
    frame = pd.DataFrame(
        {
            "delivery_date": [dt.date(2026, 3, 10)],
            **{
                f"{measure}_{statistic}": [1.0]
                for measure in ("cycle_time_hours", "order_to_ship_hours", "ship_to_deliver_hours")
                for statistic in ("mean", "p50", "p90")
            },
            "clean_cycle_time_hours_p50": [2.0],
        }
    )
    statistics = charts.cycle_time_statistics(frame, "cycle_time_hours", "Cycle time")
    assert [trace.name for trace in statistics.data] == ["mean", "p50", "p90"]
    segments = charts.cycle_time_segments(frame)
    assert [trace.name for trace in segments.data] == list(charts.CYCLE_SEGMENTS.values())
