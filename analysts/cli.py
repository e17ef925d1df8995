"""`orderpulse sql` and `orderpulse catalog`: the analysts' way into the published warehouse."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from orderpulse.errors import UserError


def add_analyst_commands(subparsers: argparse._SubParsersAction) -> None:
    sql = subparsers.add_parser(
        "sql",
        help="SQL on the published warehouse, read-only: a terminal workbench, or one query with -c.",
    )
    sql.add_argument("--warehouse", help="Published DuckDB file (default: ORDERPULSE_WAREHOUSE).")
    sql.add_argument("-c", "--command", dest="query", help="Run this SQL, print the result and exit.")
    sql.add_argument(
        "--format", choices=("table", "csv", "json"), default="table", help="Output of -c (default: table)."
    )
    sql.set_defaults(handler=_sql)

    catalog = subparsers.add_parser(
        "catalog",
        help="Write an offline site of every published table: grain, columns, lineage, KPI SQL, row counts.",
    )
    catalog.add_argument("--warehouse", help="Published DuckDB file (default: ORDERPULSE_WAREHOUSE).")
    catalog.add_argument(
        "--out", help="Folder to write the site into (default: a folder beside the warehouse)."
    )
    catalog.add_argument("--serve", action="store_true", help="Serve the site over HTTP after writing it.")
    catalog.add_argument("--host", default="127.0.0.1", help="Address to serve on (default: 127.0.0.1).")
    catalog.add_argument("--port", type=int, default=8502, help="Port to serve on (default: 8502).")
    catalog.set_defaults(handler=_catalog)


def _warehouse(args: argparse.Namespace) -> Path:
    if args.warehouse:
        return Path(args.warehouse)
    from orderpulse.config import load_settings

    return load_settings().warehouse_path


def _sql(args: argparse.Namespace) -> int:
    path = _warehouse(args)
    if args.query is None:
        if args.format != "table":
            raise UserError("--format applies to -c only")
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise UserError("the workbench needs a terminal; for a script, give the query with -c")
        from analysts.workbench import run_workbench

        return run_workbench(path)

    from analysts.query import QueryFailed, run_query, write_result

    try:
        columns, rows = run_query(path, args.query)
    except QueryFailed as error:
        print(f"orderpulse sql: error: {error}", file=sys.stderr)
        return 1
    write_result(columns, rows, args.format)
    return 0


def _catalog(args: argparse.Namespace) -> int:
    from analysts.catalog import serve_site, write_site

    path = _warehouse(args)
    out = Path(args.out) if args.out else path.parent / f"{path.stem}_catalog"
    index = write_site(path, out)
    print(f"Catalog: {index}", flush=True)
    if args.serve:
        return serve_site(out, host=args.host, port=args.port)
    return 0
