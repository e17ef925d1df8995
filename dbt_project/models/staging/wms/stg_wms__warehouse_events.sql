with source as (select * from {{ source('wms', 'warehouse_events') }}),

one_copy as (
    {{ deduplicate('source', ['event_id'], ['_file_seq', '_row_number']) }}
),

renamed as (
    select
        ---------- ids
        event_id,
        order_id,
        warehouse_id,
        sku,
        ---------- attributes
        event_type,
        quantity,
        ---------- timestamps (UTC)
        event_at,
    from one_copy
)

select * from renamed
