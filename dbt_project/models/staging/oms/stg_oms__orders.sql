{% set key_columns = ['order_id'] %}
{% set newest_first = ["coalesce(updated_at, '-infinity'::timestamp)", '_file_seq', '_row_number'] %}

with source as (select * from {{ source('oms', 'orders') }}),

latest_version as (
    -- Latest updated_at wins; a tie goes to the later-landed file, then the later row.
    {{ deduplicate('source', key_columns, newest_first) }}
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
        updated_at,
    from latest_version
)

select * from renamed
