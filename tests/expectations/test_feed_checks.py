"""The data checks across rows, entities and time (expectations/feed_checks.py, issue 14).

One clean generated landing goes through `orderpulse run` once (module fixture). Each check is then
shown to fail, with the right slice, on a copy of that run's work database with one fault injected
into otherwise clean data, and to stay silent on the clean copy. The four faults of the issue also
go through the whole pipeline from the landing files, once with every check a warning (published,
named in the run summary, in data_quality_results and suspect_days) and once with the default
severities (the run stops before publishing).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import pytest

from benchmarks.generate_landing import write_landing
from expectations.feed_checks import (
    ALL,
    BLOCK,
    DEFAULT_CONFIG_PATH,
    WARN,
    load_check_config,
    run_feed_checks,
    summarize,
)

# Whole pipeline runs: about a minute each on a quiet machine, many more on a shared, busy one.
pytestmark = pytest.mark.timeout(1800)

ORDERPULSE = str(Path(sys.executable).with_name("orderpulse"))
START = dt.date(2024, 1, 1)
DAYS = 70
ORDERS = 14_000  # 200 a day: every channel, warehouse and carrier has enough rows a day to be judged


# KPI alerts (a breach of a KPI threshold, not of a data check) are printed as warnings too; these
# runs judge the data checks alone, so they go without alert rules (tests/alerts covers alerts).
NO_ALERT_RULES = Path(tempfile.mkdtemp(prefix="no-alert-rules-")) / "rules.yml"
NO_ALERT_RULES.write_text("rules: []\n")


def orderpulse(*args: str, config: Path | None = None) -> subprocess.CompletedProcess:
    env = os.environ | {"ORDERPULSE_ALERT_RULES": str(NO_ALERT_RULES)}
    env |= {"ORDERPULSE_DATA_CHECKS": str(config)} if config else {}
    return subprocess.run(
        [ORDERPULSE, *args], capture_output=True, text=True, check=False, timeout=900, env=env
    )


def write_config(path: Path, grace_hours: float = 0.0, severity: str | None = None) -> Path:
    """The default configuration with another grace and, if given, one severity for every check."""
    text = DEFAULT_CONFIG_PATH.read_text().replace("grace_hours = 48.0", f"grace_hours = {grace_hours}")
    if severity is not None:
        text = text.replace('severity = "block"', f'severity = "{severity}"').replace(
            'severity = "warn"', f'severity = "{severity}"'
        )
    path.write_text(text)
    return path


def config_without_grace():
    """Judge every orphan at once: the strictest setting, used on clean data to prove no alarm."""
    return {
        name: dataclasses.replace(c, settings=c.settings | {"grace_hours": 0.0})
        if "grace_hours" in c.settings
        else c
        for name, c in load_check_config().items()
    }


def failed_slices(report, check_name: str) -> dict[str, object]:
    return {
        r.slice_value: r
        for r in report.results
        if r.check_name == check_name and not r.passed and r.slice_dimension != ALL
    }


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory: pytest.TempPathFactory):
    tmp_path = tmp_path_factory.mktemp("feed-clean")
    landing = tmp_path / "landing"
    write_landing(landing, orders=ORDERS, days=DAYS, start=START, file_format="csv")
    warehouse = tmp_path / "out" / "warehouse.duckdb"
    config = write_config(tmp_path / "checks.toml", grace_hours=0.0)
    result = orderpulse("run", "--landing", str(landing), "--warehouse", str(warehouse), config=config)
    assert result.returncode == 0, result.stderr[-3000:]
    return landing, warehouse, result, warehouse.parent / ".warehouse.duckdb.orderpulse" / "work.duckdb"


@pytest.fixture
def work_copy(clean_run, tmp_path: Path):
    """A writable copy of the clean run's work database, to inject one fault into."""
    copy = tmp_path / "work.duckdb"
    shutil.copy(clean_run[3], copy)
    conn = duckdb.connect(str(copy))
    conn.execute("set TimeZone = 'UTC'")
    yield conn
    conn.close()


def check(conn, *faults: str, config=None):
    for sql in faults:
        conn.execute(sql)
    return run_feed_checks(conn, config or config_without_grace())


# --- clean data: no alarm at all ----------------------------------------------------------------


