"""The real thing: `serve` starts Streamlit, headless Debian chromium renders the pages."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from dashboard_warehouse import build_published_warehouse, free_port
from test_dashboard_on_pipeline_warehouse import failed_order_id, open_page

from dashboards.pages import PAGES

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STARTUP_SECONDS = 45
RENDER_MILLISECONDS = 30_000

# serve() as `orderpulse dashboard` calls it, in a process of its own so Ctrl-C can be sent to it.
SERVE_SCRIPT = (
    "import sys; from dashboards.serve import serve; sys.exit(serve(sys.argv[1], int(sys.argv[2])))"
)


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing on CI: install Debian's chromium package")
    pytest.skip(f"{CHROMIUM} is not installed (set CI=true to make this a failure)")


def wait_until_healthy(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the dashboard exited early with code {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    pytest.fail(f"the dashboard did not answer on port {port} within {STARTUP_SECONDS} s")


def serve_dashboard(warehouse: Path, port: int) -> subprocess.Popen:
    """`orderpulse dashboard` on the warehouse, its output (the URL first) on stdout."""
    return subprocess.Popen(
        [sys.executable, "-c", SERVE_SCRIPT, str(warehouse), str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # A process group of its own, so a test can press "Ctrl-C" on it like a terminal would.
        start_new_session=True,
    )


@pytest.mark.browser
def test_served_scorecard_renders_in_chromium_and_stops_on_ctrl_c(tmp_path, warehouse_path):
    require_chromium()
    from playwright.sync_api import expect, sync_playwright

    port = free_port()
    server = serve_dashboard(warehouse_path, port)
    try:
        first_line = server.stdout.readline().strip()
        assert first_line == f"Dashboard: http://localhost:{port}"
        wait_until_healthy(port, server)

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 2200})
                page.goto(f"http://localhost:{port}/")
                otif = page.get_by_test_id("stMetric").filter(has_text="OTIF")
                expect(otif.get_by_test_id("stMetricValue")).to_have_text(
                    "96.50%", timeout=RENDER_MILLISECONDS
                )
                expect(otif.get_by_test_id("stMetricDelta")).to_contain_text("+1.50 pp")
                expect(page.get_by_text("Walmart OTIF target 98.00%").first).to_be_visible(
                    timeout=RENDER_MILLISECONDS
                )
                page.screenshot(path=tmp_path / "scorecard.png", full_page=True)

                # A run publishes a new file by rename while the app is up: a reload shows it.
                build_published_warehouse(warehouse_path, run_id="run-republished")
                page.reload()
                expect(page.get_by_text("run-republished").first).to_be_visible(timeout=RENDER_MILLISECONDS)
            finally:
                browser.close()
        assert (tmp_path / "scorecard.png").stat().st_size > 10_000
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGINT)
        try:
            exit_code = server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            raise
        output = server.stdout.read()
        server.stdout.close()

    assert exit_code == 0, output
    assert "Dashboard stopped." in output


KPI_ALERT_BANNER = re.compile(r"\d+ KPI alerts? in the latest period:")


@pytest.mark.browser
def test_every_page_renders_in_chromium_without_errors_and_with_every_chart(tmp_path, pipeline_warehouse):
    """Each page of the registry, served over the pipeline-built warehouse: no exception or warning
    element, every plotly chart that the page draws (as many as AppTest counts) rendered as SVG, and
    no developer toolbar ("Deploy") for the viewer."""
    require_chromium()
    from playwright.sync_api import expect, sync_playwright

    order_id = failed_order_id(pipeline_warehouse)
    os.environ["ORDERPULSE_WAREHOUSE"] = str(pipeline_warehouse)
    try:
        expected_charts = {
            page.script: len(
                open_page(
                    page.script, {"order_id": order_id} if page.url_path == "order_lookup" else None
                ).get("plotly_chart")
            )
            for page in PAGES
        }
    finally:
        del os.environ["ORDERPULSE_WAREHOUSE"]

    port = free_port()
    server = serve_dashboard(pipeline_warehouse, port)
    try:
        server.stdout.readline()
        wait_until_healthy(port, server)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 4000})
                for spec in PAGES:
                    query = f"?order_id={order_id}" if spec.url_path == "order_lookup" else ""
                    page.goto(f"http://localhost:{port}/{'' if spec.default else spec.url_path}{query}")
                    expect(page.get_by_role("heading", name=spec.title, exact=True).first).to_be_visible(
                        timeout=RENDER_MILLISECONDS
                    )
                    charts = page.get_by_test_id("stPlotlyChart")
                    expect(charts).to_have_count(expected_charts[spec.script], timeout=RENDER_MILLISECONDS)
                    for index in range(expected_charts[spec.script]):
                        expect(charts.nth(index).locator(".main-svg").first).to_be_attached(
                            timeout=RENDER_MILLISECONDS
                        )
                    expect(page.get_by_test_id("stException")).to_have_count(0)
                    # The one alert element expected: the frame's banner of active KPI alerts (the
                    # shipped alert rules find breaches in this warehouse), on every page.
                    alerts = page.locator('[data-testid="stAlertContainer"][role="alert"]')
                    expect(alerts.filter(has_text=KPI_ALERT_BANNER)).to_have_count(1)
                    expect(alerts.filter(has_not_text=KPI_ALERT_BANNER)).to_have_count(0)
                    expect(page.get_by_test_id("stAppDeployButton")).to_have_count(0)
                    page.screenshot(path=tmp_path / f"{spec.url_path}.png", full_page=True)
                lookup = f"http://localhost:{port}/order_lookup?order_id={order_id}"
                page.goto(lookup)
                expect(page.get_by_text("so the delay was in transit with").first).to_be_visible(
                    timeout=RENDER_MILLISECONDS
                )
            finally:
                browser.close()
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            raise
        server.stdout.close()
    assert all(expected_charts[page.script] > 0 for page in PAGES if page.script != "data_quality.py")
