"""The contract package is the one definition: every copy elsewhere agrees with it.

Where another layer keeps its own words (the dbt YAML, the order core's domain vocabulary, the
simulator's channel mix, the marts docs, the dashboard's KPI catalogue) these tests fail on any
difference, so adding a column or an enum value cannot leave a copy behind.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

import contract
from contract import ENTITIES, ENTITIES_BY_PATH
from orderpulse.config import DBT_PROJECT_DIR, REPO_ROOT

STAGING = DBT_PROJECT_DIR / "models" / "staging"
MARTS_YAML = DBT_PROJECT_DIR / "models" / "marts" / "_marts__models.yml"


def _yaml_files(pattern: str) -> list[dict]:
    return [yaml.safe_load(path.read_text()) for path in sorted(STAGING.glob(f"*/{pattern}"))]


def test_dbt_sources_name_every_contract_entity_and_nothing_else():
    declared = {
        (source["name"], table["name"], table["identifier"], tuple(table["meta"]["dagster"]["asset_key"]))
        for document in _yaml_files("_*__sources.yml")
        for source in document["sources"]
        for table in source["tables"]
    }
    expected = {(e.source, e.name, e.table, ("raw", e.table)) for e in ENTITIES}
    assert declared == expected


@pytest.mark.parametrize("entity", ENTITIES, ids=lambda e: e.table)
def test_each_staging_model_passes_every_contract_column_through(entity):
    sql = (STAGING / entity.source / f"stg_{entity.source}__{entity.name}.sql").read_text()
    missing = [name for name in entity.column_names if not re.search(rf"\b{name}\b", sql)]
    assert not missing, f"stg_{entity.table} does not select {missing}"


def test_accepted_values_in_the_staging_docs_are_the_contract_enums():
    compared = 0
    for document in _yaml_files("_*__models.yml"):
        for model in document["models"]:
            source, name = model["name"].removeprefix("stg_").split("__")
            entity = ENTITIES_BY_PATH[(source, name)]
            columns = {c.name: c for c in entity.columns}
            for column in model.get("columns", []):
                for test in column.get("data_tests", []):
                    if isinstance(test, dict) and "accepted_values" in test:
                        values = test["accepted_values"]["arguments"]["values"]
                        assert tuple(values) == columns[column["name"]].accepted_values, (
                            f"{model['name']}.{column['name']}"
                        )
                        compared += 1
    assert compared >= 3  # channel, order event_type, tracking status_code at least


def test_order_core_vocabulary_is_the_contracts():
    from order_core.domain import orders, returns, validation
    from order_core.simulator import CHANNEL_NAMES

    assert orders.CHANNELS == contract.CHANNELS
    assert orders.CANCEL_REASONS == contract.CANCEL_REASONS
    assert orders.CREDIT_MEMO_REASONS == contract.CREDIT_MEMO_REASONS
    assert orders.TRACKING_STATUSES == contract.TRACKING_STATUSES
    assert orders.TRACKING_EXCEPTIONS == contract.TRACKING_EXCEPTIONS
    assert returns.RETURN_REASONS == contract.RETURN_REASONS
    assert returns.DISPOSITIONS == contract.DISPOSITIONS
    assert validation.HOLD_REASONS == contract.HOLD_REASONS
    assert set(CHANNEL_NAMES) == set(contract.CHANNELS)


def test_order_core_export_writes_exactly_the_contract_columns():
    from order_core.adapters.extract_writer import EXTRACTS

    assert {(x.source, x.name): tuple(x.columns) for x in EXTRACTS} == {
        (e.source, e.name): e.column_names for e in ENTITIES
    }


def _mart_columns(model_name: str) -> list[tuple[str, str]]:
    models = {m["name"]: m for m in yaml.safe_load(MARTS_YAML.read_text())["models"]}
    return [(c["name"], c.get("description", "")) for c in models[model_name]["columns"]]


def test_kpi_columns_are_documented_alike_in_the_daily_weekly_and_monthly_marts():
    daily = _mart_columns("kpi_daily")
    measures = daily[[name for name, _ in daily].index("orders_measured") :]
    for rollup in ("kpi_weekly", "kpi_monthly"):
        columns = _mart_columns(rollup)
        assert columns[[name for name, _ in columns].index("orders_measured") :] == measures, rollup


def test_the_dashboards_rates_are_the_marts_rates():
    from dashboards.kpis import TREND_RATES

    documented = [name for name, _ in _mart_columns("kpi_daily")]
    rates = [name for name in documented if name.endswith(("_rate", "_index"))]
    assert sorted(kpi.column for kpi in TREND_RATES) == sorted(rates)


PRODUCERS = ("order_core", "contract")
CONSUMERS = ("ingest", "expectations", "orchestration", "dashboards", "warehouse")


def _imported_top_packages(folder: Path) -> set[str]:
    found = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("producer", PRODUCERS)
def test_producers_do_not_depend_on_the_pipeline_that_consumes_them(producer):
    assert not _imported_top_packages(REPO_ROOT / producer) & set(CONSUMERS)
