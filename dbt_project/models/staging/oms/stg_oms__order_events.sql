with source as (select * from {{ source('oms', 'order_events') }}),

ranked as (
    select
        *,
        -- Append-only: a resent event keeps one copy, the latest landed.
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
        ---------- attributes
        event_type,
        reason_code,
        ---------- timestamps (UTC)
        event_at
    from one_copy
)

select * from renamed
