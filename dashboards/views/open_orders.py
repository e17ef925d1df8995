"""What is stuck right now: open orders by age, on hold and backordered, oldest first."""

import streamlit as st

from dashboards import charts, queries, ui

st.title("Open orders")
warehouse = ui.warehouse_or_stop()

aging = ui.fetch(queries.open_order_aging, warehouse)
ui.stop_if_empty(aging, "open_order_aging")
st.caption(
    f"Orders open at the as-of date {aging['as_of_date'].iloc[0]:%Y-%m-%d}: not cancelled, not closed, "
    "not fully delivered. Warehouse and carrier are those of the first shipment ('unshipped' when none)."
)

options = ui.fetch(queries.open_order_filters, warehouse)
filters = st.columns(3)
warehouses = filters[0].multiselect(
    "Warehouse", options=options["warehouse"], placeholder="All warehouses", key="open_warehouses"
)
channels = filters[1].multiselect(
    "Channel", options=options["channel"], placeholder="All channels", key="open_channels"
)
statuses = filters[2].multiselect(
    "Status",
    options=list(queries.OPEN_STATUSES),
    format_func=lambda status: status.replace("_", " "),
    placeholder="All statuses",
    key="open_statuses",
)

summary = ui.fetch(queries.open_orders_summary, warehouse, warehouses, channels, statuses)
by_status = summary.groupby("open_status")["open_orders"].sum()
metrics = st.columns(4)
metrics[0].metric("Open orders", f"{int(summary['open_orders'].sum()):,}")
metrics[1].metric("On hold", f"{int(by_status.get('on_hold', 0)):,}")
metrics[2].metric("Backordered", f"{int(by_status.get('backordered', 0)):,}")
metrics[3].metric("Past due", f"{int(summary['past_due'].sum()):,}")
if summary.empty:
    st.info("No open order matches these filters.", icon=":material/info:")
    st.stop()
st.plotly_chart(charts.open_orders_by_age(summary), key="open_by_age")

st.subheader("Oldest first")
orders = ui.fetch(queries.open_orders, warehouse, warehouses, channels, statuses)
if len(orders) == queries.OPEN_ORDERS_SHOWN:
    st.caption(f"The {queries.OPEN_ORDERS_SHOWN:,} oldest of them.")
ui.order_table(
    orders,
    key="open_orders_list",
    column_config={
        "ordered_at": st.column_config.DatetimeColumn("Ordered (UTC)"),
        "hold_placed_at": st.column_config.DatetimeColumn("Hold placed (UTC)"),
        "due_date": st.column_config.DateColumn("Due date"),
        "is_past_due": st.column_config.CheckboxColumn("Past due"),
    },
)
