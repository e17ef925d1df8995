"""How long the published warehouse's customer-id pseudonyms take (docs/personal-data.md).

    .venv/bin/python -m benchmarks.pseudonymise --rows 1000000

Times the HMAC-SHA256 in DuckDB's sha256 (what warehouse/personal.py publishes with) against a
Python function per value, over `rows` ids of which a third are distinct.
"""

from __future__ import annotations

import argparse
import time

import duckdb
import pyarrow as pa

from warehouse import personal

KEY = b"benchmark-key-not-a-secret"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    connection = duckdb.connect()
    personal.register_functions(connection, KEY)
    connection.create_function(
        "python_pseudonym",
        lambda values: pa.array(
            [personal.pseudonym(value, KEY) for value in values.to_pylist()], pa.string()
        ),
        ["VARCHAR"],
        "VARCHAR",
        type="arrow",
    )
    connection.execute(
        "create table ids as select 'C' || cast(i % ? as varchar) as customer_id from range(?) as r(i)",
        [max(args.rows // 3, 1), args.rows],
    )
    variants = {
        "duckdb sha256": personal.pseudonym_sql("customer_id"),
        "python hmac": "python_pseudonym(customer_id)",
    }
    for name, expression in variants.items():
        for _ in range(args.repeat):
            start = time.perf_counter()
            connection.execute(f"create or replace table pseudonyms as select {expression} as p from ids")
            print(f"{name}: {args.rows:,} ids in {time.perf_counter() - start:.2f} s", flush=True)
    same = connection.execute(
        f"select count(*) from ids where {variants['duckdb sha256']} <> {variants['python hmac']}"
    ).fetchone()[0]
    print(f"ids whose two pseudonyms differ: {same}")


if __name__ == "__main__":
    main()
