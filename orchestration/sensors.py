"""Start a run when new files land: one run per set of new files, never two."""

import hashlib
import json

import dagster as dg

from ingest.landing import scan_landing
from orchestration.jobs import PIPELINE_JOB_NAME
from orchestration.resources import WarehouseResource


def new_landed_files(landing_files: dict[str, list[int]], seen: dict[str, list[int]]) -> dict[str, list[int]]:
    """Files (path -> [mtime_ns, size]) not among those already requested."""
    return {path: stat for path, stat in landing_files.items() if seen.get(path) != stat}


@dg.sensor(
    job_name=PIPELINE_JOB_NAME, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.STOPPED
)
def landing_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    landing = warehouse.landing
    if not landing.is_dir():
        return dg.SkipReason(f"landing folder {landing} does not exist")
    # The sensor never opens the warehouse (a run may hold it); it remembers what it
    # already requested in its cursor instead.
    landing_files = {
        str(f.path.relative_to(landing)): [f.modified_ns, f.path.stat().st_size]
        for f in scan_landing(landing)
    }
    seen = json.loads(context.cursor) if context.cursor else {}
    new_files = new_landed_files(landing_files, seen)
    if not new_files:
        return dg.SkipReason("no new files")
    context.update_cursor(json.dumps(seen | new_files, sort_keys=True))
    # The run key names the set of files: Dagster never starts two runs with one key.
    run_key = hashlib.sha256(json.dumps(new_files, sort_keys=True).encode()).hexdigest()
    return dg.RunRequest(run_key=run_key, tags={"orderpulse/new_files": str(len(new_files))})
