-- One row per order line, with the quantity shipped for it and the quantity on
-- shipments delivered on or before the order's due date. A shipment line fills the
-- order line its order_line_number names (contract v1.1); a line without one (a v1
-- writer's) fills the order line of the same order and SKU.
with order_lines as (select * from {{ ref('stg_oms__order_lines') }}),

orders as (select order_id, promised_delivery_date from {{ ref('stg_oms__orders') }}),

shipment_lines as (select * from {{ ref('stg_wms__shipment_lines') }}),

shipments as (select shipment_id, delivered_date from {{ ref('int_shipments_delivered') }}),

shipment_lines_dated as (
    select
        shipment_lines.order_id,
        shipment_lines.order_line_number,
        shipment_lines.sku,
        shipment_lines.quantity_shipped,
        case
            when shipments.delivered_date <= orders.promised_delivery_date
                then shipment_lines.quantity_shipped
            else 0
        end as quantity_delivered_by_due_date
    from shipment_lines
    left join shipments
        on shipment_lines.shipment_id = shipments.shipment_id
    left join orders
        on shipment_lines.order_id = orders.order_id
),

shipped_by_line as (
    select
        order_id,
        order_line_number,
        sum(quantity_shipped) as quantity_shipped,
        sum(quantity_delivered_by_due_date) as quantity_delivered_by_due_date
    from shipment_lines_dated
    where order_line_number is not null
    group by order_id, order_line_number
),

shipped_by_sku as (
    select
        order_id,
        sku,
        sum(quantity_shipped) as quantity_shipped,
        sum(quantity_delivered_by_due_date) as quantity_delivered_by_due_date
    from shipment_lines_dated
    where order_line_number is null
    group by order_id, sku
),

filled as (
    select
        order_lines.order_id,
        order_lines.line_number,
        order_lines.sku,
        order_lines.quantity_ordered,
        coalesce(shipped_by_line.quantity_shipped, 0)
        + coalesce(shipped_by_sku.quantity_shipped, 0) as quantity_shipped,
        coalesce(shipped_by_line.quantity_delivered_by_due_date, 0)
        + coalesce(shipped_by_sku.quantity_delivered_by_due_date, 0) as quantity_delivered_by_due_date
    from order_lines
    left join shipped_by_line
        on
            order_lines.order_id = shipped_by_line.order_id
            and order_lines.line_number = shipped_by_line.order_line_number
    left join shipped_by_sku
        on
            order_lines.order_id = shipped_by_sku.order_id
            and order_lines.sku = shipped_by_sku.sku
)

select
    *,
    quantity_shipped >= quantity_ordered as is_filled,
    least(quantity_shipped, quantity_ordered) as units_filled,
    quantity_delivered_by_due_date >= quantity_ordered as is_delivered_in_full_by_due_date
from filled
