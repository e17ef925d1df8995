"""Which addresses the served dashboard listens on, asked of the operating system (psutil)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil
import pytest
from dashboard_warehouse import free_port

STARTUP_SECONDS = 45


def listening_addresses(root: psutil.Process, port: int) -> set[str]:
    addresses = set()
    for process in [root, *root.children(recursive=True)]:
        try:
            connections = process.net_connections(kind="inet")
        except psutil.NoSuchProcess:
            continue
        addresses |= {
            connection.laddr.ip
            for connection in connections
            if connection.status == psutil.CONN_LISTEN and connection.laddr.port == port
        }
    return addresses


def serve_and_ask(warehouse_path, extra_args: list[str], environment: dict) -> tuple[set[str], str]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "orderpulse.cli", "dashboard", "--warehouse", str(warehouse_path),
         "--port", str(port), *extra_args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=environment,
        start_new_session=True,
    )  # fmt: skip
    try:
        addresses: set[str] = set()
        deadline = time.monotonic() + STARTUP_SECONDS
        while not addresses and time.monotonic() < deadline:
            assert server.poll() is None, server.stdout.read()
            addresses = listening_addresses(psutil.Process(server.pid), port)
            time.sleep(0.2)
        assert addresses, f"nothing listened on port {port} within {STARTUP_SECONDS} s"
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        output = server.stdout.read()
        server.stdout.close()
    return addresses, output


@pytest.fixture
def environment() -> dict:
    return {key: value for key, value in os.environ.items() if not key.startswith("ORDERPULSE_")}


def test_the_dashboard_listens_on_this_machine_only_by_default_and_says_so(warehouse_path, environment):
    addresses, output = serve_and_ask(warehouse_path, [], environment)

    assert addresses == {"127.0.0.1"}
    assert "Listening on 127.0.0.1 only (this machine)" in output


def test_host_0_0_0_0_listens_on_every_interface_and_warns_without_signin(warehouse_path, environment):
    addresses, output = serve_and_ask(warehouse_path, ["--host", "0.0.0.0"], environment)

    assert addresses == {"0.0.0.0"}
    assert "reachable from other machines (NO sign-in" in output


def test_the_address_can_come_from_the_configuration(warehouse_path, environment):
    environment["ORDERPULSE_DASHBOARD_HOST"] = "0.0.0.0"
    addresses, _ = serve_and_ask(warehouse_path, [], environment)

    assert addresses == {"0.0.0.0"}
