"""Benchmark: generate N orders, run `orderpulse run` from scratch, print wall time, rows/s, peak memory.

    python -m benchmarks.pipeline --orders 1000000

Peak memory is the largest sum of resident memory over the whole process tree
(the Dagster process and the dbt process it starts), sampled every 100 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from benchmarks.generate_landing import write_landing


def tree_rss(process: psutil.Process) -> int:
    total = 0
    for member in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):  # a child may exit between listing and reading
            total += member.memory_info().rss
    return total


def run_measured(command: list[str]) -> tuple[float, int, subprocess.CompletedProcess]:
    peak = 0
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watched = psutil.Process(child.pid)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            try:
                peak = max(peak, tree_rss(watched))
            except psutil.NoSuchProcess:
                return
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = child.communicate()
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    return elapsed, peak, subprocess.CompletedProcess(command, child.returncode, stdout, stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--format", default="csv", choices=("csv", "parquet", "jsonl", "mixed"))
    parser.add_argument("--files-per-entity", type=int, default=4)
    parser.add_argument("--workdir", type=Path, help="Keep files here instead of a temporary folder.")
    args = parser.parse_args()

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="orderpulse-bench-"))
    landing, warehouse = workdir / "landing", workdir / "warehouse.duckdb"
    shutil.rmtree(landing, ignore_errors=True)
    for leftover in workdir.glob("*warehouse.duckdb*"):
        shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()

    started = time.perf_counter()
    rows = write_landing(
        landing, args.orders, file_format=args.format, files_per_entity=args.files_per_entity
    )
    generated_in = time.perf_counter() - started
    landed_bytes = sum(p.stat().st_size for p in landing.rglob("*") if p.is_file())

    orderpulse = str(Path(sys.executable).with_name("orderpulse"))
    elapsed, peak, result = run_measured(
        [orderpulse, "run", "--landing", str(landing), "--warehouse", str(warehouse)]
    )
    if result.returncode != 0:
        print(result.stdout, result.stderr, sep="\n", file=sys.stderr)
        return result.returncode

    print(
        f"machine: {platform.machine()}, {psutil.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB"
    )
    print(
        f"orders: {args.orders:,}; extract rows: {rows:,}; landed: {landed_bytes / 2**20:,.0f} MiB ({args.format})"
    )
    print(f"generate landing: {generated_in:.1f} s (not part of the pipeline figure)")
    print(f"orderpulse run from scratch: {elapsed:.1f} s wall")
    print(f"throughput: {rows / elapsed:,.0f} extract rows/s")
    print(f"peak memory (process tree RSS): {peak / 2**30:.2f} GiB")
    if not args.workdir:
        shutil.rmtree(workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