def test_clean_generated_data_raises_no_alarm(clean_run):
    _, warehouse, result, _ = clean_run
    assert result.stdout.count("\n") == 2 and "Warning" not in result.stdout, result.stdout
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        rows = conn.execute(
            "select check_name, passed, element_count from data_quality_results "
            "where suite in ('plausibility', 'referential_integrity', 'volume')"
        ).fetchall()
        assert conn.execute("select count(*) from suspect_days").fetchone() == (0,)
    assert len(rows) == 15 and all(passed for _, passed, _ in rows), rows
    # Every check judged something: silence is not for want of data (grace 0 judges every orphan).
    assert all(judged > 0 for _, _, judged in rows), rows


# --- plausibility: one fault each, caught with its slice -----------------------------------------


def test_carrier_clock_off_by_days_is_delivered_before_shipped_for_that_carrier(work_copy):
    report = check(
        work_copy,
        "update staging.stg_carrier__tracking_events set event_at = event_at - interval 6 day where carrier = 'UPS'",
    )
    slices = failed_slices(report, "delivered_before_shipped")
    assert set(slices) == {"UPS"}
    delivered_ups = work_copy.execute(
        "select count(*) from staging.stg_carrier__tracking_events where carrier = 'UPS' and status_code = 'delivered'"
    ).fetchone()[0]
    assert slices["UPS"].affected == delivered_ups  # transit is under 5 days: every UPS delivery
    assert slices["UPS"].severity == WARN and slices["UPS"].example_keys
    assert {s.slice_value for s in report.suspect_days if s.check_name == "delivered_before_shipped"} == {
        "UPS"
    }


def test_shipments_before_their_order_name_the_warehouse(work_copy):
    report = check(
        work_copy,
        "update staging.stg_wms__shipments set shipped_at = shipped_at - interval 3 day "
        "where warehouse_id = 'WH-WEST' and hash(shipment_id) % 5 = 0",
    )
    assert set(failed_slices(report, "shipped_before_ordered")) == {"WH-WEST"}


def test_promised_delivery_before_the_order_date_on_a_share_of_orders(work_copy):
    fault = "channel = 'edi' and hash(order_id) % 5 = 0"
    report = check(
        work_copy,
        f"update staging.stg_oms__orders set promised_delivery_date = cast(ordered_at as date) - 2 where {fault}",
    )
    slices = failed_slices(report, "promised_delivery_before_order")
    assert set(slices) == {"edi"}
    faulted = {
        r[0]
        for r in work_copy.execute(f"select order_id from staging.stg_oms__orders where {fault}").fetchall()
    }
    overall = next(
        r
        for r in report.results
        if r.check_name == "promised_delivery_before_order" and r.slice_dimension == ALL
    )
    assert overall.affected == len(faulted)  # every faulted order counted, no other
    # The slice counts those on the failing days (at least 3 a day): nearly all of them.
    assert 0.8 * len(faulted) < slices["edi"].affected <= len(faulted)
    assert set(slices["edi"].example_keys) <= faulted
    assert 0.1 < slices["edi"].share < 0.3


def test_promised_ship_after_promised_delivery(work_copy):
    report = check(
        work_copy,
        "update staging.stg_oms__orders set promised_ship_at = promised_delivery_date + interval 2 day "
        "where channel = 'phone' and hash(order_id) % 4 = 0",
    )
    assert set(failed_slices(report, "promised_ship_after_promised_delivery")) == {"phone"}


def test_returns_received_before_their_delivery(work_copy):
    report = check(
        work_copy, "update staging.stg_returns__return_lines set received_at = received_at - interval 15 day"
    )
    slices = failed_slices(report, "return_received_before_delivery")
    assert slices and all(r.severity == WARN for r in slices.values())


def test_invoices_before_their_order(work_copy):
    report = check(
        work_copy,
        "update staging.stg_oms__invoices set invoiced_at = invoiced_at - interval 2 day "
        "where order_id in (select order_id from staging.stg_oms__orders where channel = 'marketplace')",
    )
    assert set(failed_slices(report, "invoice_before_order")) == {"marketplace"}


# --- referential integrity: orphans after the grace period -------------------------------------
# The clean run published: its rows' grace ran out before that publish and they were judged then.
# The injected orphans land now, so they are judged once their grace has run out.


