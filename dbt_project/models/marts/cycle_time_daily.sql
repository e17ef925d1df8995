-- One row per delivery date (date of the order's last delivery): order cycle time
-- over orders that are not excused and whose every shipment is delivered.
with delivered_orders as (
    select
        cast(order_outcomes.last_delivered_at as date) as delivery_date,
        order_outcomes.cycle_time_hours,
        order_outcomes.order_to_ship_hours,
        order_outcomes.ship_to_deliver_hours,
        order_outcomes.clean_cycle_time_hours,
        -- Exact durations for the means (see mean_hours).
        {{ microseconds_between('order_outcomes.ordered_at', 'order_outcomes.last_delivered_at') }}
            as cycle_time_microseconds,
        {{ microseconds_between('order_outcomes.ordered_at', 'order_outcomes.first_shipped_at') }}
            as order_to_ship_microseconds,
        {{ microseconds_between('order_outcomes.first_shipped_at', 'order_outcomes.last_delivered_at') }}
            as ship_to_deliver_microseconds,
        coalesce(events.hold_microseconds, 0) as hold_microseconds,
        {{ microseconds_between(
            'coalesce(order_outcomes.last_hold_released_at, order_outcomes.ordered_at)',
            'order_outcomes.last_delivered_at'
        ) }} as clean_cycle_time_microseconds
    from {{ ref('order_outcomes') }} as order_outcomes
    left join {{ ref('int_order_events_rolled_up') }} as events
        on order_outcomes.order_id = events.order_id
    where order_outcomes.fully_delivered and not order_outcomes.excused
)

select
    delivery_date,
    count(*) as orders_delivered,
    {{ mean_hours('cycle_time_microseconds') }} as cycle_time_hours_mean,
    {{ percentile_cont(0.5, 'cycle_time_hours') }} as cycle_time_hours_p50,
    {{ percentile_cont(0.9, 'cycle_time_hours') }} as cycle_time_hours_p90,
    {{ mean_hours('order_to_ship_microseconds') }} as order_to_ship_hours_mean,
    {{ percentile_cont(0.5, 'order_to_ship_hours') }} as order_to_ship_hours_p50,
    {{ percentile_cont(0.9, 'order_to_ship_hours') }} as order_to_ship_hours_p90,
    {{ mean_hours('ship_to_deliver_microseconds') }} as ship_to_deliver_hours_mean,
    {{ percentile_cont(0.5, 'ship_to_deliver_hours') }} as ship_to_deliver_hours_p50,
    {{ percentile_cont(0.9, 'ship_to_deliver_hours') }} as ship_to_deliver_hours_p90,
    {{ mean_hours('hold_microseconds') }} as hold_hours_mean,
    {{ mean_hours('clean_cycle_time_microseconds') }} as clean_cycle_time_hours_mean,
    {{ percentile_cont(0.5, 'clean_cycle_time_hours') }} as clean_cycle_time_hours_p50,
    {{ percentile_cont(0.9, 'clean_cycle_time_hours') }} as clean_cycle_time_hours_p90
from delivered_orders
group by delivery_date
