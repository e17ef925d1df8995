"""Personal columns on their way into the published warehouse (docs/personal-data.md).

Which columns are personal is the contract's `personal=True` flag, nothing else. A published column
of the same name is either pseudonymised with a keyed hash (those a KPI or a lookup needs: the
customer id, to count and find one customer's orders without knowing who they are) or left out.
The same holds for the raw values of quarantined rows. ORDERPULSE_PERSONAL_DATA=keep publishes them
as they are.

The key: ORDERPULSE_PSEUDONYM_KEY (environment or secrets file). Without it, each warehouse gets a
random key of its own, kept in its state folder beside the work database and never in the
published file: pseudonyms stay the same from run to run, and nobody holding only the published
file can recompute them from a customer id.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from pathlib import Path

import pyarrow as pa

from contract import ENTITIES
from orderpulse.config import secret
from warehouse.paths import WarehousePaths

PERSONAL_COLUMNS = frozenset(
    column.name for entity in ENTITIES for column in entity.columns if column.personal
)
# Personal columns that a KPI or a lookup needs: published as pseudonyms. The rest are left out.
PSEUDONYMISED_COLUMNS = frozenset({"customer_id"}) & PERSONAL_COLUMNS
PSEUDONYM_PREFIX = "p_"
# 128 bits of the HMAC: collisions are out of reach for any number of customers, and ids stay readable.
PSEUDONYM_HEX_DIGITS = 32
PSEUDONYM_COMMENT = (
    "Keyed pseudonym of the customer id (HMAC-SHA256, docs/personal-data.md): the same customer has "
    "the same pseudonym in every table and run of this warehouse."
)
_KEY_FILE_NAME = "pseudonym.key"


def pseudonym_key(paths: WarehousePaths) -> bytes:
    configured = secret("ORDERPULSE_PSEUDONYM_KEY")
    if configured:
        return configured.encode("utf-8")
    key_file = paths.state_dir / _KEY_FILE_NAME
    if not key_file.exists():
        _create_key_file(key_file)
    return key_file.read_text(encoding="ascii").strip().encode("ascii")


def _create_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # written a moment ago by another process: use that one
        return
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(os.urandom(32).hex() + "\n")


def pseudonym(value: str | None, key: bytes) -> str | None:
    if value is None:
        return None
    digest = hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()
    return PSEUDONYM_PREFIX + digest[:PSEUDONYM_HEX_DIGITS]


def mask_raw_values(text: str | None, key: bytes) -> str | None:
    """A quarantined row's raw values (a JSON object) with personal values pseudonymised or removed."""
    if text is None:
        return None
    try:
        values = json.loads(text)
    except json.JSONDecodeError:
        return None  # cannot tell what it holds: publish nothing of it
    if not isinstance(values, dict):
        return None
    masked = {}
    for name, value in values.items():
        if name in PSEUDONYMISED_COLUMNS:
            masked[name] = pseudonym(None if value is None else str(value), key)
        elif name not in PERSONAL_COLUMNS:
            masked[name] = value
    return json.dumps(masked)


# HMAC-SHA256 (RFC 2104) in DuckDB's own vectorised sha256, twice as fast as a Python function over
# a million ids: sha256(outer pad || sha256(inner pad || value)). The pads (the key XOR constants) are
# session variables, bound as parameters: they are never part of a statement's text.
_HMAC_BLOCK_BYTES = 64
_PSEUDONYM_SQL = (
    "'" + PSEUDONYM_PREFIX + "' || left(sha256(getvariable('op_pseudonym_outer') || "
    "unhex(sha256(getvariable('op_pseudonym_inner') || encode({value})))), " + str(PSEUDONYM_HEX_DIGITS) + ")"
)


def register_functions(connection, key: bytes) -> None:
    """Prepare a DuckDB connection for `pseudonym_sql` and `op_mask_raw_values(varchar)`."""
    block = (hashlib.sha256(key).digest() if len(key) > _HMAC_BLOCK_BYTES else key).ljust(
        _HMAC_BLOCK_BYTES, b"\0"
    )
    connection.execute("set variable op_pseudonym_inner = ?", [bytes(byte ^ 0x36 for byte in block)])
    connection.execute("set variable op_pseudonym_outer = ?", [bytes(byte ^ 0x5C for byte in block)])

    def masked(values: pa.Array) -> pa.Array:
        # Quarantined rows are few: a Python function per value is fast enough here.
        return pa.array([mask_raw_values(value, key) for value in values.to_pylist()], type=pa.string())

    connection.create_function("op_mask_raw_values", masked, ["VARCHAR"], "VARCHAR", type="arrow")


def pseudonym_sql(value_sql: str) -> str:
    """The SQL of `pseudonym(value)` on a connection prepared by register_functions."""
    return _PSEUDONYM_SQL.format(value=value_sql)


def published_select(table: str, columns: list[str], source: str, mode: str) -> tuple[str, list[str]]:
    """The select that copies `source` into the published file, and the columns it publishes."""
    if mode == "keep":
        return f"select * from {source}", columns
    expressions, published = [], []
    for column in columns:
        quoted = f'"{column}"'
        if column in PSEUDONYMISED_COLUMNS:
            expressions.append(f"{pseudonym_sql(f'cast({quoted} as varchar)')} as {quoted}")
        elif column in PERSONAL_COLUMNS:
            continue
        elif table == "quarantined_rows" and column == "raw_values":
            expressions.append(f"cast(op_mask_raw_values(cast({quoted} as varchar)) as json) as {quoted}")
        else:
            expressions.append(quoted)
        published.append(column)
    return f"select {', '.join(expressions)} from {source}", published
