"""dbt's `target` for sqlfluff's jinja templater: the models are linted as DuckDB SQL."""

type = "duckdb"  # mirrors dbt's target.type
