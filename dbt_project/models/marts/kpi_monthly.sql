{{ outcome_rollup('month') }}
