"""Returns: return rate by delivery date, and return lines, units and refunds by reason."""

import streamlit as st

from dashboards import charts, queries, ui

st.title("Returns")
warehouse = ui.warehouse_or_stop()

bounds = ui.fetch(queries.date_bounds, warehouse, "returns_daily")
if bounds[0] is None:
    st.info("No rows in returns_daily yet: no order has been delivered.")
    st.stop()
start, end = ui.date_range_picker("Delivery dates", bounds, default_days=90, key="returns_days")
daily = ui.fetch(queries.returns_daily, warehouse, start, end)
ui.stop_if_empty(daily, "returns_daily")

delivered = int(daily["orders_delivered"].sum())
returned = int(daily["orders_returned"].sum())
metrics = st.columns(4)
# Over the range the rate is recomputed from the counts; averaging daily rates would weight quiet days.
metrics[0].metric("Return rate", f"{returned / delivered:.2%}" if delivered else "—")
metrics[1].metric("Orders delivered", f"{delivered:,}")
metrics[2].metric("Orders with a return", f"{returned:,}")
metrics[3].metric("Refunds on them", f"{float(daily['refund_amount'].sum()):,.2f}")
st.plotly_chart(charts.return_rate_trend(daily), key="returns_rate")
st.caption(
    "Delivered orders (every shipment delivered) by the date of their last delivery, and the share of them "
    "with a return line."
)

st.subheader("Reasons")
reason_bounds = ui.fetch(queries.date_bounds, warehouse, "return_reasons")
if reason_bounds[0] is None:
    st.info("No rows in return_reasons yet: no return has been requested.")
    st.stop()
# Returns are requested days to weeks after delivery: the reasons have their own date range.
reason_start, reason_end = ui.date_range_picker(
    "Request dates", reason_bounds, default_days=90, key="returns_reason_days"
)
reasons = ui.fetch(queries.return_reasons, warehouse, reason_start, reason_end)
if reasons.empty:
    st.info("No return was requested in this range.", icon=":material/info:")
    st.stop()
st.plotly_chart(charts.return_reasons(reasons), key="returns_reasons")
st.dataframe(
    reasons,
    hide_index=True,
    column_config={
        "reason_code": "Reason",
        "return_lines": st.column_config.NumberColumn("Return lines", format="%d"),
        "units_returned": st.column_config.NumberColumn("Units", format="%d"),
        "refund_amount": st.column_config.NumberColumn("Refunds", format="%.2f"),
    },
)
