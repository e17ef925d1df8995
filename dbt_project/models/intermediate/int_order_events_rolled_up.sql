-- One row per order that has lifecycle events: cancellation (and whether it is
-- excused), backorders, closing, and hold time.
with order_events as (select * from {{ ref('stg_oms__order_events') }}),

cancellations_latest_first as (
    select
        order_id,
        reason_code as cancel_reason,
        row_number() over (partition by order_id order by event_at desc, event_id desc) as cancellation_rank
    from order_events
    where event_type = 'cancelled'
),

latest_cancellation as (
    select
        order_id,
        cancel_reason
    from cancellations_latest_first
    where cancellation_rank = 1
),

hold_events as (
    select
        order_id,
        event_type,
        event_at,
        -- Each hold_placed is paired with the next hold_released at or after it.
        min(case when event_type = 'hold_released' then event_at end) over (
            partition by order_id
            order by event_at, case when event_type = 'hold_placed' then 0 else 1 end
            rows between current row and unbounded following
        ) as next_released_at
    from order_events
    where event_type in ('hold_placed', 'hold_released')
),

holds as (
    select
        order_id,
        sum(
            case
                when event_type = 'hold_placed'
                    then {{ microseconds_between('event_at', 'next_released_at') }}
            end
        ) as hold_microseconds,
        max(case when event_type = 'hold_released' then event_at end) as last_hold_released_at
    from hold_events
    group by order_id
),

event_flags as (
    select
        order_id,
        {{ any_true("event_type = 'cancelled'") }} as is_cancelled,
        {{ any_true("event_type = 'backordered'") }} as is_backordered,
        {{ any_true("event_type = 'closed'") }} as is_closed
    from order_events
    group by order_id
)

select
    event_flags.order_id,
    event_flags.is_cancelled,
    event_flags.is_backordered,
    event_flags.is_closed,
    latest_cancellation.cancel_reason,
    coalesce(
        latest_cancellation.cancel_reason in ('customer_request', 'fraud', 'payment_failed'), false
    ) as is_excused,
    coalesce(holds.hold_microseconds, 0) as hold_microseconds,
    {{ hours_from_microseconds('coalesce(holds.hold_microseconds, 0)') }} as hold_hours,
    holds.last_hold_released_at
from event_flags
left join latest_cancellation on event_flags.order_id = latest_cancellation.order_id
left join holds on event_flags.order_id = holds.order_id
