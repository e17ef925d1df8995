"""`orderpulse import edi|shopify|olist PATH... --landing DIR`: foreign documents in, contract files out."""

from __future__ import annotations

import argparse
import sys

from ingest.sources import IMPORTER_MODULES


def add_import_command(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "import",
        help="Convert foreign documents (EDI X12, a Shopify orders export, the Olist dataset) into landing files.",
    )
    parser.add_argument("importer", choices=tuple(IMPORTER_MODULES), help="Kind of document.")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="A document, or a folder of them.")
    parser.add_argument("--landing", required=True, help="Landing folder to write the contract files to.")
    parser.set_defaults(handler=run_import)


def run_import(args: argparse.Namespace) -> int:
    """Exit 0 when every document imported (or had been imported before), 1 when any was set aside."""
    from ingest.sources import import_documents, importer_named
    from orderpulse.errors import UserError

    importer = importer_named(args.importer)
    report = import_documents(importer, args.paths, args.landing)
    if not report.files_read:
        # Folders were named, none holding a document: most likely the wrong folder.
        raise UserError(
            f"no {args.importer} document in {', '.join(args.paths)}"
            f" (looked for names ending in {', '.join(importer.suffixes)})"
        )
    for problem in report.problems:
        print(f"orderpulse import: {problem}", file=sys.stderr)
    rows = ", ".join(f"{entity} {count}" for entity, count in sorted(report.rows_by_entity.items()))
    print(
        f"{args.importer}: {len(report.documents_imported)} document(s) imported"
        f" ({len(report.landed)} files{': ' + rows if rows else ''}),"
        f" {len(report.documents_unchanged)} already imported, {len(report.problems)} problem(s)"
    )
    return 1 if report.problems else 0
