-- One row per grain ('week', 'month') and period with measured orders: the overall KPIs of
-- kpi_weekly / kpi_monthly, exceptions per 1,000 orders and cycle time p50/p90 recomputed over the
-- period (daily ratios and percentiles cannot be averaged), and the scorecard's choice of periods:
-- 'current' is the latest mature period (ended before the as-of date), 'previous' the calendar
-- period before it.
with periods as (
    select
        'week' as grain,
        kpi_weekly.*
    from {{ ref('kpi_weekly') }} as kpi_weekly
    where kpi_weekly.dimension = 'all'
    union all
    select
        'month' as grain,
        kpi_monthly.*
    from {{ ref('kpi_monthly') }} as kpi_monthly
    where kpi_monthly.dimension = 'all'
),

latest_mature as (
    select
        periods.grain,
        max(periods.period_start) as period_start
    from periods
    where periods.is_mature
    group by periods.grain
),

exceptions as (
    select
        periods.grain,
        periods.period_start,
        sum(orders_daily.exceptions) as exceptions,
        sum(orders_daily.orders_created) as orders_created
    from periods
    inner join {{ ref('orders_daily') }} as orders_daily
        on orders_daily.order_date between periods.period_start and periods.period_end
    group by periods.grain, periods.period_start
),

cycle_times as (
    select
        periods.grain,
        periods.period_start,
        percentile_cont(0.5) within group (order by order_outcomes.cycle_time_hours) as cycle_time_hours_p50,
        percentile_cont(0.9) within group (order by order_outcomes.cycle_time_hours) as cycle_time_hours_p90
    from periods
    inner join {{ ref('order_outcomes') }} as order_outcomes
        on cast(order_outcomes.last_delivered_at as date) between periods.period_start and periods.period_end
    where not order_outcomes.excused and order_outcomes.cycle_time_hours is not null
    group by periods.grain, periods.period_start
)

select
    periods.*,
    case
        when periods.period_start = latest_mature.period_start then 'current'
        when
            periods.grain = 'week'
            and periods.period_start
            = {{ previous_period_start('week', 'latest_mature.period_start') }}
            then 'previous'
        when
            periods.grain = 'month'
            and periods.period_start
            = {{ previous_period_start('month', 'latest_mature.period_start') }}
            then 'previous'
    end as scorecard_role,
    exceptions.exceptions,
    exceptions.orders_created,
    {{ share('exceptions.exceptions * 1000', 'exceptions.orders_created') }} as exceptions_per_1000_orders,
    cycle_times.cycle_time_hours_p50,
    cycle_times.cycle_time_hours_p90
from periods
left join latest_mature on periods.grain = latest_mature.grain
left join exceptions
    on
        periods.grain = exceptions.grain
        and periods.period_start = exceptions.period_start
left join cycle_times
    on
        periods.grain = cycle_times.grain
        and periods.period_start = cycle_times.period_start
