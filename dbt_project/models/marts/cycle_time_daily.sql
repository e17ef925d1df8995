-- One row per delivery date (date of the order's last delivery): order cycle time
-- over orders that are not excused and whose every shipment is delivered.
with delivered_orders as (
    select
        cast(last_delivered_at as date) as delivery_date,
        cycle_time_hours,
        order_to_ship_hours,
        ship_to_deliver_hours,
        hold_hours,
        clean_cycle_time_hours,
    from {{ ref('order_outcomes') }}
    where fully_delivered and not excused
)

select
    delivery_date,
    count(*) as orders_delivered,
    avg(cycle_time_hours) as cycle_time_hours_mean,
    percentile_cont(0.5) within group (order by cycle_time_hours) as cycle_time_hours_p50,
    percentile_cont(0.9) within group (order by cycle_time_hours) as cycle_time_hours_p90,
    avg(order_to_ship_hours) as order_to_ship_hours_mean,
    percentile_cont(0.5) within group (order by order_to_ship_hours) as order_to_ship_hours_p50,
    percentile_cont(0.9) within group (order by order_to_ship_hours) as order_to_ship_hours_p90,
    avg(ship_to_deliver_hours) as ship_to_deliver_hours_mean,
    percentile_cont(0.5) within group (order by ship_to_deliver_hours) as ship_to_deliver_hours_p50,
    percentile_cont(0.9) within group (order by ship_to_deliver_hours) as ship_to_deliver_hours_p90,
    avg(hold_hours) as hold_hours_mean,
    avg(clean_cycle_time_hours) as clean_cycle_time_hours_mean,
    percentile_cont(0.5) within group (order by clean_cycle_time_hours) as clean_cycle_time_hours_p50,
    percentile_cont(0.9) within group (order by clean_cycle_time_hours) as clean_cycle_time_hours_p90,
from delivered_orders
group by delivery_date
