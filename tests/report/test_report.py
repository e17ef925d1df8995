"""`orderpulse report` over a warehouse built by the real pipeline: figures equal the marts', the HTML
opens offline, the PDF is printed by Debian's chromium; and the Dagster asset writes the same."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from plotly.offline import get_plotlyjs

from benchmarks.generate_landing import write_landing
from dashboards import kpis
from orchestration.report_asset import ReportResource, weekly_executive_report
from orchestration.resources import WarehouseResource

BIN = Path(sys.executable).parent
ORDERPULSE = str(BIN / "orderpulse")
CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"), reason="Debian's chromium is not installed"
)
# The report's headline rates are the scorecard's (test_dashboard_kpis_and_charts holds that list to the spec).
RATES = tuple(kpi.column for kpi in kpis.HEADLINE_RATES)


def orderpulse(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [ORDERPULSE, *args], capture_output=True, text=True, timeout=600, env=env, check=False
    )


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return conn.execute(sql, params or []).fetchall()


@pytest.fixture(scope="module")
def pipeline_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess]:
    """`orderpulse run` with the shipped alert rules, as a user runs it."""
    tmp = tmp_path_factory.mktemp("report")
    write_landing(tmp / "landing", orders=600, days=21, file_format="csv")
    path = tmp / "warehouse.duckdb"
    env = {key: value for key, value in os.environ.items() if key != "ORDERPULSE_ALERT_RULES"}
    result = orderpulse("run", "--landing", str(tmp / "landing"), "--warehouse", str(path), env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return path, result


@pytest.fixture(scope="module")
def warehouse(pipeline_run) -> Path:
    return pipeline_run[0]


def test_orderpulse_run_prints_the_alerts_it_published(pipeline_run):
    warehouse, result = pipeline_run
    active = query(warehouse, "select description from alerts where active")
    assert active  # the generated weeks are far below the shipped OTIF rules
    assert "Warning: check kpi_thresholds_met on published_warehouse: " in result.stdout
    for (description,) in active:
        assert description in result.stdout


@pytest.fixture(scope="module")
def written(warehouse: Path, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("out")
    result = orderpulse("report", "--warehouse", str(warehouse), "--period", "week", "--out", str(out))
    return result, out


def latest_mature_week(warehouse: Path) -> dt.date:
    return query(
        warehouse,
        "select max(period_start) from kpi_weekly where dimension = 'all' "
        "and period_end < (select as_of_date from run_info)",
    )[0][0]


def headline_cells(html: str) -> dict[str, dict[str, str]]:
    """<tr data-kpi=...> rows of the headline table: their value, previous and change cells."""
    rows = {}
    for kpi, body in re.findall(r'<tr data-kpi="([a-z0-9_]+)">(.*?)</tr>', html, flags=re.S):
        cells = dict(re.findall(r'<td class="(value|previous|change)[^"]*">([^<]*)</td>', body))
        rows[kpi] = cells
    return rows


@needs_chromium
def test_the_report_writes_html_and_a_pdf_of_at_least_one_page(written):
    result, out = written
    assert result.returncode == 0, result.stderr
    html, pdf = sorted(out.glob("*.html")), sorted(out.glob("*.pdf"))
    assert len(html) == 1 and len(pdf) == 1
    assert f"HTML report: {html[0]}" in result.stdout and f"PDF report:  {pdf[0]}" in result.stdout
    data = pdf[0].read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) >= 1
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-r", "30", "-png", "-f", "1", "-l", "1", pdf[0], out / "page"], check=True
        )
        (page,) = out.glob("page*.png")
        assert page.stat().st_size > 5000  # a rendered page with text and charts, not a blank one


def test_headline_figures_equal_the_marts(written, warehouse: Path):
    _, out = written
    html = next(out.glob("*.html")).read_text()
    week = latest_mature_week(warehouse)
    assert f'<strong id="period">{week} to {week + dt.timedelta(days=6)}</strong>' in html
    cells = headline_cells(html)
    for role, start in (("value", week), ("previous", week - dt.timedelta(days=7))):
        rates = query(
            warehouse,
            f"select {', '.join(RATES)} from kpi_weekly where dimension = 'all' and period_start = ?",
            [start],
        )[0]
        for column, rate in zip(RATES, rates, strict=True):
            assert cells[column][role] == f"{rate:.2%}", (column, role)
        # Exceptions per 1,000 orders, from the exception rows and the orders themselves.
        exceptions, orders = query(
            warehouse,
            "select (select sum(exceptions) from exceptions_daily where exception_date between ? and ?), "
            "(select count(*) from order_outcomes where cast(ordered_at as date) between ? and ?)",
            [start, start + dt.timedelta(days=6)] * 2,
        )[0]
        assert cells["exceptions_per_1000_orders"][role] == f"{exceptions * 1000 / orders:,.2f}"
    otif_now, otif_before = (
        query(
            warehouse, "select otif_rate from kpi_weekly where dimension = 'all' and period_start = ?", [d]
        )[0][0]
        for d in (week, week - dt.timedelta(days=7))
    )
    assert cells["otif_rate"]["change"] == f"{round((otif_now - otif_before) * 100, 2) + 0.0:+.2f} pp"


def test_backlog_worst_carrier_and_failures_come_from_the_marts(written, warehouse: Path):
    _, out = written
    html = next(out.glob("*.html")).read_text()
    total = query(warehouse, "select sum(open_orders) from open_order_aging")[0][0]
    assert f'<strong id="backlog-total">{total:,}</strong>' in html
    week = latest_mature_week(warehouse)
    worst_carrier = query(
        warehouse,
        "select dimension_value from kpi_weekly where dimension = 'carrier' and period_start = ? "
        "and dimension_value <> 'unshipped' order by perfect_order_rate, orders_measured desc limit 1",
        [week],
    )[0][0]
    card = re.search(r'id="worst-carrier">(.*?)</div>\s*</div>', html, flags=re.S)
    assert card and f'<div class="big">{worst_carrier}</div>' in card.group(1)
    tables = {row[0] for row in query(warehouse, "show tables")}
    source = re.search(r'id="failure-causes-source">(.*?)</p>', html, flags=re.S).group(1)
    if "failure_causes_weekly" in tables:
        expected = query(
            warehouse,
            "select cause_late_in_transit_orders from failure_causes_weekly "
            "where dimension = 'all' and period_start = ?",
            [week],
        )[0][0]
        row = re.search(r'<tr data-cause="late_in_transit">\s*<td>[^<]*</td><td>([^<]*)</td>', html)
        assert row.group(1) == f"{expected:,}"
        assert source.startswith("Source: failure_causes_weekly")
    else:
        # Said plainly: without the failure-cause mart the report shows overlapping order flags.
        assert "this warehouse has no failure_causes_weekly" in source
        damaged = query(
            warehouse,
            "select orders_damaged from kpi_weekly where dimension = 'all' and period_start = ?",
            [week],
        )[0][0]
        row = re.search(r'<tr data-cause="damaged">\s*<td>[^<]*</td><td>([^<]*)</td>', html)
        assert row.group(1) == f"{damaged:,}"


@needs_chromium
def test_the_html_needs_no_network_and_draws_every_chart_offline(written, tmp_path: Path):
    _, out = written
    html_path = next(out.glob("*.html"))
    html = html_path.read_text()
    # plotly.js is inline, whole. Its code mentions URLs for features the report does not use (map
    # tiles, its logo's link); the chromium run below shows that none is fetched. The rest of the page,
    # the report's own markup, styles and figures, names no other origin at all.
    bundle = get_plotlyjs()
    assert html.count(bundle) == 1
    own = html.replace(bundle, "")
    assert not re.search(
        r"https?:|//[a-z0-9.-]+\.[a-z]{2,}/", own.replace("http://www.w3.org/", ""), flags=re.I
    )
    assert "<script src" not in own and "<link" not in own
    charts = html.count('class="plotly-graph-div"')
    assert charts == 3
    # With every request sent to a closed port, chromium still draws each chart (plotly.js is inline).
    dom = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--proxy-server=127.0.0.1:9",
            "--proxy-bypass-list=<-loopback>",
            "--virtual-time-budget=20000",
            "--dump-dom",
            html_path.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    ).stdout
    assert dom.count('class="main-svg"') >= charts  # plotly.js drew the figures


def test_chromium_missing_is_a_clear_error_and_the_html_is_still_written(warehouse: Path, tmp_path: Path):
    env = {**os.environ, "PATH": str(BIN)}  # the venv's commands, no chromium
    result = orderpulse(
        "report", "--warehouse", str(warehouse), "--period", "week", "--out", str(tmp_path), env=env
    )
    assert result.returncode == 1
    assert result.stderr.startswith(
        "orderpulse: chromium is not installed, so no PDF was written (the HTML was)"
    )
    assert "Traceback" not in result.stderr
    assert len(list(tmp_path.glob("*.html"))) == 1 and not list(tmp_path.glob("*.pdf"))


def test_a_warehouse_without_a_mature_month_says_so(warehouse: Path, tmp_path: Path):
    result = orderpulse("report", "--warehouse", str(warehouse), "--period", "month", "--out", str(tmp_path))
    assert result.returncode == 1
    assert "has no month that ended before its as-of date" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--warehouse", "/nonexistent/w.duckdb", "--period", "week"], "is not a file"),
        (["--warehouse", "/nonexistent/w.duckdb", "--period", "year"], "invalid choice: 'year'"),
    ],
)
def test_command_mistakes_exit_2_with_one_line(args, message):
    result = orderpulse("report", *args)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


@needs_chromium
def test_the_dagster_asset_writes_the_weekly_report(warehouse: Path, tmp_path: Path):
    resource = WarehouseResource(landing_dir=str(tmp_path), warehouse_path=str(warehouse))
    result = dg.materialize(
        [weekly_executive_report],
        resources={"warehouse": resource, "report": ReportResource(out_dir=str(tmp_path / "reports"))},
    )
    assert result.success
    metadata = result.asset_materializations_for_node("weekly_executive_report")[0].metadata
    week = latest_mature_week(warehouse)
    assert metadata["period"].value == f"{week} to {week + dt.timedelta(days=6)}"
    assert Path(metadata["pdf"].value).stat().st_size > 0 and Path(metadata["html"].value).exists()


def test_a_file_that_is_not_a_published_warehouse_is_one_line_exit_2(tmp_path: Path):
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    result = orderpulse("report", "--warehouse", str(empty), "--period", "week", "--out", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.startswith(
        f"orderpulse: error: {empty} is not a published warehouse of this version"
    )
    assert len(result.stderr.strip().splitlines()) == 1


def test_suspect_days_of_the_period_are_named_in_the_report_and_others_are_not(warehouse: Path):
    import dataclasses

    import pandas as pd

    from report.data import read_report_data
    from report.render import render_html

    data = read_report_data(warehouse, "week")
    assert data.suspect.empty  # the clean landing raised no data check
    assert 'id="suspect-days"' not in render_html(data, dt.datetime(2026, 12, 4))

    inside, outside = data.period_start, data.period_start - dt.timedelta(days=30)
    rows = pd.DataFrame(
        {
            "day": [inside, outside],
            "slice_dimension": ["warehouse", "warehouse"],
            "slice_value": ["WH-INSIDE", "WH-OUTSIDE"],
            "check_name": ["shipments_per_warehouse", "shipments_per_warehouse"],
            "severity": ["warn", "warn"],
            "reason": ["shipments far below the same weekday's baseline", "old"],
        }
    )
    from report.data import _in_period

    html = render_html(
        dataclasses.replace(data, suspect=_in_period(rows, data.current)), dt.datetime(2026, 12, 4)
    )
    assert 'id="suspect-days"' in html
    assert "warehouse WH-INSIDE" in html and "WH-OUTSIDE" not in html
