"""The banner of active KPI alerts, shown above every page by the app frame."""

from __future__ import annotations

import duckdb
import streamlit as st

from dashboards import queries

MAX_LISTED = 3


def show_active_alerts() -> None:
    try:
        alerts = queries.active_alerts(queries.current_warehouse())
    except (queries.WarehouseMissing, duckdb.Error):
        # No warehouse, or one published before alerts existed: the pages say what they need to.
        return
    if alerts.empty:
        return
    count = len(alerts)
    lines = [f"**{count} KPI alert{'s' if count != 1 else ''}** in the latest period:"]
    lines += [f"- {description}" for description in alerts["description"].head(MAX_LISTED)]
    if count > MAX_LISTED:
        lines.append(f"- … and {count - MAX_LISTED} more (table `alerts` of the published warehouse)")
    st.warning("\n".join(lines), icon=":material/notifications_active:")
