"""`orderpulse users add|remove|list`, run as a user runs it: the installed command in a process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dashboards import access

ORDERPULSE = Path(sys.executable).parent / "orderpulse"


def users(*args: str, users_file: Path, password: str | None = None) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key != "ORDERPULSE_USERS_FILE"}
    return subprocess.run(
        [str(ORDERPULSE), "users", "--file", str(users_file), *args],
        input=None if password is None else password + "\n",
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
    )


@pytest.fixture
def users_file(tmp_path) -> Path:
    return tmp_path / "config" / "users.json"


def test_add_hashes_the_password_from_stdin_and_list_shows_role_and_scope(users_file):
    added = users(
        "add", "kim", "--role", "operations", "--warehouse", "WH-EAST", "--channel", "web",
        "--password-stdin", users_file=users_file, password="kims-long-password",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "Added kim (operations, warehouses WH-EAST; channels web)" in added.stdout

    text = users_file.read_text()
    assert "kims-long-password" not in text
    assert users_file.stat().st_mode & 0o077 == 0  # readable by its owner only
    stored = json.loads(text)["users"]["kim"]
    assert stored["password_hash"].startswith("$2b$")
    read_back = access.read_users(users_file)
    assert access.authenticate(read_back, "kim", "kims-long-password") == read_back["kim"]
    assert access.authenticate(read_back, "kim", "kims-long-passwore") is None

    listed = users("list", users_file=users_file)
    assert listed.stdout == "kim\toperations\twarehouses WH-EAST; channels web\n"
    assert "$2b$" not in listed.stdout


def test_remove_takes_the_user_out(users_file):
    for name in ("kim", "lee"):
        users(
            "add",
            name,
            "--role",
            "viewer",
            "--password-stdin",
            users_file=users_file,
            password=f"{name}-password",
        )
    removed = users("remove", "kim", users_file=users_file)

    assert removed.returncode == 0, removed.stderr
    assert set(access.read_users(users_file)) == {"lee"}


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (("add", "kim", "--role", "viewer", "--password-stdin"), "short", "at least 8 characters"),
        (("add", "kim", "--role", "viewer", "--password-stdin"), "x" * 73, "at most 72 bytes"),
        (
            ("add", "kim", "--role", "viewer", "--channel", "fax", "--password-stdin"),
            "long-password",
            "unknown channel",
        ),
        (("add", "bad name", "--role", "viewer", "--password-stdin"), "long-password", "user name"),
        (("remove", "nobody"), None, "no users file at"),
        (("list",), None, "no users file at"),
    ],
)
def test_mistakes_are_one_line_errors_with_exit_code_2(users_file, args, password, message):
    result = users(*args, users_file=users_file, password=password)

    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_the_password_is_never_an_argument():
    help_text = subprocess.run(
        [str(ORDERPULSE), "users", "add", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "--password-stdin" in help_text
    assert "--password " not in help_text and "--password=" not in help_text
