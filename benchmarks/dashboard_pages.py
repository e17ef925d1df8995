"""Benchmark: render every dashboard page server-side with Streamlit's AppTest; print p50/p95 per page.

    python -m benchmarks.dashboard_pages --warehouse /tmp/bench/warehouse.duckdb --repeats 20
    python -m benchmarks.dashboard_pages --orders 1000000 --workdir /tmp/dash-bench   # builds one first

Each page (the registry of dashboards/pages.py; the order lookup with a failed order's id) is run
`--repeats` times cold (Streamlit's query cache cleared before each run, so every query reads the
published file) and as many times warm (cache kept, as for a second viewer of the same file). The
time is AppTest's `run()`: the page script with its queries, figures and element tree, no browser;
wall time, and for cold runs also the process's CPU time (less sensitive to a shared machine's load).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np

TARGET_P95_MS = 300.0


def build_warehouse(orders: int, workdir: Path) -> Path:
    from benchmarks.generate_landing import write_landing

    landing, warehouse = workdir / "landing", workdir / "warehouse.duckdb"
    if not warehouse.exists():
        write_landing(landing, orders=orders, file_format="csv", files_per_entity=4)
        orderpulse = str(Path(sys.executable).with_name("orderpulse"))
        subprocess.run(
            [orderpulse, "run", "--landing", str(landing), "--warehouse", str(warehouse)],
            check=True,
            timeout=7200,
        )
    return warehouse


def sample_order(warehouse: Path) -> str:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        row = conn.execute(
            "select order_id from order_failure_causes where failure_cause = 'late_in_transit' limit 1"
        ).fetchone()
        orders = conn.execute("select count(*) from order_outcomes").fetchone()[0]
    print(f"Warehouse {warehouse}: {orders:,} orders; order lookup of {row[0]}")
    return row[0]


def measure(warehouse: Path, repeats: int) -> list[tuple[str, list[float], list[float], list[float]]]:
    os.environ["ORDERPULSE_WAREHOUSE"] = str(warehouse)
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    import dashboards
    from dashboards.pages import PAGES

    app_path = Path(dashboards.__file__).parent / "app.py"
    order_id = sample_order(warehouse)
    results = []
    for page in PAGES:
        app = AppTest.from_file(app_path, default_timeout=120)
        if page.url_path == "order_lookup":
            app.query_params["order_id"] = order_id
        app.run()
        app.switch_page(page.app_relative_path).run()  # imports and first queries, not timed
        if app.exception:
            raise SystemExit(f"{page.title}: {[e.value for e in app.exception]}")
        timings = {"cold": [], "warm": [], "cold_cpu": []}
        for mode in ("cold", "warm"):
            for _ in range(repeats):
                if mode == "cold":
                    st.cache_data.clear()
                started, started_cpu = time.perf_counter(), time.process_time()
                app.run()
                timings[mode].append((time.perf_counter() - started) * 1000)
                if mode == "cold":
                    timings["cold_cpu"].append((time.process_time() - started_cpu) * 1000)
                if app.exception:
                    raise SystemExit(f"{page.title}: {[e.value for e in app.exception]}")
        results.append((page.title, timings["cold"], timings["warm"], timings["cold_cpu"]))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--warehouse", type=Path, help="a published warehouse to read")
    source.add_argument("--orders", type=int, help="generate this many orders and run the pipeline first")
    parser.add_argument("--workdir", type=Path, help="where --orders builds its landing and warehouse")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    if args.orders is not None and args.workdir is None:
        parser.error("--orders needs --workdir")
    if args.warehouse is not None and not args.warehouse.exists():
        parser.error(f"no published warehouse at {args.warehouse}")
    warehouse = args.warehouse or build_warehouse(args.orders, args.workdir)

    print(
        f"{platform.node()} · {os.cpu_count()} cores · Python {platform.python_version()} · {args.repeats} runs each"
    )
    print(f"load average before: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    print(
        f"{'page':<14} {'cold p50':>9} {'cold p95':>9} {'warm p50':>9} {'warm p95':>9}"
        f" {'cold CPU p50':>13} {'cold CPU p95':>13}  (ms)"
    )
    missed = []
    for title, cold, warm, cold_cpu in measure(warehouse, args.repeats):
        cold_p50, cold_p95 = np.percentile(cold, [50, 95])
        warm_p50, warm_p95 = np.percentile(warm, [50, 95])
        cpu_p50, cpu_p95 = np.percentile(cold_cpu, [50, 95])
        print(
            f"{title:<14} {cold_p50:9.0f} {cold_p95:9.0f} {warm_p50:9.0f} {warm_p95:9.0f}"
            f" {cpu_p50:13.0f} {cpu_p95:13.0f}"
        )
        if cold_p95 > TARGET_P95_MS:
            missed.append(title)
    print(
        f"Target p95 <= {TARGET_P95_MS:.0f} ms (cold): "
        + (f"missed by {', '.join(missed)}" if missed else "met")
    )


if __name__ == "__main__":
    main()
