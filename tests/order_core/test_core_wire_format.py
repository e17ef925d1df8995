"""The background writer's wire format: what crosses to its process comes out as it went in."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from order_core.adapters import tables as t
from order_core.adapters.background_writer import packed, unpacked
from order_core.adapters.bulk_writes import TableWrite, inserting, updating

MEMO_COLUMNS = (
    "credit_memo_id", "invoice_id", "order_id", "issued_at", "amount", "reason_code", "issued_by", "note",
    "change_seq",
)  # fmt: skip
CEST = timezone(timedelta(hours=2))


def memo_rows() -> list[tuple]:
    return [
        ("CM-1", "INV-1", "SO-1", datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=UTC), Decimal("12.30"),
         "damage", "finance", None, 7),
        # Another offset, the far past and the far future, whole and fractional amounts.
        ("CM-2", "INV-1", "SO-1", datetime(2026, 3, 2, 11, 0, 0, 1, tzinfo=CEST), Decimal("0.01"),
         "return", "finance", "refund", 7),
        ("CM-3", "INV-2", "SO-2", datetime(1, 1, 1, tzinfo=UTC), Decimal("1E+3"), "goodwill", "desk", "", 7),
        ("CM-4", "INV-3", "SO-3", datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), Decimal("-5"),
         "other", "desk", "é ✓", 8),
    ]  # fmt: skip


def test_values_come_back_unchanged_for_postgresql():
    writes = [
        inserting(t.credit_memos, MEMO_COLUMNS, memo_rows()),
        updating(t.orders, ("promised_delivery_date", "updated_at"), ("order_id",),
                 [(date(2026, 3, 5), None, "SO-1"), (None, datetime(2026, 3, 2, tzinfo=UTC), "SO-2")]),
    ]  # fmt: skip
    back = unpacked(packed(writes), sqlite=False)
    assert back == writes
    values = [value for write in back for row in write.rows for value in row]
    assert [type(v) for v in values] == [type(v) for write in writes for row in write.rows for v in row]


def test_values_come_back_as_sqlite_stores_them():
    back = unpacked(packed([inserting(t.credit_memos, MEMO_COLUMNS, memo_rows())]), sqlite=True)
    assert [row[3:5] for row in back[0].rows] == [
        ("2026-03-02 09:00:00.123456", "12.30"),
        ("2026-03-02 09:00:00.000001", "0.01"),
        ("0001-01-01 00:00:00.000000", "1E+3"),
        ("9999-12-31 23:59:59.999999", "-5"),
    ]
    assert [row[3] for row in back[0].rows] == [t.sqlite_timestamp_text(row[3]) for row in memo_rows()]
    dates = unpacked(
        packed(
            [updating(t.orders, ("promised_delivery_date",), ("order_id",), [(date(2026, 3, 5), "SO-1")])]
        ),
        sqlite=True,
    )
    assert dates[0].rows == [("2026-03-05", "SO-1")]


def test_a_naive_timestamp_is_refused_before_it_leaves():
    row = ("CM-1", "INV-1", "SO-1", datetime(2026, 3, 2, 9, 0), Decimal("1.00"), "damage", "finance", None, 7)
    with pytest.raises(
        ValueError, match=re.escape("not an aware timestamp: datetime.datetime(2026, 3, 2, 9, 0)")
    ):
        packed([inserting(t.credit_memos, MEMO_COLUMNS, [row])])


def test_rows_of_unequal_length_are_refused():
    with pytest.raises(ValueError):
        packed([TableWrite("delete", "allocations", (), ("order_id",), [("SO-1",), ("SO-2", "x")])])


def test_an_inserts_change_seq_is_added_to_every_row_on_both_paths():
    from order_core.adapters.repository import ORDER_EVENT_COLUMNS
    from order_core.domain.events import OrderEvent

    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    events = [OrderEvent("SO-1", "created", at, "desk", None, None, "created"),
              OrderEvent("SO-1", "validated", at, "desk", None, "ok", "validated")]  # fmt: skip
    write = inserting(t.order_events, ORDER_EVENT_COLUMNS, events, change_seq=12)
    expected = TableWrite("insert", "order_events", (*ORDER_EVENT_COLUMNS, "change_seq"), (),
                          [(*event, 12) for event in events])  # fmt: skip
    assert write.with_change_seq_in_rows() == expected
    assert unpacked(packed([write]), sqlite=False) == [expected]
