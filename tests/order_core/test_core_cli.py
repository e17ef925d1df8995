"""The `orderpulse simulate` and `orderpulse core ...` commands, end to end on a SQLite file."""

from __future__ import annotations

import pytest

from orderpulse.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def db(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'nested' / 'core.sqlite'}"


def test_an_order_is_placed_shipped_tracked_and_shown_from_the_command_line(capsys, db, tmp_path):
    for argv in (
        ("add-warehouse", "--warehouse", "WH-A", "--country", "US"),
        ("add-product", "--sku", "SKU-1", "--price", "12.50"),
        ("add-customer", "--customer", "C-1"),
        ("receive-stock", "--sku", "SKU-1", "--warehouse", "WH-A", "--quantity", "5"),
    ):
        assert run(capsys, "core", *argv, "--db", db)[0] == 0
    code, out, _ = run(capsys, "core", "place", "--db", db, "--channel", "web", "--external-id", "W-1",
                       "--customer", "C-1", "--line", "SKU-1:2:12.50", "--ship-to-country", "US",
                       "--ship-to-postal-code", "10001")  # fmt: skip
    assert code == 0 and ": released_to_warehouse" in out
    order_id = out.split()[1].rstrip(":")
    code, again, _ = run(capsys, "core", "place", "--db", db, "--channel", "web", "--external-id", "W-1",
                         "--customer", "C-1", "--line", "SKU-1:2:12.50", "--ship-to-country", "US",
                         "--ship-to-postal-code", "10001")  # fmt: skip
    assert order_id in again and "already captured" in again
    code, out, _ = run(capsys, "core", "ship", "--db", db, "--order", order_id, "--warehouse", "WH-A",
                       "--carrier", "UPS", "--tracking-number", "1Z1")  # fmt: skip
    assert code == 0 and "now shipped" in out
    code, out, _ = run(capsys, "core", "track", "--db", db, "--tracking-number", "1Z1", "--status", "delivered",
                       "--at", "2026-03-05T14:00:00Z")  # fmt: skip
    assert code == 0 and "is delivered" in out
    code, out, _ = run(capsys, "core", "history", "--db", db, "--order", order_id)
    assert code == 0
    for event in ("created", "released_to_warehouse", "picked", "packed", "shipped", "invoiced", "delivered"):
        assert f" {event} " in out
    code, out, _ = run(capsys, "core", "export", "--db", db, "--landing", str(tmp_path / "landing"))
    assert code == 0 and "export 1:" in out
    assert (tmp_path / "landing" / "oms" / "orders" / "order_core-000001.csv").exists()
    code, out, _ = run(capsys, "core", "export", "--db", db, "--landing", str(tmp_path / "landing"))
    assert "nothing changed" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("core", "history", "--order", "SO-NOPE"), "unknown order 'SO-NOPE'"),
        (("core", "place", "--channel", "web", "--external-id", "X", "--customer", "C", "--line", "SKU-1:two:1"),
         "not a whole number"),
        (("core", "cancel", "--order", "SO-NOPE", "--reason", "other", "--by", "me"), "unknown order"),
        (("core", "receive-stock", "--sku", "NOPE", "--warehouse", "WH-A", "--quantity", "1"), "unknown SKU"),
        (("simulate", "--days", "0", "--orders-per-day", "10"), "must be positive"),
        (("simulate", "--days", "1", "--orders-per-day", "10", "--rate", "nope=1"), "unknown rate 'nope'"),
    ],
)  # fmt: skip
def test_user_mistakes_print_one_line_and_exit_2(capsys, db, argv, message):
    code, _, err = run(capsys, *argv, "--db", db)
    assert code == 2
    assert err.startswith("orderpulse: error: ") and message in err
    assert len(err.strip().splitlines()) == 1, "no traceback"


def test_a_refused_lifecycle_move_is_a_user_error(capsys, db):
    run(capsys, "core", "add-warehouse", "--warehouse", "WH-A", "--country", "US", "--db", db)
    run(capsys, "core", "add-product", "--sku", "SKU-1", "--price", "1.00", "--db", db)
    run(capsys, "core", "add-customer", "--customer", "C-1", "--db", db)
    _, out, _ = run(capsys, "core", "place", "--db", db, "--channel", "web", "--external-id", "W-1", "--customer",
                    "C-1", "--line", "SKU-1:1:1.00", "--ship-to-country", "US", "--ship-to-postal-code", "10001")  # fmt: skip
    order_id = out.split()[1].rstrip(":")
    code, _, err = run(capsys, "core", "close", "--db", db, "--order", order_id)
    assert code == 2 and "cannot move from 'backordered' to 'closed'" in err


def test_simulate_then_export_from_a_fresh_folder(capsys, db, tmp_path):
    code, out, _ = run(capsys, "simulate", "--db", db, "--days", "3", "--orders-per-day", "20", "--seed", "7",
                       "--quiet")  # fmt: skip
    assert code == 0 and "simulated 3 days" in out
    code, out, _ = run(capsys, "core", "export", "--db", db, "--landing", str(tmp_path / "fresh" / "landing"),
                       "--format", "parquet")  # fmt: skip
    assert code == 0
    assert list((tmp_path / "fresh" / "landing" / "oms" / "orders").glob("order_core-000001.parquet"))
    code, _, err = run(capsys, "simulate", "--db", db, "--days", "1", "--orders-per-day", "5")
    assert code == 2 and "fresh database" in err


def test_a_database_that_refuses_the_simulations_rows_is_one_line_and_nothing_after_it_is_written(
    capsys, db, tmp_path
):
    from sqlalchemy import text

    from order_core.adapters.database import open_database

    engine = open_database(db)
    with engine.begin() as connection:
        connection.execute(text(
            "CREATE TRIGGER no_more_orders BEFORE INSERT ON orders "
            "BEGIN SELECT RAISE(ABORT, 'the order book is closed'); END"
        ))  # fmt: skip
    code, _, err = run(capsys, "simulate", "--db", db, "--days", "3", "--orders-per-day", "20", "--quiet")
    assert code == 2
    assert err.startswith("orderpulse: error: the simulation could not be written to ")
    assert "the order book is closed" in err
    assert len(err.strip().splitlines()) == 1, "no traceback"
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM orders")).scalar_one() == 0
        # The set-up day was written; the first day with orders and everything after it were not.
        assert connection.execute(text("SELECT max(value) FROM change_counter")).scalar_one() == 1
    engine.dispose()
