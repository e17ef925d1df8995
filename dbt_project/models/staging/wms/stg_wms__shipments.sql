with source as (select * from {{ source('wms', 'shipments') }}),

ranked as (
    select
        *,
        row_number() over (
            partition by shipment_id
            order by _file_seq desc, _row_number desc
        ) as copy_rank
    from source
),

one_copy as (
    select * from ranked
    where copy_rank = 1
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
        shipped_at
    from one_copy
)

select * from renamed
