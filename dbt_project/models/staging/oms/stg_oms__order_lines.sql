with source as (select * from {{ source('oms', 'order_lines') }}),

ranked as (
    select
        *,
        -- Latest updated_at wins; a tie goes to the later-landed file, then the later row.
        row_number() over (
            partition by order_id, line_number
            order by updated_at desc nulls last, _file_seq desc, _row_number desc
        ) as copy_rank
    from source
),

latest_version as (
    select * from ranked
    where copy_rank = 1
),

renamed as (
    select
        ---------- ids
        order_id,
        line_number,
        sku,
        ---------- quantities and amounts
        quantity_ordered,
        unit_price,
        ---------- timestamps (UTC)
        updated_at
    from latest_version
)

select * from renamed
