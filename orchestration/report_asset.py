"""The weekly executive report as an asset: written from the published warehouse into the reports folder."""

import dagster as dg

from orchestration.resources import WarehouseResource

REPORTS_GROUP = "reports"
WEEKLY_REPORT = dg.AssetKey("weekly_executive_report")


class ReportResource(dg.ConfigurableResource):
    out_dir: str  # ORDERPULSE_REPORTS_DIR through orderpulse.config in the deployment


@dg.asset(
    key=WEEKLY_REPORT,
    group_name=REPORTS_GROUP,
    deps=["published_warehouse"],
    kinds={"html", "pdf"},
    description="The executive report of the latest mature week: self-contained HTML and its PDF.",
)
def weekly_executive_report(warehouse: WarehouseResource, report: ReportResource) -> dg.MaterializeResult:
    from pathlib import Path

    # Imported here: the report pulls in plotly and the dashboard's queries, which loading the
    # definitions (dagster dev, sensors, `orderpulse run`) does not need.
    from report.build import PdfNotWritten, write_report

    try:
        written = write_report(warehouse.paths.published, "week", Path(report.out_dir))
    except PdfNotWritten as error:
        raise dg.Failure(
            description=f"the HTML report was written, the PDF was not: {error}",
            metadata={"html": dg.MetadataValue.path(str(error.html))},
        ) from None
    return dg.MaterializeResult(
        metadata={
            "html": dg.MetadataValue.path(str(written.html)),
            "pdf": dg.MetadataValue.path(str(written.pdf)),
            "period": f"{written.period_start} to {written.period_end}",
        }
    )
