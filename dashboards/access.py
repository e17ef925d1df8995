"""Who may see what: roles, the pages of each role, the users file and a user's scope.

Plain Python (no Streamlit), shared by the sign-in form (dashboards/signin.py), the navigation
(dashboards/app.py), the query layer (dashboards/queries.py) and `orderpulse users`
(dashboards/users_cli.py). Decisions and their reasons: docs/access.md.
"""

from __future__ import annotations

import functools
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import bcrypt

from contract import CHANNELS

# Each role sees what the roles before it see, and more.
ROLES = ("viewer", "operations", "admin")

# The one table of page access: page id -> the least role that sees the page. When sign-in is on, a
# page is listed in the navigation (and so reachable by URL) only for roles at or above its entry;
# a page id missing from this table is shown to nobody, so a new page is opened deliberately.
# Pages that do not exist yet are simply not in the app, whatever this table says.
PAGE_MINIMUM_ROLE: dict[str, str] = {
    "scorecard": "viewer",
    "trends": "viewer",
    "cycle_time": "viewer",
    "exceptions": "viewer",
    "root_causes": "viewer",
    "returns": "viewer",
    "reports": "viewer",
    "open_orders": "operations",
    "order_lookup": "operations",
    "data_quality": "admin",
    "alerts_config": "admin",
}

# bcrypt uses only the first 72 bytes of a password; version 5 refuses longer ones outright.
MAX_PASSWORD_BYTES = 72
MIN_PASSWORD_LENGTH = 8
_USER_NAME = re.compile(r"[A-Za-z0-9._@-]{1,64}")
USERS_FILE_VERSION = 1


class UsersFileError(ValueError):
    """The users file is missing, unreadable or malformed (sign-in then lets nobody in)."""


def may_see(role: str, page_id: str) -> bool:
    minimum = PAGE_MINIMUM_ROLE.get(page_id)
    if minimum is None or role not in ROLES:
        return False
    return ROLES.index(role) >= ROLES.index(minimum)


def pages_for(role: str) -> tuple[str, ...]:
    return tuple(page for page in PAGE_MINIMUM_ROLE if may_see(role, page))


@dataclass(frozen=True)
class Scope:
    """The orders a user may see: only these warehouses and channels (empty: every one)."""

    warehouses: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()

    @property
    def unrestricted(self) -> bool:
        return not self.warehouses and not self.channels

    def describe(self) -> str:
        parts = []
        if self.warehouses:
            parts.append("warehouses " + ", ".join(self.warehouses))
        if self.channels:
            parts.append("channels " + ", ".join(self.channels))
        return "; ".join(parts) or "everything"


UNRESTRICTED = Scope()


@dataclass(frozen=True)
class User:
    name: str
    role: str
    scope: Scope = UNRESTRICTED
    password_hash: str = ""

    def __repr__(self) -> str:  # the hash stays out of logs and error messages
        return f"User(name={self.name!r}, role={self.role!r}, scope={self.scope!r})"


def validate_user_name(name: str) -> str:
    if not _USER_NAME.fullmatch(name):
        raise ValueError("a user name is 1-64 letters, digits or . _ @ -")
    return name


def validate_role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
    return role


def validate_channels(channels: tuple[str, ...]) -> tuple[str, ...]:
    unknown = sorted(set(channels) - set(CHANNELS))
    if unknown:
        raise ValueError(f"unknown channel(s) {', '.join(unknown)}: one of {', '.join(CHANNELS)}")
    return channels


def hash_password(password: str) -> str:
    encoded = password.encode("utf-8")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
    if len(encoded) > MAX_PASSWORD_BYTES:
        raise ValueError(f"a password has at most {MAX_PASSWORD_BYTES} bytes (bcrypt ignores the rest)")
    return bcrypt.hashpw(encoded, bcrypt.gensalt()).decode("ascii")


@functools.cache
def _unknown_user_hash() -> str:
    # A real hash of the same cost as users' hashes, checked when the name is unknown.
    return bcrypt.hashpw(os.urandom(16).hex().encode(), bcrypt.gensalt()).decode("ascii")


def authenticate(users: dict[str, User], name: str, password: str) -> User | None:
    """The user when the password is theirs, else None; whether the name exists is not revealed.

    An unknown name costs the same bcrypt check as a known one, so the time taken does not tell
    the two apart either.
    """
    user = users.get(name)
    stored_hash = user.password_hash if user is not None else _unknown_user_hash()
    encoded = password.encode("utf-8")[:MAX_PASSWORD_BYTES]
    try:
        matches = bcrypt.checkpw(encoded, stored_hash.encode("ascii"))
    except ValueError:  # a malformed stored hash: nobody signs in with it
        matches = False
    return user if (matches and user is not None) else None


def read_users(path: Path) -> dict[str, User]:
    """The users of the file, by name. Raises UsersFileError with a one-line reason."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsersFileError(f"no users file at {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UsersFileError(f"users file {path} is unreadable: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("users"), dict):
        raise UsersFileError(f'users file {path} is not {{"version": 1, "users": {{...}}}}')
    users = {}
    for name, entry in document["users"].items():
        try:
            users[name] = User(
                name=validate_user_name(name),
                role=validate_role(entry["role"]),
                scope=Scope(
                    tuple(str(value) for value in entry.get("warehouses", ())),
                    validate_channels(tuple(str(value) for value in entry.get("channels", ()))),
                ),
                password_hash=str(entry["password_hash"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise UsersFileError(f"users file {path}: user {name!r} is malformed ({error})") from None
    return users


def write_users(path: Path, users: dict[str, User]) -> None:
    """Replace the file atomically, readable by its owner only (it holds password hashes)."""
    path = Path(path)
    document = {
        "version": USERS_FILE_VERSION,
        "users": {
            user.name: {
                "role": user.role,
                "warehouses": list(user.scope.warehouses),
                "channels": list(user.scope.channels),
                "password_hash": user.password_hash,
            }
            for user in sorted(users.values(), key=lambda user: user.name)
        },
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump(document, file, indent=2)
            file.write("\n")
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
