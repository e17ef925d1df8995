"""Generate a synthetic landing folder of N orders, set-based inside DuckDB.

For benchmarks and end-to-end tests at any scale (1M orders in seconds). It is not
a simulation of an operation (the order core's simulator is): orders, lines,
shipments, tracking, events and returns are drawn from seeded hashes at fixed rates
so that every KPI has passes and failures.

    python -m benchmarks.generate_landing --orders 100000 --landing /tmp/landing --format mixed
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import duckdb

from contract import (
    CANCEL_REASONS,
    CHANNELS,
    CREDIT_MEMO_REASONS,
    HOLD_REASONS,
    RETURN_REASONS,
    TRACKING_EXCEPTIONS,
)

FORMATS = ("csv", "parquet", "jsonl")


def _pick(values: tuple[str, ...], draw: str, domain: tuple[str, ...] | None = None) -> str:
    """SQL choosing one of `values` (contract enum values; repeat one to weight it) by a hash draw."""
    unknown = set(values) - set(domain or values)
    assert not unknown, f"not contract values: {unknown}"
    listed = ", ".join(f"'{value}'" for value in values)
    return f"[{listed}][1 + cast({draw} % {len(values)} as bigint)]"


# One SELECT per entity over the base tables `o` (orders), `l` (lines) and `s` (shipments).
ENTITY_QUERIES = {
    ("oms", "orders"): """
        select order_id, customer_id, channel,
            strftime(ordered_at, '%Y-%m-%dT%H:%M:%SZ') as ordered_at,
            strftime(ordered_at + interval 1 day, '%Y-%m-%dT%H:%M:%S+00:00') as promised_ship_at,
            strftime(due_date, '%Y-%m-%d') as promised_delivery_date,
            'US' as ship_to_country, lpad(cast(h % 99999 as varchar), 5, '0') as ship_to_postal_code,
            'USD' as currency, cast(order_total as varchar) as order_total,
            case when cancelled then 'cancelled' else 'closed' end as status,
            strftime(ordered_at + interval 3 day, '%Y-%m-%dT%H:%M:%SZ') as updated_at
        from o
    """,
    ("oms", "order_lines"): """
        select order_id, line_number, sku, quantity_ordered, cast(unit_price as varchar) as unit_price,
            strftime(ordered_at, '%Y-%m-%dT%H:%M:%SZ') as updated_at
        from l
    """,
    ("oms", "order_events"): f"""
        select order_id || '-' || event_type || '-' || n as event_id, order_id, event_type,
            strftime(event_at, '%Y-%m-%dT%H:%M:%SZ') as event_at, reason_code
        from (
            select order_id, 'created' as event_type, ordered_at as event_at, null as reason_code, 1 as n from o
            union all
            select order_id, 'hold_placed', ordered_at + interval 5 minute,
                {_pick(HOLD_REASONS, "h")}, 1 from o where h % 31 = 0
            union all
            select order_id, 'hold_released', ordered_at + interval 5 minute + to_minutes(h % 600), null, 1
            from o where h % 31 = 0
            union all
            select order_id, 'backordered', ordered_at + interval 10 minute, null, 1 from o where h % 47 = 0
            union all
            select order_id, 'payment_failed', ordered_at + interval 2 minute, 'card_declined', 1
            from o where h % 53 = 0
            union all
            select order_id, 'cancelled', ordered_at + interval 1 hour,
                {_pick(CANCEL_REASONS, "h")}, 1
            from o where cancelled
            union all
            select order_id, 'allocated', ordered_at + interval 15 minute, null, 1 from o where not cancelled
            union all
            select order_id, 'invoiced', ordered_at + interval 20 hour, null, 1 from o where not cancelled
        )
    """,
    ("oms", "invoices"): """
        select 'INV-' || order_id as invoice_id, order_id,
            strftime(ordered_at + interval 20 hour, '%Y-%m-%dT%H:%M:%SZ') as invoiced_at,
            cast(order_total as varchar) as amount, 'USD' as currency
        from o where not cancelled
    """,
    ("oms", "credit_memos"): f"""
        select 'CM-' || order_id as credit_memo_id, 'INV-' || order_id as invoice_id, order_id,
            strftime(ordered_at + interval 10 day, '%Y-%m-%dT%H:%M:%SZ') as issued_at,
            '5.00' as amount, {_pick(("pricing_error", "billing_error", "goodwill"), "h", CREDIT_MEMO_REASONS)} as reason_code
        from o where not cancelled and h % 97 = 0
    """,
    ("wms", "shipments"): """
        select shipment_id, order_id, warehouse_id, carrier, 'ground' as service_level, tracking_number,
            strftime(shipped_at - interval 5 hour, '%Y-%m-%dT%H:%M:%S-05:00') as shipped_at
        from s
    """,
    ("wms", "shipment_lines"): """
        select s.shipment_id, l.line_number, l.order_id, l.sku,
            case when l.h % 41 = 0 then l.quantity_ordered - 1 else l.quantity_ordered end as quantity_shipped
        from l join s on s.order_id = l.order_id and s.parcel = (case when s.parcels = 2 then 1 + l.line_number % 2 else 1 end)
    """,
    ("wms", "warehouse_events"): """
        select order_id || '-' || event_type as event_id, order_id, warehouse_id, event_type,
            strftime(shipped_at - interval 2 hour, '%Y-%m-%dT%H:%M:%SZ') as event_at,
            null as sku, null as quantity
        from (
            select order_id, warehouse_id, shipped_at, 'picked' as event_type, h from s where parcel = 1
            union all
            select order_id, warehouse_id, shipped_at, 'packed', h from s where parcel = 1
            union all
            select order_id, warehouse_id, shipped_at, 'mis_pick', h from s where parcel = 1 and h % 89 = 0
            union all
            select order_id, warehouse_id, shipped_at, 'short_pick', h from s where parcel = 1 and h % 43 = 0
        )
    """,
    ("carrier", "tracking_events"): f"""
        select tracking_number, strftime(event_at, '%Y-%m-%dT%H:%M:%SZ') as event_at, status_code,
            exception_code, carrier, null as location
        from (
            select tracking_number, carrier, shipped_at as event_at, 'label_created' as status_code,
                null as exception_code from s
            union all
            select tracking_number, carrier, shipped_at + interval 3 hour, 'picked_up', null from s
            union all
            select tracking_number, carrier, shipped_at + interval 1 day, 'in_transit', null from s
            union all
            select tracking_number, carrier, shipped_at + interval 30 hour, 'exception',
                {_pick(("damaged", "carrier_delay", "weather_delay", "lost"), "h", TRACKING_EXCEPTIONS)}
            from s where h % 37 = 0
            union all
            select tracking_number, carrier, delivered_at, 'delivered', null from s where delivered_at is not null
        )
    """,
    ("returns", "return_lines"): f"""
        select 'RMA-' || order_id as rma_id, 1 as line_number, order_id, sku, 1 as quantity_returned,
            {_pick(RETURN_REASONS, "h")}
                as reason_code,
            strftime(ordered_at + interval 12 day, '%Y-%m-%dT%H:%M:%SZ') as requested_at,
            strftime(ordered_at + interval 16 day, '%Y-%m-%dT%H:%M:%SZ') as received_at,
            cast(unit_price as varchar) as refund_amount, 'restock' as disposition
        from l where line_number = 1 and h % 29 = 0
    """,
}


def build_base_tables(
    conn: duckdb.DuckDBPyConnection, orders: int, days: int, start: dt.date, seed: int
) -> None:
    """Orders `o`, lines `l` and shipments `s`, each row with a seeded hash `h` for its draws."""
    conn.execute(
        f"""
        create or replace temp table o as
        select
            'O' || lpad(cast(i as varchar), 8, '0') as order_id,
            'C' || cast(hash(i, {seed}, 'customer') % greatest({orders} // 3, 1) as varchar) as customer_id,
            {_pick(("web", *CHANNELS), f"hash(i, {seed}, 'channel')")}
                as channel,
            timestamp '{start}' + to_seconds(cast(i * {days} * 86400 // {orders} as bigint)) as ordered_at,
            cast(hash(i, {seed}) % 1000000007 as bigint) as h,
            hash(i, {seed}) % 1000000007 % 67 = 0 as cancelled,
            cast(1 + hash(i, {seed}, 'lines') % 4 as bigint) as line_count,
            cast(timestamp '{start}' + to_seconds(cast(i * {days} * 86400 // {orders} as bigint)) as date)
                + cast(3 + hash(i, {seed}, 'due') % 3 as integer) as due_date
        from range({orders}) as t(i)
        """
    )
    conn.execute(
        f"""
        create or replace temp table l as
        select o.order_id, o.ordered_at, n as line_number,
            'SKU' || lpad(cast((hash(o.order_id, {seed}) % 5000 + n * 37) % 5000 as varchar), 5, '0') as sku,
            cast(1 + hash(o.order_id, n, {seed}) % 5 as bigint) as quantity_ordered,
            cast(1 + hash(o.order_id, n, {seed}, 'price') % 20000 / 100 as decimal(18, 2)) as unit_price,
            cast(hash(o.order_id, n, {seed}, 'line') % 1000000007 as bigint) as h
        from o, range(1, o.line_count + 1) as r(n)
        """
    )
    conn.execute(
        "create or replace temp table totals as select order_id, sum(quantity_ordered * unit_price) as t from l group by 1"
    )
    conn.execute(
        "create or replace temp table o2 as select o.*, totals.t as order_total from o join totals using (order_id)"
    )
    conn.execute("drop table o")
    conn.execute("alter table o2 rename to o")
    conn.execute(
        f"""
        create or replace temp table s as
        select
            'S' || substr(o.order_id, 2) || '-' || parcel as shipment_id, o.order_id, o.h, parcel, parcels,
            ['WH-EAST', 'WH-WEST', 'WH-CENTRAL'][1 + cast(hash(o.order_id, {seed}, 'wh') % 3 as bigint)] as warehouse_id,
            ['UPS', 'FEDEX', 'USPS', 'DHL'][1 + cast(hash(o.order_id, {seed}, 'carrier') % 4 as bigint)] as carrier,
            '1Z' || substr(o.order_id, 2) || parcel as tracking_number,
            o.ordered_at + to_minutes(cast(600 + hash(o.order_id, {seed}, 'ship') % 1800 + parcel * 600 as bigint))
                as shipped_at,
            case
                when o.h % 37 = 0 and o.h % 4 = 3 then null  -- lost parcel
                else o.ordered_at + to_minutes(cast(600 + hash(o.order_id, {seed}, 'ship') % 1800 + parcel * 600 as bigint))
                    + to_hours(cast(12 + hash(o.order_id, parcel, {seed}, 'transit') % 100 as bigint))
            end as delivered_at
        from (
            select *, case when h % 13 = 0 and line_count > 1 then 2 else 1 end as parcels
            from o where not cancelled and h % 71 <> 0  -- some orders never ship (still open)
        ) as o, range(1, o.parcels + 1) as r(parcel)
        """
    )


def write_landing(
    landing: Path,
    orders: int,
    days: int = 90,
    start: dt.date = dt.date(2024, 1, 1),
    seed: int = 7,
    file_format: str = "csv",
    files_per_entity: int = 1,
) -> int:
    """Write the landing folder; returns the number of rows written."""
    conn = duckdb.connect()
    conn.execute("set TimeZone = 'UTC'")
    build_base_tables(conn, orders, days, start, seed)
    rows = 0
    for index, ((source, entity), query) in enumerate(ENTITY_QUERIES.items()):
        folder = landing / source / entity
        folder.mkdir(parents=True, exist_ok=True)
        fmt = FORMATS[index % len(FORMATS)] if file_format == "mixed" else file_format
        conn.execute(f"create or replace temp table e as select *, row_number() over () as _n from ({query})")
        for part in range(files_per_entity):
            target = folder / f"extract-{part:04d}.{fmt}"
            selection = f"select * exclude (_n) from e where _n % {files_per_entity} = {part} order by _n"
            options = {
                "csv": "(format csv, header)",
                "parquet": "(format parquet)",
                "jsonl": "(format json)",
            }[fmt]
            conn.execute(f"copy ({selection}) to '{target}.tmp' {options}")
            Path(f"{target}.tmp").rename(target)  # land atomically, as the contract asks
        rows += conn.execute("select count(*) from e").fetchone()[0]
    conn.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2024, 1, 1))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--format", choices=(*FORMATS, "mixed"), default="csv")
    parser.add_argument("--files-per-entity", type=int, default=1)
    parser.add_argument("--landing", type=Path, required=True)
    args = parser.parse_args()
    rows = write_landing(
        args.landing, args.orders, args.days, args.start, args.seed, args.format, args.files_per_entity
    )
    print(f"Wrote {rows} rows for {args.orders} orders under {args.landing}")


if __name__ == "__main__":
    main()
