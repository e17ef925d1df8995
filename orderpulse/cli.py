"""The `orderpulse` command.

Sub-commands import their heavy dependencies lazily, so `orderpulse core ...` does
not pay for loading Dagster and dbt.
"""

from __future__ import annotations

import argparse
import sys
import traceback

from orderpulse.config import ConfigError, redact
from orderpulse.errors import UserError
from report.cli import add_report_command


def _add_run(subparsers: argparse._SubParsersAction) -> None:
    run = subparsers.add_parser(
        "run",
        help="Load landed files, build the KPIs, check them and publish the warehouse (once).",
    )
    run.add_argument("--landing", required=True, help="Landing folder (<landing>/<source>/<entity>/<file>).")
    run.add_argument("--warehouse", required=True, help="Published DuckDB file to (re)write.")
    run.add_argument("--as-of", dest="as_of", help="As-of date YYYY-MM-DD (default: latest event date).")
    run.add_argument(
        "--engine",
        help="Engine that runs the dbt models: duckdb or spark (default: ORDERPULSE_ENGINE or duckdb).",
    )
    run.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from orchestration.run import run_pipeline_once

    return run_pipeline_once(
        landing=args.landing, warehouse=args.warehouse, as_of=args.as_of, engine=args.engine
    )


def _add_dashboard(subparsers: argparse._SubParsersAction) -> None:
    dash = subparsers.add_parser("dashboard", help="Serve the dashboard over a published warehouse.")
    dash.add_argument("--warehouse", help="Published DuckDB file (default: ORDERPULSE_WAREHOUSE).")
    dash.add_argument("--port", type=int, help="Port (default: ORDERPULSE_PORT or 8501).")
    dash.add_argument(
        "--host",
        help="Address to listen on (default: ORDERPULSE_DASHBOARD_HOST or 127.0.0.1, this machine only; "
        "0.0.0.0 for every network interface).",
    )
    dash.set_defaults(handler=_dashboard)


def _dashboard(args: argparse.Namespace) -> int:
    from dashboards.serve import serve

    return serve(warehouse=args.warehouse, port=args.port, host=args.host)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="orderpulse", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True)
    _add_run(subparsers)
    _add_dashboard(subparsers)
    from orderpulse.import_command import add_import_command

    add_import_command(subparsers)

    from dashboards.users_cli import add_users_command

    add_users_command(subparsers)

    add_report_command(subparsers)
    from order_core.cli import add_core_commands

    add_core_commands(subparsers)
    from analysts.cli import add_analyst_commands

    add_analyst_commands(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (UserError, ConfigError) as error:
        # Messages may quote a database URL or a file line: secrets are masked (orderpulse.config).
        print(f"orderpulse: error: {redact(str(error))}", file=sys.stderr)
        return 2
    except Exception:
        # A bug, not a user's mistake: the traceback helps, but without the secrets it may quote.
        print(redact(traceback.format_exc()), file=sys.stderr, end="")
        return 1


if __name__ == "__main__":
    sys.exit(main())
