"""`orderpulse simulate` and `orderpulse core ...`: the order core's command line.

Handlers import the core lazily, so `orderpulse --help` stays fast. Mistakes a user can fix
(a bad argument, an unknown order, a move the lifecycle forbids) raise `UserError`, which the
frame prints as one line.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from order_core.domain.orders import (
    CANCEL_REASONS,
    CHANNELS,
    CREDIT_MEMO_REASONS,
    TRACKING_EXCEPTIONS,
    TRACKING_STATUSES,
)
from order_core.domain.returns import DISPOSITIONS, RETURN_REASONS
from orderpulse.errors import UserError


def _default_db() -> str:
    from orderpulse.config import load_settings

    return load_settings().core_db_url


def add_core_commands(subparsers: argparse._SubParsersAction) -> None:
    _add_simulate(subparsers)
    core = subparsers.add_parser(
        "core", help="Operate the order core: orders, holds, stock, shipping, returns."
    )
    commands = core.add_subparsers(dest="core_command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str, handler) -> argparse.ArgumentParser:
        parser = commands.add_parser(name, help=help_text, description=help_text)
        parser.add_argument(
            "--db", default=None, help="Core database URL (default: ORDERPULSE_CORE_DB or data/)."
        )
        parser.set_defaults(handler=handler)
        return parser

    p = command("add-warehouse", "Register a warehouse.", _add_warehouse)
    p.add_argument("--warehouse", required=True)
    p.add_argument("--country", required=True, help="ISO 3166-1 alpha-2 code.")

    p = command("add-product", "Add a SKU to the price list, or change its price.", _add_product)
    p.add_argument("--sku", required=True)
    p.add_argument("--price", required=True, type=_decimal, help="List price.")
    p.add_argument("--export-restricted", action="store_true", help="Needs export screening abroad.")

    p = command("add-customer", "Add a customer, or change its credit terms.", _add_customer)
    p.add_argument("--customer", required=True)
    p.add_argument("--credit-limit", type=_decimal, help="Credit limit (default: none, e.g. card payers).")
    p.add_argument("--open-balance", type=_decimal, default=Decimal("0"), help="Receivables not yet paid.")

    p = command("place", "Place an order (a retry with the same channel and external id returns it).", _place)
    p.add_argument("--channel", required=True, choices=CHANNELS)
    p.add_argument("--external-id", required=True, help="The order's id in its channel.")
    p.add_argument("--customer", required=True)
    p.add_argument("--line", action="append", required=True, metavar="SKU:QTY:PRICE", help="Repeat per line.")
    p.add_argument("--ship-to-country", help="ISO 3166-1 alpha-2 code.")
    p.add_argument("--ship-to-postal-code")
    p.add_argument("--currency", default="USD")
    p.add_argument("--service-level", default="standard", choices=("standard", "expedited", "overnight"))
    p.add_argument("--ship-complete", action="store_true", help="Never ship part of the order.")
    p.add_argument("--fraud-score", type=int, help="Payment provider risk score, 0-100.")
    p.add_argument("--payment-declined", metavar="REASON", help="Record the payment provider's decline.")
    p.add_argument("--by", default="order.desk", help="Who places it.")

    p = command("release-hold", "Release one hold of an order; name yourself and say why.", _release_hold)
    p.add_argument("--order", required=True)
    p.add_argument("--reason", required=True, choices=("credit", "fraud", "pricing", "address", "compliance"))
    p.add_argument("--by", required=True, help="Your name.")
    p.add_argument("--note", required=True, help="Why the hold can be released.")

    p = command("correct-address", "Correct an order's ship-to address.", _correct_address)
    p.add_argument("--order", required=True)
    p.add_argument("--country", required=True)
    p.add_argument("--postal-code", required=True)
    p.add_argument("--by", required=True)
    p.add_argument("--note", required=True)

    p = command("cancel", "Cancel an order that has not shipped.", _cancel)
    p.add_argument("--order", required=True)
    p.add_argument("--reason", required=True, choices=CANCEL_REASONS)
    p.add_argument("--by", required=True)
    p.add_argument("--note")

    p = command(
        "receive-stock", "Receive units into a warehouse; waiting backorders get them first.", _receive
    )
    p.add_argument("--sku", required=True)
    p.add_argument("--warehouse", required=True)
    p.add_argument("--quantity", required=True, type=int)
    p.add_argument("--note", help="E.g. the purchase order number.")
    p.add_argument("--by", default="receiving.dock")

    p = command("pick", "Confirm the pick of an order's released work at a warehouse.", _pick)
    p.add_argument("--order", required=True)
    p.add_argument("--warehouse", required=True)
    p.add_argument("--short", action="append", default=[], metavar="SKU:QTY", help="Units not found.")
    p.add_argument("--damaged", action="append", default=[], metavar="SKU:QTY", help="Units broken.")
    p.add_argument(
        "--mis-pick", action="append", default=[], metavar="SKU", help="Wrong item caught at pack."
    )
    p.add_argument("--by", default="picker")

    p = command("pack", "Confirm the packing of an order's picked work at a warehouse.", _pack)
    p.add_argument("--order", required=True)
    p.add_argument("--warehouse", required=True)
    p.add_argument("--by", default="packer")

    p = command(
        "ship", "Ship what an order has at a warehouse (confirming pick and pack if not yet done).", _ship
    )
    p.add_argument("--order", required=True)
    p.add_argument("--warehouse", required=True)
    p.add_argument("--carrier", required=True)
    p.add_argument("--tracking-number", required=True)
    p.add_argument("--service-level", help="Default: the order's.")
    p.add_argument("--by", default="shipping.dock")

    p = command("track", "Record a carrier tracking event.", _track)
    p.add_argument("--tracking-number", required=True)
    p.add_argument("--status", required=True, choices=TRACKING_STATUSES)
    p.add_argument("--exception", choices=TRACKING_EXCEPTIONS, help="With --status exception.")
    p.add_argument("--location")
    p.add_argument("--at", type=_timestamp, help="Event time, ISO 8601 (default: now).")

    p = command("close", "Close a delivered order (or one whose parcels were all lost or returned).", _close)
    p.add_argument("--order", required=True)
    p.add_argument("--by", default="order.desk")

    p = command("credit-memo", "Credit part of an order's invoice.", _credit_memo)
    p.add_argument("--order", required=True)
    p.add_argument("--amount", required=True, type=_decimal)
    p.add_argument("--reason", required=True, choices=CREDIT_MEMO_REASONS)
    p.add_argument("--invoice", help="Default: the order's first invoice.")
    p.add_argument("--by", required=True)
    p.add_argument("--note")

    p = command("open-return", "Open a return (RMA) for shipped units.", _open_return)
    p.add_argument("--order", required=True)
    p.add_argument(
        "--line",
        action="append",
        required=True,
        metavar="SKU:QTY:REASON",
        help=f"Reason: {', '.join(RETURN_REASONS)}.",
    )
    p.add_argument("--by", default="customer.service")

    p = command("receive-return", "Receive a return's parcel with a disposition per SKU.", _receive_return)
    p.add_argument("--rma", required=True)
    p.add_argument("--disposition", action="append", required=True, metavar="SKU:DISPOSITION",
                   help=f"One of {', '.join(DISPOSITIONS)}.")  # fmt: skip
    p.add_argument("--by", default="returns.desk")

    p = command("refund-return", "Refund a received return (a credit memo per invoice).", _refund_return)
    p.add_argument("--rma", required=True)
    p.add_argument("--by", default="finance")

    p = command("history", "Show an order and every event of its history.", _history)
    p.add_argument("--order", required=True)

    p = command("stock", "Show stock per SKU and warehouse.", _stock)

    p = command("export", "Land new and changed rows as extract-contract files (incremental).", _export)
    p.add_argument("--landing", required=True, help="Landing folder (<landing>/<source>/<entity>/<file>).")
    p.add_argument("--format", default="csv", choices=("csv", "parquet"))
    p.add_argument("--full", action="store_true", help="Send every row again, not only the changes.")

    p = command(
        "export-edi", "Write the EDI documents (850, 855, 856, 810) of the EDI-channel orders.", _export_edi
    )
    p.add_argument("--out", required=True, help="Folder for the .edi files (one per day and document type).")


def _add_simulate(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "simulate", help="Run a simulated operation through the order core into a fresh database."
    )
    p.add_argument("--db", default=None, help="Core database URL (default: ORDERPULSE_CORE_DB or data/).")
    p.add_argument("--days", type=int, required=True)
    p.add_argument("--orders-per-day", type=int, required=True, help="Average orders per day.")
    p.add_argument("--seed", type=int, default=7, help="Same seed, same data (default: 7).")
    p.add_argument("--start-date", type=_date, default=date(2026, 1, 5), help="First day, YYYY-MM-DD.")
    p.add_argument("--skus", type=int, default=400, help="Catalog size (default: 400).")
    p.add_argument("--rate", action="append", default=[], metavar="NAME=VALUE",
                   help="Override a trouble rate, e.g. --rate short_pick=0.05 (repeatable).")  # fmt: skip
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(handler=_simulate)


# ---------------------------------------------------------------------- argument types
def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a decimal number: {text!r}") from None


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None


def _timestamp(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 timestamp: {text!r}") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _split(text: str, parts: int, what: str) -> list[str]:
    pieces = text.split(":")
    if len(pieces) != parts or not all(pieces):
        raise UserError(f"expected {what}, got {text!r}")
    return pieces


def _quantity(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise UserError(f"{what}: not a whole number: {text!r}") from None


# ---------------------------------------------------------------------- plumbing
@contextlib.contextmanager
def _core(args: argparse.Namespace) -> Iterator:
    """A unit of work on the command's database; domain refusals become one-line user errors."""
    from order_core.adapters.database import open_database
    from order_core.adapters.repository import SqlUnitOfWork
    from order_core.domain.errors import DomainError

    engine = open_database(args.db or _default_db())
    try:
        yield SqlUnitOfWork(engine)
    except DomainError as error:
        raise UserError(str(error)) from error
    finally:
        engine.dispose()


