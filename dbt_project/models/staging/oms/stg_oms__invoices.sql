with source as (select * from {{ source('oms', 'invoices') }}),

one_copy as (
    {{ deduplicate('source', ['invoice_id'], ['_file_seq', '_row_number']) }}
),

renamed as (
    select
        ---------- ids
        invoice_id,
        order_id,
        ---------- amounts
        amount,
        currency,
        ---------- timestamps (UTC)
        invoiced_at,
    from one_copy
)

select * from renamed
