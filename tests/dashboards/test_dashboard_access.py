"""Sign-in, roles, scopes and input safety of the dashboard, through Streamlit's AppTest."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pytest
from access_fixtures import (
    OTHER_WAREHOUSE,
    OTHER_WAREHOUSE_ORDERS,
    OWN_WAREHOUSE,
    USERS,
    build_two_warehouse_warehouse,
    write_users_file,
)
from streamlit.testing.v1 import AppTest

import dashboards
from dashboards import access, queries, signin

APP = Path(dashboards.__file__).parent / "app.py"
TIMEOUT = 60
VIEWS = Path(dashboards.__file__).parent / "views"
# Every page of today's app, by page id (the file names of dashboards/views/).
APP_PAGES = sorted(path.stem for path in VIEWS.glob("*.py"))

INJECTION_STRINGS = (
    "' or '1'='1",
    "'; drop table order_outcomes; --",
    '" or 1=1 --',
    "x'); attach '/tmp/evil.duckdb' as evil; --",
    "O-1' union select * from load_ledger --",
    "%' and 1=0 union select null --",
    "\\'; copy order_outcomes to '/tmp/leak.csv'; --",
)


@pytest.fixture(scope="module")
def users_file(tmp_path_factory) -> Path:
    return write_users_file(tmp_path_factory.mktemp("users") / "users.json")


@pytest.fixture
def signin_env(tmp_path, users_file, monkeypatch) -> Path:
    warehouse = build_two_warehouse_warehouse(tmp_path / "warehouse.duckdb")
    monkeypatch.setenv("ORDERPULSE_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("ORDERPULSE_USERS_FILE", str(users_file))
    return warehouse


def open_app() -> AppTest:
    app = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not app.exception, [error.value for error in app.exception]
    return app


def sign_in(app: AppTest, name: str, password: str) -> AppTest:
    app.text_input(key="signin_name").input(name)
    app.text_input(key="signin_password").input(password)
    app.button[0].click().run()
    assert not app.exception, [error.value for error in app.exception]
    return app


def signed_in(name: str) -> AppTest:
    return sign_in(open_app(), name, USERS[name][2])


def shows_signin_form_only(app: AppTest) -> bool:
    return (
        [field.label for field in app.text_input] == ["User name", "Password"]
        and not app.metric
        and not app.sidebar.caption
        and [title.value for title in app.title] == ["Order Pulse"]
    )


def reachable_pages(app: AppTest) -> list[str]:
    """The pages of the app this session can switch to (AppTest only knows the navigation's pages)."""
    reachable = []
    for page in APP_PAGES:
        try:
            app.switch_page(str(VIEWS / f"{page}.py"))
        except ValueError:
            continue
        reachable.append(page)
    return reachable


def test_anonymous_visitor_gets_only_the_signin_form(signin_env):
    app = open_app()

    assert shows_signin_form_only(app)
    assert reachable_pages(app) == []


def test_wrong_password_and_unknown_user_get_the_same_answer(signin_env):
    wrong_password = sign_in(open_app(), "vera", "not-her-password")
    unknown_user = sign_in(open_app(), "nobody-here", "not-her-password")

    for app in (wrong_password, unknown_user):
        assert [error.value for error in app.error] == [signin.WRONG_CREDENTIALS]
        assert shows_signin_form_only(app)
    assert "vera" not in signin.WRONG_CREDENTIALS


@pytest.mark.parametrize("name", ["vera", "otto", "ada"])
def test_each_role_reaches_exactly_its_pages(signin_env, name):
    role = USERS[name][0]
    app = signed_in(name)

    assert [title.value for title in app.title] == ["Scorecard"]
    expected = sorted(page for page in APP_PAGES if access.may_see(role, page))
    assert reachable_pages(app) == expected
    # The table is what decides: a viewer never gets data quality, an admin gets everything.
    assert ("data_quality" in expected) == (role == "admin")


def test_every_page_a_role_reaches_renders(signin_env):
    app = signed_in("ada")
    for page in APP_PAGES:
        app.switch_page(str(VIEWS / f"{page}.py")).run()
        assert not app.exception, (page, [error.value for error in app.exception])


def test_signing_out_returns_to_the_form(signin_env):
    app = signed_in("vera")
    app.sidebar.button(key="sign_out").click().run()

    assert shows_signin_form_only(app)


def test_a_session_expires(signin_env, monkeypatch):
    app = signed_in("vera")
    assert app.metric  # signed in
    monkeypatch.setenv("ORDERPULSE_SESSION_MINUTES", "0")
    app.run()

    assert shows_signin_form_only(app)
    assert "expired" in app.info[0].value


def test_removing_a_user_ends_their_session(signin_env, users_file, tmp_path, monkeypatch):
    reduced = tmp_path / "users.json"
    users = access.read_users(users_file)
    access.write_users(reduced, users)
    monkeypatch.setenv("ORDERPULSE_USERS_FILE", str(reduced))
    app = signed_in("vera")
    assert app.metric
    del users["vera"]
    access.write_users(reduced, users)
    app.run()

    assert shows_signin_form_only(app)


def test_without_a_users_file_every_page_is_open(tmp_path, monkeypatch):
    monkeypatch.setenv("ORDERPULSE_WAREHOUSE", str(build_two_warehouse_warehouse(tmp_path / "w.duckdb")))
    monkeypatch.delenv("ORDERPULSE_USERS_FILE", raising=False)
    app = open_app()

    assert [title.value for title in app.title] == ["Scorecard"]
    assert reachable_pages(app) == APP_PAGES


def test_an_unreadable_users_file_lets_nobody_in(signin_env, tmp_path, monkeypatch):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    monkeypatch.setenv("ORDERPULSE_USERS_FILE", str(broken))
    app = sign_in(open_app(), "vera", USERS["vera"][2])

    assert shows_signin_form_only(app)
    assert "cannot be read" in app.error[0].value
    assert str(broken) not in app.error[0].value


# ---------- scope: a user limited to one warehouse


def every_cell(frame) -> set[str]:
    return {str(value) for value in frame.astype(str).to_numpy().ravel()}


def test_every_published_table_read_within_a_warehouse_scope_holds_none_of_another_warehouse(signin_env):
    tables = [
        row[0]
        for row in duckdb.connect(str(signin_env), read_only=True)
        .execute("select table_name from duckdb_tables()")
        .fetchall()
    ]
    unscoped = queries.current_warehouse(signin_env, access.UNRESTRICTED)
    scoped = queries.current_warehouse(signin_env, access.Scope(warehouses=(OWN_WAREHOUSE,)))
    other = {
        OTHER_WAREHOUSE,
        *OTHER_WAREHOUSE_ORDERS,
        *(f"C-WEST-{order}" for order in OTHER_WAREHOUSE_ORDERS),
    }

    everything = set().union(
        *(every_cell(queries.read_frame(unscoped, f'select * from "{t}"')) for t in tables)
    )
    assert other <= everything  # the unscoped file does hold them: the check below can fail
    for table in tables:
        assert not every_cell(queries.read_frame(scoped, f'select * from "{table}"')) & other, table
    own_orders = queries.read_frame(scoped, "select distinct primary_warehouse_id from order_outcomes")
    assert own_orders["primary_warehouse_id"].tolist() == [OWN_WAREHOUSE]


def test_a_scoped_users_scorecard_shows_their_warehouses_figures(signin_env):
    app = signed_in("east")

    own_week = (
        duckdb.connect(str(signin_env), read_only=True)
        .execute(
            "select otif_rate from kpi_weekly where dimension = 'warehouse' and dimension_value = ?"
            " and period_start = date '2026-03-09'",
            [OWN_WAREHOUSE],
        )
        .fetchone()[0]
    )
    otif = next(metric for metric in app.metric if metric.label == "OTIF")
    assert otif.value == f"{own_week:.2%}"
    assert otif.value != "96.50%"  # the figure of every warehouse together


def page_text(app: AppTest) -> str:
    """Everything a page shows: text elements, metrics, tables, charts and widget options."""
    parts = [
        str(element.value)
        for kind in ("markdown", "caption", "title", "subheader", "info")
        for element in app.get(kind)
    ]
    parts += [f"{metric.label} {metric.value}" for metric in app.metric]
    parts += [frame.value.to_csv() for frame in app.dataframe]
    parts += [chart.proto.spec for chart in app.get("plotly_chart")]
    for kind in ("selectbox", "multiselect", "radio"):
        parts += [json.dumps([str(option) for option in widget.options]) for widget in app.get(kind)]
    return "\n".join(parts)


def test_a_scoped_users_pages_never_show_another_warehouse(signin_env):
    app = signed_in("east")
    unscoped = signed_in("vera")
    for page in APP_PAGES:
        if not access.may_see("viewer", page):
            continue
        for session in (app, unscoped):
            session.switch_page(str(VIEWS / f"{page}.py")).run()
            if page == "trends":
                session.radio(key="trends_dimension").set_value("warehouse").run()
        assert not app.exception, [error.value for error in app.exception]
        assert OTHER_WAREHOUSE not in page_text(app), page
    # The same page of an unlimited viewer does show the other warehouse: the check above can fail.
    assert OTHER_WAREHOUSE in page_text(unscoped)


# ---------- input safety


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_injection_strings_in_every_text_input_change_nothing(signin_env):
    before = file_digest(signin_env)
    # The sign-in form: an injection string is just a wrong name or password.
    for text in INJECTION_STRINGS:
        app = sign_in(open_app(), text, text)
        assert [error.value for error in app.error] == [signin.WRONG_CREDENTIALS]
    # Every text input of every page an admin reaches (today only sign-in has one; the order lookup
    # and alert pages bring theirs).
    app = signed_in("ada")
    for page in APP_PAGES:
        app.switch_page(str(VIEWS / f"{page}.py")).run()
        for text in INJECTION_STRINGS:
            for field in app.text_input:
                field.input(text)
            app.run()
            assert not app.exception, (page, text, [error.value for error in app.exception])
    assert file_digest(signin_env) == before
    assert not Path("/tmp/leak.csv").exists()
    assert not Path("/tmp/evil.duckdb").exists()