GHOST_LINES = """
    insert into raw.wms__shipment_lines by name
    select * replace (
        'GHOST-' || shipment_id as shipment_id,
        'wms/shipment_lines/late.csv' as _source_file,
        cast(now() as timestamp) as _loaded_at
    )
    from raw.wms__shipment_lines where hash(shipment_id) % 10 = 0
"""


def test_shipment_lines_naming_shipments_that_never_arrive_name_their_file(work_copy):
    report = check(work_copy, GHOST_LINES)
    slices = failed_slices(report, "shipment_lines_without_shipment")
    assert set(slices) == {"wms/shipment_lines/late.csv"}
    ghosts = work_copy.execute(
        "select count(*) from raw.wms__shipment_lines where shipment_id like 'GHOST-%'"
    ).fetchone()[0]
    assert slices["wms/shipment_lines/late.csv"].affected == ghosts
    assert all(key.startswith("GHOST-") for key in slices["wms/shipment_lines/late.csv"].example_keys)


def test_orphans_within_the_grace_period_are_not_judged(work_copy):
    # Loaded moments ago: the shipments may still arrive, as the contract allows.
    report = check(work_copy, GHOST_LINES, config=load_check_config())
    overall = next(r for r in report.results if r.check_name == "shipment_lines_without_shipment")
    assert overall.passed and overall.judged == 0
    # Once their grace has run out, they are judged.
    later = run_feed_checks(work_copy, load_check_config(), now=dt.datetime.now() + dt.timedelta(hours=49))
    assert failed_slices(later, "shipment_lines_without_shipment")


@pytest.mark.parametrize(
    ("check_name", "table", "column", "slice_column", "slice_value"),
    [
        ("shipments_without_order", "raw.wms__shipments", "order_id", "warehouse_id", "WH-EAST"),
        ("order_events_without_order", "raw.oms__order_events", "order_id", "event_type", "invoiced"),
        (
            "warehouse_events_without_order",
            "raw.wms__warehouse_events",
            "order_id",
            "warehouse_id",
            "WH-CENTRAL",
        ),
        ("scans_without_shipment", "raw.carrier__tracking_events", "tracking_number", "carrier", "DHL"),
    ],
)
def test_rows_without_their_parent_name_the_slice(
    work_copy, check_name, table, column, slice_column, slice_value
):
    report = check(
        work_copy,
        f"insert into {table} by name select * replace ('NOPE-' || {column} as {column}, "
        f"cast(now() as timestamp) as _loaded_at) from {table} "
        f"where {slice_column} = '{slice_value}' and hash({column}) % 20 = 0",
    )
    assert set(failed_slices(report, check_name)) == {slice_value}


# --- volume and mix against history ------------------------------------------------------------

JUDGED_DAY = START + dt.timedelta(days=45)


def test_a_warehouse_whose_shipments_stop_for_a_week_is_flagged_for_that_week(work_copy):
    week = [JUDGED_DAY + dt.timedelta(days=n) for n in range(7)]
    report = check(
        work_copy,
        f"delete from staging.stg_wms__shipments where warehouse_id = 'WH-EAST' "
        f"and cast(shipped_at as date) between date '{week[0]}' and date '{week[-1]}'",
    )
    slices = failed_slices(report, "shipments_per_warehouse")
    assert set(slices) == {"WH-EAST"}
    suspect = {s.day for s in report.suspect_days if s.check_name == "shipments_per_warehouse"}
    assert suspect == set(week)
    assert {s.slice_value for s in report.suspect_days if s.check_name == "shipments_per_warehouse"} == {
        "WH-EAST"
    }


def test_a_day_with_most_rows_of_an_entity_missing_is_flagged(work_copy):
    report = check(
        work_copy,
        f"delete from staging.stg_oms__order_events where cast(event_at as date) = date '{JUDGED_DAY}' "
        "and hash(event_id) % 10 < 7",
    )
    slices = failed_slices(report, "rows_per_entity_per_day")
    assert set(slices) == {"oms/order_events"}
    assert {s.day for s in report.suspect_days} == {JUDGED_DAY}


def test_a_carrier_missing_from_the_scans_is_flagged(work_copy):
    report = check(
        work_copy,
        f"delete from staging.stg_carrier__tracking_events where carrier = 'FEDEX' "
        f"and cast(event_at as date) in (date '{JUDGED_DAY}', date '{JUDGED_DAY + dt.timedelta(days=1)}')",
    )
    assert set(failed_slices(report, "scans_per_carrier")) == {"FEDEX"}


