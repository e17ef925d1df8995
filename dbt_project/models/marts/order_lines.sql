-- One row per order line (latest version): what was ordered, shipped, and delivered by the due date.
with lines as (select * from {{ ref('int_order_lines_filled') }}),

prices as (
    select
        order_id,
        line_number,
        unit_price
    from {{ ref('stg_oms__order_lines') }}
)

select
    lines.order_id,
    lines.line_number,
    lines.sku,
    lines.quantity_ordered,
    prices.unit_price,
    lines.quantity_shipped,
    lines.quantity_delivered_by_due_date,
    lines.is_filled,
    lines.is_delivered_in_full_by_due_date
from lines
left join prices
    on
        lines.order_id = prices.order_id
        and lines.line_number = prices.line_number
order by lines.order_id, lines.line_number