# ---------------------------------------------------------------------- handlers
def _simulate(args: argparse.Namespace) -> int:
    from order_core.adapters.background_writer import BackgroundWriteFailed
    from order_core.adapters.database import open_database
    from order_core.adapters.repository import SoleWriterUnitOfWork
    from order_core.domain.errors import DomainError
    from order_core.service.ids import SequentialIds
    from order_core.simulator import Simulation, SimulationConfig, parse_rate_overrides

    if args.days <= 0 or args.orders_per_day <= 0:
        raise UserError("--days and --orders-per-day must be positive")
    try:
        rates = parse_rate_overrides(args.rate)
    except ValueError as error:
        raise UserError(str(error)) from error
    config = SimulationConfig(
        days=args.days,
        orders_per_day=args.orders_per_day,
        seed=args.seed,
        start_date=args.start_date,
        rates=rates,
        skus=args.skus,
    )
    engine = open_database(args.db or _default_db())
    uow = SoleWriterUnitOfWork(engine, SequentialIds())
    log = (
        (lambda message: None) if args.quiet else (lambda message: print(f"simulate: {message}", flush=True))
    )
    try:
        summary = Simulation(lambda: uow, config, log=log).run()
        uow.close()  # here, so a failed last write is reported below; the close in finally is then a no-op
    except DomainError as error:
        raise UserError(str(error)) from error
    except BackgroundWriteFailed as error:
        raise UserError(
            f"the simulation could not be written to {args.db or _default_db()}: {error}"
        ) from error
    finally:
        # After a failure the error on its way out says more than the close's own complaint.
        with contextlib.suppress(BackgroundWriteFailed):
            uow.close()
        engine.dispose()
    print(f"simulated {summary.days} days, {summary.orders} orders in {summary.seconds:.1f} s")
    print("orders by status: " + ", ".join(f"{s} {n}" for s, n in summary.statuses.items()))
    return 0


