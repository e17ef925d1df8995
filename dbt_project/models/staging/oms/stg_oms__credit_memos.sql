with source as (select * from {{ source('oms', 'credit_memos') }}),

ranked as (
    select
        *,
        row_number() over (
            partition by credit_memo_id
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
        credit_memo_id,
        invoice_id,
        order_id,
        ---------- attributes
        reason_code,
        ---------- amounts
        amount,
        ---------- timestamps (UTC)
        issued_at
    from one_copy
)

select * from renamed