def test_a_channel_missing_from_the_orders_is_flagged(work_copy):
    report = check(
        work_copy,
        f"delete from staging.stg_oms__orders where channel = 'web' and cast(ordered_at as date) = date '{JUDGED_DAY}'",
    )
    assert set(failed_slices(report, "orders_per_channel")) == {"web"}


def test_no_alarm_while_history_is_too_short(work_copy):
    # The same warehouse outage in the third week: fewer than four same weekdays before it.
    early = START + dt.timedelta(days=15)
    report = check(
        work_copy,
        f"delete from staging.stg_wms__shipments where warehouse_id = 'WH-EAST' "
        f"and cast(shipped_at as date) between date '{early}' and date '{early + dt.timedelta(days=6)}'",
    )
    assert not failed_slices(report, "shipments_per_warehouse")


# --- configuration -------------------------------------------------------------------------------


def test_configuration_overrides_merge_with_the_defaults(tmp_path: Path):
    path = tmp_path / "checks.toml"
    path.write_text(
        '[plausibility]\nmax_share = 0.2\n[plausibility.invoice_before_order]\nseverity = "block"\n'
    )
    config = load_check_config(path)
    assert config["invoice_before_order"].severity == BLOCK
    assert config["invoice_before_order"].settings["max_share"] == 0.2
    assert config["delivered_before_shipped"].severity == WARN  # unset: a warning
    assert config["scans_without_shipment"].settings["grace_hours"] == 48.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[plausibility\n", "not valid TOML"),
        ("[volume]\nz = 3\n", "has no setting 'z'"),
        ('[volume.rows_per_entity_per_day]\nseverity = "stop"\n', "must be 'warn' or 'block'"),
        ("[plausibility]\nmax_share = -1\n", "must be a number >= 0"),
        ("[plausibility.delivered_late]\n", "has no check 'delivered_late'"),
        ("[volumes]\n", "unknown section"),
    ],
)
def test_a_bad_configuration_is_a_one_line_error(tmp_path: Path, text: str, message: str):
    path = tmp_path / "checks.toml"
    path.write_text(text)
    with pytest.raises(ValueError, match=message) as error:
        load_check_config(path)
    assert "\n" not in str(error.value)


def test_orderpulse_run_refuses_a_bad_configuration(tmp_path: Path):
    (tmp_path / "landing").mkdir()
    bad = tmp_path / "checks.toml"
    bad.write_text("[volume]\nz = 3\n")
    result = orderpulse(
        "run", "--landing", str(tmp_path / "landing"), "--warehouse", str(tmp_path / "w.duckdb"), config=bad
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"orderpulse: error: data checks configuration {bad}: [volume] has no setting 'z'"
    ]


# --- the four faults of the issue, through the whole pipeline -----------------------------------


def _rewrite(landing: Path, entity: str, sql: str) -> None:
    """Replace the CSV of one entity with the result of `sql` over it (the table `t`)."""
    [path] = list((landing / entity).glob("*.csv"))
    with duckdb.connect() as conn:
        conn.execute("set TimeZone = 'UTC'")
        conn.execute(f"create table t as select * from read_csv('{path}', all_varchar = true)")
        conn.execute(f"create table faulty as {sql}")
        conn.execute(f"copy faulty to '{path}.tmp' (format csv, header)")
    Path(f"{path}.tmp").replace(path)


OUTAGE = (START + dt.timedelta(days=40), START + dt.timedelta(days=46))


