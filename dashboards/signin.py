"""Sign-in for the dashboard, on when ORDERPULSE_USERS_FILE is set (docs/access.md).

The session lives on the server, in Streamlit's session state: the browser holds no token that
could be stolen or replayed, signing out or removing a user ends it at once, and it ends by
itself ORDERPULSE_SESSION_MINUTES after sign-in. A reload or a new tab opens a new session, which
asks for the password again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import streamlit as st

from dashboards.access import UNRESTRICTED, Scope, User, UsersFileError, authenticate, read_users
from orderpulse.config import load_settings

_SESSION_KEY = "orderpulse_session"
_FAILURES_KEY = "orderpulse_failed_signins"
_NOTICE_KEY = "orderpulse_signin_notice"
# One message for an unknown name and a wrong password alike: it must not tell which it was.
WRONG_CREDENTIALS = "Wrong user name or password."
# Each failed attempt in a session waits a little longer before answering (at most this many seconds).
_MAX_FAILURE_DELAY_SECONDS = 3.0


class SignInRequired(Exception):
    """Sign-in is on and this session has no signed-in user: nothing may be read."""


@dataclass(frozen=True)
class _Session:
    user_name: str
    signed_in_at: float


def signin_enabled() -> bool:
    return load_settings().users_file is not None


def _users() -> dict[str, User]:
    return read_users(load_settings().users_file)


def current_user() -> User | None:
    """The signed-in user, or None (sign-in off, nobody signed in, session expired, user removed).

    The users file is read again at every rerun, so a removed user or a changed role or scope
    takes effect on the next click.
    """
    if not signin_enabled():
        return None
    session = st.session_state.get(_SESSION_KEY)
    if session is None:
        return None
    if time.time() - session.signed_in_at > load_settings().session_minutes * 60:
        sign_out("Your session has expired: sign in again.")
        return None
    try:
        user = _users().get(session.user_name)
    except UsersFileError:
        user = None
    if user is None:
        sign_out()
    return user


def session_scope() -> Scope:
    """The scope every query of this session is limited to."""
    if not signin_enabled():
        return UNRESTRICTED
    user = current_user()
    if user is None:
        raise SignInRequired
    return user.scope


def sign_out(notice: str | None = None) -> None:
    st.session_state.pop(_SESSION_KEY, None)
    if notice:
        st.session_state[_NOTICE_KEY] = notice


def signin_page() -> None:
    """The only page an anonymous visitor gets when sign-in is on."""
    st.title("Order Pulse")
    notice = st.session_state.pop(_NOTICE_KEY, None)
    if notice:
        st.info(notice)
    with st.form("signin", enter_to_submit=True):
        name = st.text_input("User name", key="signin_name", max_chars=64, autocomplete="username")
        password = st.text_input(
            "Password", type="password", key="signin_password", max_chars=200, autocomplete="current-password"
        )
        submitted = st.form_submit_button("Sign in", type="primary")
    if not submitted:
        return
    try:
        users = _users()
    except UsersFileError:
        # The details (a path, a parse error) are for the administrator's terminal, not the visitor.
        st.error("Sign-in is not available: the users file cannot be read. Ask an administrator.")
        return
    user = authenticate(users, name.strip(), password)
    if user is None:
        failures = st.session_state.get(_FAILURES_KEY, 0) + 1
        st.session_state[_FAILURES_KEY] = failures
        time.sleep(min(0.25 * failures, _MAX_FAILURE_DELAY_SECONDS))
        st.error(WRONG_CREDENTIALS)
        return
    st.session_state[_FAILURES_KEY] = 0
    st.session_state[_SESSION_KEY] = _Session(user.name, time.time())
    st.rerun()
