-- One row per due date with at least one measured order: the rates of kpis.md.
with counts as (
    select
        due_date,
        {{ outcome_counts() }}
    from {{ ref('order_outcomes') }}
    where measured
    group by due_date
)

select
    *,
    {{ outcome_rates() }}
from counts
