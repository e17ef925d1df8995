-- One row per exception (kpis.md "Exceptions per 1,000 orders"), each counted once
-- after deduplication, with its type for the Pareto.
with order_events as (select * from {{ ref('stg_oms__order_events') }}),

warehouse_events as (select * from {{ ref('stg_wms__warehouse_events') }}),

tracking_events as (select * from {{ ref('stg_carrier__tracking_events') }})

select
    event_at as exception_at,
    order_id,
    'oms' as exception_source,
    case
        when event_type = 'hold_placed' then 'hold_' || coalesce(reason_code, 'unknown')
        when event_type = 'cancelled' then 'cancelled_out_of_stock'
        else event_type
    end as exception_type
from order_events
where
    event_type in ('hold_placed', 'payment_failed', 'address_corrected', 'backordered')
    or (event_type = 'cancelled' and reason_code = 'out_of_stock')

union all

select
    event_at as exception_at,
    order_id,
    'wms' as exception_source,
    event_type as exception_type
from warehouse_events
where event_type in ('short_pick', 'mis_pick', 'damaged_in_warehouse')

union all

select
    event_at as exception_at,
    cast(null as {{ string_type() }}) as order_id,
    'carrier' as exception_source,
    'carrier_' || coalesce(exception_code, 'unknown') as exception_type
from tracking_events
where status_code = 'exception'
