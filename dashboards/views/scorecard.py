"""Headline KPIs of the latest mature period against the period before, and their trends."""

import pandas as pd
import streamlit as st

from dashboards import charts, kpis, queries, ui

st.title("Scorecard")
warehouse = ui.warehouse_or_stop()
info = ui.fetch(queries.run_info, warehouse)
st.markdown(ui.as_of_caption(info))

grain = st.radio(
    "Period",
    options=["week", "month"],
    format_func=str.capitalize,
    horizontal=True,
    key="scorecard_grain",
)
periods = ui.fetch(queries.scorecard, warehouse, grain)
ui.stop_if_empty(periods, f"scorecard_periods for a mature {grain} (one that ended before the as-of date)")

current = periods[periods["role"] == "current"].iloc[0]
previous_rows = periods[periods["role"] == "previous"]
previous = previous_rows.iloc[0] if not previous_rows.empty else None


def period_label(row: pd.Series) -> str:
    return f"{pd.Timestamp(row['period_start']).date()} – {pd.Timestamp(row['period_end']).date()}"


comparison = f" vs {period_label(previous)}" if previous is not None else " (no previous period to compare)"
st.subheader(f"{grain.capitalize()} {period_label(current)}{comparison}")
st.caption(
    f"{int(current['orders_measured']):,} measured orders (by due date). Exceptions and cycle time are "
    "counted by event and delivery date within the same period. Rate deltas are in percentage points."
)

METRICS_PER_ROW = 4
for start in range(0, len(kpis.SCORECARD_KPIS), METRICS_PER_ROW):
    row_kpis = kpis.SCORECARD_KPIS[start : start + METRICS_PER_ROW]
    for column, kpi in zip(st.columns(METRICS_PER_ROW), row_kpis, strict=False):
        value = current[kpi.column]
        previous_value = None if previous is None else previous[kpi.column]
        unchanged = kpis.displayed_change(kpi, value, previous_value) == 0
        column.metric(
            kpi.label,
            kpis.format_value(kpi, value),
            delta=kpis.format_delta(kpi, value, previous_value),
            delta_color="off" if unchanged else ("normal" if kpi.higher_is_better else "inverse"),
            delta_arrow="off" if unchanged else "auto",
            help=kpi.help or None,
            border=True,
        )

st.subheader(f"{grain.capitalize()}ly trends against benchmarks")
trend = ui.fetch(queries.period_trend, warehouse, grain, "all")
PERIOD_TICK_FORMATS = {"week": "%b %d", "month": "%b %Y"}
TREND_KPIS = (
    kpis.PERFECT_ORDER_RATE,
    kpis.OTIF_RATE,
    kpis.ON_TIME_DELIVERY_RATE,
    kpis.ORDER_FILL_RATE,
    kpis.ON_TIME_SHIP_RATE,
    kpis.ACCURACY_RATE,
)
for start in range(0, len(TREND_KPIS), 2):
    for column, kpi in zip(st.columns(2), TREND_KPIS[start : start + 2], strict=False):
        column.plotly_chart(
            charts.rate_trend(trend, kpi, x="period_start", period_tick_format=PERIOD_TICK_FORMATS[grain]),
            key=f"scorecard_{kpi.column}",
        )
st.caption(
    "Dashed red lines: WERC DC Measures 2020 best-in-class and the Walmart OTIF target (98%). "
    "WERC's correct-documentation benchmark (99.80%) has no matching KPI in the warehouse."
)
