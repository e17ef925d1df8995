"""Round trip: a simulated operation, exported, loads through the pipeline with nothing quarantined."""

from __future__ import annotations

import duckdb

from orderpulse.cli import main


def test_exported_files_load_through_the_pipeline_with_zero_quarantined_rows(tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'core.sqlite'}"
    landing, warehouse = tmp_path / "landing", tmp_path / "warehouse.duckdb"
    assert (
        main(["simulate", "--db", db, "--days", "20", "--orders-per-day", "40", "--seed", "7", "--quiet"])
        == 0
    )
    capsys.readouterr()
    assert main(["core", "export", "--db", db, "--landing", str(landing)]) == 0
    exported = capsys.readouterr().out  # "export 1: <rows> rows in 10 files under ..."
    rows_exported = int(exported.split(": ", 1)[1].split()[0])

    assert main(["run", "--landing", str(landing), "--warehouse", str(warehouse)]) == 0
    summary = capsys.readouterr().out
    assert f"rows loaded: {rows_exported}; rows quarantined: 0" in summary
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        assert connection.execute("SELECT count(*) FROM quarantined_rows").fetchone() == (0,)
        measured = connection.execute(
            "SELECT sum(orders_measured), sum(orders_perfect) FROM kpi_daily"
        ).fetchone()
    assert measured[0] > 0 and 0 < measured[1] < measured[0], "most orders perfect, not all"
