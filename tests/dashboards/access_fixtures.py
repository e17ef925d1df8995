"""Users of every role, one limited to a warehouse, and a warehouse whose orders span two warehouses.

Shared by the AppTest and browser tests of sign-in, roles and scopes (docs/access.md).
"""

from __future__ import annotations

from pathlib import Path

from dashboard_warehouse import published_tables, write_warehouse

from dashboards.access import Scope, User, hash_password, write_users

OWN_WAREHOUSE = "WH-EAST"
OTHER_WAREHOUSE = "WH-WEST"
# Orders of the other warehouse (and channel): a user limited to OWN_WAREHOUSE must never see them.
OTHER_WAREHOUSE_ORDERS = ("O-5", "O-6")

# name -> (role, scope, password)
USERS = {
    "vera": ("viewer", Scope(), "vera-viewer-pass"),
    "otto": ("operations", Scope(), "otto-operations-pass"),
    "ada": ("admin", Scope(), "ada-admin-pass"),
    "east": ("viewer", Scope(warehouses=(OWN_WAREHOUSE,)), "east-viewer-pass"),
}


def write_users_file(path: Path) -> Path:
    write_users(
        path,
        {
            name: User(name, role, scope, hash_password(password))
            for name, (role, scope, password) in USERS.items()
        },
    )
    return path


def two_warehouse_tables() -> dict[str, list[dict]]:
    """The dashboard fixture, with two orders shipped from the other warehouse through another channel."""
    tables = published_tables()
    for row in tables["order_outcomes"]:
        if row["order_id"] in OTHER_WAREHOUSE_ORDERS:
            row["primary_warehouse_id"] = OTHER_WAREHOUSE
            row["channel"] = "marketplace"
            row["customer_id"] = f"C-WEST-{row['order_id']}"
    return tables


def build_two_warehouse_warehouse(path: Path) -> Path:
    return write_warehouse(path, two_warehouse_tables())
