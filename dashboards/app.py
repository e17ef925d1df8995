"""The dashboard frame: page config, sign-in, navigation and the as-of date beside every page.

Run it with `orderpulse dashboard` (see dashboards/serve.py); the warehouse path comes from
ORDERPULSE_WAREHOUSE through orderpulse.config. The pages are the list in dashboards/pages.py.
With ORDERPULSE_USERS_FILE set, visitors sign in and see only the pages of their role
(dashboards/access.py); without it every page is open, as for `make demo` on this machine.
"""

import streamlit as st

from dashboards import access, alert_banner, queries, signin, ui
from dashboards.pages import PAGES

st.set_page_config(page_title="Order Pulse", page_icon=":material/monitoring:", layout="wide")

user = signin.current_user()
if signin.signin_enabled() and user is None:
    # Nothing but the form: no page, no sidebar, no as-of date. Any URL lands here.
    st.navigation([st.Page(signin.signin_page, title="Sign in", icon=":material/login:")]).run()
    st.stop()

# The page id is its URL path (the key of access.PAGE_MINIMUM_ROLE): a page a role may not see is
# not in the navigation, so its URL is not served either.
visible = [page for page in PAGES if user is None or access.may_see(user.role, page.url_path)]
navigation = st.navigation(
    [
        st.Page(page.path, title=page.title, icon=page.icon, url_path=page.url_path, default=index == 0)
        for index, page in enumerate(visible)
    ]
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
    if user is not None:
        st.caption(f"Signed in as **{user.name}** ({user.role})")
        if not user.scope.unrestricted:
            st.caption(
                f"Limited to {user.scope.describe()}: figures that count other orders too "
                "(daily KPIs, exceptions, data quality) are not shown."
            )
        if st.button("Sign out", key="sign_out", icon=":material/logout:"):
            signin.sign_out()
            st.rerun()

alert_banner.show_active_alerts()
navigation.run()
