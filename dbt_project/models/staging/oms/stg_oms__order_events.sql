with source as (select * from {{ source('oms', 'order_events') }}),

one_copy as (
    -- Append-only: a resent event keeps one copy, the latest landed.
    {{ deduplicate('source', ['event_id'], ['_file_seq', '_row_number']) }}
),

renamed as (
    select
        ---------- ids
        event_id,
        order_id,
        ---------- attributes
        event_type,
        reason_code,
        ---------- timestamps (UTC)
        event_at,
    from one_copy
)

select * from renamed
