"""Alerts end to end: the real pipeline job publishes, the non-blocking checks evaluate the rules,
breaches land in the published `alerts` table, go out once by webhook and e-mail to local servers,
and a malformed rules file never stops a publish."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from alert_servers import MailCollector, WebhookReceiver

from benchmarks.generate_landing import write_landing
from orchestration.definitions import build_definitions
from orchestration.jobs import PIPELINE_JOB_NAME
from orchestration.resources import WarehouseResource

WEBHOOK_TOKEN = "T0KEN-s3cret-9f8e7d"
SMTP_PASSWORD = "pa55-s3cret-4c3b2a"
RULES = """\
rules:
  - name: perfect_by_carrier
    kpi: perfect_order_rate
    grain: week
    dimension: carrier
    below: 1.0
    min_orders: 1
  - name: exceptions_weekly
    kpi: exceptions_per_1000_orders
    grain: week
    above: 0
  - name: cannot_breach
    kpi: otif_rate
    grain: week
    below: 0
"""
EXTRA_RULE = """\
  - name: otif_by_warehouse
    kpi: otif_rate
    grain: week
    dimension: warehouse
    below: 1.0
"""


class Pipeline:
    """The pipeline job over one landing and warehouse, run again and again as the schedule would."""

    def __init__(self, tmp: Path):
        self.landing = tmp / "landing"
        self.rules = tmp / "rules.yml"
        self.resource = WarehouseResource(
            landing_dir=str(self.landing), warehouse_path=str(tmp / "out" / "warehouse.duckdb")
        )
        self.job = build_definitions(self.resource).resolve_job_def(PIPELINE_JOB_NAME)
        self.instance = dg.DagsterInstance.ephemeral()

    @property
    def published(self) -> Path:
        return self.resource.paths.published

    def run(self, publish_only: bool = False) -> dg.ExecuteInProcessResult:
        # A rerun of the publish step (and its checks) over the work database the full run built:
        # what a scheduled run with no new files does, without paying for dbt again.
        selection = [dg.AssetKey("published_warehouse")] if publish_only else None
        return self.job.execute_in_process(instance=self.instance, asset_selection=selection)

    def checks(self, result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
        return {
            e.check_name: e
            for e in result.get_asset_check_evaluations()
            if e.asset_key == dg.AssetKey("published_warehouse")
        }

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.published), read_only=True) as conn:
            return conn.execute(sql).fetchall()


@pytest.fixture(scope="module")
def servers():
    receiver, mail = WebhookReceiver(), MailCollector(user="alerts@ops", password=SMTP_PASSWORD)
    http_server, http_port = receiver.start()
    smtp_controller, smtp_port = mail.start()
    yield receiver, http_port, mail, smtp_port
    http_server.shutdown()
    smtp_controller.stop()


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory, servers):
    _, http_port, _, smtp_port = servers
    tmp = tmp_path_factory.mktemp("alerts")
    # The password lives in a file outside the repository, as a mounted secret would.
    password_file = tmp / "smtp_password"
    password_file.write_text(SMTP_PASSWORD + "\n")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ORDERPULSE_ALERT_RULES", str(tmp / "rules.yml"))
        env.setenv("ORDERPULSE_ALERT_WEBHOOK_URL", f"http://127.0.0.1:{http_port}/hooks/{WEBHOOK_TOKEN}")
        env.setenv("ORDERPULSE_SMTP_HOST", "127.0.0.1")
        env.setenv("ORDERPULSE_SMTP_PORT", str(smtp_port))
        env.setenv("ORDERPULSE_SMTP_SECURITY", "none")
        env.setenv("ORDERPULSE_SMTP_USER", "alerts@ops")
        env.setenv("ORDERPULSE_SMTP_PASSWORD_FILE", str(password_file))
        env.setenv("ORDERPULSE_ALERT_EMAIL_FROM", "orderpulse@example.test")
        env.setenv("ORDERPULSE_ALERT_EMAIL_TO", "lead@example.test, ops@example.test")
        pipeline = Pipeline(tmp)
        write_landing(pipeline.landing, orders=600, days=21, file_format="csv")
        pipeline.rules.write_text(RULES)
        pipeline.first_result = pipeline.run()
        yield pipeline


def expected_breaches(pipeline: Pipeline) -> set[str]:
    """The breaches of RULES, computed here from the published marts with SQL of the test's own."""
    as_of = pipeline.query("select as_of_date from run_info")[0][0]
    week = pipeline.query(
        f"select max(period_start) from kpi_weekly where dimension = 'all' and period_end < date '{as_of}'"
    )[0][0]
    carriers = pipeline.query(
        f"select dimension_value from kpi_weekly where period_start = date '{week}' "
        "and dimension = 'carrier' and orders_perfect < orders_measured"
    )
    keys = {f"perfect_by_carrier|{week}|carrier={carrier}" for (carrier,) in carriers}
    exceptions = pipeline.query(
        f"select sum(exceptions) from exceptions_daily where exception_date between date '{week}' "
        f"and date '{week + dt.timedelta(days=6)}'"
    )[0][0]
    if exceptions:
        keys.add(f"exceptions_weekly|{week}|all=all")
    return keys


