"""Engine spark: the marts Spark wrote as Parquet, brought into the DuckDB work database.

On the Spark engine, dbt-spark writes every model as a Parquet table of the Spark warehouse
(`<spark warehouse>/<schema>.db/<table>/`). The published DuckDB file stays the one thing
analysts and the dashboard open, and it is made by the same publish step (warehouse/publish.py):
this module only loads the marts (and the run's as-of date) from their Parquet into the work
database's `marts` and `intermediate` schemas, with the dbt docs as comments, as the DuckDB
engine leaves them there.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from warehouse.publish import MARTS_SCHEMA

# Besides the marts, publish reads the run's as-of date from this model.
AS_OF_MODEL = ("intermediate", "int_as_of_date")


def import_spark_tables(
    work_db: Path, spark_warehouse: Path, manifest_path: Path, schemas: tuple[str, ...] = (MARTS_SCHEMA,)
) -> list[str]:
    """Replace the work database's tables of these schemas (the marts by default) by Spark's, with the
    run's as-of date; returns the tables imported (schema.name)."""
    models = _models(manifest_path)
    wanted = [(schema, name) for schema, name in models if schema in schemas] + [AS_OF_MODEL]
    conn = duckdb.connect(str(work_db))
    try:
        imported = []
        for schema, name in wanted:
            folder = spark_warehouse / f"{schema}.db" / name
            if not any(folder.glob("*.parquet")):
                raise FileNotFoundError(f"Spark wrote no Parquet for {schema}.{name} under {folder}")
            conn.execute(f"create schema if not exists {schema}")
            _drop_view(conn, schema, name)
            conn.execute(
                f'create or replace table {schema}."{name}" as select * from read_parquet(?)',
                [str(folder / "*.parquet")],
            )
            _comment(conn, schema, name, models[(schema, name)])
            imported.append(f"{schema}.{name}")
        return imported
    finally:
        conn.close()


def _drop_view(conn: duckdb.DuckDBPyConnection, schema: str, name: str) -> None:
    """A DuckDB run on this warehouse may have left the model as a view (materialized_at_publish)."""
    is_view = conn.execute(
        "select count(*) from duckdb_views() where database_name = current_database()"
        " and schema_name = ? and view_name = ?",
        [schema, name],
    ).fetchone()[0]
    if is_view:
        conn.execute(f'drop view {schema}."{name}"')


def _models(manifest_path: Path) -> dict[tuple[str, str], dict]:
    manifest = json.loads(manifest_path.read_text())
    return {
        (node["schema"], node["alias"]): node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
    }


def _comment(conn: duckdb.DuckDBPyConnection, schema: str, name: str, node: dict) -> None:
    """The dbt docs as DuckDB comments, as dbt-duckdb's persist_docs leaves them."""
    if node.get("description"):
        conn.execute(f"comment on table {schema}.\"{name}\" is '{_escape(node['description'])}'")
    existing = {row[0] for row in conn.execute(f'describe {schema}."{name}"').fetchall()}
    for column, spec in node.get("columns", {}).items():
        if spec.get("description") and column in existing:
            conn.execute(
                f'comment on column {schema}."{name}"."{column}" is \'{_escape(spec["description"])}\''
            )


def _escape(text: str) -> str:
    return text.replace("'", "''")
