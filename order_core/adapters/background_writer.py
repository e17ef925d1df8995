"""A process of its own that applies committed transactions' writes, in commit order.

The simulator's unit of work (`SoleWriterUnitOfWork`) keeps the working copy in memory, so a
commit need not wait for the database: it hands its writes here and goes on with the next
simulated day while this process runs the executemany and the database commit on the
machine's other core. Transactions are applied one at a time, in the order they were handed
over, each in a database transaction of its own; after one fails, none after it is applied.
"""

from __future__ import annotations

import multiprocessing
import pickle
import sqlite3
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from sqlalchemy import Engine, event

from order_core.adapters.bulk_writes import BulkWriter, TableWrite, TimestampTexts, register_sqlite_adapters

# Transactions handed over and not yet applied, at most: a writer that falls behind slows the
# caller down rather than letting the queue of writes grow without end.
MAX_PENDING = 4


class BackgroundWriteFailed(Exception):
    """The background writer could not apply a transaction: the database lacks it and all later ones."""


class BackgroundWriter:
    def __init__(self, url: str) -> None:
        # spawn, not fork: the caller may hold database connections and threads a fork would copy.
        self._pool = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_open_database,
            initargs=(url,),
        )
        self._pending: deque[Future] = deque()

    def submit(self, writes: list[TableWrite]) -> None:
        """Queue one committed transaction's writes; raises if an earlier one failed."""
        self._collect(block_until_at_most=MAX_PENDING - 1)
        try:
            # Pickled here, whole, rather than piecemeal by the pool's feeder thread, which would
            # contend with this one for the interpreter lock at every chunk it writes.
            payload = pickle.dumps(writes, protocol=pickle.HIGHEST_PROTOCOL)
            self._pending.append(self._pool.submit(_apply, payload))
        except (BrokenProcessPool, RuntimeError) as error:
            raise _stopped(error) from error

    def wait(self) -> None:
        """Return once everything handed over is in the database; raises if any of it failed."""
        self._collect(block_until_at_most=0)

    def close(self) -> None:
        """Wait for every write, make the database durable, and stop the writer's process."""
        try:
            self.wait()
            try:
                self._pool.submit(_finish).result()
            except BrokenProcessPool as error:
                raise _stopped(error) from error
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def _collect(self, block_until_at_most: int) -> None:
        while self._pending and (len(self._pending) > block_until_at_most or self._pending[0].done()):
            future = self._pending.popleft()
            try:
                future.result()
            except BrokenProcessPool as error:
                raise _stopped(error) from error


def _stopped(error: Exception) -> BackgroundWriteFailed:
    return BackgroundWriteFailed(f"the background writer has stopped: {error}")


# ---------------------------------------------------------------------- in the writer's process
_engine: Engine | None = None
_failure: str | None = None
_timestamp_texts = TimestampTexts()


def _open_database(url: str) -> None:
    global _engine
    from order_core.adapters.database import open_database

    _engine = open_database(url, migrate=False)
    if _engine.dialect.name == "sqlite":
        register_sqlite_adapters(_timestamp_texts)

        @event.listens_for(_engine, "connect")
        def _no_sync_per_commit(dbapi_connection, _record) -> None:
            # A simulation fills a fresh database it would be run again into, so its commits
            # need not reach the disk one by one (a fifth of this process's time); `_finish`
            # makes the whole of it durable. WAL keeps the file whole if the process dies.
            dbapi_connection.execute("PRAGMA synchronous=OFF")


def _refuse_after_a_failure() -> None:
    if _failure is not None:
        raise BackgroundWriteFailed(f"not written: an earlier transaction failed ({_failure})")


def _apply(payload: bytes) -> None:
    global _failure
    _refuse_after_a_failure()
    writes: list[TableWrite] = pickle.loads(payload)
    try:
        with _engine.begin() as connection:
            BulkWriter(connection, driver_converts=True).apply(writes)
        _timestamp_texts.clear()  # a transaction's timestamps rarely recur in the next
    except Exception as error:
        # The database's own exception may not survive the trip back to the caller: send its text.
        _failure = f"{type(error).__name__}: {error}"
        raise BackgroundWriteFailed(_failure) from None


def _finish() -> None:
    """Close the database and, for SQLite, checkpoint it to the disk with a full sync."""
    _refuse_after_a_failure()
    sqlite_path = _engine.url.database if _engine.dialect.name == "sqlite" else None
    _engine.dispose()
    if sqlite_path and sqlite_path != ":memory:":
        connection = sqlite3.connect(sqlite_path)
        try:
            connection.execute("PRAGMA synchronous=FULL")
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()
