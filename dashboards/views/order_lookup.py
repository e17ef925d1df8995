"""One order's whole story: its outcome in words, flags, lines and every event on a timeline."""

import streamlit as st

from dashboards import charts, queries, stories, ui

st.title("Order lookup")
warehouse = ui.warehouse_or_stop()

# Links from the other pages open this page with ?order_id=...; typing an id keeps the URL in step.
order_id = st.text_input("Order id", value=st.query_params.get("order_id", ""), key="lookup_order_id").strip()
if not order_id:
    st.info("Type an order id, or follow an order's link from another page.", icon=":material/search:")
    st.stop()
st.query_params["order_id"] = order_id

summary = ui.fetch(queries.order_summary, warehouse, order_id)
if summary.empty:
    st.warning(f"No order `{order_id}` in the published warehouse.")
    st.stop()
order = summary.iloc[0].to_dict()

st.subheader(f"Order {order_id}")
st.markdown(f"**{stories.failure_story(order)}**")
st.caption(
    f"Channel {order['channel']} · ordered {order['ordered_at']:%Y-%m-%d %H:%M} UTC · due {order['due_date']:%Y-%m-%d}"
    f" · status `{order['status']}` · warehouse {order['primary_warehouse_id'] or '—'}"
    f" · carrier {order['primary_carrier'] or '—'}"
)

FLAGS = {
    "shipped_complete": "Shipped complete",
    "on_time": "On time",
    "otif": "OTIF",
    "on_time_ship": "Shipped on time",
    "damaged": "Damaged",
    "inaccurate": "Inaccurate",
    "perfect": "Perfect",
    "measured": "Measured",
}
flag_columns = st.columns(len(FLAGS))
for column, (flag, label) in zip(flag_columns, FLAGS.items(), strict=True):
    column.metric(label, "yes" if order[flag] else "no")

st.subheader("Lines")
lines = ui.fetch(queries.order_lines, warehouse, order_id)
if lines.empty:
    st.info("The order has no lines.", icon=":material/info:")
else:
    st.dataframe(
        lines,
        hide_index=True,
        key="lookup_lines",
        column_config={
            "is_filled": st.column_config.CheckboxColumn("Filled"),
            "is_delivered_in_full_by_due_date": st.column_config.CheckboxColumn("In full by due date"),
        },
    )

st.subheader("Timeline")
timeline = ui.fetch(queries.order_timeline, warehouse, order_id)
if timeline.empty:
    st.info("No event of this order has been loaded.", icon=":material/info:")
else:
    st.plotly_chart(charts.order_timeline(timeline, order_id), key="lookup_timeline")
    st.dataframe(
        # Most OMS events carry no reason: an empty cell reads better than "None".
        timeline.fillna({"detail": ""}),
        hide_index=True,
        key="lookup_events",
        column_config={
            "event_at": st.column_config.DatetimeColumn("When (UTC)", format="YYYY-MM-DD HH:mm:ss"),
            "event_source": st.column_config.TextColumn("Source"),
            "event_type": st.column_config.TextColumn("Event"),
            "detail": st.column_config.TextColumn("Detail"),
            "reference_id": st.column_config.TextColumn("Reference"),
        },
    )
