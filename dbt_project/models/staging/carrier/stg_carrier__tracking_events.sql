with source as (select * from {{ source('carrier', 'tracking_events') }}),

ranked as (
    select
        *,
        -- The four key columns identify an event; exception_code is null for most
        -- statuses, and partitioning treats nulls as equal, as the key needs.
        row_number() over (
            partition by tracking_number, event_at, status_code, exception_code
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
        tracking_number,
        ---------- attributes
        carrier,
        status_code,
        exception_code,
        location,
        ---------- timestamps (UTC)
        event_at
    from one_copy
)

select * from renamed