@pytest.fixture(scope="module")
def faulty_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    landing = tmp_path_factory.mktemp("feed-faults") / "landing"
    write_landing(landing, orders=ORDERS, days=DAYS, start=START, file_format="csv")
    # 1. The carrier feed's clock is off by days for one carrier.
    _rewrite(
        landing,
        "carrier/tracking_events",
        "select * replace (case when carrier = 'UPS' then strftime(cast(event_at as timestamp) - interval 4 day, "
        "'%Y-%m-%dT%H:%M:%SZ') else event_at end as event_at) from t",
    )
    # 2. One warehouse's shipments stop arriving for a week (their lines and the carrier's scans still come).
    outage = (
        f"cast(cast(shipped_at as timestamptz) as date) between date '{OUTAGE[0]}' and date '{OUTAGE[1]}' "
        "and warehouse_id = 'WH-EAST'"
    )
    _rewrite(landing, "wms/shipments", f"select * from t where not ({outage})")
    # 3. A share of orders carries a promised delivery date before the order date.
    _rewrite(
        landing,
        "oms/orders",
        "select * replace (case when hash(order_id) % 10 = 0 then strftime(cast(ordered_at as timestamp) "
        "- interval 2 day, '%Y-%m-%d') else promised_delivery_date end as promised_delivery_date) from t",
    )
    # 4. Shipment lines naming shipments that never arrive.
    _rewrite(
        landing,
        "wms/shipment_lines",
        "select * from t union all select * replace ('S-NEVER-' || shipment_id as shipment_id) from t "
        "where hash(shipment_id) % 20 = 0",
    )
    return landing


def test_the_four_faults_are_reported_published_and_marked_suspect(faulty_landing: Path, tmp_path: Path):
    warehouse = tmp_path / "warehouse.duckdb"
    config = write_config(tmp_path / "checks.toml", grace_hours=0.0, severity="warn")
    result = orderpulse("run", "--landing", str(faulty_landing), "--warehouse", str(warehouse), config=config)
    assert result.returncode == 0, result.stderr[-3000:]
    summary = result.stdout
    assert "check plausibility on data_checks: " in summary
    assert "delivered_before_shipped [warn] carrier=UPS" in summary
    assert "shipments_per_warehouse [warn] warehouse=WH-EAST" in summary
    assert "promised_delivery_before_order [warn] channel=" in summary
    assert "shipment_lines_without_shipment [warn] file=wms/shipment_lines/" in summary
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        failed = {
            (check_name, dimension, value)
            for check_name, dimension, value in conn.execute(
                "select check_name, slice_dimension, slice_value from data_quality_results "
                "where not passed and slice_dimension <> 'all'"
            ).fetchall()
        }
        outage_days = {
            row[0]
            for row in conn.execute(
                "select day from suspect_days where check_name = 'shipments_per_warehouse' and slice_value = 'WH-EAST'"
            ).fetchall()
        }
        share = conn.execute(
            "select affected_share, example_keys from data_quality_results "
            "where check_name = 'shipment_lines_without_shipment' and slice_dimension = 'file'"
        ).fetchone()
    assert ("delivered_before_shipped", "carrier", "UPS") in failed
    assert ("shipments_per_warehouse", "warehouse", "WH-EAST") in failed
    assert {v for c, _, v in failed if c == "promised_delivery_before_order"} == {
        "web",
        "marketplace",
        "edi",
        "phone",
        "sales_rep",
    }
    assert {c for c, _, _ in failed} >= {"shipment_lines_without_shipment"}
    # Every day of the outage week (the generator ships every day).
    assert outage_days == {OUTAGE[0] + dt.timedelta(days=n) for n in range(7)}
    # The lines naming shipments that never come (5% added) and those of the week's missing shipments.
    assert 0.045 < share[0] < 0.12 and share[1].startswith("S-NEVER-")


def test_a_blocking_check_stops_the_publish(faulty_landing: Path, tmp_path: Path):
    warehouse = tmp_path / "warehouse.duckdb"
    result = orderpulse(
        "run",
        "--landing",
        str(faulty_landing),
        "--warehouse",
        str(warehouse),
        config=write_config(tmp_path / "checks.toml", grace_hours=0.0, severity="block"),
    )
    assert result.returncode == 1
    assert "run failed; the previously published warehouse is unchanged" in result.stderr
    assert (
        "failed check plausibility on data_checks: delivered_before_shipped [block] carrier=UPS"
        in result.stderr
    )
    assert not warehouse.exists()


def test_summary_names_only_failing_slices():
    from expectations.feed_checks import CheckResult

    ok = CheckResult("x", "volume", "e", WARN, True, ALL, ALL, 0, 10, (), "fine")
    bad = CheckResult("x", "volume", "e", WARN, False, "warehouse", "W1", 2, 10, ("d1",), "2 days")
    overall = dataclasses.replace(bad, slice_dimension=ALL, slice_value=ALL)
    assert summarize([ok, overall, bad]) == "x [warn] warehouse=W1: 2 days"
