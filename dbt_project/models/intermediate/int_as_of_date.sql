-- One row: the run's as-of date, the `as_of_date` var when given, else the UTC date
-- of the latest event_at among carrier tracking events and OMS order events (kpis.md).
-- Both branches read the same models, so the dependency graph does not change with the var.
with latest_events as (
    select max(event_at) as latest_event_at from {{ ref('stg_carrier__tracking_events') }}
    union all
    select max(event_at) as latest_event_at from {{ ref('stg_oms__order_events') }}
)

select
    {% if var('as_of_date') -%}
        max(cast('{{ var("as_of_date") }}' as date)) as as_of_date,
    {%- else -%}
        cast(max(latest_event_at) as date) as as_of_date,
    {%- endif %}
from latest_events
