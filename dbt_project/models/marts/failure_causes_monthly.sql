{{ failure_cause_rollup('month') }}
