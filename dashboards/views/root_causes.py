"""Why orders fail: the Pareto of failure causes for a week or month, by channel, warehouse and
carrier, each cause's share over time, and the orders of a chosen cause."""

import pandas as pd
import streamlit as st

from dashboards import charts, kpis, queries, ui

st.title("Root causes")
warehouse = ui.warehouse_or_stop()

filters = st.columns([1, 1, 2])
grain = filters[0].radio(
    "Period", options=["week", "month"], format_func=str.capitalize, horizontal=True, key="causes_grain"
)
periods = ui.fetch(queries.failure_cause_periods, warehouse, grain)
if not periods:
    st.info(f"No mature {grain} with measured orders yet (one that ended before the as-of date).")
    st.stop()
period_start = filters[1].selectbox(
    f"{grain.capitalize()} starting", options=periods, index=0, key="causes_period"
)
if grain == "month":
    period_end = (pd.Timestamp(period_start) + pd.offsets.MonthEnd(0)).date()
else:
    period_end = (pd.Timestamp(period_start) + pd.Timedelta(days=6)).date()
dimension = filters[2].radio(
    "Split by",
    options=list(queries.DIMENSIONS),
    format_func=lambda value: "Nothing (all orders)" if value == "all" else value.capitalize(),
    horizontal=True,
    key="causes_dimension",
)

overall = ui.fetch(queries.failure_causes_in_period, warehouse, grain, period_start, "all")
ui.stop_if_empty(overall, f"failure_causes_{grain}ly")
measured = int(overall["orders_measured"].iloc[0])
failed = int(overall["orders_not_perfect"].iloc[0])
metrics = st.columns(3)
metrics[0].metric("Measured orders", f"{measured:,}")
metrics[1].metric("Not perfect", f"{failed:,}")
metrics[2].metric("Perfect order rate", kpis.format_value(kpis.PERFECT_ORDER_RATE, 1 - failed / measured))

left, right = st.columns(2)
left.plotly_chart(
    charts.failure_cause_pareto(overall, f"Failure causes, {grain} of {period_start}"), key="causes_pareto"
)
if dimension == "all":
    trend = ui.fetch(queries.failure_cause_trend, warehouse, grain)
    right.plotly_chart(
        charts.failure_cause_shares_over_time(
            trend, f"Share of measured orders by cause, per {grain}", "%b %d" if grain == "week" else "%b %Y"
        ),
        key="causes_trend",
    )
else:
    split = ui.fetch(queries.failure_causes_in_period, warehouse, grain, period_start, dimension)
    right.plotly_chart(
        charts.failure_causes_by_dimension(
            split, f"Failure causes by {dimension}, {grain} of {period_start}"
        ),
        key="causes_by_dimension",
    )
    trend = ui.fetch(queries.failure_cause_trend, warehouse, grain)
    st.plotly_chart(
        charts.failure_cause_shares_over_time(
            trend, f"Share of measured orders by cause, per {grain}", "%b %d" if grain == "week" else "%b %Y"
        ),
        key="causes_trend",
    )
st.caption(
    "Each measured order that is not perfect has one cause: the first of not shipped, shipped short, late "
    "from the warehouse, late in transit, damaged, inaccurate that holds (kpis.md). Orders are grouped by "
    "due date; warehouse and carrier are those of the order's first shipment ('unshipped' when none)."
)

st.subheader("Orders of one cause")
choices = st.columns([2, 2])
cause = choices[0].selectbox(
    "Cause",
    options=[c.name for c in kpis.FAILURE_CAUSES],
    format_func=lambda name: (
        f"{kpis.FAILURE_CAUSES_BY_NAME[name].label} ({kpis.FAILURE_CAUSES_BY_NAME[name].owner})"
    ),
    key="causes_cause",
)
value = None
if dimension != "all":
    values = sorted(split["dimension_value"].unique())
    value = choices[1].selectbox(dimension.capitalize(), options=values, key="causes_value")
orders = ui.fetch(queries.failed_orders, warehouse, period_start, period_end, cause, dimension, value)
st.caption(kpis.FAILURE_CAUSES_BY_NAME[cause].help)
if orders.empty:
    st.info("No order of this cause in this selection.", icon=":material/info:")
else:
    if len(orders) == queries.CAUSE_ORDERS_SHOWN:
        st.caption(f"The latest {queries.CAUSE_ORDERS_SHOWN:,} orders by due date.")
    ui.order_table(
        orders,
        key="causes_orders",
        column_config={
            "due_date": st.column_config.DateColumn("Due date"),
            "promised_ship_at": st.column_config.DatetimeColumn("Promised ship (UTC)"),
            "last_shipped_at": st.column_config.DatetimeColumn("Last shipped (UTC)"),
            "last_delivered_at": st.column_config.DatetimeColumn("Last delivered (UTC)"),
        },
    )
