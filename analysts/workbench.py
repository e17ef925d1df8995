"""`orderpulse sql`: Harlequin, a terminal SQL IDE, over the published warehouse.

Harlequin's own DuckDB adapter does the work (editor, results grid, catalog tree,
completion). It is given a connection that opens the published file read-only and,
before each query or catalog read, re-attaches it when a new file has been published,
so a session left open all day sees each new run and never holds up a publish.
"""

from __future__ import annotations

import threading
from pathlib import Path

from harlequin import Harlequin
from harlequin_duckdb.adapter import DuckDbAdapter, DuckDbConnection, DuckDbCursor

from analysts.reader import CATALOG, FollowingReader


class PublishedWarehouseConnection(DuckDbConnection):
    def __init__(self, reader: FollowingReader) -> None:
        self.reader = reader
        # Harlequin runs queries and catalog reads on worker threads.
        self._refresh_lock = threading.Lock()
        super().__init__(conn=reader.conn, init_message=f"Read-only: {reader.path}")

    def _follow_publish(self) -> None:
        with self._refresh_lock:
            if self.reader.refresh():
                self.conn = self.reader.conn

    def execute(self, query: str) -> DuckDbCursor | None:
        self._follow_publish()
        return super().execute(query)

    def get_catalog(self):
        self._follow_publish()
        return super().get_catalog()

    def search_catalog(self, term, kind="all"):
        self._follow_publish()
        return super().search_catalog(term, kind)

    def get_completions(self):
        self._follow_publish()
        return super().get_completions()

    def _get_databases(self) -> list[tuple[str]]:
        # The in-memory database that holds the attachment is empty; show the warehouse alone.
        return [(CATALOG,)]


class PublishedWarehouseAdapter(DuckDbAdapter):
    ADAPTER_DETAILS = "Harlequin's DuckDB adapter over the published Order Pulse warehouse, read-only."

    def __init__(self, path: Path) -> None:
        super().__init__(conn_str=(str(path),), no_init=True, read_only=True)
        self.path = path

    def connect(self) -> PublishedWarehouseConnection:
        return PublishedWarehouseConnection(FollowingReader(self.path))


def run_workbench(path: Path) -> int:
    # Opened once here so a missing or broken file is one line before the full-screen app starts.
    FollowingReader(path).close()
    app = Harlequin(
        adapter=PublishedWarehouseAdapter(path),
        adapter_name="duckdb",
        connection_hash=f"orderpulse:{path.resolve()}",
    )
    app.run()
    return app.return_code or 0
