-- open_orders (one row per open order) and open_order_aging (counts per bucket) count the same orders
-- in the same age buckets: the two definitions of "open" and of the buckets cannot drift apart.
{{ config(meta={'dagster': {'ref': {'name': 'open_orders'}}}) }}
with listed as (
    select
        age_bucket,
        count(*) as open_orders
    from {{ ref('open_orders') }}
    group by age_bucket
)

select
    aging.age_bucket,
    aging.open_orders as counted,
    coalesce(listed.open_orders, 0) as listed
from {{ ref('open_order_aging') }} as aging
full outer join listed on aging.age_bucket = listed.age_bucket
where aging.age_bucket is null or aging.open_orders != coalesce(listed.open_orders, 0)
