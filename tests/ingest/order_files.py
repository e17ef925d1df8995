"""Landed order files written by hand, for the ingest tests.

(A module name of its own, not `conftest`: every test folder may have a conftest.)
"""

from __future__ import annotations

from pathlib import Path

from contract import ENTITIES_BY_PATH

ORDERS = ENTITIES_BY_PATH[("oms", "orders")]
ORDER_HEADER = ",".join(ORDERS.column_names)


def order_row(order_id: str, ordered_at: str = "2024-01-07T10:00:00Z", channel: str = "web") -> str:
    """One valid orders row under ORDER_HEADER, in that column order."""
    return f"{order_id},C1,{channel},{ordered_at},2024-01-08T10:00:00Z,2024-01-10,US,10001,USD,12.50,open,{ordered_at}"


def land(landing: Path, relative: str, text: str) -> Path:
    path = landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path
