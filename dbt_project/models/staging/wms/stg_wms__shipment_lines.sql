with source as (select * from {{ source('wms', 'shipment_lines') }}),

one_copy as (
    {{ deduplicate('source', ['shipment_id', 'line_number'], ['_file_seq', '_row_number']) }}
),

renamed as (
    select
        ---------- ids
        shipment_id,
        line_number,
        order_id,
        sku,
        ---------- quantities
        quantity_shipped,
    from one_copy
)

select * from renamed
