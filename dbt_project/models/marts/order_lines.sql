-- One row per order line (latest version): its SKU and price, what was ordered, shipped and
-- delivered by the due date for it, and its order's channel, due date and backorder flag, for the
-- order lookup and for questions asked by SKU.
with lines as (select * from {{ ref('int_order_lines_filled') }}),

prices as (
    select
        order_id,
        line_number,
        unit_price
    from {{ ref('stg_oms__order_lines') }}
),

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
)

select
    lines.order_id,
    lines.line_number,
    lines.sku,
    orders.channel,
    orders.due_date,
    orders.measured,
    coalesce(order_events.is_backordered, false) as order_backordered,
    lines.quantity_ordered,
    prices.unit_price,
    lines.quantity_shipped,
    lines.units_filled,
    lines.quantity_ordered - lines.units_filled as units_short,
    lines.quantity_delivered_by_due_date,
    lines.is_filled,
    lines.is_delivered_in_full_by_due_date
from lines
left join prices
    on
        lines.order_id = prices.order_id
        and lines.line_number = prices.line_number
left join orders on lines.order_id = orders.order_id
left join order_events on lines.order_id = order_events.order_id
order by lines.order_id, lines.line_number
