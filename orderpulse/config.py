"""The one place that reads the environment.

Every path and URL the project uses has an embedded default, so `make demo` works on
a fresh machine; each can be overridden with an ORDERPULSE_* environment variable.

Secrets (passwords in database URLs, SMTP credentials, webhook URLs, keys) come from the
environment or from ORDERPULSE_SECRETS_FILE, a `NAME=value` file outside the repository; never
from a tracked file. `redact()` masks every configured secret in a text before it is shown or logged.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DEFAULT_DATA_CHECKS_PATH = REPO_ROOT / "expectations" / "data_checks.toml"

# The engines that can run the dbt project; each is a target of dbt_project/profiles.yml
# of the same name (docs/spark.md). DuckDB is the default.
ENGINES = ("duckdb", "spark")
DEFAULT_ENGINE = "duckdb"


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    warehouse_path: Path
    # May carry a password (a secret): kept out of the settings' repr.
    core_db_url: str = field(repr=False)
    dashboard_port: int
    # Share of a file's rows that may be quarantined before the load is stopped.
    quarantine_threshold: float
    # Hours within which each source is expected to land a file; older means stale (a warning).
    freshness_hours: dict[str, float]
    # Severity and thresholds of the data checks across entities and time (expectations/feed_checks.py).
    data_checks_path: Path
    # Address the dashboard listens on: this machine only unless told otherwise.
    dashboard_host: str
    # Sign-in is on when a users file is configured (see dashboards/access.py); off for `make demo`.
    users_file: Path | None
    # A signed-in session ends this many minutes after sign-in.
    session_minutes: float
    # "pseudonymise" (default) or "keep": how the published warehouse holds personal columns.
    personal_data: str
    # Where foreign documents arrive for the importers: <inbox_dir>/<importer>/ (edi, shopify, olist).
    inbox_dir: Path
    # A TOML file of the Shopify importer's rules (promised dates, channels); None: the defaults.
    shopify_rules_file: Path | None = None
    # The engine that runs the dbt models: duckdb (in the work database) or spark (dbt-spark).
    engine: str = DEFAULT_ENGINE


def load_settings() -> Settings:
    data_dir = Path(os.environ.get("ORDERPULSE_DATA_DIR", REPO_ROOT / "data"))
    return Settings(
        engine=parse_engine(os.environ.get("ORDERPULSE_ENGINE", DEFAULT_ENGINE), "ORDERPULSE_ENGINE"),
        landing_dir=Path(os.environ.get("ORDERPULSE_LANDING", data_dir / "landing")),
        warehouse_path=Path(os.environ.get("ORDERPULSE_WAREHOUSE", data_dir / "warehouse.duckdb")),
        core_db_url=secret("ORDERPULSE_CORE_DB") or f"sqlite:///{data_dir / 'order_core.sqlite'}",
        dashboard_port=int(os.environ.get("ORDERPULSE_PORT", "8501")),
        quarantine_threshold=float(os.environ.get("ORDERPULSE_QUARANTINE_THRESHOLD", "0.01")),
        freshness_hours=DEFAULT_FRESHNESS_HOURS
        | _parse_hours(os.environ.get("ORDERPULSE_FRESHNESS_HOURS", "")),
        data_checks_path=Path(os.environ.get("ORDERPULSE_DATA_CHECKS", DEFAULT_DATA_CHECKS_PATH)),
        dashboard_host=os.environ.get("ORDERPULSE_DASHBOARD_HOST", DEFAULT_DASHBOARD_HOST),
        users_file=Path(users_file) if (users_file := os.environ.get("ORDERPULSE_USERS_FILE")) else None,
        session_minutes=float(os.environ.get("ORDERPULSE_SESSION_MINUTES", "480")),
        personal_data=_personal_data_mode(os.environ.get("ORDERPULSE_PERSONAL_DATA", "pseudonymise")),
        inbox_dir=Path(os.environ.get("ORDERPULSE_INBOX", data_dir / "inbox")),
        shopify_rules_file=Path(os.environ["ORDERPULSE_SHOPIFY_RULES"])
        if os.environ.get("ORDERPULSE_SHOPIFY_RULES")
        else None,
    )


DEFAULT_DASHBOARD_HOST = "127.0.0.1"
PERSONAL_DATA_MODES = ("pseudonymise", "keep")

# Every secret the project reads. Each comes from the environment, from the file its NAME_FILE
# variable names (a mounted secret), or from ORDERPULSE_SECRETS_FILE.
SECRET_NAMES = (
    "ORDERPULSE_CORE_DB",  # a database URL may carry a password
    "ORDERPULSE_PSEUDONYM_KEY",  # the key of the customer-id pseudonyms (docs/personal-data.md)
    "ORDERPULSE_SMTP_PASSWORD",  # the alerts' mail server login
    "ORDERPULSE_ALERT_WEBHOOK_URL",  # a webhook URL usually carries its token
)
# Secrets shorter than this are not masked in free text: masking "a" would garble every message.
_MIN_MASKED_LENGTH = 4
_URL_PASSWORD = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)(?P<password>[^@\s]+)@")


class ConfigError(ValueError):
    """A setting has a value the project cannot use (a user's mistake: exit code 2)."""


def _personal_data_mode(value: str) -> str:
    if value not in PERSONAL_DATA_MODES:
        raise ConfigError(
            f"ORDERPULSE_PERSONAL_DATA: {value!r} is not one of {', '.join(PERSONAL_DATA_MODES)}"
        )
    return value


def secret(name: str) -> str | None:
    """A secret's value: from the environment, else from the file NAME_FILE names, else from
    ORDERPULSE_SECRETS_FILE, else None."""
    if name not in SECRET_NAMES:
        raise KeyError(f"{name} is not a declared secret (orderpulse.config.SECRET_NAMES)")
    value = os.environ.get(name)
    if value:
        return value.strip()
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip() or None
        except OSError as error:
            raise ConfigError(f"{name}_FILE: cannot read {path}: {error.strerror}") from None
    return _secrets_file_values().get(name) or None


def _secrets_file_values() -> dict[str, str]:
    path_text = os.environ.get("ORDERPULSE_SECRETS_FILE")
    if not path_text:
        return {}
    path = Path(path_text).expanduser().resolve()
    if path.is_relative_to(REPO_ROOT):
        raise ConfigError(
            f"ORDERPULSE_SECRETS_FILE {path} is inside the repository; keep secrets in a file outside it"
        )
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise ConfigError(f"ORDERPULSE_SECRETS_FILE {path}: {error.strerror}") from None
    values = {}
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, separator, value = line.partition("=")
        if not separator:
            # The line itself is not quoted: it may be a secret pasted on the wrong line.
            raise ConfigError(f"ORDERPULSE_SECRETS_FILE {path} line {number}: expected NAME=value")
        values[name.strip()] = value.strip()
    return values


def redact(text: str) -> str:
    """`text` with every configured secret and any password inside a URL replaced by ***."""
    try:
        from_file = _secrets_file_values()
    except ConfigError:  # the message being redacted may be about that very file
        from_file = {}
    for name in SECRET_NAMES:
        value = os.environ.get(name) or from_file.get(name)
        if value and len(value) >= _MIN_MASKED_LENGTH:
            text = text.replace(value, "***")
    return _URL_PASSWORD.sub(r"\g<scheme>***@", text)


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
    each is read by `secret` (the environment, a file named by <VAR>_FILE, or ORDERPULSE_SECRETS_FILE)."""

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
        webhook_url=secret("ORDERPULSE_ALERT_WEBHOOK_URL"),
        smtp_host=os.environ.get("ORDERPULSE_SMTP_HOST") or None,
        smtp_port=int(port),
        smtp_security=security,
        smtp_user=os.environ.get("ORDERPULSE_SMTP_USER") or None,
        smtp_password=secret("ORDERPULSE_SMTP_PASSWORD"),
        email_from=os.environ.get("ORDERPULSE_ALERT_EMAIL_FROM") or None,
        email_to=tuple(
            address.strip()
            for address in os.environ.get("ORDERPULSE_ALERT_EMAIL_TO", "").split(",")
            if address.strip()
        ),
    )


def reports_dir() -> Path:
    """Where the Dagster schedule writes the executive reports."""
    data_dir = Path(os.environ.get("ORDERPULSE_DATA_DIR", REPO_ROOT / "data"))
    return Path(os.environ.get("ORDERPULSE_REPORTS_DIR", data_dir / "reports"))


def parse_engine(text: str, setting: str) -> str:
    """The engine named by a setting (ORDERPULSE_ENGINE or --engine), checked against ENGINES."""
    engine = text.strip().lower()
    if engine not in ENGINES:
        raise ValueError(f"{setting}: {text!r} is not an engine; choose one of {', '.join(ENGINES)}")
    return engine


def java_runtime_found() -> bool:
    """Whether pyspark can start its JVM: JAVA_HOME names a Java, or `java` is on the PATH."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        return (Path(java_home) / "bin" / "java").exists()
    return shutil.which("java") is not None
