{#-
  Data test body (tests/failure_causes_*_sum_to_one.sql): for every period and dimension value, the
  shares of the six causes plus perfect_order_rate as the kpi rollup publishes it add up to 1 (to
  1e-9). A row missing from either side, or a null share, fails too. Returns the rows that break it.
-#}
{% macro failure_cause_shares_off_one(grain) -%}
with totals as (
    select
        coalesce(causes.period_start, kpis.period_start) as period_start,
        coalesce(causes.dimension, kpis.dimension) as dimension,
        coalesce(causes.dimension_value, kpis.dimension_value) as dimension_value,
        (
            kpis.perfect_order_rate
            {% for cause in failure_causes() %}
            + causes.cause_{{ cause }}_share
            {% endfor %}
        ) as total_share
    from {{ ref('failure_causes_' ~ grain) }} as causes
    full outer join {{ ref('kpi_' ~ grain) }} as kpis
        on
            causes.period_start = kpis.period_start
            and causes.dimension = kpis.dimension
            and causes.dimension_value = kpis.dimension_value
)

select *
from totals
where total_share is null or abs(total_share - 1) > 1e-9
{%- endmacro %}
