"""`orderpulse users add|remove|list`: the dashboard's users file (see docs/access.md).

A password is never an argument (the command line of a process is visible to every user of the
machine in `ps`): it is prompted for twice, or read as one line from stdin with --password-stdin.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from orderpulse.errors import UserError


def add_users_command(subparsers: argparse._SubParsersAction) -> None:
    from dashboards.access import ROLES

    users = subparsers.add_parser("users", help="Manage the dashboard's users (sign-in and roles).")
    users.add_argument("--file", help="Users file (default: ORDERPULSE_USERS_FILE).")
    commands = users.add_subparsers(dest="users_command", required=True, metavar="COMMAND")

    add = commands.add_parser("add", help="Add a user, or replace one's password, role and scope.")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument(
        "--warehouse",
        action="append",
        default=[],
        help="Limit the user to this warehouse id (repeat for several; default: every warehouse).",
    )
    add.add_argument(
        "--channel",
        action="append",
        default=[],
        help="Limit the user to this channel (repeat for several; default: every channel).",
    )
    add.add_argument(
        "--password-stdin", action="store_true", help="Read the password as one line from stdin."
    )
    add.set_defaults(handler=_add)

    remove = commands.add_parser("remove", help="Remove a user (their open sessions end at once).")
    remove.add_argument("name")
    remove.set_defaults(handler=_remove)

    listing = commands.add_parser("list", help="List users with their role and scope (no hashes).")
    listing.set_defaults(handler=_list)


def _users_file(args: argparse.Namespace) -> Path:
    from orderpulse.config import load_settings

    path = Path(args.file) if args.file else load_settings().users_file
    if path is None:
        raise UserError("no users file: pass --file PATH or set ORDERPULSE_USERS_FILE")
    return path


def _read(path: Path, missing_ok: bool) -> dict:
    from dashboards.access import UsersFileError, read_users

    if missing_ok and not path.exists():
        return {}
    try:
        return read_users(path)
    except UsersFileError as error:
        raise UserError(str(error)) from None


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != password:
            raise UserError("the two passwords differ")
    if not password:
        raise UserError("empty password")
    return password


def _add(args: argparse.Namespace) -> int:
    from dashboards.access import (
        Scope,
        User,
        hash_password,
        validate_channels,
        validate_user_name,
        write_users,
    )

    path = _users_file(args)
    users = _read(path, missing_ok=True)
    try:
        name = validate_user_name(args.name)
        scope = Scope(
            tuple(dict.fromkeys(args.warehouse)), validate_channels(tuple(dict.fromkeys(args.channel)))
        )
        password_hash = hash_password(_read_password(args.password_stdin))
    except ValueError as error:
        raise UserError(str(error)) from None
    replaced = name in users
    users[name] = User(name, args.role, scope, password_hash)
    write_users(path, users)
    print(f"{'Updated' if replaced else 'Added'} {name} ({args.role}, {scope.describe()}) in {path}")
    return 0


def _remove(args: argparse.Namespace) -> int:
    from dashboards.access import write_users

    path = _users_file(args)
    users = _read(path, missing_ok=False)
    if users.pop(args.name, None) is None:
        raise UserError(f"no user {args.name!r} in {path}")
    write_users(path, users)
    print(f"Removed {args.name} from {path}")
    return 0


def _list(args: argparse.Namespace) -> int:
    path = _users_file(args)
    users = _read(path, missing_ok=False)
    if not users:
        print(f"No users in {path}")
    for user in sorted(users.values(), key=lambda user: user.name):
        print(f"{user.name}\t{user.role}\t{user.scope.describe()}")
    return 0
