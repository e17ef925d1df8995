"""`orderpulse catalog`: an offline site of what the published warehouse holds.

One self-contained HTML page (inline CSS, no script, nothing fetched) built from two
sources: the published file (tables, column types, the dbt docs carried as comments,
row counts as of the last publish) and dbt's manifest (lineage from landing files
through staging and intermediate models, model SQL, the KPI macros).

Why not `dbt docs generate`: its page loads manifest.json and catalog.json with a
request that browsers refuse for a file:// page (only `--static` inlines them); it
describes the pipeline's private work database (schema-qualified names such as
`marts.order_outcomes`, staging tables analysts cannot query) and needs a connection
to it, which a run may hold; and it has no row counts of the published file nor the
tables the publish adds (load_ledger, run_info, ...).
"""

from __future__ import annotations

import html
import http.server
import json
import re
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import jinja2

from analysts.reader import connect_read_only
from orderpulse.config import DBT_PROJECT_DIR
from orderpulse.errors import UserError
from warehouse.publish import MARTS_SCHEMA, OPS_TABLES

MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"
# The macros that define every KPI of kpis.md (dbt_project/macros/outcome_rates.sql).
KPI_MACROS = ("share", "outcome_counts", "outcome_rates")
LAYERS = ("staging", "intermediate", "marts")


@dataclass
class Column:
    name: str
    data_type: str
    description: str


@dataclass
class Table:
    name: str
    description: str
    row_count: int
    columns: list[Column]
    model_sql: str = ""
    # Layer -> names of the models (or landing folders) this table is built from.
    lineage: dict[str, list[str]] = field(default_factory=dict)

    @property
    def grain(self) -> str:
        """The description up to its first colon or full stop: "One row per order (latest version)"."""
        match = re.match(r"[^:.;]*", self.description.strip())
        return match.group(0).strip() if match else ""


@dataclass
class Kpi:
    name: str
    definition: str
    sql: str


@dataclass
class Catalog:
    warehouse: Path
    run_info: dict[str, object]
    tables: list[Table]
    kpis: list[Kpi]
    counts_sql: str


def read_catalog(warehouse: Path, manifest_path: Path = MANIFEST) -> Catalog:
    manifest = _read_manifest(manifest_path)
    conn = connect_read_only(warehouse)
    try:
        names = [
            row[0]
            for row in conn.execute(
                "select table_name from duckdb_tables() where database_name = current_database()"
                " order by table_name"
            ).fetchall()
        ]
        tables = []
        for name in names:
            comment = conn.execute(
                "select comment from duckdb_tables() where database_name = current_database() and table_name = ?",
                [name],
            ).fetchone()[0]
            columns = [
                Column(column, data_type, description or "")
                for column, data_type, description in conn.execute(
                    "select column_name, data_type, comment from duckdb_columns()"
                    " where database_name = current_database() and table_name = ? order by column_index",
                    [name],
                ).fetchall()
            ]
            row_count = conn.execute(f'select count(*) from "{name}"').fetchone()[0]
            tables.append(Table(name, comment or "", row_count, columns))
        cursor = conn.execute("select * from run_info") if "run_info" in names else None
        run_info = (
            dict(zip([c[0] for c in cursor.description], cursor.fetchone(), strict=True)) if cursor else {}
        )
    finally:
        conn.close()

    models = {node["name"]: node for node in manifest["nodes"].values() if node["resource_type"] == "model"}
    for table in tables:
        model = models.get(table.name)
        if model is not None:
            table.model_sql = model["raw_code"]
            table.lineage = _lineage(manifest, model["unique_id"])
        elif table.name in OPS_TABLES:
            table.lineage = {"written by the pipeline": [f"{OPS_TABLES[table.name]} of the work database"]}
        elif table.name == "run_info":
            table.lineage = {"written by the pipeline": ["the run that published this file"]}
    kpis, counts_sql = _kpis(manifest, models.get("kpi_daily"))
    return Catalog(warehouse, run_info, tables, kpis, counts_sql)


