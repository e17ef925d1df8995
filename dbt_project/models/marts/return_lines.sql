-- One row per return line (latest copy): reason, quantity and refund, with its order's channel.
with return_lines as (select * from {{ ref('stg_returns__return_lines') }}),

orders as (
    select
        order_id,
        channel
    from {{ ref('order_outcomes') }}
),

joined as (
    select
        return_lines.rma_id,
        return_lines.line_number,
        return_lines.order_id,
        return_lines.sku,
        orders.channel,
        return_lines.reason_code,
        return_lines.disposition,
        return_lines.quantity_returned,
        return_lines.refund_amount,
        return_lines.requested_at,
        cast(return_lines.requested_at as date) as requested_date,
        return_lines.received_at
    from return_lines
    left join orders on return_lines.order_id = orders.order_id
)

select * from joined
