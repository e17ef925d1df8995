-- One row per order: the flags of kpis.md, whether it is measured, and its cycle times.
with orders as (select * from {{ ref('stg_oms__orders') }}),

as_of as (select as_of_date from {{ ref('int_as_of_date') }}),

lines as (
    select
        order_id,
        count(*) as line_count,
        count(case when is_filled then 1 end) as lines_filled,
        sum(quantity_ordered) as units_ordered,
        sum(units_filled) as units_filled,
        {{ every_true('is_filled') }} as every_line_filled,
        {{ every_true('is_delivered_in_full_by_due_date') }} as every_line_delivered_by_due_date
    from {{ ref('int_order_lines_filled') }}
    group by order_id
),

shipments as (
    select
        order_id,
        count(*) as shipment_count,
        count(delivered_at) as delivered_shipment_count,
        min(shipped_at) as first_shipped_at,
        max(shipped_at) as last_shipped_at,
        max(delivered_at) as last_delivered_at
    from {{ ref('int_shipments_delivered') }}
    group by order_id
),

-- The order's warehouse and carrier for rollups: those of its first shipped shipment, taken
-- together from one row. Parcels of a split order often leave in the same minute: the
-- lower shipment id breaks the tie, so reruns agree.
shipments_in_shipping_order as (
    select
        order_id,
        warehouse_id,
        carrier,
        row_number() over (partition by order_id order by shipped_at, shipment_id) as shipping_rank
    from {{ ref('int_shipments_delivered') }}
    where shipped_at is not null
),

first_shipments as (
    select
        order_id,
        warehouse_id,
        carrier
    from shipments_in_shipping_order
    where shipping_rank = 1
),

events as (select * from {{ ref('int_order_events_rolled_up') }}),

issues as (select * from {{ ref('int_order_issues_flagged') }}),

joined as (
    select
        orders.order_id,
        orders.customer_id,
        orders.channel,
        orders.status,
        orders.ordered_at,
        orders.promised_ship_at,
        orders.promised_delivery_date as due_date,
        as_of.as_of_date,
        coalesce(events.is_cancelled, false) as cancelled,
        events.cancel_reason,
        coalesce(events.is_excused, false) as excused,
        coalesce(events.hold_hours, 0) as hold_hours,
        events.last_hold_released_at,
        coalesce(lines.line_count, 0) as line_count,
        coalesce(lines.lines_filled, 0) as lines_filled,
        coalesce(lines.units_ordered, 0) as units_ordered,
        coalesce(lines.units_filled, 0) as units_filled,
        -- "for every line": an order without lines has no line that fails.
        coalesce(lines.every_line_filled, true) as shipped_complete,
        coalesce(lines.every_line_delivered_by_due_date, true) as otif,
        coalesce(shipments.shipment_count, 0) as shipment_count,
        coalesce(shipments.delivered_shipment_count, 0) as delivered_shipment_count,
        shipments.first_shipped_at,
        shipments.last_shipped_at,
        shipments.last_delivered_at,
        first_shipments.warehouse_id as primary_warehouse_id,
        first_shipments.carrier as primary_carrier,
        coalesce(issues.is_damaged, false) as damaged,
        coalesce(issues.is_inaccurate, false) as inaccurate
    from orders
    cross join as_of
    left join lines on orders.order_id = lines.order_id
    left join shipments on orders.order_id = shipments.order_id
    left join first_shipments on orders.order_id = first_shipments.order_id
    left join events on orders.order_id = events.order_id
    left join issues on orders.order_id = issues.order_id
),

flagged as (
    select
        *,
        shipment_count > 0 and delivered_shipment_count = shipment_count as fully_delivered,
        not excused and coalesce(due_date < as_of_date, false) as measured
    from joined
)

select
    ---------- ids and attributes
    order_id,
    customer_id,
    channel,
    status,
    primary_warehouse_id,
    primary_carrier,
    ---------- dates and timestamps (UTC)
    ordered_at,
    promised_ship_at,
    due_date,
    first_shipped_at,
    last_shipped_at,
    last_delivered_at,
    ---------- scope
    cancelled,
    cancel_reason,
    excused,
    measured,
    ---------- lines and shipments
    line_count,
    lines_filled,
    units_ordered,
    units_filled,
    shipment_count,
    delivered_shipment_count,
    ---------- flags
    shipped_complete,
    fully_delivered and coalesce(cast(last_delivered_at as date) <= due_date, false) as on_time,
    otif,
    damaged,
    inaccurate,
    otif and not damaged and not inaccurate as perfect,
    shipment_count > 0 and coalesce(last_shipped_at <= promised_ship_at, false) as on_time_ship,
    fully_delivered,
    ---------- cycle times (hours), for fully delivered orders
    case
        when fully_delivered then {{ hours_between('ordered_at', 'last_delivered_at') }}
    end as cycle_time_hours,
    case
        when fully_delivered then {{ hours_between('ordered_at', 'first_shipped_at') }}
    end as order_to_ship_hours,
    case
        when fully_delivered then {{ hours_between('first_shipped_at', 'last_delivered_at') }}
    end as ship_to_deliver_hours,
    hold_hours,
    last_hold_released_at,
    -- SCOR's clean-order cycle time starts after the last hold release.
    case
        when fully_delivered
            then {{ hours_between('coalesce(last_hold_released_at, ordered_at)', 'last_delivered_at') }}
    end as clean_cycle_time_hours
from flagged
