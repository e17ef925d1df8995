with source as (select * from {{ source('wms', 'shipments') }}),

one_copy as (
    {{ deduplicate('source', ['shipment_id'], ['_file_seq', '_row_number']) }}
),

renamed as (
    select
        ---------- ids
        shipment_id,
        order_id,
        warehouse_id,
        tracking_number,
        ---------- attributes
        carrier,
        service_level,
        ---------- timestamps (UTC)
        shipped_at,
    from one_copy
)

select * from renamed
