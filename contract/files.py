"""Writing contract files: how every producer lands rows (the order core's export, the importers).

One writer keeps the landing rules of the contract in one place: a file is written under a
temporary name that readers ignore, synced, then renamed into place, so a reader sees either
nothing or the whole file; values are written in the contract's text forms (timestamps in
UTC with `Z`, dates `YYYY-MM-DD`, money as decimal text, empty field = null).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from contract import DATE, DECIMAL, TIMESTAMP, Entity


def format_timestamp(value: datetime) -> str:
    """ISO 8601 in UTC with `Z`; a naive timestamp is UTC, as the contract reads it."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def text_formatter(kind: str) -> Callable[[object], str]:
    """The contract's text form of a value of this column kind."""
    if kind == TIMESTAMP:
        return lambda value: value if isinstance(value, str) else format_timestamp(value)
    if kind == DATE:
        return lambda value: value if isinstance(value, str) else date.isoformat(value)
    if kind == DECIMAL:
        return lambda value: str(value) if isinstance(value, Decimal | str | int) else _not_money(value)
    return str


def _not_money(value: object) -> str:
    # Money is never a float in storage (the contract): a float here is a producer's bug.
    raise TypeError(f"money must be a Decimal, an int or decimal text, not {type(value).__name__} {value!r}")


def fsync_path(path: Path) -> None:
    """Flush a file's (or a folder's, after a rename in it) data to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def land_csv_atomically(target: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    """Write a CSV as `<target>.tmp`, sync it and rename it to `target` (never half a file)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    try:
        with open(tmp, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def land_entity_csv(landing: Path, entity: Entity, name: str, rows: Iterable[Mapping[str, object]]) -> Path:
    """Land contract rows (dicts keyed by column name) as `<landing>/<source>/<entity>/<name>.csv`.

    Every contract column is written, in contract order; a column a row lacks is null. A key that
    is not a contract column is an error, so no value is dropped silently.
    """
    names = entity.column_names
    known = set(names)
    formatters = [text_formatter(column.kind) for column in entity.columns]

    def as_text(row: Mapping[str, object]) -> list[str | None]:
        unknown = set(row) - known
        if unknown:
            raise ValueError(f"not columns of {entity.landing_folder}: {', '.join(sorted(unknown))}")
        values = (row.get(name) for name in names)
        return [None if value is None else fmt(value) for fmt, value in zip(formatters, values, strict=True)]

    return land_csv_atomically(landing / entity.landing_folder / f"{name}.csv", names, map(as_text, rows))
