"""Read-only connections to the published warehouse that follow each new publish.

The pipeline publishes by renaming a new file over the published path. A reader that
holds the old file keeps reading it (nothing blocks the run); to see the new data it
must open the path again. `duckdb.connect(path)` cannot do that inside one process
while any connection to the path is alive (DuckDB hands back the same open instance),
so each connection here is a private in-memory database with the file ATTACHed
read-only: attaching opens the file anew, whatever else the process holds.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from orderpulse.errors import UserError

# The catalog name the published file is attached under; unqualified names resolve in it.
CATALOG = "warehouse"


def file_identity(path: Path) -> tuple[int, int, int]:
    """What changes when a new file is renamed over `path` (a reader holding the old inode keeps it in use)."""
    stat = os.stat(path)
    return stat.st_dev, stat.st_ino, stat.st_mtime_ns


def connect_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """A new connection that sees the file now at `path`, read-only."""
    if not path.is_file():
        raise UserError(f"no published warehouse at {path} (run `orderpulse run` or `make demo` first)")
    # No extension is downloaded at run time: the machines this runs on have no internet.
    conn = duckdb.connect(":memory:", config={"autoinstall_known_extensions": "false"})
    try:
        literal = str(path).replace("'", "''")
        conn.execute(f"attach '{literal}' as {CATALOG} (read_only)")
        conn.execute(f"use {CATALOG}")
    except duckdb.Error as error:
        conn.close()
        raise UserError(f"cannot open {path} as a DuckDB warehouse: {first_line(error)}") from None
    return conn


def first_line(error: BaseException) -> str:
    """DuckDB's messages can run to several lines (a caret under the query); the first says what is wrong."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


class FollowingReader:
    """A read-only connection that re-attaches the warehouse when a new file has been published."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.identity = file_identity(path) if path.exists() else None
        self.conn = connect_read_only(path)

    def refresh(self) -> bool:
        """Switch to the newly published file, if there is one; True when it switched."""
        try:
            identity = file_identity(self.path)
        except FileNotFoundError:
            return False  # between two publishes there is always a file; keep the one we hold
        if identity == self.identity:
            return False
        new_conn = connect_read_only(self.path)
        old_conn, self.conn, self.identity = self.conn, new_conn, identity
        old_conn.close()
        return True

    def close(self) -> None:
        self.conn.close()
