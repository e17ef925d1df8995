-- One row per shipment, with its delivery (the earliest `delivered` tracking event
-- of its tracking number) and whether the carrier reported it damaged.
with shipments as (select * from {{ ref('stg_wms__shipments') }}),

tracking_events as (select * from {{ ref('stg_carrier__tracking_events') }}),

tracking_summary as (
    select
        tracking_number,
        min(case when status_code = 'delivered' then event_at end) as delivered_at,
        {{ any_true("coalesce(exception_code = 'damaged', false)") }} as has_damage_exception
    from tracking_events
    group by tracking_number
)

select
    shipments.shipment_id,
    shipments.order_id,
    shipments.warehouse_id,
    shipments.carrier,
    shipments.service_level,
    shipments.tracking_number,
    shipments.shipped_at,
    tracking_summary.delivered_at,
    cast(tracking_summary.delivered_at as date) as delivered_date,
    coalesce(tracking_summary.has_damage_exception, false) as has_damage_exception
from shipments
left join tracking_summary
    on shipments.tracking_number = tracking_summary.tracking_number
