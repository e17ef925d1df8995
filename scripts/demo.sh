#!/usr/bin/env bash
# make demo: simulate a quarter of orders in the order core, export them as landing
# files, run the pipeline once, write the weekly report and serve the dashboard. The third argument,
# SOURCE, sends the orders through an importer instead: edi (the EDI-channel orders of the simulated
# quarter travel as X12 documents through `orderpulse import edi`), shopify or olist (the example in
# examples/).
set -euo pipefail
demo_dir=${1:-data/demo}
port=${2:-8501}
source=${3:-}
host=${4:-}  # empty: ORDERPULSE_DASHBOARD_HOST or 127.0.0.1 (this machine only)
bin=.venv/bin

case "$source" in
    "" | edi | shopify | olist) ;;
    *) echo "make demo: unknown SOURCE '$source' (one of edi, shopify, olist; none for the simulated quarter)" >&2; exit 2 ;;
esac

rm -rf "$demo_dir"
mkdir -p "$demo_dir"

# make demo SOURCE=<importer>: import the small example of examples/<importer>/ instead.
case "$source" in
    shopify | olist)
        echo "1/3 Importing examples/$source into $demo_dir/landing..."
        "$bin/orderpulse" import "$source" "examples/$source" --landing "$demo_dir/landing"
        echo "2/3 Running the pipeline (ingest -> dbt -> checks -> publish)..."
        "$bin/orderpulse" run --landing "$demo_dir/landing" --warehouse "$demo_dir/warehouse.duckdb"
        echo "3/3 Serving the dashboard (Ctrl-C to stop)."
        exec "$bin/orderpulse" dashboard --warehouse "$demo_dir/warehouse.duckdb" --port "$port" ${host:+--host "$host"}
        ;;
esac
core_db="sqlite:///$demo_dir/order_core.sqlite"

if [ "$source" = edi ]; then
    # A distributor's EDI flow: the customers' 850 purchase orders and the core's 855, 856 and
    # 810 replies land in an inbox (like examples/edi/) and come in through the importer.
    echo "1/5 Simulating 90 days x ${ORDERS_PER_DAY:-600} orders a day in the order core ($demo_dir/order_core.sqlite)..."
    "$bin/orderpulse" simulate --db "$core_db" --days 90 --orders-per-day "${ORDERS_PER_DAY:-600}" --seed 7
    echo "2/5 Writing the EDI-channel orders as X12 documents to $demo_dir/edi-inbox..."
    "$bin/orderpulse" core export-edi --db "$core_db" --out "$demo_dir/edi-inbox"
    echo "3/5 Importing the EDI documents into $demo_dir/landing..."
    "$bin/orderpulse" import edi "$demo_dir/edi-inbox" --landing "$demo_dir/landing"
    echo "4/5 Running the pipeline (ingest -> dbt -> checks -> publish)..."
    "$bin/orderpulse" run --landing "$demo_dir/landing" --warehouse "$demo_dir/warehouse.duckdb"
    echo "5/5 Serving the dashboard (Ctrl-C to stop)."
    exec "$bin/orderpulse" dashboard --warehouse "$demo_dir/warehouse.duckdb" --port "$port" ${host:+--host "$host"}
fi

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
exec "$bin/orderpulse" dashboard --warehouse "$demo_dir/warehouse.duckdb" --port "$port" ${host:+--host "$host"}
