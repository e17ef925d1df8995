-- kpis.md "Why orders fail": the six cause shares plus perfect_order_rate add up to 1 in every row.
{{ config(meta={'dagster': {'ref': {'name': 'failure_causes_weekly'}}}) }}
{{ failure_cause_shares_off_one('weekly') }}
