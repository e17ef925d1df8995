"""The engine setting: ORDERPULSE_ENGINE or `orderpulse run --engine`, checked before anything runs."""

from __future__ import annotations

import pytest

from orderpulse.cli import main
from orderpulse.config import load_settings


def test_the_engine_defaults_to_duckdb_and_is_read_from_the_environment(monkeypatch):
    monkeypatch.delenv("ORDERPULSE_ENGINE", raising=False)
    assert load_settings().engine == "duckdb"
    monkeypatch.setenv("ORDERPULSE_ENGINE", " Spark ")
    assert load_settings().engine == "spark"


@pytest.mark.parametrize(
    ("argument", "environment", "message"),
    [
        (["--engine", "flink"], None, "--engine: 'flink' is not an engine; choose one of duckdb, spark"),
        ([], "hive", "ORDERPULSE_ENGINE: 'hive' is not an engine; choose one of duckdb, spark"),
    ],
)
def test_an_unknown_engine_is_a_one_line_user_error(
    monkeypatch, capsys, tmp_path, argument, environment, message
):
    if environment:
        monkeypatch.setenv("ORDERPULSE_ENGINE", environment)
    else:
        monkeypatch.delenv("ORDERPULSE_ENGINE", raising=False)
    code = main(["run", "--landing", str(tmp_path), "--warehouse", str(tmp_path / "w.duckdb"), *argument])
    assert code == 2
    assert capsys.readouterr().err == f"orderpulse: error: {message}\n"
    assert not (tmp_path / "w.duckdb").exists()


def test_spark_without_a_java_runtime_is_a_one_line_user_error(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "no-java-here"))
    code = main(
        ["run", "--landing", str(tmp_path), "--warehouse", str(tmp_path / "w.duckdb"), "--engine", "spark"]
    )
    assert code == 2
    assert capsys.readouterr().err == (
        "orderpulse: error: --engine spark needs a Java runtime (17 or later): install one or set JAVA_HOME\n"
    )
