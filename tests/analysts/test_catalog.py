"""`orderpulse catalog`: the offline site of the published warehouse, read in headless chromium
with the network off, and served on 127.0.0.1."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import psutil
import pytest
from analyst_warehouse import ORDERPULSE, REPO, orderpulse

from analysts.catalog import MANIFEST, read_catalog

CHROMIUM = Path("/usr/bin/chromium")
# --proxy-server to a closed local port: any request that leaves the page's own file fails.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--proxy-server=127.0.0.1:9",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def published(warehouse: Path) -> dict[str, dict]:
    """table -> {rows, comment, columns: {name: (type, comment)}}, straight from the file."""
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        tables = {
            name: {"comment": comment, "columns": {}}
            for name, comment in conn.execute(
                "select table_name, comment from duckdb_tables() where database_name = current_database()"
            ).fetchall()
        }
        for table, column, data_type, comment in conn.execute(
            "select table_name, column_name, data_type, comment from duckdb_columns()"
            " where database_name = current_database()"
        ).fetchall():
            tables[table]["columns"][column] = (data_type, comment)
        for name, table in tables.items():
            table["rows"] = conn.execute(f'select count(*) from "{name}"').fetchone()[0]
    return tables


class Cells(HTMLParser):
    """The text of every table row of the page, by the id of the section above it."""

    def __init__(self) -> None:
        super().__init__()
        self.section, self.rows, self._row, self._cell = "", {}, None, None

    def handle_starttag(self, tag, attrs):
        if tag == "h2":
            self.section = dict(attrs).get("id", "")
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.setdefault(self.section, []).append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


@pytest.fixture(scope="module")
def site(analyst_warehouse, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("catalog")
    result = orderpulse("catalog", "--warehouse", str(analyst_warehouse.warehouse), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Catalog: {out / 'index.html'}"
    return out / "index.html"


def test_every_published_table_and_column_is_in_the_catalog_with_its_type_and_description(
    analyst_warehouse, site
):
    expected = published(analyst_warehouse.warehouse)
    cells = Cells()
    cells.feed(site.read_text())
    overview = {row[0]: row for row in cells.rows["tables"][1:]}
    assert set(overview) == set(expected)
    for name, table in expected.items():
        assert table["comment"], f"{name} has no description in the published file"
        grain = overview[name][1]
        assert grain.startswith("One row"), (name, grain)
        assert overview[name][2] == f"{table['rows']:,}", name
        columns = {row[0]: row for row in cells.rows[f"table-{name}"][1:]}
        assert set(columns) == set(table["columns"]), name
        for column, (data_type, comment) in table["columns"].items():
            assert comment, (
                f"{name}.{column} has no description (add it to the dbt docs, PIPELINE_TABLE_DOCS or warehouse/quality.py)"
            )
            assert columns[column][1:] == [data_type, " ".join(comment.split())], f"{name}.{column}"


def test_the_catalog_traces_each_mart_back_to_its_landing_folders(analyst_warehouse):
    catalog = read_catalog(analyst_warehouse.warehouse)
    tables = {table.name: table for table in catalog.tables}
    outcomes = tables["order_outcomes"].lineage
    assert "<landing>/oms/orders/" in outcomes["landing files"]
    assert "<landing>/carrier/tracking_events/" in outcomes["landing files"]
    assert "raw_layer.oms__orders" in outcomes["raw tables"]  # the Parquet raw layer both engines read
    assert "stg_oms__orders" in outcomes["staging"]
    assert "int_order_lines_filled" in outcomes["intermediate"]
    assert tables["kpi_daily"].lineage["marts"] == ["order_outcomes"]
    # The lineage names landing folders that exist, and leaves out only those no mart is built from.
    landed = {
        f"<landing>/{p.parent.parent.name}/{p.parent.name}/" for p in analyst_warehouse.landing.glob("*/*/*")
    }
    reached = {folder for table in tables.values() for folder in table.lineage.get("landing files", [])}
    assert reached <= landed and len(reached) >= 8
    manifest = json.loads(MANIFEST.read_text())
    for folder in landed - reached:
        source_name, entity = folder.split("/")[1:3]
        descendants, pending = set(), [f"source.orderpulse.{source_name}.{entity}"]
        while pending:
            for child in manifest["child_map"].get(pending.pop(), []):
                if child not in descendants:
                    descendants.add(child)
                    pending.append(child)
        marts = [d for d in descendants if "marts" in manifest["nodes"].get(d, {}).get("fqn", [])]
        assert marts == [], f"{folder} feeds {marts} but is in no lineage"


def test_kpi_definitions_give_the_sql_that_reproduces_the_published_rates(analyst_warehouse):
    catalog = read_catalog(analyst_warehouse.warehouse)
    with duckdb.connect(str(analyst_warehouse.warehouse), read_only=True) as conn:
        rate_columns = [
            row[0]
            for row in conn.execute(
                "select column_name from duckdb_columns() where table_name = 'kpi_daily'"
                " and data_type = 'DOUBLE' order by column_index"
            ).fetchall()
        ]
        assert [kpi.name for kpi in catalog.kpis] == rate_columns
        assert all(kpi.definition for kpi in catalog.kpis)
        # The catalog's SQL, run over the measured orders of each due date, gives the published rates.
        rates = ", ".join(f"{kpi.sql} as {kpi.name}" for kpi in catalog.kpis)
        recomputed = conn.execute(
            f"""
            with counts as (
                select due_date, {catalog.counts_sql}
                from order_outcomes where measured group by due_date
            )
            select due_date, {rates} from counts order by due_date
            """
        ).fetchall()
        published_rates = conn.execute(
            f"select due_date, {', '.join(rate_columns)} from kpi_daily order by 1"
        ).fetchall()
    assert len(recomputed) == len(published_rates) > 0
    for mine, theirs in zip(recomputed, published_rates, strict=True):
        assert mine == pytest.approx(theirs, nan_ok=True)


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing on CI: install Debian's chromium package")
    pytest.skip(f"{CHROMIUM} is not installed (set CI=true to make this a failure)")


@pytest.mark.browser
def test_the_catalog_renders_in_chromium_with_no_network(analyst_warehouse, site, tmp_path):
    require_chromium()
    from playwright.sync_api import expect, sync_playwright

    requests: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 2000})
            page.on("request", lambda request: requests.append(request.url))
            page.goto(site.as_uri())
            expect(page.get_by_role("heading", name="Order Pulse warehouse catalog")).to_be_visible()
            expect(page.locator("#table-order_outcomes")).to_be_visible()
            expect(page.locator("#kpi-otif_rate")).to_contain_text("orders_otif")
            as_of = (
                duckdb.connect(str(analyst_warehouse.warehouse), read_only=True)
                .execute("select as_of_date from run_info")
                .fetchone()[0]
            )
            expect(page.locator("#as-of")).to_have_text(str(as_of))
            # Styled by its inline CSS (a page whose stylesheet failed to load would be unstyled).
            assert (
                page.locator("th").first.evaluate("e => getComputedStyle(e).backgroundColor")
                != "rgba(0, 0, 0, 0)"
            )
            page.screenshot(path=str(tmp_path / "catalog.png"), full_page=False)
        finally:
            browser.close()
    assert requests == [site.as_uri()], "the page asked for more than its own file"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_listens_on_loopback_only_and_stops_on_ctrl_c(analyst_warehouse, tmp_path):
    port = free_port()
    server = subprocess.Popen(
        [
            ORDERPULSE,
            "catalog",
            "--warehouse",
            str(analyst_warehouse.warehouse),
            "--out",
            str(tmp_path),
            "--serve",
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        start_new_session=True,
    )
    try:
        assert server.stdout.readline().strip() == f"Catalog: {tmp_path / 'index.html'}"
        assert server.stdout.readline().strip() == (
            f"Serving the catalog on http://127.0.0.1:{port}/ (Ctrl-C to stop)"
        )
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
            assert response.status == 200
            assert "Order Pulse warehouse catalog" in response.read().decode()
        listening = [
            c.laddr
            for c in psutil.Process(server.pid).net_connections(kind="inet")
            if c.status == psutil.CONN_LISTEN
        ]
        assert listening == [("127.0.0.1", port)]
        os.killpg(server.pid, signal.SIGINT)
        assert server.wait(timeout=20) == 0
        assert "Traceback" not in server.stderr.read()
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def test_catalog_of_a_missing_warehouse_is_a_user_mistake(tmp_path):
    result = orderpulse(
        "catalog", "--warehouse", str(tmp_path / "nope.duckdb"), "--out", str(tmp_path / "site")
    )
    assert result.returncode == 2
    assert re.fullmatch(r"orderpulse: error: no published warehouse at .*\n", result.stderr)
