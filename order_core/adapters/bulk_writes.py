"""Writes as plain data (`TableWrite`) and the executemany that applies them (`BulkWriter`).

A repository's flush returns the rows it wants written; the unit of work applies them on its
connection, or hands them to the background writer (`background_writer.py`), which applies
them in a process of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from itertools import chain
from typing import NamedTuple

from sqlalchemy import Connection, Date, Table

from order_core.adapters import tables as t

# Rows per INSERT statement on SQLite (its limit of 32,766 parameters allows 1,900 of the widest row).
ROWS_PER_INSERT = 50


class TableWrite(NamedTuple):
    """One statement's rows, as plain tuples: what a repository's flush asks the database to do.

    insert: `columns` are the inserted columns; with `change_seq`, every row also gets that
    change_seq after its own values, so a flush can hand over its audit events' named tuples as
    they are. update: `columns` are the columns set, then the `keys` that pick the row, and each
    row holds values in that order. delete: each row holds the `keys`. Plain data, so a flush
    can be written here or handed to another process."""

    kind: str
    table: str
    columns: tuple[str, ...]
    keys: tuple[str, ...]
    rows: Sequence[Sequence]
    change_seq: int | None = None

    def with_change_seq_in_rows(self) -> TableWrite:
        """The same write with `change_seq` as the rows' last column."""
        if self.change_seq is None:
            return self
        seq = self.change_seq
        return TableWrite(self.kind, self.table, (*self.columns, "change_seq"), self.keys,
                          [(*row, seq) for row in self.rows])  # fmt: skip


def inserting(
    table: Table, columns: Sequence[str], rows: Sequence[Sequence], change_seq: int | None = None
) -> TableWrite:
    return TableWrite("insert", table.name, tuple(columns), (), rows, change_seq)


def updating(table: Table, columns: Sequence[str], keys: Sequence[str], rows: list[tuple]) -> TableWrite:
    return TableWrite("update", table.name, tuple(columns), tuple(keys), rows)


def deleting(table: Table, keys: Sequence[str], rows: list[tuple]) -> TableWrite:
    return TableWrite("delete", table.name, (), tuple(keys), rows)


@cache
def text_stored_columns(table_name: str, names: tuple[str, ...]) -> tuple[tuple[int, type], ...]:
    """(position, value type) of each of `names` whose values SQLite keeps as text (see
    tables.py): timestamps (datetime), money (Decimal) and dates (date)."""
    table = t.metadata.tables[table_name]
    found = []
    for index, name in enumerate(names):
        column_type = table.c[name].type
        for stored_type, value_type in ((t.UtcDateTime, datetime), (t.Money, Decimal), (Date, date)):
            if isinstance(column_type, stored_type):
                found.append((index, value_type))
    return tuple(found)


class TimestampTexts(dict):
    """datetime -> SQLite text, each distinct value converted once (a use case's events share one)."""

    def __missing__(self, value):
        text = self[value] = t.sqlite_timestamp_text(value)
        return text


class BulkWriter:
    """Applies `TableWrite`s with executemany straight through the DB-API cursor.

    SQLAlchemy's per-row parameter processing costs several times the database's own work for
    the hundreds of thousands of rows a simulated day writes. On SQLite the few columns that
    need it are converted here a whole column at a time, unless the rows hold SQLite's values
    already (`converted`: the background writer's rows do); psycopg adapts Python values itself."""

    def __init__(self, connection: Connection, converted: bool = False) -> None:
        self.connection = connection
        self.sqlite = connection.dialect.name == "sqlite"
        self.placeholder = "?" if self.sqlite else "%s"
        self.converted = converted or not self.sqlite
        self._to_text = {datetime: TimestampTexts().__getitem__, Decimal: str, date: date.isoformat}

    def apply(self, writes: Iterable[TableWrite]) -> None:
        for write in writes:
            if not write.rows:
                continue
            write = write.with_change_seq_in_rows()
            mark = self.placeholder
            if write.kind == "insert":
                names = write.columns
                values = f"({', '.join([mark] * len(names))})"
                sql = f"INSERT INTO {write.table} ({', '.join(names)}) VALUES {values}"
            elif write.kind == "update":
                names = write.columns + write.keys
                assignments = ", ".join(f"{name} = {mark}" for name in write.columns)
                sql = f"UPDATE {write.table} SET {assignments} WHERE {self._condition(write.keys)}"
            elif write.kind == "delete":
                names = write.keys
                sql = f"DELETE FROM {write.table} WHERE {self._condition(write.keys)}"
            else:
                raise ValueError(f"unknown write kind {write.kind!r}")
            rows = write.rows
            if not self.converted:
                rows = self._converted(write.table, names, rows)
            if write.kind == "insert" and self.sqlite and len(rows) >= ROWS_PER_INSERT:
                # SQLite's cost per statement run is a third of a row's: insert many rows a statement.
                whole = len(rows) - len(rows) % ROWS_PER_INSERT
                self.connection.exec_driver_sql(
                    f"{sql}{f', {values}' * (ROWS_PER_INSERT - 1)}",
                    [
                        tuple(chain.from_iterable(rows[i : i + ROWS_PER_INSERT]))
                        for i in range(0, whole, ROWS_PER_INSERT)
                    ],
                )
                rows = rows[whole:]
            if rows:
                self.connection.exec_driver_sql(sql, rows)

    def _condition(self, keys: Sequence[str]) -> str:
        return " AND ".join(f"{name} = {self.placeholder}" for name in keys)

    def _converted(self, table_name: str, names: tuple[str, ...], rows: list[tuple]) -> list[tuple]:
        conversions = text_stored_columns(table_name, names)
        if not conversions:
            return rows
        columns = list(zip(*rows, strict=True))
        for index, value_type in conversions:
            convert = self._to_text[value_type]
            columns[index] = [None if value is None else convert(value) for value in columns[index]]
        return list(zip(*columns, strict=True))
