{% set key_columns = ['order_id', 'line_number'] %}
{% set newest_first = ["coalesce(updated_at, '-infinity'::timestamp)", '_file_seq', '_row_number'] %}

with source as (select * from {{ source('oms', 'order_lines') }}),

latest_version as (
    -- Latest updated_at wins; a tie goes to the later-landed file, then the later row.
    {{ deduplicate('source', key_columns, newest_first) }}
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
        updated_at,
    from latest_version
)

select * from renamed
