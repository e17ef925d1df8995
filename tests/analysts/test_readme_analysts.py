"""Every command of the README's Analysts section, run as written (on the test's warehouse)."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import urllib.request
from pathlib import Path

from analyst_warehouse import ORDERPULSE, REPO
from test_catalog import free_port
from test_sql_command import Tmux, require_tmux

DEMO_WAREHOUSE = "data/demo/warehouse.duckdb"
DEMO_CATALOG = "data/demo/catalog"


def analyst_commands() -> list[list[str]]:
    readme = (REPO / "README.md").read_text()
    section = readme.split("\n## Analysts\n", 1)[1].split("\n## ", 1)[0]
    blocks = section.split("```sh\n")[1:]
    lines = [line for block in blocks for line in block.split("```", 1)[0].splitlines() if line.strip()]
    return [shlex.split(line) for line in lines]


def as_in_test(command: list[str], warehouse: Path, catalog: Path) -> list[str]:
    assert command[0] == ".venv/bin/orderpulse", command
    replaced = {DEMO_WAREHOUSE: str(warehouse), DEMO_CATALOG: str(catalog)}
    return [ORDERPULSE] + [replaced.get(arg, arg) for arg in command[1:]]


def test_the_section_uses_the_analyst_commands_on_the_demo_warehouse():
    commands = analyst_commands()
    assert [command[1] for command in commands] == ["sql", "sql", "sql", "catalog", "catalog"]
    assert all(DEMO_WAREHOUSE in command for command in commands)
    assert not any(command[0] == "duckdb" for command in commands)


def test_every_command_of_the_section_runs(analyst_warehouse, tmp_path, workbench_env):
    catalog = tmp_path / "catalog"
    for command in analyst_commands():
        argv = as_in_test(command, analyst_warehouse.warehouse, catalog)
        if argv[1] == "sql" and "-c" not in argv:
            require_tmux()
            session = Tmux(tmp_path, argv, workbench_env)
            try:
                session.wait_for(lambda s: "Query Editor" in s and "warehouse" in s, "the workbench")
                session.keys("C-q")
            finally:
                session.kill()
        elif "--serve" in argv:
            port = free_port()
            server = subprocess.Popen(
                [*argv, "--port", str(port)],
                stdout=subprocess.PIPE,
                text=True,
                cwd=REPO,
                start_new_session=True,
            )
            try:
                assert server.stdout.readline().startswith("Catalog: ")
                assert "127.0.0.1" in server.stdout.readline()
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
                    assert "order_outcomes" in response.read().decode()
            finally:
                os.killpg(server.pid, signal.SIGINT)
                assert server.wait(timeout=20) == 0
        else:
            result = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=REPO, check=False)
            assert result.returncode == 0, (command, result.stderr)
            assert result.stdout.strip(), command
            if "--format" in argv and argv[argv.index("--format") + 1] == "csv":
                header, *rows = result.stdout.splitlines()
                assert header == "table_name,column_name,comment" and len(rows) > 20
    assert (catalog / "index.html").is_file()
