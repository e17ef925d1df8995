with source as (select * from {{ source('oms', 'invoices') }}),

ranked as (
    select
        *,
        row_number() over (
            partition by invoice_id
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
        invoice_id,
        order_id,
        ---------- amounts
        amount,
        currency,
        ---------- timestamps (UTC)
        invoiced_at
    from one_copy
)

select * from renamed
