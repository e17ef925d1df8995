"""The unit of work: one transaction, committed explicitly, rolled back otherwise.

A unit of work opened inside another joins it, and only the outermost commit writes. That
lets a batch (the simulator's day, a carrier feed) run many use cases in one transaction
through the same service functions a single CLI call uses.
"""

from __future__ import annotations

import abc


class DuplicateOrder(Exception):
    """Another transaction captured the same (channel, external order id) first."""


class AbstractUnitOfWork(abc.ABC):
    def __init__(self) -> None:
        self._depth = 0

    def __enter__(self) -> AbstractUnitOfWork:
        if self._depth == 0:
            self._begin()
        self._depth += 1
        return self

    def __exit__(self, *exc_info) -> None:
        self._depth -= 1
        if self._depth == 0:
            self._rollback()  # nothing left to roll back after a commit

    def commit(self) -> None:
        if self._depth <= 1:
            self._commit()

    @abc.abstractmethod
    def _begin(self) -> None: ...

    @abc.abstractmethod
    def _commit(self) -> None: ...

    @abc.abstractmethod
    def _rollback(self) -> None: ...
