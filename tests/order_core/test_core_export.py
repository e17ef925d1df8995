"""The extract writer: contract-conforming files, incremental by a stored watermark, atomic."""

from __future__ import annotations

import csv
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from contract import DATE, DECIMAL, ENTITIES, INTEGER, TIMESTAMP
from order_core.adapters.database import open_database
from order_core.adapters.extract_writer import export_extracts
from order_core.adapters.repository import SoleWriterUnitOfWork, SqlUnitOfWork
from order_core.service import services
from order_core.service.ids import SequentialIds
from order_core.service.payments import PaymentGateway
from order_core.simulator import Simulation, SimulationConfig, SimulationRates

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
# Generous trouble rates so a short simulation lands rows in every entity.
BUSY_RATES = SimulationRates(
    return_defective=0.2, return_no_longer_needed=0.2, billing_error=0.1, pricing_error=0.1, lost=0.05,
    damaged_parcel=0.05, short_pick=0.05, mis_pick=0.05, warehouse_damage=0.05,
)  # fmt: skip


def simulate(url: str, seed: int = 11, days: int = 16, orders_per_day: int = 40, rates=BUSY_RATES):
    engine = open_database(url)
    uow = SoleWriterUnitOfWork(engine, SequentialIds())
    config = SimulationConfig(days=days, orders_per_day=orders_per_day, seed=seed, rates=rates, skus=60)
    Simulation(lambda: uow, config).run()
    uow.close()
    return engine