def _add_warehouse(args) -> int:
    from order_core.service import services

    with _core(args) as uow:
        services.add_warehouse(uow, args.warehouse, args.country)
    print(f"warehouse {args.warehouse} ({args.country}) added")
    return 0


def _add_product(args) -> int:
    from order_core.service import services

    with _core(args) as uow:
        services.set_product(uow, args.sku, args.price, args.export_restricted)
    print(f"product {args.sku} at {args.price}")
    return 0


def _add_customer(args) -> int:
    from order_core.service import services

    with _core(args) as uow:
        services.set_customer(uow, args.customer, args.credit_limit, args.open_balance)
    print(f"customer {args.customer} saved")
    return 0


def _place(args) -> int:
    from order_core.domain.validation import LineRequest
    from order_core.service import services
    from order_core.service.payments import DecliningGateway, PaymentGateway

    lines = []
    for text in args.line:
        sku, quantity, price = _split(text, 3, "--line SKU:QTY:PRICE")
        try:
            unit_price = Decimal(price)
        except InvalidOperation:
            raise UserError(f"--line {text}: not a price: {price!r}") from None
        lines.append(LineRequest(sku, _quantity(quantity, f"--line {text}"), unit_price))
    request = services.PlaceOrder(
        channel=args.channel,
        external_order_id=args.external_id,
        customer_id=args.customer,
        lines=lines,
        ship_to_country=args.ship_to_country,
        ship_to_postal_code=args.ship_to_postal_code,
        currency=args.currency,
        service_level=args.service_level,
        ship_complete=args.ship_complete,
        fraud_score=args.fraud_score,
    )
    payments = DecliningGateway(args.payment_declined) if args.payment_declined else PaymentGateway()
    with _core(args) as uow:
        placed = services.place_order(uow, request, payments, actor=args.by)
    note = "" if placed.created else " (already captured: this is the earlier order)"
    print(f"order {placed.order_id}: {placed.status}{note}")
    return 0