def _read_manifest(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise UserError(f"no dbt manifest at {path}: run `make install` (it runs `dbt parse`)") from None


def _lineage(manifest: dict, unique_id: str) -> dict[str, list[str]]:
    """Every ancestor of a model by layer, from the landing folders of its sources up to the marts."""
    ancestors: set[str] = set()
    pending = list(manifest["parent_map"].get(unique_id, []))
    while pending:
        parent = pending.pop()
        if parent not in ancestors:
            ancestors.add(parent)
            pending.extend(manifest["parent_map"].get(parent, []))
    lineage: dict[str, list[str]] = {"landing files": [], "raw tables": []}
    for layer in LAYERS:
        lineage[layer] = []
    for ancestor in sorted(ancestors):
        if ancestor in manifest["sources"]:
            source = manifest["sources"][ancestor]
            lineage["landing files"].append(f"<landing>/{source['source_name']}/{source['name']}/")
            lineage["raw tables"].append(f"{source['schema']}.{source['identifier']}")
        elif ancestor in manifest["nodes"]:
            node = manifest["nodes"][ancestor]
            layer = next((part for part in node["fqn"] if part in LAYERS), None)
            if layer is not None:
                lineage[layer].append(node["name"])
    return {layer: names for layer, names in lineage.items() if names}


def _kpis(manifest: dict, kpi_daily: dict | None) -> tuple[list[Kpi], str]:
    """Each rate of kpis.md with its definition (kpi_daily's docs) and the SQL dbt compiles it to."""
    macros = {
        macro["name"]: macro for macro in manifest["macros"].values() if macro["package_name"] == "orderpulse"
    }
    if kpi_daily is None or any(name not in macros for name in KPI_MACROS):
        return [], ""
    # The macros are plain Jinja (no dbt context needed), so rendering them gives the exact SQL.
    definitions = "".join(macros[name]["macro_sql"] for name in KPI_MACROS)
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined)
    counts_sql = environment.from_string(definitions + "{{ outcome_counts() }}").render().strip()
    rates_sql = environment.from_string(definitions + "{{ outcome_rates() }}").render()
    descriptions = {name: column.get("description", "") for name, column in kpi_daily["columns"].items()}
    kpis = [Kpi(name, descriptions.get(name, ""), sql) for name, sql in split_select_list(rates_sql)]
    return kpis, counts_sql


def split_select_list(sql: str) -> list[tuple[str, str]]:
    """`expr as name,` items of a rendered select list (one or more lines each) as (name, expr)."""
    items, pending = [], []
    for line in sql.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("--"):
            continue
        match = re.fullmatch(r"(.*)\bas (\w+),?", stripped)
        if match is None:
            pending.append(stripped)
            continue
        pending.append(match.group(1).strip())
        items.append((match.group(2), "\n".join(pending)))
        pending = []
    return items


def write_site(warehouse: Path, out: Path) -> Path:
    catalog = read_catalog(warehouse)
    out.mkdir(parents=True, exist_ok=True)
    index = out / "index.html"
    index.write_text(render(catalog), encoding="utf-8")
    return index


