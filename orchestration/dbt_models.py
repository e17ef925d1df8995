"""The dbt project as Dagster assets; dbt tests become asset checks."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

from orchestration.resources import WarehouseResource
from orderpulse.config import DBT_PROJECT_DIR

DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR)
# The dbt of this environment, whether or not the environment's bin folder is on PATH.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))


def _manifest_is_stale() -> bool:
    manifest = DBT_PROJECT.manifest_path
    if not manifest.exists():
        return True
    sources = [
        DBT_PROJECT_DIR / "dbt_project.yml",
        *DBT_PROJECT_DIR.glob("models/**/*"),
        *DBT_PROJECT_DIR.glob("macros/**/*"),
    ]
    return max(path.stat().st_mtime for path in sources) > manifest.stat().st_mtime


# `make` builds the manifest once at install; a changed model (a developer's edit, a pull)
# would otherwise leave Dagster with a manifest that no longer matches the project.
if _manifest_is_stale():
    subprocess.run(
        [
            DBT_EXECUTABLE,
            "parse",
            "--quiet",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
        ],
        check=True,
    )


@dbt_assets(manifest=DBT_PROJECT.manifest_path, project=DBT_PROJECT)
def orderpulse_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
):
    # dbt runs in its own process: it finds the work database through its profile and
    # the as-of date through int_as_of_date, both from the environment it inherits.
    os.environ["ORDERPULSE_WORK_DB"] = str(warehouse.paths.work_db)
    os.environ["ORDERPULSE_RAW_DIR"] = str(warehouse.paths.raw_dir)
    os.environ["ORDERPULSE_AS_OF_DATE"] = warehouse.as_of_date or ""
    # The engine is the profile's target (profiles.yml). A local Spark session keeps its catalog
    # in memory and rebuilds every table, so the previous run's files go first.
    os.environ["ORDERPULSE_ENGINE"] = warehouse.engine
    os.environ["ORDERPULSE_SPARK_WAREHOUSE"] = str(warehouse.paths.spark_warehouse_dir)
    if warehouse.engine == "spark":
        shutil.rmtree(warehouse.paths.spark_warehouse_dir, ignore_errors=True)
    args = ["build", "--exclude-resource-type", "unit_test"]  # unit tests run in the test suite
    # A target folder that outlives the run keeps dbt's partial-parse state between runs.
    target = warehouse.paths.state_dir / "dbt-target"
    yield from dbt.cli(args, context=context, target_path=target).stream()


def mart_model_names() -> list[str]:
    """Models under models/marts/: the tables that get published."""
    manifest = json.loads(DBT_PROJECT.manifest_path.read_text())
    return sorted(
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["fqn"][1] == "marts"
    )