def _release_hold(args) -> int:
    from order_core.service import services

    with _core(args) as uow:
        new_status = services.release_hold(uow, args.order, args.reason, args.by, args.note)
    print(f"order {args.order}: {args.reason} hold released, now {new_status}")
    return 0


def _correct_address(args) -> int:
    from order_core.service import services

    with _core(args) as uow:
        services.correct_address(uow, args.order, args.country, args.postal_code, args.by, args.note)
    print(f"order {args.order}: ship-to now {args.country} {args.postal_code}")
    return 0


def _cancel(args) -> int:
    from order_core.service import services

    with _core(args) as uow:
        services.cancel_order(uow, args.order, args.reason, args.by, args.note)
    print(f"order {args.order}: cancelled ({args.reason})")
    return 0


def _receive(args) -> int:
    from order_core.service import services

    if args.quantity <= 0:
        raise UserError("--quantity must be positive")
    with _core(args) as uow:
        receipt = services.StockReceipt(args.sku, args.warehouse, args.quantity, args.note)
        filled = services.receive_stock(uow, [receipt], actor=args.by)
    print(f"received {args.quantity} x {args.sku} at {args.warehouse}")
    for order_id in filled:
        print(f"  allocated to backordered order {order_id}")
    return 0


def _sku_quantities(values: list[str], option: str) -> dict[str, int]:
    result = {}
    for text in values:
        sku, quantity = _split(text, 2, f"{option} SKU:QTY")
        result[sku] = _quantity(quantity, f"{option} {text}")
    return result


def _pick(args) -> int:
    from order_core.service import services

    confirmation = services.PickConfirmation(
        args.order,
        args.warehouse,
        _sku_quantities(args.short, "--short"),
        _sku_quantities(args.damaged, "--damaged"),
        tuple(args.mis_pick),
    )
    with _core(args) as uow:
        services.pick(uow, [confirmation], actor=args.by)
    print(f"order {args.order}: picked at {args.warehouse}")
    return 0


def _pack(args) -> int:
    from order_core.service import services

    with _core(args) as uow:
        services.pack(uow, [(args.order, args.warehouse)], actor=args.by)
    print(f"order {args.order}: packed at {args.warehouse}")
    return 0


def _ship(args) -> int:
    from order_core.service import services

    with _core(args) as uow:
        order = services.get_orders(uow, [args.order])[args.order]
        stages = {a.stage for a in order.allocations if a.warehouse_id == args.warehouse}
        with uow:  # pick, pack and ship in one transaction: all or nothing
            if "released" in stages:
                services.pick(uow, [services.PickConfirmation(args.order, args.warehouse)], actor=args.by)
                stages.add("picked")
            if "picked" in stages:
                services.pack(uow, [(args.order, args.warehouse)], actor=args.by)
            confirmation = services.ShipConfirmation(
                args.order, args.warehouse, args.carrier, args.service_level or order.service_level,
                args.tracking_number,
            )  # fmt: skip
            shipment_ids = services.ship(uow, [confirmation], actor=args.by)
            uow.commit()
        status = services.get_orders(uow, [args.order])[args.order].status
    print(
        f"order {args.order}: shipment {shipment_ids[0]} ({args.carrier} {args.tracking_number}), now {status}"
    )
    return 0


def _track(args) -> int:
    from order_core.service import services

    update = services.TrackingUpdate(
        args.tracking_number, args.status, args.at or datetime.now(UTC), args.exception, args.location
    )
    with _core(args) as uow:
        [order_id] = services.record_tracking_events(uow, [update])
        status = services.get_orders(uow, [order_id])[order_id].status
    print(f"{args.tracking_number}: {args.status} recorded; order {order_id} is {status}")
    return 0


