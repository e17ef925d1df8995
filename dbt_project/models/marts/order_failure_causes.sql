-- One row per measured order that is not perfect: why it failed (kpis.md "Why orders fail",
-- v1.1). Each test is its own flag; failure_cause is the first flag that holds, in the order of
-- failure_causes(), which walks the order's path from the warehouse to the customer.
with order_outcomes as (
    select *
    from {{ ref('order_outcomes') }}
    where measured and not perfect
),

tested as (
    select
        order_id,
        due_date,
        channel,
        -- As in kpi_weekly: the first shipment's warehouse and carrier, 'unshipped' when none.
        coalesce(primary_warehouse_id, 'unshipped') as primary_warehouse_id,
        coalesce(primary_carrier, 'unshipped') as primary_carrier,
        promised_ship_at,
        last_shipped_at,
        last_delivered_at,
        otif,
        -- first_shipped_at is the earliest non-null shipped_at: null when no shipment has one.
        first_shipped_at is null as is_not_shipped,
        not shipped_complete as is_short_shipped,
        not otif and coalesce(last_shipped_at > promised_ship_at, false) as is_late_from_warehouse,
        damaged as is_damaged,
        inaccurate as is_inaccurate
    from order_outcomes
),

flagged as (
    select
        *,
        -- Late although it left complete and on time: the lateness is in transit.
        not otif
        and not is_not_shipped
        and not is_short_shipped
        and not is_late_from_warehouse as is_late_in_transit
    from tested
)

select
    ---------- ids and attributes
    order_id,
    due_date,
    channel,
    primary_warehouse_id,
    primary_carrier,
    ---------- the cause: the first test that holds
    case
        {%- for cause in failure_causes() %}
            when is_{{ cause }} then '{{ cause }}'
        {%- endfor %}
    end as failure_cause,
    ---------- every test on its own
    {%- for cause in failure_causes() %}
        is_{{ cause }},
    {%- endfor %}
    ---------- what the tests looked at (UTC)
    promised_ship_at,
    last_shipped_at,
    last_delivered_at
from flagged
