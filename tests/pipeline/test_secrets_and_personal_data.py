"""`orderpulse run` with secrets planted in the environment: none of them, and no raw personal value,
reaches the terminal, the logs, the work files or the published warehouse (docs/personal-data.md)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from benchmarks.generate_landing import write_landing
from contract import ENTITIES

ORDERPULSE = str(Path(sys.executable).with_name("orderpulse"))
PLANTED_SECRETS = {
    "ORDERPULSE_PSEUDONYM_KEY": "planted-pseudonym-key-6f1e",
    "ORDERPULSE_SMTP_PASSWORD": "planted-smtp-pass-93b2",
    "ORDERPULSE_ALERT_WEBHOOK_URL": "https://hooks.example.invalid/planted-webhook-51c0",
    "ORDERPULSE_CORE_DB": "postgresql://op:planted-db-pass-2c8e@127.0.0.1:1/core",
}
# The distinctive part of each secret: what must not appear anywhere.
SECRET_MARKERS = ("planted-pseudonym-key-6f1e", "planted-smtp-pass-93b2", "planted-webhook-51c0",
                  "planted-cookie-key-7d4a", "planted-db-pass-2c8e")  # fmt: skip
PERSONAL = {column.name for entity in ENTITIES for column in entity.columns if column.personal}
# An order row that is quarantined (its timestamp is unparseable): its raw values are published.
QUARANTINED_CUSTOMER = "CUST-QUARANTINED-4411"
QUARANTINED_POSTAL_CODE = "ZIP-QUARANTINED-8822"


def orders_entity():
    return next(entity for entity in ENTITIES if entity.table == "oms__orders")


def write_quarantined_order(landing: Path) -> None:
    values = {
        "order_id": "O-QUARANTINED",
        "customer_id": QUARANTINED_CUSTOMER,
        "channel": "web",
        "ordered_at": "not a timestamp",
        "promised_ship_at": "2024-01-02T10:00:00Z",
        "promised_delivery_date": "2024-01-05",
        "ship_to_country": "US",
        "ship_to_postal_code": QUARANTINED_POSTAL_CODE,
        "currency": "USD",
        "order_total": "10.00",
        "status": "created",
        "updated_at": "2024-01-02T10:00:00Z",
    }
    columns = orders_entity().column_names
    path = landing / orders_entity().landing_folder / "orders_quarantined.csv"
    path.write_text(",".join(columns) + "\n" + ",".join(values[column] for column in columns) + "\n")


@pytest.fixture(scope="module")
def planted_run(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("secrets")
    landing = tmp_path / "landing"
    write_landing(landing, orders=300, days=20)
    write_quarantined_order(landing)
    warehouse = tmp_path / "out" / "warehouse.duckdb"
    environment = {key: value for key, value in os.environ.items() if not key.startswith("ORDERPULSE_")}
    environment |= PLANTED_SECRETS | {"ORDERPULSE_QUARANTINE_THRESHOLD": "1"}
    result = subprocess.run(
        [ORDERPULSE, "run", "--landing", str(landing), "--warehouse", str(warehouse)],
        capture_output=True, text=True, env=environment, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return landing, warehouse, result


def raw_personal_values(warehouse: Path) -> set[str]:
    work_db = warehouse.parent / f".{warehouse.name}.orderpulse" / "work.duckdb"
    with duckdb.connect(str(work_db), read_only=True) as connection:
        rows = connection.execute("select customer_id, ship_to_postal_code from raw.oms__orders").fetchall()
    return {str(value) for row in rows for value in row if value is not None}


def published_text_values(warehouse: Path) -> dict[tuple[str, str], set[str]]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        columns = connection.execute(
            "select table_name, column_name from duckdb_columns() where database_name = current_database()"
            " and schema_name = 'main' and data_type in ('VARCHAR', 'JSON')"
        ).fetchall()
        return {
            (table, column): {
                row[0]
                for row in connection.execute(
                    f'select distinct cast("{column}" as varchar) from "{table}"'
                ).fetchall()
                if row[0] is not None
            }
            for table, column in columns
        }


def test_no_planted_secret_reaches_the_terminal_the_logs_or_any_file(planted_run):
    _, warehouse, result = planted_run
    outputs = {"stdout": result.stdout, "stderr": result.stderr}
    for path in warehouse.parent.rglob("*"):
        if path.is_file():
            outputs[str(path)] = path.read_bytes().decode("latin-1")
    assert str(warehouse) in outputs and any(name.endswith("last_run.log") for name in outputs)

    for name, text in outputs.items():
        for marker in SECRET_MARKERS:
            assert marker not in text, f"{marker} in {name}"
    for values in published_text_values(warehouse).values():
        assert not any(marker in value for value in values for marker in SECRET_MARKERS)


def test_no_raw_personal_value_is_published(planted_run):
    _, warehouse, _ = planted_run
    raw = raw_personal_values(warehouse)
    assert QUARANTINED_CUSTOMER not in raw  # it was quarantined, not loaded
    raw |= {QUARANTINED_CUSTOMER, QUARANTINED_POSTAL_CODE}
    assert len(raw) > 100

    published = published_text_values(warehouse)
    assert ("order_outcomes", "customer_id") in published
    for (table, column), values in published.items():
        assert column not in PERSONAL - {"customer_id"}, f"{table}.{column} is published"
        leaked = {value for value in values if value in raw}
        if column == "raw_values":
            leaked = {
                value for value in values if value and any(f'"{personal}"' in value for personal in raw)
            }
        assert not leaked, f"{table}.{column}: {sorted(leaked)[:3]}"


def test_customer_ids_are_published_as_keyed_pseudonyms(planted_run):
    _, warehouse, _ = planted_run
    key = PLANTED_SECRETS["ORDERPULSE_PSEUDONYM_KEY"].encode()
    work_db = warehouse.parent / f".{warehouse.name}.orderpulse" / "work.duckdb"
    with duckdb.connect(str(work_db), read_only=True) as connection:
        raw = dict(connection.execute("select order_id, customer_id from marts.order_outcomes").fetchall())
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        published = dict(connection.execute("select order_id, customer_id from order_outcomes").fetchall())
        comment = connection.execute(
            "select comment from duckdb_columns() where table_name = 'order_outcomes' and column_name = 'customer_id'"
        ).fetchone()[0]
        quarantined = [
            json.loads(row[0])
            for row in connection.execute(
                "select raw_values from quarantined_rows where entity = 'oms__orders'"
            ).fetchall()
        ]

    assert published.keys() == raw.keys()
    for order_id, customer_id in raw.items():
        expected = "p_" + hmac.new(key, customer_id.encode(), hashlib.sha256).hexdigest()[:32]
        assert published[order_id] == expected
    # One customer, one pseudonym: counting customers still works.
    assert len(set(published.values())) == len(set(raw.values()))
    assert "HMAC-SHA256" in comment
    (row,) = [values for values in quarantined if values["order_id"] == "O-QUARANTINED"]
    assert (
        row["customer_id"]
        == "p_" + hmac.new(key, QUARANTINED_CUSTOMER.encode(), hashlib.sha256).hexdigest()[:32]
    )
    assert "ship_to_postal_code" not in row
    assert row["ordered_at"] == "not a timestamp"
