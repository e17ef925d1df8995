"""`orderpulse dashboard`: serve dashboards/app.py with Streamlit over a published warehouse."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from orderpulse.config import load_settings

APP_PATH = Path(__file__).resolve().parent / "app.py"
# How long Streamlit may take to shut down after Ctrl-C before it is terminated.
SHUTDOWN_GRACE_SECONDS = 10


def streamlit_command(port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP_PATH),
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        # Viewers get no developer toolbar (no "Deploy" button, no rerun/settings menu entries).
        "--client.toolbarMode",
        "viewer",
    ]


def serve(warehouse: str | None, port: int | None) -> int:
    """Run Streamlit in a child process until it exits or Ctrl-C; return its exit code.

    The child learns the warehouse through ORDERPULSE_WAREHOUSE, the variable orderpulse.config reads,
    so the app resolves its path the same way whether it is started here or by `streamlit run`.
    """
    settings = load_settings()
    warehouse_path = (
        Path(warehouse).expanduser().resolve() if warehouse else settings.warehouse_path.resolve()
    )
    port = port or settings.dashboard_port
    if not warehouse_path.exists():
        print(f"Note: no published warehouse at {warehouse_path} yet; the dashboard will say so.")
    print(f"Dashboard: http://localhost:{port}", flush=True)
    child_environment = {**os.environ, "ORDERPULSE_WAREHOUSE": str(warehouse_path)}
    process = subprocess.Popen(streamlit_command(port), env=child_environment)
    try:
        return process.wait()
    except KeyboardInterrupt:
        # The terminal sent SIGINT to the whole process group, so Streamlit is already shutting down;
        # give it time to close its sessions, then make sure it is gone.
        try:
            process.wait(timeout=SHUTDOWN_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            process.terminate()
            process.wait()
        print("Dashboard stopped.")
        return 0
