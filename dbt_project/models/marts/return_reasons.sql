-- One row per request date and return reason: return lines, units and refunds.
select
    cast(requested_at as date) as requested_date,
    reason_code,
    count(*) as return_lines,
    sum(quantity_returned) as units_returned,
    coalesce(sum(refund_amount), 0) as refund_amount
from {{ ref('stg_returns__return_lines') }}
group by cast(requested_at as date), reason_code