def test_breaches_land_in_the_published_alerts_table_and_warn_without_blocking(pipeline):
    result = pipeline.first_result
    assert result.success
    checks = pipeline.checks(result)
    assert set(checks) == {"alert_rules_valid", "kpi_thresholds_met", "alerts_delivered"}
    assert checks["alert_rules_valid"].passed
    expected = expected_breaches(pipeline)
    assert len(expected) >= 2  # the generated quarter has imperfect carriers and exceptions
    published = pipeline.query("select alert_key from alerts where active")
    assert {key for (key,) in published} == expected
    thresholds = checks["kpi_thresholds_met"]
    assert not thresholds.passed and thresholds.severity == dg.AssetCheckSeverity.WARN
    assert thresholds.metadata["breaches"].value == len(expected)
    row = pipeline.query(
        "select kpi, grain, dimension, threshold, comparison, first_fired_at, description from alerts "
        "where rule = 'perfect_by_carrier' limit 1"
    )[0]
    assert row[:5] == ("perfect_order_rate", "week", "carrier", 1.0, "below")
    assert row[5] is not None and "below the threshold 100.00%" in row[6]
    # The value stored is the mart's own figure for that week and carrier.
    stored = pipeline.query(
        "select alerts.kpi_value, kpi_weekly.perfect_order_rate, alerts.orders, kpi_weekly.orders_measured "
        "from alerts join kpi_weekly on kpi_weekly.period_start = alerts.period_start "
        "and kpi_weekly.dimension = alerts.dimension and kpi_weekly.dimension_value = alerts.dimension_value "
        "where alerts.rule = 'perfect_by_carrier'"
    )
    assert stored and all(a == b and c == d for a, b, c, d in stored)
    comments = pipeline.query(
        "select count(*) from duckdb_columns() where table_name = 'alerts' and comment is not null"
    )
    assert comments[0][0] == len(pipeline.query("describe alerts"))


def test_each_breach_goes_out_once_by_webhook_and_by_email(pipeline, servers):
    receiver, _, mail, _ = servers
    expected = expected_breaches(pipeline)
    assert len(receiver.posts) == 1
    path, body = receiver.posts[0]
    assert path == f"/hooks/{WEBHOOK_TOKEN}"
    assert {alert["alert_key"] for alert in body["alerts"]} == expected
    assert body["source"] == "orderpulse" and body["text"].startswith(
        f"Order Pulse: {len(expected)} KPI alerts"
    )
    assert len(mail.messages) == 1 and mail.logins == ["alerts@ops"]
    assert f"Subject: Order Pulse: {len(expected)} KPI alerts" in mail.messages[0]
    assert "To: lead@example.test, ops@example.test" in mail.messages[0]
    delivered = pipeline.checks(pipeline.first_result)["alerts_delivered"]
    assert delivered.passed, delivered.metadata["details"].value

    # The next run finds the same breaches: nothing is sent again, the first-fired time stays.
    fired = pipeline.query("select alert_key, first_fired_at from alerts order by alert_key")
    again = pipeline.run(publish_only=True)
    assert again.success
    assert len(receiver.posts) == 1 and len(mail.messages) == 1
    assert pipeline.query("select alert_key, first_fired_at from alerts order by alert_key") == fired
    assert "webhook: 0 sent" in pipeline.checks(again)["alerts_delivered"].metadata["details"].value


def test_a_failed_webhook_is_retried_at_the_next_run_and_never_shows_the_secret(pipeline, servers):
    receiver, _, mail, _ = servers
    posts_before, mails_before = len(receiver.posts), len(mail.messages)
    pipeline.rules.write_text(RULES + EXTRA_RULE)
    receiver.status = 500
    failed = pipeline.run(publish_only=True)
    new_keys = {
        key for (key,) in pipeline.query("select alert_key from alerts where rule = 'otif_by_warehouse'")
    }
    assert failed.success and new_keys
    delivered = pipeline.checks(failed)["alerts_delivered"]
    assert not delivered.passed
    details = delivered.metadata["details"].value
    assert "webhook: HTTPError: HTTP Error 500" in details and WEBHOOK_TOKEN not in details
    assert len(mail.messages) == mails_before + 1  # e-mail went out; only the webhook failed
    assert mail.messages[-1].count("Weekly OTIF for warehouse") == len(new_keys)

    receiver.status = 200
    retried = pipeline.run(publish_only=True)
    assert pipeline.checks(retried)["alerts_delivered"].passed
    assert len(receiver.posts) == posts_before + 1
    assert {alert["alert_key"] for alert in receiver.posts[-1][1]["alerts"]} == new_keys
    assert len(mail.messages) == mails_before + 1

    # Secrets appear nowhere: not in the published file, the work database or the run logs.
    state = pipeline.resource.paths
    for path in (state.published, state.work_db):
        data = path.read_bytes()
        assert WEBHOOK_TOKEN.encode() not in data and SMTP_PASSWORD.encode() not in data
    for result in (pipeline.first_result, failed, retried):
        logs = json.dumps([str(entry) for entry in pipeline.instance.all_logs(result.run_id)])
        assert WEBHOOK_TOKEN not in logs and SMTP_PASSWORD not in logs


def test_a_malformed_rules_file_is_reported_by_line_and_never_blocks_publishing(pipeline):
    pipeline.rules.write_text(
        RULES.replace("grain: week\n    dimension: carrier", "grain: weekly\n    dimension: carrier")
    )
    before = pipeline.query("select run_id from run_info")[0][0]
    result = pipeline.run(publish_only=True)
    assert result.success
    assert pipeline.query("select run_id from run_info")[0][0] == result.run_id != before
    checks = pipeline.checks(result)
    rules_valid = checks["alert_rules_valid"]
    assert not rules_valid.passed and rules_valid.severity == dg.AssetCheckSeverity.WARN
    assert rules_valid.metadata["details"].value == (
        f"{pipeline.rules}, line 4: unknown grain 'weekly'; one of: day, week, month"
    )
    assert not checks["kpi_thresholds_met"].passed
    assert "not evaluated" in checks["kpi_thresholds_met"].metadata["details"].value
