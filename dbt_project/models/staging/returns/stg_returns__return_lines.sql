with source as (select * from {{ source('returns', 'return_lines') }}),

ranked as (
    select
        *,
        -- A return line is resent as it progresses (received, refunded): the latest landed wins.
        row_number() over (
            partition by rma_id, line_number
            order by _file_seq desc, _row_number desc
        ) as copy_rank
    from source
),

latest_copy as (
    select * from ranked
    where copy_rank = 1
),

renamed as (
    select
        ---------- ids
        rma_id,
        line_number,
        order_id,
        sku,
        ---------- attributes
        reason_code,
        disposition,
        ---------- quantities and amounts
        quantity_returned,
        refund_amount,
        ---------- timestamps (UTC)
        requested_at,
        received_at
    from latest_copy
)

select * from renamed
