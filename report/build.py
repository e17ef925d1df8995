"""Write the executive report of a published warehouse: HTML, then its PDF."""

from __future__ import annotations

import datetime as dt
import subprocess
from dataclasses import dataclass
from pathlib import Path

from report.data import Grain, read_report_data
from report.pdf import ChromiumMissing, print_to_pdf
from report.render import render_html


class PdfNotWritten(Exception):
    """The HTML was written, the PDF was not."""

    def __init__(self, reason: str, html: Path) -> None:
        super().__init__(reason)
        self.html = html


@dataclass(frozen=True)
class WrittenReport:
    html: Path
    pdf: Path
    period_start: dt.date
    period_end: dt.date


def report_stem(grain: Grain, period_start: dt.date) -> str:
    return f"orderpulse-{grain}ly-report-{period_start}"


def write_report(warehouse: Path, grain: Grain, out_dir: Path) -> WrittenReport:
    """The HTML is written first and stays even when printing the PDF fails (which then raises)."""
    data = read_report_data(warehouse, grain)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = report_stem(grain, data.period_start)
    html = out_dir / f"{stem}.html"
    html.write_text(render_html(data, dt.datetime.now(dt.UTC)), encoding="utf-8")
    written = WrittenReport(html, out_dir / f"{stem}.pdf", data.period_start, data.period_end)
    try:
        print_to_pdf(written.html, written.pdf)
    except (ChromiumMissing, RuntimeError, subprocess.TimeoutExpired) as error:
        raise PdfNotWritten(str(error), html) from error
    return written
