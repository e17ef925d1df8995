{#-
  One row per key: the row with the greatest ordering tuple. Staging models call it
  with (updated_at, _file_seq, _row_number) for "latest version wins" and with
  (_file_seq, _row_number) for "one copy of resent rows, the latest landed".

  On DuckDB a hash aggregate (max_by over the whole row) is markedly faster than a
  window over millions of rows; other engines get the portable window form.
-#}
{% macro deduplicate(relation, key_columns, order_columns) -%}
    {%- if target.type == 'duckdb' -%}
        select unnest(max_by(source_rows, ({{ order_columns | join(', ') }})))
        from {{ relation }} as source_rows
        group by {{ key_columns | join(', ') }}
    {%- else -%}
        select *
        from {{ relation }}
        qualify row_number() over (
            partition by {{ key_columns | join(', ') }}
            order by {{ order_columns | join(' desc, ') }} desc
        ) = 1
    {%- endif -%}
{%- endmacro %}