@pytest.fixture(scope="module")
def simulated_landing(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    engine = simulate(f"sqlite:///{folder / 'core.sqlite'}")
    csv_result = export_extracts(engine, folder / "csv")
    parquet_result = export_extracts(engine, folder / "parquet", "parquet", full=True)
    engine.dispose()
    return folder, csv_result, parquet_result


def read_csv(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames), list(reader)


@pytest.mark.parametrize("entity", ENTITIES, ids=lambda e: f"{e.source}/{e.name}")
def test_every_exported_csv_row_passes_the_contract(simulated_landing, entity):
    folder, _, _ = simulated_landing
    [path] = sorted((folder / "csv" / entity.source / entity.name).glob("*.csv"))
    header, rows = read_csv(path)
    assert header == list(entity.column_names)
    assert rows, f"the simulation produced no {entity.name}"
    for row in rows:
        for column in entity.columns:
            value = row[column.name]
            if column.key and not column.nullable_key:
                assert value, f"{entity.name}.{column.name} key is empty"
            if value == "":
                continue
            if column.accepted_values is not None:
                assert value in column.accepted_values, f"{entity.name}.{column.name} = {value!r}"
            if column.kind == TIMESTAMP:
                assert ISO_TIMESTAMP.fullmatch(value), value
            elif column.kind == DATE:
                assert date.fromisoformat(value).isoformat() == value
            elif column.kind == DECIMAL:
                assert Decimal(value).as_tuple().exponent == -2, value
            elif column.kind == INTEGER:
                assert int(value) >= (column.min_value if column.min_value is not None else -(10**18))
        reasons = entity.reason_domains.get(row.get("event_type", ""))
        if reasons:
            assert row["reason_code"] in reasons
    keys = [tuple(row[k] for k in entity.key_columns) for row in rows]
    assert len(keys) == len(set(keys)), f"duplicate keys in {entity.name}"


def test_shipment_lines_match_order_lines_by_order_and_sku(simulated_landing):
    folder, _, _ = simulated_landing
    [lines_file] = (folder / "csv" / "oms" / "order_lines").glob("*.csv")
    [shipped_file] = (folder / "csv" / "wms" / "shipment_lines").glob("*.csv")
    ordered = {(r["order_id"], r["sku"]) for r in read_csv(lines_file)[1]}
    shipped = {(r["order_id"], r["sku"]) for r in read_csv(shipped_file)[1]}
    assert shipped <= ordered
    per_order = [(r["order_id"], r["sku"]) for r in read_csv(lines_file)[1]]
    assert len(per_order) == len(set(per_order)), "a SKU appears once per order"


def test_parquet_files_carry_the_same_rows_and_columns(simulated_landing):
    folder, csv_result, parquet_result = simulated_landing
    assert parquet_result.rows_by_entity == csv_result.rows_by_entity
    for entity in ENTITIES:
        [path] = (folder / "parquet" / entity.source / entity.name).glob("*.parquet")
        table = pq.read_table(path)
        assert table.column_names == list(entity.column_names)
        assert table.num_rows == csv_result.rows_by_entity[f"{entity.source}/{entity.name}"]


def test_files_are_landed_atomically_with_names_that_sort_in_export_order(simulated_landing):
    folder, _, _ = simulated_landing
    landed = sorted(p.name for p in (folder / "csv").rglob("*") if p.is_file())
    assert landed and all(re.fullmatch(r"order_core-\d{6}\.csv", name) for name in landed)
    assert not list(folder.rglob("*.tmp"))


def order_rows(landing: Path, seq: int) -> list[dict]:
    path = landing / "oms" / "orders" / f"order_core-{seq:06d}.csv"
    return read_csv(path)[1] if path.exists() else []


def test_the_second_export_sends_only_what_changed_since_the_first(
    uow, engine, catalog, request_for, tmp_path
):
    catalog(uow, {("SKU-1", "WH-A"): 10})
    first = services.place_order(uow, request_for("W-1"), PaymentGateway())
    second = services.place_order(
        uow, request_for("W-2", ordered_at=T0 + timedelta(minutes=5)), PaymentGateway()
    )
    landing = tmp_path / "landing"
    export_1 = export_extracts(engine, landing)
    assert [r["order_id"] for r in order_rows(landing, 1)] == [first.order_id, second.order_id]

    assert export_extracts(engine, landing).export_seq is None, "nothing changed: nothing landed"

    services.cancel_order(uow, second.order_id, "customer_request", "customer", at=T0 + timedelta(hours=1))
    export_2 = export_extracts(engine, landing)
    assert export_2.export_seq == export_1.export_seq + 1
    [resent] = order_rows(landing, 2)
    assert (resent["order_id"], resent["status"]) == (second.order_id, "cancelled")
    assert resent["updated_at"] > order_rows(landing, 1)[1]["updated_at"], "the new version is newer"
    assert export_2.rows_by_entity["oms/order_events"] == 1, "only the cancellation event"
    assert export_2.rows_by_entity["oms/order_lines"] == 1, "the cancelled line's new version"
    assert export_2.rows_by_entity["wms/shipments"] == 0


def test_a_return_line_is_sent_again_when_it_is_received(uow, engine, catalog, request_for, tmp_path):
    catalog(uow, {("SKU-1", "WH-A"): 10})
    placed = services.place_order(uow, request_for("W-1"), PaymentGateway())
    services.pick(uow, [services.PickConfirmation(placed.order_id, "WH-A")], at=T0)
    services.pack(uow, [(placed.order_id, "WH-A")], at=T0)
    services.ship(uow, [services.ShipConfirmation(placed.order_id, "WH-A", "UPS", "standard", "1Z1")], at=T0)
    rma = services.open_return(uow, placed.order_id, [services.ReturnRequestLine("SKU-1", 1, "damaged")], "customer",
                               at=T0 + timedelta(days=4))  # fmt: skip
    landing = tmp_path / "landing"
    export_extracts(engine, landing)
    services.receive_return(uow, rma, {"SKU-1": "scrap"}, "dock", at=T0 + timedelta(days=9))
    export_extracts(engine, landing)
    first = read_csv(landing / "returns" / "return_lines" / "order_core-000001.csv")[1]
    second = read_csv(landing / "returns" / "return_lines" / "order_core-000002.csv")[1]
    assert [(r["received_at"], r["disposition"]) for r in first] == [("", "")]
    assert [(r["received_at"], r["disposition"]) for r in second] == [("2026-03-11T09:00:00Z", "scrap")]


def test_exporting_into_a_landing_that_holds_another_databases_files_is_refused(engine, uow, catalog, request_for,
                                                                                tmp_path):  # fmt: skip
    from orderpulse.errors import UserError

    catalog(uow, {("SKU-1", "WH-A"): 10})
    services.place_order(uow, request_for("W-1"), PaymentGateway())
    landing = tmp_path / "landing"
    export_extracts(engine, landing)
    other = open_database(f"sqlite:///{tmp_path / 'other.sqlite'}")
    catalog(SqlUnitOfWork(other), {("SKU-1", "WH-A"): 10})
    services.place_order(SqlUnitOfWork(other), request_for("W-1"), PaymentGateway())
    with pytest.raises(UserError, match="already exists"):
        export_extracts(other, landing)
