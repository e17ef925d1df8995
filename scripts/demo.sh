#!/usr/bin/env bash
# make demo: simulate a quarter of orders in the order core, export them as landing
# files, run the pipeline once, write the weekly report and serve the dashboard.
set -euo pipefail
demo_dir=${1:-data/demo}
port=${2:-8501}
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
echo "   Writing the weekly executive report (HTML and PDF) to $demo_dir/reports..."
"$bin/orderpulse" report --warehouse "$demo_dir/warehouse.duckdb" --period week --out "$demo_dir/reports" ||
    echo "   (no PDF: it needs Debian's chromium, bash scripts/ensure_chromium.sh installs it)"
echo "4/4 Serving the dashboard (Ctrl-C to stop)."
exec "$bin/orderpulse" dashboard --warehouse "$demo_dir/warehouse.duckdb" --port "$port"
