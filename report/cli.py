"""`orderpulse report`: the weekly or monthly executive report of a published warehouse."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from orderpulse.errors import UserError


def add_report_command(subparsers: argparse._SubParsersAction) -> None:
    report = subparsers.add_parser(
        "report",
        help="Write the executive report (self-contained HTML and its PDF) of the latest mature week or month.",
    )
    report.add_argument("--warehouse", required=True, help="Published DuckDB file to report on.")
    report.add_argument(
        "--period", required=True, choices=["week", "month"], help="Report a week or a month."
    )
    report.add_argument("--out", help="Folder for the HTML and PDF (default: reports/ beside the warehouse).")
    report.set_defaults(handler=_report)


def _report(args: argparse.Namespace) -> int:
    warehouse = Path(args.warehouse).expanduser().resolve()
    if not warehouse.is_file():
        raise UserError(f"--warehouse {warehouse} is not a file; give a published warehouse (orderpulse run)")
    out_dir = Path(args.out).expanduser().resolve() if args.out else warehouse.parent / "reports"
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"--out {out_dir} is a file; give a folder")

    import duckdb

    from report.build import PdfNotWritten, write_report
    from report.data import NoMaturePeriod

    try:
        written = write_report(warehouse, args.period, out_dir)
    except NoMaturePeriod as error:
        print(f"orderpulse: {error}", file=sys.stderr)
        return 1
    except duckdb.Error as error:
        # DuckDB's message goes on to suggest names and point at the SQL: its first line says it.
        reason = str(error).splitlines()[0]
        raise UserError(
            f"{warehouse} is not a published warehouse of this version (run orderpulse run again): {reason}"
        ) from None
    except PdfNotWritten as error:
        print(f"HTML report: {error.html}")
        print(f"orderpulse: {error}", file=sys.stderr)
        return 1
    print(f"{args.period.capitalize()} {written.period_start} to {written.period_end}")
    print(f"HTML report: {written.html}")
    print(f"PDF report:  {written.pdf}")
    return 0