def _close(args) -> int:
    from order_core.service import services

    with _core(args) as uow:
        services.close_orders(uow, [args.order], actor=args.by)
    print(f"order {args.order}: closed")
    return 0


def _credit_memo(args) -> int:
    from order_core.service import services

    with _core(args) as uow:
        memo_id = services.issue_credit_memo(
            uow, args.order, args.amount, args.reason, args.by, args.note, invoice_id=args.invoice
        )
    print(f"credit memo {memo_id}: {args.amount} ({args.reason})")
    return 0


def _open_return(args) -> int:
    from order_core.domain.returns import ReturnRequestLine
    from order_core.service import services

    lines = []
    for text in args.line:
        sku, quantity, reason = _split(text, 3, "--line SKU:QTY:REASON")
        lines.append(ReturnRequestLine(sku, _quantity(quantity, f"--line {text}"), reason))
    with _core(args) as uow:
        rma_id = services.open_return(uow, args.order, lines, args.by)
    print(f"return {rma_id} opened for order {args.order}")
    return 0


def _receive_return(args) -> int:
    from order_core.service import services

    dispositions = dict(_split(text, 2, "--disposition SKU:DISPOSITION") for text in args.disposition)
    with _core(args) as uow:
        services.receive_return(uow, args.rma, dispositions, args.by)
    print(f"return {args.rma}: received")
    return 0


def _refund_return(args) -> int:
    from order_core.service import services

    with _core(args) as uow:
        services.refund_return(uow, args.rma, args.by)
    print(f"return {args.rma}: refunded")
    return 0


def _history(args) -> int:
    from order_core.service import services

    with _core(args) as uow:
        order, events = services.order_history(uow, args.order)
    print(f"order {order.order_id} ({order.channel} {order.external_order_id}), customer {order.customer_id}: "
          f"{order.status}")  # fmt: skip
    print(f"  ordered {order.ordered_at:%Y-%m-%d %H:%M}Z, promised delivery {order.promised_delivery_date}, "
          f"ship to {order.ship_to_country} {order.ship_to_postal_code}, total {order.order_total} {order.currency}")  # fmt: skip
    for line in order.lines:
        print(f"  line {line.line_number}: {line.sku} x{line.quantity_ordered} at {line.unit_price}, "
              f"shipped {line.quantity_shipped}, cancelled {line.quantity_cancelled}")  # fmt: skip
    for at, source, event, actor, reason, detail in events:
        why = f" [{reason}]" if reason else ""
        print(f"  {at:%Y-%m-%d %H:%M:%S}Z  {source:<18} {event:<22} by {actor}{why}  {detail or ''}".rstrip())
    return 0


def _stock(args) -> int:
    from order_core.service import services

    with _core(args) as uow:
        levels = services.stock_levels(uow)
    print(f"{'sku':<14} {'warehouse':<10} {'on_hand':>8} {'allocated':>9} {'available':>9}")
    for sku, warehouse, on_hand, allocated in levels:
        print(f"{sku:<14} {warehouse:<10} {on_hand:>8} {allocated:>9} {on_hand - allocated:>9}")
    return 0


def _export(args) -> int:
    from order_core.adapters.database import open_database
    from order_core.adapters.extract_writer import export_extracts

    engine = open_database(args.db or _default_db())
    try:
        result = export_extracts(engine, args.landing, args.format, full=args.full)
    finally:
        engine.dispose()
    if result.export_seq is None:
        print("export: nothing changed since the last export")
        return 0
    total = sum(result.rows_by_entity.values())
    print(f"export {result.export_seq}: {total} rows in {len(result.files)} files under {args.landing}")
    for entity, rows in result.rows_by_entity.items():
        print(f"  {entity}: {rows}")
    return 0


def _export_edi(args) -> int:
    from order_core.adapters.database import open_database
    from order_core.adapters.edi_writer import export_edi

    engine = open_database(args.db or _default_db())
    try:
        result = export_edi(engine, args.out)
    finally:
        engine.dispose()
    documents = ", ".join(f"{code} {count}" for code, count in sorted(result.documents.items()))
    print(f"export-edi: {len(result.files)} interchanges under {args.out} ({documents or 'no EDI orders'})")
    return 0
