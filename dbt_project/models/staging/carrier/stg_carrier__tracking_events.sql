{% set key_columns = ['tracking_number', 'event_at', 'status_code', 'exception_code'] %}
{% set newest_first = ['_file_seq', '_row_number'] %}

with source as (select * from {{ source('carrier', 'tracking_events') }}),

one_copy as (
    -- The four key columns identify an event; exception_code is null for most
    -- statuses, and grouping treats nulls as equal, as the key needs.
    {{ deduplicate('source', key_columns, newest_first) }}
),

renamed as (
    select
        ---------- ids
        tracking_number,
        ---------- attributes
        carrier,
        status_code,
        exception_code,
        location,
        ---------- timestamps (UTC)
        event_at,
    from one_copy
)

select * from renamed
