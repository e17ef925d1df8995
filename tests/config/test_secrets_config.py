"""Secrets in orderpulse.config: from the environment or a file outside the repository, masked by redact()."""

from __future__ import annotations

import pytest

from orderpulse import config


@pytest.fixture(autouse=True)
def _no_configured_secrets(monkeypatch):
    for name in (*config.SECRET_NAMES, "ORDERPULSE_SECRETS_FILE"):
        monkeypatch.delenv(name, raising=False)


def test_a_secret_comes_from_the_environment_before_the_secrets_file(tmp_path, monkeypatch):
    secrets_file = tmp_path / "orderpulse.secrets"
    secrets_file.write_text(
        "# comment\nORDERPULSE_SMTP_PASSWORD = from-the-file-1\nORDERPULSE_ALERT_WEBHOOK_URL=https://hook/x-2\n"
    )
    monkeypatch.setenv("ORDERPULSE_SECRETS_FILE", str(secrets_file))
    monkeypatch.setenv("ORDERPULSE_ALERT_WEBHOOK_URL", "https://hook/from-the-environment-3")

    assert config.secret("ORDERPULSE_SMTP_PASSWORD") == "from-the-file-1"
    assert config.secret("ORDERPULSE_ALERT_WEBHOOK_URL") == "https://hook/from-the-environment-3"
    assert config.secret("ORDERPULSE_PSEUDONYM_KEY") is None


def test_a_secrets_file_inside_the_repository_is_refused(monkeypatch):
    monkeypatch.setenv("ORDERPULSE_SECRETS_FILE", str(config.REPO_ROOT / "secrets.env"))
    with pytest.raises(config.ConfigError, match="inside the repository"):
        config.secret("ORDERPULSE_SMTP_PASSWORD")


def test_a_malformed_secrets_file_line_is_named_without_its_content(tmp_path, monkeypatch):
    secrets_file = tmp_path / "orderpulse.secrets"
    secrets_file.write_text("ORDERPULSE_PSEUDONYM_KEY=ok-value\npasted-password-by-mistake\n")
    monkeypatch.setenv("ORDERPULSE_SECRETS_FILE", str(secrets_file))
    with pytest.raises(config.ConfigError, match="line 2") as raised:
        config.secret("ORDERPULSE_PSEUDONYM_KEY")
    assert "pasted-password-by-mistake" not in str(raised.value)


def test_redact_masks_configured_secrets_and_passwords_in_urls(monkeypatch):
    monkeypatch.setenv("ORDERPULSE_SMTP_PASSWORD", "smtp-pass-8812")
    monkeypatch.setenv("ORDERPULSE_CORE_DB", "postgresql://op:db-pass-1234@db.internal/core")
    text = (
        "login failed with smtp-pass-8812; cannot reach postgresql://op:db-pass-1234@db.internal/core; "
        "also mysql://root:other-pass@host/db"
    )

    redacted = config.redact(text)

    assert (
        "smtp-pass-8812" not in redacted and "db-pass-1234" not in redacted and "other-pass" not in redacted
    )
    assert "mysql://root:***@host/db" in redacted
    assert "login failed with ***" in redacted


def test_settings_do_not_show_the_database_url_in_their_repr(monkeypatch):
    monkeypatch.setenv("ORDERPULSE_CORE_DB", "postgresql://op:db-pass-1234@db.internal/core")
    settings = config.load_settings()

    assert settings.core_db_url == "postgresql://op:db-pass-1234@db.internal/core"
    assert "db-pass-1234" not in repr(settings)


def test_an_unknown_personal_data_mode_is_refused(monkeypatch):
    monkeypatch.setenv("ORDERPULSE_PERSONAL_DATA", "publish-everything")
    with pytest.raises(config.ConfigError, match="ORDERPULSE_PERSONAL_DATA"):
        config.load_settings()
