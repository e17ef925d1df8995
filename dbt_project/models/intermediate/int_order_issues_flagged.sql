-- One row per order with a quality issue: damaged (a carrier `damaged` exception on
-- one of its shipments, or a return line with reason `damaged`) or inaccurate (a
-- `mis_pick`, a `wrong_item` return, or a pricing/billing credit memo).
with damaged_in_transit as (
    select distinct order_id
    from {{ ref('int_shipments_delivered') }}
    where has_damage_exception
),

returns as (select * from {{ ref('stg_returns__return_lines') }}),

issues as (
    select order_id, 'damaged' as issue from damaged_in_transit
    union all
    select order_id, 'damaged' as issue from returns
    where reason_code = 'damaged'
    union all
    select order_id, 'inaccurate' as issue
    from {{ ref('stg_wms__warehouse_events') }}
    where event_type = 'mis_pick'
    union all
    select order_id, 'inaccurate' as issue from returns
    where reason_code = 'wrong_item'
    union all
    select order_id, 'inaccurate' as issue
    from {{ ref('stg_oms__credit_memos') }}
    where reason_code in ('pricing_error', 'billing_error')
)

select
    order_id,
    {{ any_true("issue = 'damaged'") }} as is_damaged,
    {{ any_true("issue = 'inaccurate'") }} as is_inaccurate
from issues
where order_id is not null
group by order_id
