with source as (select * from {{ source('oms', 'orders') }}),

ranked as (
    select
        *,
        -- Latest updated_at wins; a tie goes to the later-landed file, then the later row.
        row_number() over (
            partition by order_id
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
        customer_id,
        ---------- attributes
        channel,
        ship_to_country,
        ship_to_postal_code,
        currency,
        status,
        ---------- amounts
        order_total,
        ---------- dates and timestamps (UTC)
        ordered_at,
        promised_ship_at,
        promised_delivery_date,
        updated_at
    from latest_version
)

select * from renamed
