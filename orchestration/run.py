"""`orderpulse run`: the pipeline job, once, in process, with messages a person can act on."""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import sys
from contextlib import contextmanager, redirect_stdout
from pathlib import Path

import dagster as dg

from orderpulse.config import java_runtime_found, load_settings, parse_engine
from orderpulse.errors import UserError
from warehouse.paths import WarehousePaths

# Dagster's console log (step by step, stack traces of failed checks) is for `dagster dev`; a CLI
# user gets a summary built from the run's events and warnings instead.
QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def run_pipeline_once(
    landing: str, warehouse: str, as_of: str | None = None, engine: str | None = None
) -> int:
    landing_dir = Path(landing).resolve()
    if not landing_dir.is_dir():
        raise UserError(f"landing folder {landing_dir} does not exist or is not a folder")
    if as_of is not None:
        try:
            dt.date.fromisoformat(as_of)
        except ValueError:
            raise UserError(f"--as-of {as_of!r} is not a date in the form YYYY-MM-DD") from None
    try:
        settings = load_settings()
        engine = settings.engine if engine is None else parse_engine(engine, "--engine")
    except ValueError as error:
        raise UserError(str(error)) from None
    if engine == "spark":
        _require_spark()
    paths = WarehousePaths(Path(warehouse).resolve())
    if paths.published.is_dir():
        raise UserError(f"--warehouse {paths.published} is a folder; give the path of a DuckDB file")
    try:
        paths.create()
    except OSError as error:
        raise UserError(f"cannot create the warehouse's folder next to {paths.published}: {error}") from None

    from expectations.feed_checks import load_check_config
    from orchestration.definitions import build_definitions
    from orchestration.jobs import PIPELINE_JOB_NAME
    from orchestration.resources import WarehouseResource

    try:
        load_check_config(settings.data_checks_path)  # a mistake in the file stops the run before it starts
    except ValueError as error:
        raise UserError(str(error)) from None
    resource = WarehouseResource(
        landing_dir=str(landing_dir),
        warehouse_path=str(paths.published),
        as_of_date=as_of,
        quarantine_threshold=settings.quarantine_threshold,
        freshness_hours=settings.freshness_hours,
        data_checks_path=str(settings.data_checks_path),
        engine=engine,
    )
    job = build_definitions(resource).resolve_job_def(PIPELINE_JOB_NAME)
    # dagster-dbt echoes every dbt log line to stdout: they go to a file (opened once the run
    # holds the lock), so the terminal shows the outcome, and a failure points to the file.
    instance = dg.DagsterInstance.ephemeral()
    with _exclusive_run(paths), paths.run_log.open("w", encoding="utf-8") as log, redirect_stdout(log):
        result = job.execute_in_process(run_config=QUIET_LOGS, instance=instance, raise_on_error=False)
    warnings = _warnings(result, instance)
    # Dagster counts a run whose later steps were skipped (an asset upstream was not materialized)
    # as a success; here it is not one: nothing was published.
    if result.success and not _skipped_steps(result):
        print("\n".join([_success_message(result, paths), *warnings]))
        return 0
    print(
        "\n".join([_failure_message(result), *warnings, f"dbt's log of this run: {paths.run_log}"]),
        file=sys.stderr,
    )
    return 1


def _require_spark() -> None:
    """The Spark engine needs the `spark` extra and a Java runtime: say so instead of a traceback."""
    import importlib.util

    if importlib.util.find_spec("pyspark") is None or importlib.util.find_spec("dbt.adapters.spark") is None:
        raise UserError("--engine spark needs the spark extra: pip install 'orderpulse[spark]'")
    if not java_runtime_found():
        raise UserError("--engine spark needs a Java runtime (17 or later): install one or set JAVA_HOME")


@contextmanager
def _exclusive_run(paths: WarehousePaths):
    """One run at a time per warehouse; a second waits for the first to finish."""
    with paths.run_lock.open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"orderpulse: another run is building {paths.published}; waiting for it", file=sys.stderr)
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _materialization_metadata(result: dg.ExecuteInProcessResult, key: dg.AssetKey) -> dict:
    for event in result.get_asset_materialization_events():
        if event.asset_key == key:
            return {k: v.value for k, v in event.step_materialization_data.materialization.metadata.items()}
    return {}


def _success_message(result: dg.ExecuteInProcessResult, paths: WarehousePaths) -> str:
    files = rows_loaded = rows_quarantined = set_aside = 0
    for event in result.get_asset_materialization_events():
        metadata = event.step_materialization_data.materialization.metadata
        if event.asset_key.path[0] == "raw":
            files += metadata["files_new"].value
            set_aside += metadata["files_set_aside"].value
            rows_loaded += metadata["rows_loaded"].value
            rows_quarantined += metadata["rows_quarantined"].value
    published = _materialization_metadata(result, dg.AssetKey("published_warehouse"))
    lines = [
        f"Published {paths.published} (as of {published.get('as_of_date')}).",
        f"New files: {files} ({set_aside} set aside); rows loaded: {rows_loaded}; "
        f"rows quarantined: {rows_quarantined}.",
    ]
    if set_aside or rows_quarantined:
        lines.append("See the load_ledger and quarantined_rows tables for reasons.")
    return "\n".join(lines)


def _warnings(result: dg.ExecuteInProcessResult, instance: dg.DagsterInstance) -> list[str]:
    """What the run warned about: files set aside (logged by the raw step) and warning checks."""
    warnings = [
        f"Warning: {entry.user_message}"
        for entry in instance.all_logs(result.run_id)
        if entry.dagster_event is None and entry.level == logging.WARNING
    ]
    warnings += [f"Warning: {problem}" for problem in _failed_checks(result, dg.AssetCheckSeverity.WARN)]
    return warnings


def _failed_checks(result: dg.ExecuteInProcessResult, severity: dg.AssetCheckSeverity) -> list[str]:
    """'check <name> on <asset>: <details>' for each check of this severity that failed."""
    problems = []
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.asset_check_evaluation_data
            if not evaluation.passed and evaluation.severity == severity:
                details = evaluation.metadata.get("details")
                # Details may list several files, one per line: keep them indented under the check.
                text = (details.value if details else "").replace("\n", "\n      ")
                problems.append(
                    f"check {evaluation.asset_check_key.name} on {evaluation.asset_key.to_user_string()}: {text}"
                )
    return problems


def _skipped_steps(result: dg.ExecuteInProcessResult) -> list[str]:
    return [
        event.step_key for event in result.all_events if event.event_type == dg.DagsterEventType.STEP_SKIPPED
    ]


def _failure_message(result: dg.ExecuteInProcessResult) -> str:
    problems = [f"failed {problem}" for problem in _failed_checks(result, dg.AssetCheckSeverity.ERROR)]
    problems += [
        f"step {step} did not run: an asset it reads was not materialized (see the log below)"
        for step in _skipped_steps(result)
    ]
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.STEP_FAILURE:
            error = event.step_failure_data.error
            message = error.message.strip() if error else "unknown error"
            if "blocking asset check" not in message:
                problems.append(f"step {event.step_key} failed: {message}")
    return "orderpulse: run failed; the previously published warehouse is unchanged.\n" + "\n".join(
        f"  - {p}" for p in problems
    )
