"""Order cycle time per delivery date: mean, median and p90, and where the hours go."""

import streamlit as st

from dashboards import charts, queries, ui

st.title("Cycle time")
warehouse = ui.warehouse_or_stop()

bounds = ui.fetch(queries.date_bounds, warehouse, "cycle_time_daily")
if bounds[0] is None:
    st.info("No rows in cycle_time_daily yet: no order has had all its shipments delivered.")
    st.stop()
start, end = ui.date_range_picker("Delivery dates", bounds, default_days=90, key="cycle_days")
daily = ui.fetch(queries.cycle_time_daily, warehouse, start, end)
ui.stop_if_empty(daily, "cycle_time_daily")

MEASURES = {
    "cycle_time_hours": "Order → last delivery",
    "order_to_ship_hours": "Order → first shipment",
    "ship_to_deliver_hours": "First shipment → last delivery",
    "clean_cycle_time_hours": "Clean cycle time (from the last hold release)",
}
measure = st.radio(
    "Measure", options=list(MEASURES), format_func=MEASURES.get, horizontal=True, key="cycle_measure"
)
left, right = st.columns(2)
left.plotly_chart(
    charts.cycle_time_statistics(daily, measure, f"{MEASURES[measure]} (hours)"), key="cycle_statistics"
)
right.plotly_chart(charts.cycle_time_segments(daily), key="cycle_segments")
st.caption(
    "Orders (not excused) whose every shipment is delivered, by the date of their last delivery. "
    "Daily medians and p90s cannot be averaged: the scorecard recomputes them per period from the orders."
)

st.subheader("Daily figures")
st.dataframe(
    daily,
    hide_index=True,
    column_config={
        "delivery_date": st.column_config.DateColumn("Delivery date"),
        "orders_delivered": st.column_config.NumberColumn("Orders delivered", format="%d"),
    }
    | {
        column: st.column_config.NumberColumn(column.replace("_", " "), format="%.1f")
        for column in daily.columns
        if column.endswith(("_mean", "_p50", "_p90"))
    },
)
