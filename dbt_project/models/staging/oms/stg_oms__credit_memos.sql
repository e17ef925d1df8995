with source as (select * from {{ source('oms', 'credit_memos') }}),

one_copy as (
    {{ deduplicate('source', ['credit_memo_id'], ['_file_seq', '_row_number']) }}
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
        issued_at,
    from one_copy
)

select * from renamed
