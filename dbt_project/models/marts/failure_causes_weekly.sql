{{ failure_cause_rollup('week') }}
