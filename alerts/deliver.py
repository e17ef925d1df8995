"""Send new alerts by webhook (a JSON POST) and by e-mail (SMTP), each channel once per alert.

An alert counts as sent on a channel only when the channel accepted it; a failed send is retried at
the next evaluation while the breach is still active. Secrets (the webhook URL, the SMTP password)
are removed from every message this module returns, since those end up in logs.
"""

from __future__ import annotations

import datetime as dt
import json
import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage

import duckdb

from alerts.store import ensure_tables
from orderpulse.config import AlertSettings

WEBHOOK, EMAIL = "webhook", "email"
SEND_TIMEOUT_SECONDS = 15
PAYLOAD_COLUMNS = (
    "alert_key",
    "rule",
    "kpi",
    "kpi_label",
    "grain",
    "period_start",
    "period_end",
    "dimension",
    "dimension_value",
    "comparison",
    "threshold",
    "kpi_value",
    "orders",
    "description",
    "first_fired_at",
)


@dataclass
class DeliveryOutcome:
    sent: dict[str, int] = field(default_factory=dict)  # channel -> alerts sent now
    errors: list[str] = field(default_factory=list)  # one line per failed or misconfigured channel
    channels: list[str] = field(default_factory=list)  # channels configured


def configured_channels(settings: AlertSettings) -> list[str]:
    channels = [WEBHOOK] if settings.webhook_url else []
    if settings.smtp_host or settings.email_to:
        channels.append(EMAIL)
    return channels


def pending_alerts(conn: duckdb.DuckDBPyConnection, channel: str) -> list[dict]:
    """Active alerts this channel has not sent yet, oldest first."""
    ensure_tables(conn)
    cursor = conn.execute(
        f"""
        select {", ".join(PAYLOAD_COLUMNS)}
        from ops.alerts
        where active and alert_key not in (
            select alert_key from ops.alert_deliveries where channel = ?
        )
        order by first_fired_at, alert_key
        """,
        [channel],
    )
    return [dict(zip(PAYLOAD_COLUMNS, row, strict=True)) for row in cursor.fetchall()]


def deliver_pending(
    conn: duckdb.DuckDBPyConnection, settings: AlertSettings, warehouse: str
) -> DeliveryOutcome:
    outcome = DeliveryOutcome(channels=configured_channels(settings))
    for channel in outcome.channels:
        alerts = pending_alerts(conn, channel)
        if not alerts:
            outcome.sent[channel] = 0
            continue
        try:
            if channel == WEBHOOK:
                post_webhook(settings, warehouse, alerts)
            else:
                send_email(settings, warehouse, alerts)
        except Exception as error:  # any failure of one channel: report it, try the others
            outcome.errors.append(redact(f"{channel}: {type(error).__name__}: {error}", settings.secrets))
            continue
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        conn.executemany(
            "insert into ops.alert_deliveries values (?, ?, ?) on conflict do nothing",
            [[alert["alert_key"], channel, now] for alert in alerts],
        )
        outcome.sent[channel] = len(alerts)
    return outcome


def payload(warehouse: str, alerts: list[dict]) -> dict:
    return {
        "source": "orderpulse",
        "warehouse": warehouse,
        "text": f"Order Pulse: {_count(alerts)}\n" + "\n".join(f"- {a['description']}" for a in alerts),
        "alerts": [{key: _json_value(value) for key, value in alert.items()} for alert in alerts],
    }


def post_webhook(settings: AlertSettings, warehouse: str, alerts: list[dict]) -> None:
    body = json.dumps(payload(warehouse, alerts)).encode()
    request = urllib.request.Request(
        settings.webhook_url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "orderpulse-alerts"},
    )
    # HTTP errors raise (urllib.error.HTTPError); a 2xx is the only success.
    with urllib.request.urlopen(request, timeout=SEND_TIMEOUT_SECONDS) as response:
        response.read()


def send_email(settings: AlertSettings, warehouse: str, alerts: list[dict]) -> None:
    missing = [
        name
        for name, value in (
            ("ORDERPULSE_SMTP_HOST", settings.smtp_host),
            ("ORDERPULSE_ALERT_EMAIL_FROM", settings.email_from),
            ("ORDERPULSE_ALERT_EMAIL_TO", settings.email_to),
        )
        if not value
    ]
    if missing:
        raise ValueError(f"e-mail is half configured: set {', '.join(missing)}")
    message = EmailMessage()
    message["Subject"] = f"Order Pulse: {_count(alerts)}"
    message["From"] = settings.email_from
    message["To"] = ", ".join(settings.email_to)
    message.set_content(
        f"KPI thresholds breached in {warehouse}:\n\n"
        + "\n".join(f"- {alert['description']}" for alert in alerts)
        + "\n\nEach breach is sent once; the published `alerts` table and the dashboard list them all.\n"
    )
    if settings.smtp_security == "ssl":
        smtp = smtplib.SMTP_SSL(
            settings.smtp_host,
            settings.smtp_port,
            timeout=SEND_TIMEOUT_SECONDS,
            context=ssl.create_default_context(),
        )
    else:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SEND_TIMEOUT_SECONDS)
    with smtp:
        if settings.smtp_security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        smtp.send_message(message)


def redact(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def _count(alerts: list[dict]) -> str:
    return f"{len(alerts)} KPI alert{'s' if len(alerts) != 1 else ''}"


def _json_value(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value
