"""Benchmark: the same landing through both engines, `orderpulse run` from scratch, side by side.

    python -m benchmarks.engines --orders 100000 1000000

For each size one landing is generated; each engine then runs the whole job on it into a
fresh warehouse (ingest, raw layer, dbt build with its tests, publish). Spark runs locally
(dbt-spark session mode, local[2] unless ORDERPULSE_SPARK_MASTER says otherwise).
"""

from __future__ import annotations

import argparse
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import psutil

from benchmarks.generate_landing import write_landing
from benchmarks.pipeline import run_measured

ENGINES = ("duckdb", "spark")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--format", default="csv", choices=("csv", "parquet", "jsonl", "mixed"))
    parser.add_argument("--files-per-entity", type=int, default=4)
    parser.add_argument("--engines", nargs="+", default=list(ENGINES), choices=ENGINES)
    args = parser.parse_args()

    orderpulse = str(Path(sys.executable).with_name("orderpulse"))
    print(
        f"machine: {platform.machine()}, {psutil.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB"
    )
    print(f"{'orders':>10} {'extract rows':>13} {'engine':>7} {'wall s':>8} {'peak GiB':>9}")
    for orders in args.orders:
        workdir = Path(tempfile.mkdtemp(prefix="orderpulse-engines-"))
        try:
            landing = workdir / "landing"
            started = time.perf_counter()
            rows = write_landing(
                landing, orders, file_format=args.format, files_per_entity=args.files_per_entity
            )
            print(f"# generated {orders:,} orders in {time.perf_counter() - started:.1f} s (not counted)")
            for engine in args.engines:
                warehouse = workdir / engine / "warehouse.duckdb"
                command = [orderpulse, "run", "--landing", str(landing), "--warehouse", str(warehouse)]
                elapsed, peak, result = run_measured([*command, "--engine", engine])
                if result.returncode != 0:
                    print(result.stdout, result.stderr, sep="\n", file=sys.stderr)
                    return result.returncode
                print(
                    f"{orders:>10,} {rows:>13,} {engine:>7} {elapsed:>8.1f} {peak / 2**30:>9.2f}", flush=True
                )
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
