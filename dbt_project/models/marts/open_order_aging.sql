-- One row per age bucket: orders still open at the as-of date (not cancelled, not
-- closed, not fully delivered, ordered on or before the as-of date), by age in days.
with buckets as (
    select * from (values
        ('0-2', 1, 0, 2),
        ('3-5', 2, 3, 5),
        ('6-7', 3, 6, 7),
        ('8-20', 4, 8, 20),
        ('21+', 5, 21, null)
    ) as bucket (age_bucket, bucket_order, min_age_days, max_age_days)
),

open_orders as (
    select
        outcomes.order_id,
        outcomes.as_of_date,
        {{ dbt.datediff('cast(outcomes.ordered_at as date)', 'outcomes.as_of_date', 'day') }} as age_days,
    from (
        select order_outcomes.*, as_of.as_of_date
        from {{ ref('order_outcomes') }} as order_outcomes
        cross join {{ ref('int_as_of_date') }} as as_of
    ) as outcomes
    left join {{ ref('int_order_events_rolled_up') }} as events
        on outcomes.order_id = events.order_id
    where
        not outcomes.cancelled
        and not outcomes.fully_delivered
        and not coalesce(events.is_closed, false)
        and cast(outcomes.ordered_at as date) <= outcomes.as_of_date
)

select
    (select as_of_date from {{ ref('int_as_of_date') }}) as as_of_date,
    buckets.age_bucket,
    buckets.bucket_order,
    count(open_orders.order_id) as open_orders,
from buckets
left join open_orders
    on
        open_orders.age_days >= buckets.min_age_days
        and (buckets.max_age_days is null or open_orders.age_days <= buckets.max_age_days)
group by buckets.age_bucket, buckets.bucket_order
