"""Print the report's HTML to PDF with Debian's chromium, headless."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

PRINT_TIMEOUT_SECONDS = 180


class ChromiumMissing(Exception):
    pass


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        raise ChromiumMissing(
            "chromium is not installed, so no PDF was written (the HTML was); install it with "
            "`sudo apt-get install chromium` or `bash scripts/ensure_chromium.sh`"
        )
    return found


def print_to_pdf(html: Path, pdf: Path) -> None:
    browser = chromium_path()
    pdf.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="orderpulse-chromium-") as profile:
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            # The charts are drawn by script: give it time before the page is printed.
            "--virtual-time-budget=20000",
            f"--print-to-pdf={pdf}",
            html.resolve().as_uri(),
        ]
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=PRINT_TIMEOUT_SECONDS, check=False
        )
    if result.returncode != 0 or not pdf.exists() or pdf.stat().st_size == 0:
        last_line = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"chromium could not print {html} to PDF (exit {result.returncode}): {last_line}")
