"""Exceptions per 1,000 orders over time, and the Pareto of what goes wrong."""

import streamlit as st

from dashboards import charts, kpis, queries, ui

st.title("Exceptions")
warehouse = ui.warehouse_or_stop()

bounds = ui.fetch(queries.date_bounds, warehouse, "orders_daily")
if bounds[0] is None:
    st.info("No rows in orders_daily yet.")
    st.stop()
start, end = ui.date_range_picker("Dates", bounds, default_days=28, key="exception_days")

trend = ui.fetch(queries.exceptions_trend, warehouse, start, end)
ui.stop_if_empty(trend, "orders_daily")
total_orders = int(trend["orders_created"].sum())
total_exceptions = int(trend["exceptions"].sum())
# Over the range the ratio is recomputed from the sums; averaging the daily ratios would weight quiet days.
per_1000 = total_exceptions * 1000 / total_orders if total_orders else None
metrics = st.columns(3)
metrics[0].metric(kpis.EXCEPTIONS_PER_1000.label, kpis.format_value(kpis.EXCEPTIONS_PER_1000, per_1000))
metrics[1].metric("Exceptions", f"{total_exceptions:,}")
metrics[2].metric("Orders created", f"{total_orders:,}")
st.plotly_chart(charts.exceptions_per_1000(trend), key="exceptions_trend")

pareto = ui.fetch(queries.exception_pareto, warehouse, start, end)
ui.stop_if_empty(pareto, "exceptions_daily")
st.plotly_chart(charts.exception_pareto(pareto), key="exceptions_pareto")
st.dataframe(
    # In percent for display: the "percent" column format drops trailing zeros (17.8% next to 33.91%).
    pareto.assign(cumulative_share=pareto["cumulative_share"] * 100),
    hide_index=True,
    column_config={
        "exception_type": "Exception type",
        "exception_source": "Source",
        "exceptions": st.column_config.NumberColumn("Exceptions", format="%d"),
        "cumulative_share": st.column_config.NumberColumn("Cumulative share", format="%.2f%%"),
    },
)
