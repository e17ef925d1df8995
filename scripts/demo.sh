#!/usr/bin/env bash
# make demo: simulate a quarter of orders in the order core, export them as landing
# files, run the pipeline once and serve the dashboard.
set -euo pipefail
demo_dir=${1:-data/demo}
port=${2:-8501}
host=${3:-}  # empty: ORDERPULSE_DASHBOARD_HOST or 127.0.0.1 (this machine only)
bin=.venv/bin

rm -rf "$demo_dir"
mkdir -p "$demo_dir"
core_db="sqlite:///$demo_dir/order_core.sqlite"

echo "1/4 Simulating 90 days x ${ORDERS_PER_DAY:-600} orders a day in the order core ($demo_dir/order_core.sqlite)..."
"$bin/orderpulse" simulate --db "$core_db" --days 90 --orders-per-day "${ORDERS_PER_DAY:-600}" --seed 7
echo "2/4 Exporting the extracts to $demo_dir/landing..."
"$bin/orderpulse" core export --db "$core_db" --landing "$demo_dir/landing"
echo "3/4 Running the pipeline (ingest -> dbt -> checks -> publish)..."
"$bin/orderpulse" run --landing "$demo_dir/landing" --warehouse "$demo_dir/warehouse.duckdb"
echo "4/4 Serving the dashboard (Ctrl-C to stop)."
exec "$bin/orderpulse" dashboard --warehouse "$demo_dir/warehouse.duckdb" --port "$port" ${host:+--host "$host"}
