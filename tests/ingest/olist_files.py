"""A small hand-written Olist dataset (orders, payments, items) for the importer's tests."""

from __future__ import annotations

from pathlib import Path

from ingest.sources.olist import ITEMS_FILE, ORDERS_FILE, PAYMENTS_FILE

ORDERS_HEADER = (
    "order_id,customer_id,order_status,order_purchase_timestamp,order_approved_at,"
    "order_delivered_carrier_date,order_delivered_customer_date,order_estimated_delivery_date"
)
ORDERS = [
    # delivered after its estimate
    "o1,c1,delivered,2018-03-01 10:00:00,2018-03-01 10:30:00,2018-03-02 15:00:00,2018-03-20 09:15:00,2018-03-15 00:00:00",
    # delivered to the customer with no carrier date
    "o2,c2,delivered,2018-03-02 11:00:00,2018-03-02 11:05:00,,2018-03-09 18:00:00,2018-03-21 00:00:00",
    "o3,c3,canceled,2018-03-03 12:00:00,2018-03-03 12:10:00,,,2018-03-22 00:00:00",
    "o4,c4,unavailable,2018-03-04 13:00:00,2018-03-04 14:00:00,,,2018-03-23 00:00:00",
    "o5,c5,shipped,2018-03-05 14:00:00,2018-03-05 14:30:00,2018-03-07 08:00:00,,2018-03-24 00:00:00",
]
PAYMENTS = [
    "order_id,payment_sequential,payment_type,payment_installments,payment_value",
    "o1,1,credit_card,3,100.50",
    "o1,2,voucher,1,20.25",
    "o2,1,boleto,1,35.00",
]
ITEMS = [
    "order_id,order_item_id,product_id,seller_id,shipping_limit_date,price,freight_value",
    "o1,1,p-mug,s1,2018-03-06 10:00:00,50.00,10.00",
    "o1,2,p-mug,s1,2018-03-07 10:00:00,50.00,10.00",
    "o5,1,p-lamp,s2,2018-03-08 14:00:00,80.00,12.50",
]


def write(folder: Path, name: str, lines: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def dataset(folder: Path, payments: bool = True, items: bool = True, orders: list[str] = ORDERS) -> Path:
    document = write(folder, ORDERS_FILE, [ORDERS_HEADER, *orders])
    if payments:
        write(folder, PAYMENTS_FILE, PAYMENTS)
    if items:
        write(folder, ITEMS_FILE, ITEMS)
    return document
