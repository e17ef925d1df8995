"""Reading a foreign CSV document (a Shopify export, an Olist file) with row numbers for its errors.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first data row is row 2.
A converter collects the problems of every row first (`BadRows`) and then rejects the document
naming the first bad row and how many more there are, so one fix-and-retry sees all of them.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ingest.sources import DocumentRejected

# A document's problems listed in its rejection (the rest are counted).
LISTED_PROBLEMS = 5


def read_csv_rows(
    path: Path, required: tuple[str, ...], what: str, prefix: str = ""
) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, row) for each data row of the CSV, after checking its header.

    `what` names the kind of file in errors ("a Shopify orders export"); `prefix` goes before
    positions of a file that is not the document itself ("olist_order_items_dataset.csv ").
    Raises DocumentRejected for an empty file, a file that is not UTF-8 text, a header lacking
    a required column, a ragged row or broken quoting.
    """
    try:
        with path.open(newline="", encoding="utf-8-sig") as stream:
            reader = csv.reader(stream, strict=True)
            header = next(reader, None)
            if header is None or not any(name.strip() for name in header):
                raise DocumentRejected(f"{prefix}file", f"empty file: no header row; expected {what}")
            header = [name.strip() for name in header]
            missing = [name for name in required if name not in header]
            if missing:
                raise DocumentRejected(
                    f"{prefix}row 1",
                    f"not {what}: the header lacks the column(s) {', '.join(missing)}",
                )
            width = len(header)
            for row_number, values in enumerate(reader, start=2):
                if not any(values):
                    continue  # a blank line (spreadsheets add them at the end)
                if len(values) != width:
                    raise DocumentRejected(
                        f"{prefix}row {row_number}", f"{len(values)} fields where the header has {width}"
                    )
                yield row_number, dict(zip(header, values, strict=True))
    except UnicodeDecodeError as error:
        raise DocumentRejected(f"{prefix}file", f"not UTF-8 text ({error.reason}); expected {what}") from None
    except csv.Error as error:
        raise DocumentRejected(f"{prefix}file", f"not a readable CSV file ({error})") from None


class BadRows:
    """The problems found in a document's rows, reported together as one rejection."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []  # (position, reason)

    def add(self, position: str, reason: str) -> None:
        self.problems.append((position, reason))

    def reject_if_any(self) -> None:
        if not self.problems:
            return
        position, first = self.problems[0]
        listed = [f"{pos}: {why}" for pos, why in self.problems[1:LISTED_PROBLEMS]]
        more = len(self.problems) - LISTED_PROBLEMS
        if more > 0:
            listed.append(f"and {more} more")
        also = f" (also {'; '.join(listed)})" if listed else ""
        raise DocumentRejected(position, f"{first}{also}; nothing of this document was imported")


def parse_timestamp(text: str) -> datetime | None:
    """ISO 8601 (`2017-10-02 10:56:33`, `2024-01-15T09:30:00Z`) or Shopify's `2024-01-15 09:30:00 -0500`;
    None when it is neither."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S %z")
    except ValueError:
        return None


def parse_decimal(text: str) -> Decimal | None:
    """A decimal number, or None when the text is not one (money is never a float)."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None
