{{ outcome_rollup('week') }}
