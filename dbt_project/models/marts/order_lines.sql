-- One row per order line (latest version): its SKU, what was ordered and shipped for it, and
-- its order's channel, due date and backorder flag, for questions asked by SKU.
with lines as (select * from {{ ref('int_order_lines_filled') }}),

orders as (
    select
        order_id,
        channel,
        due_date,
        measured
    from {{ ref('order_outcomes') }}
),

order_events as (
    select
        order_id,
        is_backordered
    from {{ ref('int_order_events_rolled_up') }}
),

joined as (
    select
        lines.order_id,
        lines.line_number,
        lines.sku,
        orders.channel,
        orders.due_date,
        orders.measured,
        coalesce(order_events.is_backordered, false) as order_backordered,
        lines.quantity_ordered,
        lines.quantity_shipped,
        lines.units_filled,
        lines.quantity_ordered - lines.units_filled as units_short,
        lines.is_filled as filled
    from lines
    left join orders on lines.order_id = orders.order_id
    left join order_events on lines.order_id = order_events.order_id
)

select * from joined
