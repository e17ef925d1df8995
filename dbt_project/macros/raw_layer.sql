{#-
  The dbt sources read the raw layer: Parquet that ingest writes under the work folder, one
  folder per entity (<raw_dir>/<source>__<entity>/load=<n>/part.parquet, ingest/raw_layer.py).
  Run at the start of every dbt invocation (on-run-start), this makes each source a relation
  over its folder in the raw_layer schema: a view over read_parquet in DuckDB, an external
  Parquet table in Spark. Loads written since the last run are read by the next, as both
  re-list the folder. Older loads may lack a column the contract gained since: they are read
  by column name, the missing column as null.
-#}
{% macro register_raw_layer() -%}
    {%- if execute -%}
        {%- set raw_dir = env_var('ORDERPULSE_RAW_DIR', 'target/raw') -%}
        {%- do run_query(adapter.dispatch('raw_layer_schema')()) -%}
        {%- for source in graph.sources.values() if source.schema == 'raw_layer' -%}
            {%- set folder = raw_dir ~ '/' ~ source.identifier -%}
            {%- for statement in adapter.dispatch('raw_layer_relation')(source.identifier, folder) -%}
                {%- do run_query(statement) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{% macro default__raw_layer_schema() -%}
    create schema if not exists raw_layer
{%- endmacro %}

{% macro spark__raw_layer_schema() -%}
    create database if not exists raw_layer
{%- endmacro %}

{% macro default__raw_layer_relation(identifier, folder) -%}
    {{ return([
        "create or replace view raw_layer." ~ identifier ~ " as select * from read_parquet('"
        ~ folder ~ "/load=*/part.parquet', union_by_name = true, hive_partitioning = false)"
    ]) }}
{%- endmacro %}

{#- An external table partitioned by load: dropping it leaves the files. The catalog reads only the
    partitions it knows, so they are recovered from the folder each time (else it reads no row). -#}
{% macro spark__raw_layer_relation(identifier, folder) -%}
    {{ return([
        "drop table if exists raw_layer." ~ identifier,
        "create table raw_layer." ~ identifier ~ " using parquet options (path '" ~ folder ~ "', mergeSchema 'true')",
        "alter table raw_layer." ~ identifier ~ " recover partitions"
    ]) }}
{%- endmacro %}
