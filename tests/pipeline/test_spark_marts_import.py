"""Spark's marts brought into the work database (warehouse/spark_marts.py), without a Spark run.

The Parquet folders stand in for what dbt-spark writes (`<schema>.db/<table>/*.parquet`); the real
Spark run is tests/pipeline/test_spark_engine.py.
"""

from __future__ import annotations

import json

import duckdb

from warehouse.spark_marts import import_spark_tables


def _spark_table(spark_warehouse, schema: str, name: str, select: str) -> None:
    folder = spark_warehouse / f"{schema}.db" / name
    folder.mkdir(parents=True)
    duckdb.execute(f"copy ({select}) to '{folder / 'part-00000.parquet'}' (format parquet)")


def _manifest(path, models: dict[tuple[str, str], str]):
    nodes = {
        f"model.orderpulse.{name}": {
            "resource_type": "model",
            "schema": schema,
            "alias": name,
            "description": description,
            "columns": {},
        }
        for (schema, name), description in models.items()
    }
    path.write_text(json.dumps({"nodes": nodes}))
    return path


def test_a_mart_a_duckdb_run_left_as_a_view_becomes_sparks_table(tmp_path):
    # A warehouse run on DuckDB first, then on Spark: order_timeline is a view in the work database
    # (materialized_at_publish), and Spark's Parquet table must replace it, not fail on it.
    work_db = tmp_path / "work.duckdb"
    with duckdb.connect(str(work_db)) as conn:
        conn.execute("create schema marts")
        conn.execute("create view marts.order_timeline as select 'from duckdb' as order_id")
        conn.execute("create table marts.kpi_daily as select 'from duckdb' as kpi")
    spark_warehouse = tmp_path / "spark-warehouse"
    _spark_table(spark_warehouse, "marts", "order_timeline", "select 'from spark' as order_id")
    _spark_table(spark_warehouse, "marts", "kpi_daily", "select 'from spark' as kpi")
    _spark_table(spark_warehouse, "intermediate", "int_as_of_date", "select date '2024-03-31' as as_of_date")
    manifest = _manifest(
        tmp_path / "manifest.json",
        {
            ("marts", "order_timeline"): "Every event of an order.",
            ("marts", "kpi_daily"): "KPIs per day.",
            ("intermediate", "int_as_of_date"): "The as-of date.",
        },
    )

    imported = import_spark_tables(work_db, spark_warehouse, manifest)

    assert sorted(imported) == ["intermediate.int_as_of_date", "marts.kpi_daily", "marts.order_timeline"]
    with duckdb.connect(str(work_db), read_only=True) as conn:
        assert conn.execute("select order_id from marts.order_timeline").fetchall() == [("from spark",)]
        assert conn.execute("select kpi from marts.kpi_daily").fetchall() == [("from spark",)]
        views = conn.execute("select view_name from duckdb_views() where schema_name = 'marts'").fetchall()
        assert views == []
        comment = conn.execute(
            "select comment from duckdb_tables() where schema_name = 'marts' and table_name = 'order_timeline'"
        ).fetchone()[0]
        assert comment == "Every event of an order."
