with source as (select * from {{ source('wms', 'shipment_lines') }}),

ranked as (
    select
        *,
        row_number() over (
            partition by shipment_id, line_number
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
        line_number,
        order_id,
        order_line_number,
        sku,
        ---------- quantities
        quantity_shipped
    from one_copy
)

select * from renamed
