-- One row per event of an order's story, for the dashboard's order lookup: lifecycle events
-- (holds, allocation, backorders, cancellation...), warehouse events, shipments, carrier scans,
-- invoices, credit memos and return lines (requested and received). Stored in order_id order, so a
-- lookup of one order reads few row groups (sorting by time as well took 9.5 s against 8.0 s alone
-- at 1M orders; readers order one order's events themselves).
--
-- On DuckDB it is a view, and publishing writes it, sorted, straight into the published file: as
-- a table it was built once here and copied once more at publish, 12M rows at 1M orders each time
-- (docs/spark.md). Spark hands its marts over as Parquet tables, so there it stays a table.
{{ config(materialized=materialized_at_publish()) }}

with orders as (select * from {{ ref('stg_oms__orders') }}),

shipments as (select * from {{ ref('stg_wms__shipments') }}),

order_tracking_numbers as (
    select distinct
        order_id,
        tracking_number
    from shipments
    where tracking_number is not null
),

events as (
    select
        order_id,
        ordered_at as event_at,
        'oms' as event_source,
        'ordered' as event_type,
        'channel ' || coalesce(channel, '?')
        || ', due ' || coalesce(cast(promised_delivery_date as {{ dbt.type_string() }}), '?') as detail,
        order_id as reference_id
    from orders

    union all

    select
        order_id,
        event_at,
        'oms' as event_source,
        event_type,
        reason_code as detail,
        event_id as reference_id
    from {{ ref('stg_oms__order_events') }}

    union all

    select
        order_id,
        event_at,
        'wms' as event_source,
        event_type,
        'warehouse ' || coalesce(warehouse_id, '?')
        || coalesce(', sku ' || sku, '')
        || coalesce(', quantity ' || cast(quantity as {{ dbt.type_string() }}), '') as detail,
        event_id as reference_id
    from {{ ref('stg_wms__warehouse_events') }}

    union all

    select
        order_id,
        shipped_at as event_at,
        'wms' as event_source,
        'shipped' as event_type,
        'from ' || coalesce(warehouse_id, '?') || ' with ' || coalesce(carrier, '?')
        || coalesce(' ' || service_level, '') || coalesce(', tracking ' || tracking_number, '') as detail,
        shipment_id as reference_id
    from shipments

    union all

    select
        order_tracking_numbers.order_id,
        tracking_events.event_at,
        'carrier' as event_source,
        tracking_events.status_code as event_type,
        coalesce(tracking_events.carrier, '?')
        || coalesce(': ' || tracking_events.exception_code, '')
        || coalesce(' at ' || tracking_events.location, '') as detail,
        tracking_events.tracking_number as reference_id
    from {{ ref('stg_carrier__tracking_events') }} as tracking_events
    inner join order_tracking_numbers
        on tracking_events.tracking_number = order_tracking_numbers.tracking_number

    union all

    select
        order_id,
        invoiced_at as event_at,
        'billing' as event_source,
        'invoiced' as event_type,
        cast(amount as {{ dbt.type_string() }}) || coalesce(' ' || currency, '') as detail,
        invoice_id as reference_id
    from {{ ref('stg_oms__invoices') }}

    union all

    select
        order_id,
        issued_at as event_at,
        'billing' as event_source,
        'credit_memo' as event_type,
        coalesce(reason_code, '?') || ', ' || cast(amount as {{ dbt.type_string() }}) as detail,
        credit_memo_id as reference_id
    from {{ ref('stg_oms__credit_memos') }}

    union all

    select
        order_id,
        requested_at as event_at,
        'returns' as event_source,
        'return_requested' as event_type,
        coalesce(reason_code, '?') || ', sku ' || coalesce(sku, '?')
        || ', quantity ' || cast(quantity_returned as {{ dbt.type_string() }})
        || coalesce(', refund ' || cast(refund_amount as {{ dbt.type_string() }}), '') as detail,
        rma_id as reference_id
    from {{ ref('stg_returns__return_lines') }}

    union all

    select
        order_id,
        received_at as event_at,
        'returns' as event_source,
        'return_received' as event_type,
        'sku ' || coalesce(sku, '?') || coalesce(', ' || disposition, '') as detail,
        rma_id as reference_id
    from {{ ref('stg_returns__return_lines') }}
    where received_at is not null
)

select
    order_id,
    event_at,
    event_source,
    event_type,
    detail,
    reference_id
from events
where order_id is not null
order by order_id
