-- One row: the run's as-of date (ORDERPULSE_AS_OF_DATE, YYYY-MM-DD) when given, else the
-- UTC date of the latest event_at among carrier tracking events and OMS order events (kpis.md).
-- An environment variable rather than a dbt var: changing it re-parses this one file, where
-- a changed var makes dbt re-parse the whole project on every run.
-- Both branches read the same models, so the dependency graph does not change with it.
with latest_events as (
    select max(event_at) as latest_event_at from {{ ref('stg_carrier__tracking_events') }}
    union all
    select max(event_at) as latest_event_at from {{ ref('stg_oms__order_events') }}
)

select
    {% set as_of_date = env_var('ORDERPULSE_AS_OF_DATE', '') -%}
    {% if as_of_date -%}
        max(cast('{{ as_of_date }}' as date)) as as_of_date
    {%- else -%}
        cast(max(latest_event_at) as date) as as_of_date
    {%- endif %}
from latest_events
