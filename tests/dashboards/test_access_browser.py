"""Sign-in, roles and scopes in a real browser: `orderpulse dashboard` with a users file, headless chromium.

One server and one browser serve the whole module; each test opens a fresh page (a new session).
The server runs with secrets planted in its environment; the last test greps its output for them.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import pytest
from access_fixtures import (
    OTHER_WAREHOUSE,
    OWN_WAREHOUSE,
    USERS,
    build_two_warehouse_warehouse,
    write_users_file,
)
from dashboard_warehouse import free_port
from test_dashboard_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    RENDER_MILLISECONDS,
    require_chromium,
    wait_until_healthy,
)

from dashboards import access, signin
from dashboards.pages import PAGES

pytestmark = pytest.mark.browser

# Page id -> title in the navigation, for today's pages (dashboards/app.py).
# The pages as the dashboard lists them (dashboards/pages.py), by page id (their URL path).
PAGE_TITLES = {page.url_path: page.title for page in PAGES}
PLANTED_SECRETS = {
    "ORDERPULSE_PSEUDONYM_KEY": "planted-pseudonym-key-0b7d",
    "ORDERPULSE_SMTP_PASSWORD": "planted-smtp-pass-e41c",
    "ORDERPULSE_ALERT_WEBHOOK_URL": "https://hooks.example.invalid/planted-webhook-2a9f",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_chromium()
    folder = tmp_path_factory.mktemp("access_browser")
    warehouse = build_two_warehouse_warehouse(folder / "warehouse.duckdb")
    environment = {key: value for key, value in os.environ.items() if not key.startswith("ORDERPULSE_")}
    environment |= PLANTED_SECRETS | {"ORDERPULSE_USERS_FILE": str(write_users_file(folder / "users.json"))}
    port = free_port()
    log_path = folder / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "orderpulse.cli",
                "dashboard",
                "--warehouse",
                str(warehouse),
                "--port",
                str(port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=environment,
            start_new_session=True,
        )
    try:
        wait_until_healthy(port, process)
        yield f"http://127.0.0.1:{port}", log_path
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=RENDER_MILLISECONDS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    page = context.new_page()
    page.set_default_timeout(RENDER_MILLISECONDS)
    yield page
    context.close()


def open_signin(page, url: str) -> None:
    """Open `url` in a new session; any page but the root is not in an anonymous navigation, so
    Streamlit says "Page not found" in a dialog (closed here) over the sign-in form."""
    from playwright.sync_api import expect

    page.goto(url)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    if not url.endswith("/"):
        dialog = page.get_by_role("dialog")
        expect(dialog).to_contain_text("Page not found")
        page.keyboard.press("Escape")
        expect(dialog).to_have_count(0)


def sign_in(page, name: str, password: str) -> None:
    page.get_by_role("textbox", name="User name").fill(name)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def navigation_titles(page) -> list[str]:
    # Each link's text is its icon's name (a font ligature) and then its title.
    return [
        text.strip().splitlines()[-1] for text in page.get_by_test_id("stSidebarNavLink").all_inner_texts()
    ]


def signed_in(page, base_url: str, name: str) -> None:
    from playwright.sync_api import expect

    open_signin(page, base_url + "/")
    sign_in(page, name, USERS[name][2])
    expect(page.get_by_text(f"Signed in as {name}")).to_be_visible()
    expect(page.get_by_role("heading", name="Scorecard")).to_be_visible()


def test_anonymous_visitors_get_only_the_signin_form(server, page):
    from playwright.sync_api import expect

    base_url, _ = server
    for path in ("/", "/trends", "/data_quality"):
        open_signin(page, base_url + path)
        expect(page.get_by_role("textbox", name="User name")).to_be_visible()
        expect(page.get_by_role("textbox", name="Password")).to_be_visible()
        assert navigation_titles(page) == []
        assert page.get_by_test_id("stMetric").count() == 0
        body = page.locator("body").inner_text()
        assert "Data as of" not in body and "OTIF" not in body


def test_a_wrong_password_and_an_unknown_user_get_the_same_refusal(server, page):
    from playwright.sync_api import expect

    base_url, _ = server
    answers = []
    for name, password in (("vera", "not-veras-password"), ("nobody-at-all", "not-veras-password")):
        open_signin(page, base_url + "/")
        sign_in(page, name, password)
        alert = page.get_by_test_id("stAlertContentError")
        expect(alert).to_be_visible()
        answers.append(alert.inner_text())
        assert navigation_titles(page) == []
    assert answers == [signin.WRONG_CREDENTIALS, signin.WRONG_CREDENTIALS]


@pytest.mark.parametrize("name", ["vera", "otto", "ada"])
def test_each_role_sees_exactly_its_pages(server, page, name):
    base_url, _ = server
    signed_in(page, base_url, name)

    role = USERS[name][0]
    assert navigation_titles(page) == [
        title for page_id, title in PAGE_TITLES.items() if access.may_see(role, page_id)
    ]


def test_a_direct_url_to_a_forbidden_page_is_refused(server, page):
    from playwright.sync_api import expect

    base_url, _ = server
    signed_in(page, base_url, "vera")
    # Typing the URL opens a new session: the form again, and after sign-in the viewer's own pages.
    open_signin(page, base_url + "/data_quality")
    sign_in(page, "vera", USERS["vera"][2])
    expect(page.get_by_text("Signed in as vera")).to_be_visible()
    expect(page.get_by_role("heading", name="Scorecard")).to_be_visible()
    assert page.get_by_role("heading", name="Data quality").count() == 0
    assert "Load ledger" not in page.locator("body").inner_text()
    assert "Data quality" not in navigation_titles(page)
    # The admin, signing in the same way, does reach the page (so the check above can fail).
    open_signin(page, base_url + "/data_quality")
    sign_in(page, "ada", USERS["ada"][2])
    expect(page.get_by_text("Signed in as ada")).to_be_visible()
    page.get_by_test_id("stSidebarNavLink").filter(has_text="Data quality").click()
    expect(page.get_by_role("heading", name="Load ledger")).to_be_visible()


def test_a_scoped_users_pages_never_show_another_warehouse(server, page):
    from playwright.sync_api import expect

    base_url, _ = server
    signed_in(page, base_url, "east")
    for title in navigation_titles(page):
        link = page.get_by_test_id("stSidebarNavLink").filter(has_text=re.compile(f"{title}$"))
        if link.get_attribute("aria-current") != "page":  # the page shown already (after sign-in)
            link.click()
        expect(page.get_by_role("heading", name=title)).to_be_visible()
        if title == "Trends":
            page.get_by_text("Warehouse", exact=True).click()
            expect(page.get_by_text(OWN_WAREHOUSE).first).to_be_visible()
        page.wait_for_load_state("networkidle")
        assert OTHER_WAREHOUSE not in page.locator("body").inner_text(), title
        assert OTHER_WAREHOUSE not in page.content(), title
    # An unlimited viewer's trends by warehouse do show the other warehouse: the checks above can fail.
    signed_in(page, base_url, "vera")
    page.get_by_test_id("stSidebarNavLink").filter(has_text=re.compile("Trends$")).click()
    page.get_by_text("Warehouse", exact=True).click()
    expect(page.get_by_text(OTHER_WAREHOUSE).first).to_be_visible()


def test_the_server_output_holds_no_planted_secret(server, page):
    base_url, log_path = server
    signed_in(page, base_url, "ada")  # one more session, so the app has certainly run
    output = log_path.read_text()
    assert "Listening on 127.0.0.1 only" in output
    for secret in PLANTED_SECRETS.values():
        assert secret not in output
