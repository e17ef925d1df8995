"""PostgreSQL: migrations run on first use, and a simulation exports the same rows as on SQLite."""

from __future__ import annotations

from sqlalchemy import inspect, text

from order_core.adapters.database import migrate_to_latest, open_database
from order_core.adapters.extract_writer import export_extracts
from order_core.adapters.repository import SoleWriterUnitOfWork
from order_core.service.ids import SequentialIds
from order_core.simulator import Simulation, SimulationConfig


def simulate_and_export(url: str, landing) -> None:
    engine = open_database(url)
    uow = SoleWriterUnitOfWork(engine, SequentialIds())
    config = SimulationConfig(days=10, orders_per_day=30, seed=21, skus=50)
    Simulation(lambda: uow, config).run()
    uow.close()
    export_extracts(engine, landing)
    engine.dispose()


def rows_of(landing) -> dict[str, list[str]]:
    """Every landed file's lines, sorted: databases may order rows with equal sort keys differently."""
    return {
        str(path.relative_to(landing)): sorted(path.read_text(encoding="utf-8").splitlines())
        for path in sorted(landing.rglob("*.csv"))
    }


def test_a_simulation_on_postgresql_exports_the_same_rows_as_on_sqlite(postgres_url, tmp_path):
    simulate_and_export(postgres_url, tmp_path / "pg")
    simulate_and_export(f"sqlite:///{tmp_path / 'core.sqlite'}", tmp_path / "sqlite")
    postgres_rows, sqlite_rows = rows_of(tmp_path / "pg"), rows_of(tmp_path / "sqlite")
    assert len(postgres_rows) >= 9
    assert postgres_rows == sqlite_rows


def test_the_schema_is_migrated_on_first_use_and_not_again(postgres_url):
    engine = open_database(postgres_url)
    assert {"orders", "order_lines", "inventory", "extract_runs", "alembic_version"} <= set(
        inspect(engine).get_table_names()
    )
    with engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        counter = connection.execute(text("SELECT value FROM change_counter")).scalar()
    assert (version, counter) == ("0001", 0)
    migrate_to_latest(engine)  # a second call is a no-op
    engine.dispose()
