"""The one place that reads the environment.

Every path and URL the project uses has an embedded default, so `make demo` works on
a fresh machine; each can be overridden with an ORDERPULSE_* environment variable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    warehouse_path: Path
    core_db_url: str
    dashboard_port: int
    # Share of a file's rows that may be quarantined before the load is stopped.
    quarantine_threshold: float
    # Hours within which each source is expected to land a file; older means stale (a warning).
    freshness_hours: dict[str, float]


def load_settings() -> Settings:
    data_dir = Path(os.environ.get("ORDERPULSE_DATA_DIR", REPO_ROOT / "data"))
    return Settings(
        landing_dir=Path(os.environ.get("ORDERPULSE_LANDING", data_dir / "landing")),
        warehouse_path=Path(os.environ.get("ORDERPULSE_WAREHOUSE", data_dir / "warehouse.duckdb")),
        core_db_url=os.environ.get("ORDERPULSE_CORE_DB", f"sqlite:///{data_dir / 'order_core.sqlite'}"),
        dashboard_port=int(os.environ.get("ORDERPULSE_PORT", "8501")),
        quarantine_threshold=float(os.environ.get("ORDERPULSE_QUARANTINE_THRESHOLD", "0.01")),
        freshness_hours=DEFAULT_FRESHNESS_HOURS
        | _parse_hours(os.environ.get("ORDERPULSE_FRESHNESS_HOURS", "")),
    )


DEFAULT_FRESHNESS_HOURS = {"oms": 26.0, "wms": 26.0, "carrier": 26.0, "returns": 74.0}


def _parse_hours(text: str) -> dict[str, float]:
    """`oms=26,carrier=6` -> {"oms": 26.0, "carrier": 6.0}."""
    hours = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        source, _, value = item.partition("=")
        try:
            hours[source.strip()] = float(value)
        except ValueError:
            raise ValueError(
                f"ORDERPULSE_FRESHNESS_HOURS: {item!r} is not <source>=<hours>, e.g. oms=26,carrier=6"
            ) from None
    return hours


# ---------- alerts and the executive report

DEFAULT_ALERT_RULES = REPO_ROOT / "alerts" / "default_rules.yml"


@dataclass(frozen=True)
class AlertSettings:
    """Where the alert rules are and where breaches go. Secrets never come from the tracked rules file:
    each is read from an environment variable or from a file (outside the repo) named by <VAR>_FILE."""

    rules_path: Path
    webhook_url: str | None = field(default=None, repr=False)
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_security: str = "starttls"  # starttls | ssl | none
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    email_from: str | None = None
    email_to: tuple[str, ...] = ()

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values that must never be written to a log, a check's metadata or the warehouse."""
        return tuple(secret for secret in (self.webhook_url, self.smtp_password) if secret)


def load_alert_settings() -> AlertSettings:
    security = os.environ.get("ORDERPULSE_SMTP_SECURITY", "starttls").strip().lower()
    if security not in ("starttls", "ssl", "none"):
        raise ValueError(f"ORDERPULSE_SMTP_SECURITY: {security!r} is not one of starttls, ssl, none")
    port = os.environ.get("ORDERPULSE_SMTP_PORT", "465" if security == "ssl" else "587")
    if not port.isdigit():
        raise ValueError(f"ORDERPULSE_SMTP_PORT: {port!r} is not a port number")
    return AlertSettings(
        rules_path=Path(os.environ.get("ORDERPULSE_ALERT_RULES", DEFAULT_ALERT_RULES)),
        webhook_url=_secret("ORDERPULSE_ALERT_WEBHOOK_URL"),
        smtp_host=os.environ.get("ORDERPULSE_SMTP_HOST") or None,
        smtp_port=int(port),
        smtp_security=security,
        smtp_user=os.environ.get("ORDERPULSE_SMTP_USER") or None,
        smtp_password=_secret("ORDERPULSE_SMTP_PASSWORD"),
        email_from=os.environ.get("ORDERPULSE_ALERT_EMAIL_FROM") or None,
        email_to=tuple(
            address.strip()
            for address in os.environ.get("ORDERPULSE_ALERT_EMAIL_TO", "").split(",")
            if address.strip()
        ),
    )


def _secret(name: str) -> str | None:
    """NAME's value, or the content of the file NAME_FILE names (e.g. a mounted secret)."""
    value = os.environ.get(name)
    if value:
        return value.strip()
    path = os.environ.get(f"{name}_FILE")
    if not path:
        return None
    try:
        return Path(path).read_text(encoding="utf-8").strip() or None
    except OSError as error:
        raise ValueError(f"{name}_FILE: cannot read {path}: {error.strerror}") from None


def reports_dir() -> Path:
    """Where the Dagster schedule writes the executive reports."""
    data_dir = Path(os.environ.get("ORDERPULSE_DATA_DIR", REPO_ROOT / "data"))
    return Path(os.environ.get("ORDERPULSE_REPORTS_DIR", data_dir / "reports"))
