-- One row: the run's as-of date, the `as_of_date` var when given, else the UTC date
-- of the latest event_at among carrier tracking events and OMS order events (kpis.md).
{% if var('as_of_date') -%}
    select cast('{{ var("as_of_date") }}' as date) as as_of_date
{%- else -%}
    with latest_events as (
        select max(event_at) as latest_event_at from {{ ref('stg_carrier__tracking_events') }}
        union all
        select max(event_at) as latest_event_at from {{ ref('stg_oms__order_events') }}
    )

    select cast(max(latest_event_at) as date) as as_of_date
    from latest_events
{%- endif %}
