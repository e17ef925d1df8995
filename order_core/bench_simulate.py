"""Benchmark of the simulator on a fresh SQLite file (prints figures; not a test).

.venv/bin/python -m order_core.bench_simulate --days 90 --orders-per-day 2000 --seed 7
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from order_core.adapters.database import open_database
from order_core.adapters.extract_writer import export_extracts
from order_core.adapters.repository import SoleWriterUnitOfWork
from order_core.service.ids import SequentialIds
from order_core.simulator import Simulation, SimulationConfig


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--orders-per-day", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", help="database URL (default: a SQLite file in a temporary folder)")
    parser.add_argument("--no-export", action="store_true", help="skip timing the CSV export")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="orderpulse-bench-") as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'order_core.sqlite'}"
        engine = open_database(url)
        uow = SoleWriterUnitOfWork(engine, SequentialIds())
        config = SimulationConfig(days=args.days, orders_per_day=args.orders_per_day, seed=args.seed)
        summary = Simulation(lambda: uow, config, log=print).run()  # its last read waits for every write
        uow.close()
        print(f"simulated {summary.days} days, {summary.orders} orders in {summary.seconds:.1f} s "
              f"({summary.orders / summary.seconds:,.0f} orders/s)")  # fmt: skip
        print("order statuses at the end:", summary.statuses)
        if not args.no_export:
            started = time.perf_counter()
            result = export_extracts(engine, Path(folder) / "landing")
            seconds = time.perf_counter() - started
            rows = sum(result.rows_by_entity.values())
            print(f"exported {rows:,} rows in {seconds:.1f} s: {result.rows_by_entity}")
        if url.startswith("sqlite"):
            size = Path(url.removeprefix("sqlite:///")).stat().st_size
            print(f"database size: {size / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
