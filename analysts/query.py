"""`orderpulse sql -c`: one query against the published warehouse, printed for a script."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import json
import sys
import uuid
from pathlib import Path
from typing import TextIO

import duckdb

from analysts.reader import connect_read_only, first_line

FORMATS = ("table", "csv", "json")


class QueryFailed(Exception):
    """The query did not run (a SQL error, or a write refused on the read-only file): one line for the user."""


def run_query(path: Path, sql: str) -> tuple[list[str], list[tuple]]:
    """Column names and rows of the query's result (the last statement's, if several)."""
    conn = connect_read_only(path)
    try:
        cursor = conn.execute(sql)
        if cursor.description is None:
            return [], []
        return [column[0] for column in cursor.description], cursor.fetchall()
    except duckdb.Error as error:
        raise QueryFailed(first_line(error)) from None
    finally:
        conn.close()


def write_result(columns: list[str], rows: list[tuple], output_format: str, out: TextIO = sys.stdout) -> None:
    if output_format == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    elif output_format == "json":
        records = [dict(zip(columns, row, strict=True)) for row in rows]
        json.dump(records, out, default=_json_value, indent=1)
        out.write("\n")
    else:
        out.write(_text_table(columns, rows))


def _json_value(value: object) -> object:
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.date | dt.datetime | dt.time | dt.timedelta | uuid.UUID):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool)


def _text_value(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _text_table(columns: list[str], rows: list[tuple]) -> str:
    """Every row, aligned, numbers to the right: the whole result, unlike DuckDB's box (which elides rows)."""
    cells = [[_text_value(value) for value in row] for row in rows]
    widths = [max([len(name)] + [len(row[i]) for row in cells]) for i, name in enumerate(columns)]
    numeric = [
        bool(rows) and all(_is_number(row[i]) or row[i] is None for row in rows) for i in range(len(columns))
    ]

    def line(values: list[str]) -> str:
        padded = [
            value.rjust(width) if right else value.ljust(width)
            for value, width, right in zip(values, widths, numeric, strict=True)
        ]
        return "  ".join(padded).rstrip() + "\n"

    text = line(list(columns)) + line(["-" * width for width in widths])
    text += "".join(line(row) for row in cells)
    return text + f"({len(rows)} row{'' if len(rows) == 1 else 's'})\n"