def serve_site(out: Path, host: str = "127.0.0.1", port: int = 8502) -> int:
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    try:
        server = http.server.ThreadingHTTPServer((host, port), handler)
    except OSError as error:
        raise UserError(f"cannot serve on {host}:{port}: {error.strerror}") from None
    print(f"Serving the catalog on http://{host}:{server.server_address[1]}/ (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #1d2330; }
h1 { margin-bottom: 0.2rem; } h2 { border-bottom: 2px solid #d6dbe4; padding-bottom: 0.2rem; margin-top: 2.5rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 0.25rem 0.6rem; border-bottom: 1px solid #e4e7ee; }
th { background: #f2f4f8; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
code, pre { font-family: ui-monospace, monospace; font-size: 0.9em; }
pre { background: #f6f8fa; padding: 0.6rem; overflow-x: auto; }
.meta { color: #556; } .grain { font-weight: 600; } dl.lineage dt { font-weight: 600; margin-top: 0.3rem; }
dl.lineage dd { margin-left: 1.2rem; }
"""


def render(catalog: Catalog) -> str:
    e = html.escape
    run = catalog.run_info
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>Order Pulse warehouse catalog</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>Order Pulse warehouse catalog</h1>",
        f'<p class="meta">File <code>{e(str(catalog.warehouse))}</code>; as of '
        f'<span id="as-of">{e(str(run.get("as_of_date", "?")))}</span>, published '
        f"{e(str(run.get('published_at', '?')))} UTC by run {e(str(run.get('run_id', '?')))}. Row counts are "
        "those of this file. Query it with <code>orderpulse sql</code> (read-only); the tables live in the "
        "default schema, so <code>select * from order_outcomes</code> works as is.</p>",
        '<h2 id="tables">Tables</h2>',
        "<table><thead><tr><th>table</th><th>grain</th><th>rows</th></tr></thead><tbody>",
    ]
    for table in catalog.tables:
        parts.append(
            f'<tr><td><a href="#table-{e(table.name)}">{e(table.name)}</a></td><td>{e(table.grain)}</td>'
            f'<td class="num">{table.row_count:,}</td></tr>'
        )
    parts.append("</tbody></table>")

    parts.append('<h2 id="kpis">KPI definitions</h2>')
    if catalog.kpis:
        parts.append(
            "<p>Every rate of <code>kpi_daily</code>, <code>kpi_weekly</code> and <code>kpi_monthly</code> is "
            "computed from the counts below, taken over the <em>measured</em> rows of "
            "<code>order_outcomes</code> of a due date (or period and dimension value); rates are never "
            "averaged from finer rates. The SQL is what dbt compiles the macros of "
            "<code>dbt_project/macros/outcome_rates.sql</code> to.</p>"
            f"<pre>{e(catalog.counts_sql)}</pre>"
            "<table><thead><tr><th>KPI</th><th>definition</th><th>SQL</th></tr></thead><tbody>"
        )
        for kpi in catalog.kpis:
            parts.append(
                f'<tr id="kpi-{e(kpi.name)}"><td><code>{e(kpi.name)}</code></td><td>{e(kpi.definition)}</td>'
                f"<td><pre>{e(kpi.sql)}</pre></td></tr>"
            )
        parts.append("</tbody></table>")
    else:
        parts.append("<p>The dbt manifest has no KPI macros.</p>")

    for table in catalog.tables:
        parts.append(f'<h2 id="table-{e(table.name)}">{e(table.name)}</h2>')
        parts.append(f'<p class="grain">{e(table.grain)}</p><p>{e(table.description)}</p>')
        parts.append(f'<p class="meta">{table.row_count:,} rows as of the last publish.</p>')
        if table.lineage:
            parts.append('<dl class="lineage"><dt>Lineage</dt><dd><dl>')
            for layer, names in table.lineage.items():
                parts.append(
                    f"<dt>{e(layer)}</dt><dd>{', '.join(f'<code>{e(n)}</code>' for n in names)}</dd>"
                )
            parts.append(f"<dt>published as</dt><dd><code>{e(table.name)}</code></dd></dl></dd></dl>")
        parts.append("<table><thead><tr><th>column</th><th>type</th><th>description</th></tr></thead><tbody>")
        for column in table.columns:
            parts.append(
                f"<tr><td><code>{e(column.name)}</code></td><td>{e(column.data_type)}</td>"
                f"<td>{e(column.description)}</td></tr>"
            )
        parts.append("</tbody></table>")
        if table.model_sql:
            parts.append(
                f"<details><summary>dbt model SQL (<code>{MARTS_SCHEMA}.{e(table.name)}</code> in the work "
                f"database)</summary><pre>{e(table.model_sql.strip())}</pre></details>"
            )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
