"""A process of its own that applies committed transactions' writes, in commit order.

The simulator's unit of work (`SoleWriterUnitOfWork`) keeps the working copy in memory, so a
commit need not wait for the database: it hands its writes here and goes on with the next
simulated day while this process runs the executemany and the database commit on the
machine's other core. Transactions are applied one at a time, in the order they were handed
over, each in a database transaction of its own; after one fails, none after it is applied.
"""

from __future__ import annotations

import marshal
import multiprocessing
import sqlite3
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError

from order_core.adapters.bulk_writes import BulkWriter, TableWrite, text_stored_columns
from order_core.adapters.tables import sqlite_timestamp_text

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
        # Packed here, whole, rather than piecemeal by the pool's feeder thread, which would
        # contend with this one for the interpreter lock at every chunk it writes.
        payload = packed(writes)
        try:
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


# ---------------------------------------------------------------------- the wire format
# Pickling a datetime or a Decimal costs about a microsecond, thirty times an int or a short
# str, and a busy simulated day writes some ninety thousand of them: pickled as they are, they
# took a sixth of the simulator's time. So a transaction's writes travel as columns (cheaper
# than rows, too), timestamps as whole microseconds since the epoch, money as its text and
# dates as day numbers, which leaves only plain values: marshal serializes those in half
# pickle's time (both processes run the same interpreter, which is all marshal asks). The
# writer's process turns them back into what its database takes.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def packed(writes: list[TableWrite]) -> bytes:
    """One transaction's writes, ready to hand to another process (see `unpacked`)."""
    wire = []
    for write in writes:
        if not write.rows:
            continue
        columns = list(zip(*write.rows, strict=True))
        names = write.columns
        # `TableWrite.with_change_seq_in_rows` column-wise: no copy of every event row.
        if write.change_seq is not None:
            columns.append([write.change_seq] * len(write.rows))
            names += ("change_seq",)
        for index, value_type in text_stored_columns(write.table, names + write.keys):
            columns[index] = _PACK[value_type](columns[index])
        wire.append((write.kind, str(write.table), names, write.keys, columns))
    return marshal.dumps(wire)


def unpacked(payload: bytes, sqlite: bool) -> list[TableWrite]:
    """The writes `packed` packed, with the values SQLite stores (`sqlite`) or Python's own."""
    unpack = _UNPACK
    if sqlite:
        texts = _TimestampTexts()  # a use case's events share their timestamp
        unpack = {
            datetime: lambda values: [None if v is None else texts[v] for v in values],
            **_UNPACK_FOR_SQLITE,
        }
    writes = []
    for kind, table, columns, keys, values in marshal.loads(payload):
        for index, value_type in text_stored_columns(table, columns + keys):
            values[index] = unpack[value_type](values[index])
        writes.append(TableWrite(kind, table, columns, keys, list(zip(*values, strict=True))))
    return writes


def _pack_timestamps(values) -> list:
    # A use case's rows share one timestamp object, and converting one costs a fifth of a
    # microsecond: a run of the same object is converted once.
    converted, last, microseconds = [], None, None
    try:
        for value in values:
            if value is not last:
                last = value
                microseconds = None if value is None else (value - _EPOCH) // _MICROSECOND
            converted.append(microseconds)
    except TypeError:
        bad = next(v for v in values if not (v is None or (isinstance(v, datetime) and v.tzinfo)))
        raise ValueError(
            f"not an aware timestamp: {bad!r} (the core stores aware UTC timestamps only)"
        ) from None
    return converted


def _timestamp(microseconds: int) -> datetime:
    return _EPOCH + microseconds * _MICROSECOND


class _TimestampTexts(dict):
    def __missing__(self, microseconds: int) -> str:
        text = self[microseconds] = sqlite_timestamp_text(_timestamp(microseconds))
        return text


_PACK = {
    datetime: _pack_timestamps,
    Decimal: lambda values: [None if v is None else str(v) for v in values],
    date: lambda values: [None if v is None else v.toordinal() for v in values],
}
_UNPACK = {
    datetime: lambda values: [None if v is None else _timestamp(v) for v in values],
    Decimal: lambda values: [None if v is None else Decimal(v) for v in values],
    date: lambda values: [None if v is None else date.fromordinal(v) for v in values],
}
_UNPACK_FOR_SQLITE = {
    Decimal: lambda values: values,  # SQLite keeps money as its text
    date: lambda values: [None if v is None else date.fromordinal(v).isoformat() for v in values],
}


# ---------------------------------------------------------------------- in the writer's process
_engine: Engine | None = None
_failure: str | None = None


def _open_database(url: str) -> None:
    global _engine
    from order_core.adapters.database import open_database

    _engine = open_database(url, migrate=False)
    if _engine.dialect.name == "sqlite":

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
    try:
        writes = unpacked(payload, sqlite=_engine.dialect.name == "sqlite")
        with _engine.begin() as connection:
            BulkWriter(connection, converted=True).apply(writes)
    except Exception as error:
        # The database's own exception may not survive the trip back to the caller: send its text.
        _failure = _one_line(error)
        raise BackgroundWriteFailed(_failure) from None


def _one_line(error: Exception) -> str:
    """The database's own message and the statement it refused, without SQLAlchemy's echo of
    every row of the executemany."""
    if isinstance(error, DBAPIError) and error.orig is not None:
        statement = " ".join((error.statement or "").split()[:3])  # INSERT INTO orders, UPDATE orders SET
        return f"{type(error.orig).__name__}: {error.orig} ({statement} ...)"
    return f"{type(error).__name__}: {error}"


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
