"""Rates over time: by week or month and dimension (channel, warehouse, carrier), and by day."""

import pandas as pd
import streamlit as st

from dashboards import charts, kpis, queries, ui

st.title("Trends")
warehouse = ui.warehouse_or_stop()

filters = st.columns([1, 1, 2])
kpi = kpis.RATES_BY_COLUMN[
    filters[0].selectbox(
        "KPI",
        options=list(kpis.RATES_BY_COLUMN),
        index=list(kpis.RATES_BY_COLUMN).index(kpis.OTIF_RATE.column),
        format_func=lambda column: kpis.RATES_BY_COLUMN[column].label,
        key="trends_kpi",
    )
]
grain = filters[1].radio(
    "Period", options=["week", "month"], format_func=str.capitalize, horizontal=True, key="trends_grain"
)
dimension = filters[2].radio(
    "Split by",
    options=list(queries.DIMENSIONS),
    format_func=lambda value: "Nothing (all orders)" if value == "all" else value.capitalize(),
    horizontal=True,
    key="trends_dimension",
)

trend = ui.fetch(queries.period_trend, warehouse, grain, dimension)
suspect = ui.fetch(queries.suspect_days, warehouse)
ui.stop_if_empty(trend, f"kpi_{grain}ly for mature {grain}s")
if dimension != "all":
    values = sorted(trend["dimension_value"].unique())
    chosen = st.multiselect(f"{dimension.capitalize()}s", options=values, default=values, key="trends_values")
    trend = trend[trend["dimension_value"].isin(chosen)]
st.plotly_chart(
    charts.mark_suspect_days(
        charts.rate_trend(
            trend,
            kpi,
            x="period_start",
            series=None if dimension == "all" else "dimension_value",
            title=f"{kpi.label} by {grain}" + ("" if dimension == "all" else f" and {dimension}"),
            period_tick_format="%b %d" if grain == "week" else "%b %Y",
        ),
        suspect,
        period_days=7 if grain == "week" else 31,
    ),
    key="trends_period_chart",
)
st.caption(
    f"Mature {grain}s only (ended before the as-of date), grouped by due date; the x axis is the first day "
    f"of the {grain}. Warehouse and carrier are those of the order's first shipment ('unshipped' when none)."
)

ui.suspect_note(suspect)

st.subheader("By day")
bounds = ui.fetch(queries.date_bounds, warehouse, "kpi_daily")
if bounds[0] is None:
    st.info("No rows in kpi_daily yet.")
    st.stop()
start, end = ui.date_range_picker("Due dates", bounds, default_days=90, key="trends_days")
daily = ui.fetch(queries.daily_kpis, warehouse, start, end)
ui.stop_if_empty(daily, "kpi_daily")
st.plotly_chart(
    charts.mark_suspect_days(
        charts.rate_trend(daily, kpi, x="due_date", title=f"{kpi.label} by due date (all orders)"),
        suspect[
            (pd.to_datetime(suspect["day"]).dt.date >= start)
            & (pd.to_datetime(suspect["day"]).dt.date <= end)
        ],
    ),
    key="trends_daily_chart",
)
