-- One row per age bucket: the orders still open at the as-of date (open_orders: not cancelled,
-- not closed, not fully delivered, ordered on or before the as-of date), by age in days.
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

-- The open orders are defined once, in open_orders: here they are only counted by age.
open_orders as (select order_id, age_days from {{ ref('open_orders') }})

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
