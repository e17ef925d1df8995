"""The dashboard frame: page config, navigation and the as-of date beside every page.

Run it with `orderpulse dashboard` (see dashboards/serve.py); the warehouse path comes from
ORDERPULSE_WAREHOUSE through orderpulse.config.
"""

import streamlit as st

from dashboards import alert_banner, queries, ui
from dashboards.pages import PAGES

st.set_page_config(page_title="Order Pulse", page_icon=":material/monitoring:", layout="wide")

navigation = st.navigation(
    [st.Page(page.path, title=page.title, icon=page.icon, default=page.default) for page in PAGES]
)

with st.sidebar:
    st.markdown("**Order Pulse**")
    try:
        warehouse = queries.current_warehouse()
        st.caption(ui.as_of_caption(queries.run_info(warehouse)))
    except queries.WarehouseMissing:
        st.caption("No published warehouse yet.")
    except Exception as error:  # the page itself reports the problem in full
        st.caption(f"Warehouse unreadable: {type(error).__name__}")

alert_banner.show_active_alerts()
navigation.run()
