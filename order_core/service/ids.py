"""Identifiers for the core's documents: random for live use, sequential for a seeded simulation."""

from __future__ import annotations

import secrets
from collections import defaultdict


class RandomIds:
    """Unique without coordination between workers: 80 random bits per id."""

    def new(self, prefix: str) -> str:
        return f"{prefix}-{secrets.token_hex(10).upper()}"


class SequentialIds:
    """Readable, deterministic ids (`SO-00000001`) for a single writer such as the simulator."""

    def __init__(self) -> None:
        self._last: dict[str, int] = defaultdict(int)

    def new(self, prefix: str) -> str:
        self._last[prefix] += 1
        return f"{prefix}-{self._last[prefix]:08d}"
