"""Import foreign documents as they arrive in the inbox, then start the pipeline.

Each importer has a folder, `<inbox>/<importer>/` (edi, shopify, olist). A tick imports every
document found there into the landing folder and moves it (with the files read beside it, such
as Olist's payments file) into `_processed/`, or into `_rejected/` with a `.problem.txt` beside it
saying why, so a document is imported once; importing it again would land nothing new anyway.
When files were landed, the tick asks for one pipeline run.

Write documents into the inbox atomically (a name starting with `.` or `_`, then rename): the
importers skip such names.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import dagster as dg

from orchestration.jobs import PIPELINE_JOB_NAME
from orchestration.resources import WarehouseResource

PROCESSED = "_processed"
REJECTED = "_rejected"


@dg.sensor(
    job_name=PIPELINE_JOB_NAME, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.STOPPED
)
def inbox_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    from ingest.sources import IMPORTER_MODULES, import_documents, importer_named

    inbox = warehouse.inbox
    if inbox is None or not inbox.is_dir():
        return dg.SkipReason(f"inbox folder {inbox} does not exist")
    landed: list[str] = []
    imported = rejected = 0
    for name in IMPORTER_MODULES:
        folder = inbox / name
        if not folder.is_dir():
            continue
        importer = importer_named(name)
        report = import_documents(importer, [folder], warehouse.landing)
        landed += [str(path) for path in report.landed]
        for document, files_read in report.files_read.items():
            problems = [str(p) for p in report.problems if p.document == document]
            for problem in problems:
                context.log.warning(f"inbox: {problem}")
            was_imported = document in report.documents_imported or document in report.documents_unchanged
            if was_imported:
                imported += 1
            else:
                rejected += 1
            destination = folder / (PROCESSED if was_imported else REJECTED)
            moved = [_move_into(path, destination) for path in files_read if path.exists()]
            if problems:
                moved[0].with_name(moved[0].name + ".problem.txt").write_text(
                    "\n".join(problems) + "\n", encoding="utf-8"
                )
    if not landed:
        if rejected:
            return dg.SkipReason(f"{rejected} document(s) rejected; see {REJECTED}/ in the inbox folders")
        return dg.SkipReason("no new documents" if not imported else "documents already imported")
    # The run key names the files landed: the same files never start two runs.
    run_key = hashlib.sha256("\n".join(sorted(landed)).encode()).hexdigest()
    return dg.RunRequest(
        run_key=run_key,
        tags={"orderpulse/documents_imported": str(imported), "orderpulse/documents_rejected": str(rejected)},
    )


def _move_into(path: Path, folder: Path) -> Path:
    """Move a file into the folder, never over an earlier file of the same name."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    copy = 1
    while target.exists():
        target = folder / f"{path.stem}.{copy}{path.suffix}"
        copy += 1
    return Path(shutil.move(path, target))
