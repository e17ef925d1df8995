"""A tiny hand-made landing whose every KPI is worked out by hand in test_kpis_by_hand.py.

Ten orders, each built for one edge case of kpis.md (comments name the case). All
orders are placed 2024-01-07 10:00 UTC unless said otherwise; the run's as-of date is
2024-01-20. Due dates: D1 = 2024-01-10, D2 = 2024-01-12, D3 = 2024-01-17 (O11 alone: two
lines of one SKU, filled line by line through the v1.1 column order_line_number).
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

AS_OF = "2024-01-20"

ORDERS_CSV = """\
order_id,customer_id,channel,ordered_at,promised_ship_at,promised_delivery_date,ship_to_country,ship_to_postal_code,currency,order_total,status,updated_at,sales_region
O1,C1,web,2024-01-07T10:00:00Z,2024-01-08T12:00:00Z,2024-01-10,US,10001,USD,20.00,delivered,2024-01-07T10:00:00Z,east
O2,C2,web,2024-01-07T12:00:00+02:00,2024-01-08T12:00:00Z,2024-01-10,US,10001,USD,40.00,shipped,2024-01-07T10:00:00Z,east
O3,C3,marketplace,2024-01-07T10:00:00,2024-01-08T12:00:00Z,2024-01-10,US,10001,USD,20.00,delivered,2024-01-07T10:00:00Z,west
O4,C4,web,2024-01-07T05:00:00-05,2024-01-08T12:00:00Z,2024-01-10,US,10001,USD,10.00,shipped,2024-01-07T10:00:00Z,west
O5,C5,edi,2024-01-07T10:00:00Z,2024-01-10T12:00:00Z,2024-01-12,DE,10115,EUR,10.00,delivered,2024-01-07T10:00:00Z,
O6,C6,web,2024-01-07T10:00:00Z,2024-01-10T12:00:00Z,2024-01-12,US,10001,USD,10.00,cancelled,2024-01-07T10:00:00Z,
O7,C7,phone,2024-01-07T10:00:00Z,2024-01-10T12:00:00Z,2024-01-12,US,10001,USD,20.00,cancelled,2024-01-07T10:00:00Z,
O8,C1,web,2024-01-17T10:00:00Z,2024-01-18T12:00:00Z,2024-01-20,US,10001,USD,10.00,delivered,2024-01-17T10:00:00Z,
O9,C9,phone,2024-01-07T10:00:00Z,2024-01-08T12:00:00Z,2024-01-10,US,10001,USD,10.00,delivered,2024-01-06T00:00:00Z,
O10,C10,web,2024-01-07T10:00:00Z,2024-01-10T12:00:00Z,2024-01-12,US,10001,USD,10.00,delivered,2024-01-07T10:00:00Z,
O11,C11,web,2024-01-14T10:00:00Z,2024-01-15T12:00:00Z,2024-01-17,US,10001,USD,30.00,delivered,2024-01-14T10:00:00Z,
"""

# Lands after ORDERS_CSV but carries an older updated_at: the stale version must lose
# (its due date D2 would make O9 on time, and its channel differs).
STALE_ORDER_JSONL = (
    '{"order_id": "O9", "customer_id": "C9", "channel": "web", "ordered_at": "2024-01-07T10:00:00Z",'
    ' "promised_ship_at": "2024-01-08T12:00:00Z", "promised_delivery_date": "2024-01-12",'
    ' "ship_to_country": "US", "ship_to_postal_code": "10001", "currency": "USD", "order_total": 10,'
    ' "status": "created", "updated_at": "2024-01-05T00:00:00Z"}\n'
)

ORDER_LINES_CSV = """\
order_id,line_number,sku,quantity_ordered,unit_price,updated_at
O1,1,SKU-A,2,10.00,2024-01-07T10:00:00Z
O2,1,SKU-A,3,10.00,2024-01-07T10:00:00Z
O2,2,SKU-B,1,10.00,2024-01-07T10:00:00Z
O3,1,SKU-A,1,10.00,2024-01-07T10:00:00Z
O3,2,SKU-B,1,10.00,2024-01-07T10:00:00Z
O4,1,SKU-A,1,10.00,2024-01-07T10:00:00Z
O5,1,SKU-A,1,10.00,2024-01-07T10:00:00Z
O6,1,SKU-A,1,10.00,2024-01-07T10:00:00Z
O7,1,SKU-A,2,10.00,2024-01-07T10:00:00Z
O8,1,SKU-A,1,10.00,2024-01-17T10:00:00Z
O9,1,SKU-A,1,10.00,2024-01-07T10:00:00Z
O10,1,SKU-A,1,10.00,2024-01-07T10:00:00Z
O11,1,SKU-A,2,10.00,2024-01-14T10:00:00Z
O11,2,SKU-A,1,10.00,2024-01-14T10:00:00Z
"""

ORDER_EVENTS_JSONL = "".join(
    line + "\n"
    for line in [
        '{"event_id": "E1", "order_id": "O5", "event_type": "hold_placed", "event_at": "2024-01-07T11:00:00Z", "reason_code": "credit"}',
        '{"event_id": "E2", "order_id": "O5", "event_type": "hold_released", "event_at": "2024-01-07T15:00:00Z", "reason_code": null}',
        '{"event_id": "E3", "order_id": "O6", "event_type": "cancelled", "event_at": "2024-01-07T12:00:00Z", "reason_code": "customer_request"}',
        '{"event_id": "E4", "order_id": "O7", "event_type": "cancelled", "event_at": "2024-01-07T13:00:00Z", "reason_code": "out_of_stock"}',
        '{"event_id": "E5", "order_id": "O1", "event_type": "created", "event_at": "2024-01-07T10:00:00Z", "reason_code": null}',
    ]
)

SHIPMENTS_CSV = """\
shipment_id,order_id,warehouse_id,carrier,service_level,tracking_number,shipped_at
S1,O1,WH1,UPS,ground,T1,2024-01-08T10:00:00Z
S2,O2,WH1,UPS,ground,T2,2024-01-08T09:00:00Z
S3A,O3,WH1,UPS,ground,T3A,2024-01-08T09:00:00Z
S3B,O3,WH2,FEDEX,ground,T3B,2024-01-09T09:00:00Z
S4,O4,WH2,FEDEX,ground,T4,2024-01-08T09:00:00Z
S5,O5,WH1,UPS,ground,T5,2024-01-10T09:00:00Z
S8,O8,WH1,UPS,ground,T8,2024-01-18T09:00:00Z
S9,O9,WH2,UPS,ground,T9,2024-01-09T09:00:00Z
S10,O10,WH2,FEDEX,ground,T10,2024-01-10T04:00:00-05:00
S11,O11,WH1,UPS,ground,T11,2024-01-15T09:00:00Z
"""

SHIPMENT_LINES_CSV = """\
shipment_id,line_number,order_id,sku,quantity_shipped
S1,1,O1,SKU-A,2
S2,1,O2,SKU-A,2
S2,2,O2,SKU-B,1
S3A,1,O3,SKU-A,1
S3B,1,O3,SKU-B,1
S4,1,O4,SKU-A,1
S5,1,O5,SKU-A,1
S8,1,O8,SKU-A,1
S9,1,O9,SKU-A,1
S10,1,O10,SKU-A,1
"""

# A v1.1 writer's file: each shipment line names the order line it fills. O11 ordered SKU-A on
# two lines (2 and 1 units); only line 1 shipped, so line 2 is unfilled. Matched by SKU alone,
# both lines would count the 2 units and O11 would look shipped complete.
SHIPMENT_LINES_V11_CSV = """\
shipment_id,line_number,order_id,sku,quantity_shipped,order_line_number
S11,1,O11,SKU-A,2,1
"""

WAREHOUSE_EVENTS_CSV = """\
event_id,order_id,warehouse_id,event_type,event_at,sku,quantity
W1,O10,WH2,mis_pick,2024-01-09T08:00:00Z,SKU-A,1
W2,O10,WH2,picked,2024-01-09T09:00:00Z,,
"""

TRACKING_EVENTS_JSONL = "".join(
    line + "\n"
    for line in [
        '{"tracking_number": "T1", "event_at": "2024-01-09T15:00:00Z", "status_code": "delivered", "exception_code": null, "carrier": "UPS", "location": null}',
        '{"tracking_number": "T2", "event_at": "2024-01-09T19:00:00Z", "status_code": "delivered", "exception_code": null, "carrier": "UPS", "location": null}',
        '{"tracking_number": "T3A", "event_at": "2024-01-09T12:00:00Z", "status_code": "delivered", "exception_code": null, "carrier": "UPS", "location": null}',
        '{"tracking_number": "T3B", "event_at": "2024-01-11T10:00:00Z", "status_code": "delivered", "exception_code": null, "carrier": "FEDEX", "location": "Memphis"}',
        '{"tracking_number": "T4", "event_at": "2024-01-09T10:00:00Z", "status_code": "exception", "exception_code": "lost", "carrier": "FEDEX", "location": "Memphis"}',
        '{"tracking_number": "T5", "event_at": "2024-01-10T18:00:00Z", "status_code": "exception", "exception_code": "damaged", "carrier": "UPS", "location": null}',
        '{"tracking_number": "T5", "event_at": "2024-01-11T10:00:00Z", "status_code": "delivered", "exception_code": null, "carrier": "UPS", "location": null}',
        '{"tracking_number": "T11", "event_at": "2024-01-16T10:00:00Z", "status_code": "delivered", "exception_code": null, "carrier": "UPS", "location": null}',
        '{"tracking_number": "T8", "event_at": "2024-01-19T10:00:00Z", "status_code": "delivered", "exception_code": null, "carrier": "UPS", "location": null}',
        '{"tracking_number": "T9", "event_at": "2024-01-11T12:00:00Z", "status_code": "delivered", "exception_code": null, "carrier": "UPS", "location": null}',
        # 20:00 at -05:00 is 01:00 UTC the next day: O10 arrives after its due date.
        '{"tracking_number": "T10", "event_at": "2024-01-12T20:00:00-05:00", "status_code": "delivered", "exception_code": null, "carrier": "FEDEX", "location": "Memphis"}',
        # A second `delivered` scan later: delivered_at is the earliest.
        '{"tracking_number": "T1", "event_at": "2024-01-10T09:00:00Z", "status_code": "delivered", "exception_code": null, "carrier": "UPS", "location": null}',
    ]
)

# A resend of two events already sent (same key): must not be counted twice.
TRACKING_RESEND_CSV = """\
tracking_number,event_at,status_code,exception_code,carrier,location
T4,2024-01-09T05:00:00-05:00,exception,lost,FEDEX,Memphis
T1,2024-01-09T15:00:00Z,delivered,,UPS,
"""


def write_hand_landing(landing: Path) -> Path:
    """Write the landing, files in a fixed landing order (modification times one second apart)."""
    files = [
        ("oms/orders/orders-1.csv", ORDERS_CSV),
        ("oms/orders/orders-2.jsonl", STALE_ORDER_JSONL),
        ("oms/order_lines/lines-1.csv", ORDER_LINES_CSV),
        ("oms/order_events/events-1.jsonl", ORDER_EVENTS_JSONL),
        ("wms/shipments/shipments-1.csv", SHIPMENTS_CSV),
        ("wms/shipment_lines/shipment-lines-1.csv", SHIPMENT_LINES_CSV),
        ("wms/shipment_lines/shipment-lines-2.csv", SHIPMENT_LINES_V11_CSV),
        ("wms/warehouse_events/warehouse-events-1.csv", WAREHOUSE_EVENTS_CSV),
        ("carrier/tracking_events/tracking-1.jsonl", TRACKING_EVENTS_JSONL),
        ("carrier/tracking_events/tracking-2.csv", TRACKING_RESEND_CSV),
    ]
    for index, (relative, text) in enumerate(files):
        path = landing / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        os.utime(path, ns=(1_700_000_000_000_000_000 + index * 1_000_000_000,) * 2)
    # Order lines also arrive as Parquet, to cover the third format: a copy of the CSV.
    parquet = landing / "oms/order_lines/lines-1.parquet"
    duckdb.execute(
        f"copy (select * from read_csv('{landing / 'oms/order_lines/lines-1.csv'}', all_varchar = true))"
        f" to '{parquet}' (format parquet)"
    )
    os.utime(parquet, ns=(1_700_000_000_000_000_000 + 99 * 1_000_000_000,) * 2)
    return landing
