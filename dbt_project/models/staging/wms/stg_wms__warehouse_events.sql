with source as (select * from {{ source('wms', 'warehouse_events') }}),

ranked as (
    select
        *,
        row_number() over (
            partition by event_id
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
        event_id,
        order_id,
        warehouse_id,
        sku,
        ---------- attributes
        event_type,
        quantity,
        ---------- timestamps (UTC)
        event_at
    from one_copy
)

select * from renamed
