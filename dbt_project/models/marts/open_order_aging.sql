-- One row per age bucket: orders still open at the as-of date (not cancelled, not
-- closed, not fully delivered, ordered on or before the as-of date), by age in days.
with as_of as (select as_of_date from {{ ref('int_as_of_date') }}),

buckets as (
    select
        age_buckets.age_bucket,
        age_buckets.bucket_order,
        age_buckets.min_age_days,
        age_buckets.max_age_days
    from (
        values
        ('0-2', 1, 0, 2),
        ('3-5', 2, 3, 5),
        ('6-7', 3, 6, 7),
        ('8-20', 4, 8, 20),
        ('21+', 5, 21, null)
    ) as age_buckets (age_bucket, bucket_order, min_age_days, max_age_days)
),

open_orders as (
    select
        order_outcomes.order_id,
        {{ days_between('cast(order_outcomes.ordered_at as date)', 'as_of.as_of_date') }} as age_days
    from {{ ref('order_outcomes') }} as order_outcomes
    cross join as_of
    left join {{ ref('int_order_events_rolled_up') }} as events
        on order_outcomes.order_id = events.order_id
    where
        not order_outcomes.cancelled
        and not order_outcomes.fully_delivered
        and not coalesce(events.is_closed, false)
        and cast(order_outcomes.ordered_at as date) <= as_of.as_of_date
)

select
    as_of.as_of_date,
    buckets.age_bucket,
    buckets.bucket_order,
    count(open_orders.order_id) as open_orders
from buckets
cross join as_of
left join open_orders
    on
        buckets.min_age_days <= open_orders.age_days
        and (buckets.max_age_days is null or buckets.max_age_days >= open_orders.age_days)
group by as_of.as_of_date, buckets.age_bucket, buckets.bucket_order
