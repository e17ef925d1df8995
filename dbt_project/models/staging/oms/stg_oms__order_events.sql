with source as (select * from {{ source('oms', 'order_events') }}),

one_copy as (
    select *
    from source
    -- Append-only: a resent event keeps one copy, the latest landed.
    qualify row_number() over (
        partition by event_id
        order by _file_seq desc, _row_number desc
    ) = 1
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
