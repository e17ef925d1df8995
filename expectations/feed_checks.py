"""Data checks that see across rows, entities and time: broken feeds whose every row is valid.

The Great Expectations suites (suites.py) judge each loaded row on its own. These checks judge the
current data as a whole, in SQL inside the work database after `dbt build` (the staging tables
hold the current version of every key; the raw tables keep each row's landing time):

- plausibility across entities: a parcel delivered before it shipped, an order promised before it
  was placed, ... as the share of affected rows per day, with the slice and example keys;
- referential integrity with a grace period: rows still orphaned once they have been loaded for
  longer than the grace (the contract allows late arrival);
- volume and mix against history: a day's rows per entity, and each warehouse's, carrier's and
  channel's share of them, against the same weekday of the trailing weeks (median and MAD).

Severity and thresholds come from one TOML file (data_checks.toml beside this module, or the file
ORDERPULSE_DATA_CHECKS names). Why SQL and not GX: every check here joins entities or compares a
day with its history, which GX's pandas engine cannot express, and a 1M-order load would have to
be pulled into pandas first; DuckDB answers each in one pass over the tables already there.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
import warnings
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

DEFAULT_CONFIG_PATH = Path(__file__).with_name("data_checks.toml")

PLAUSIBILITY, REFERENTIAL_INTEGRITY, VOLUME = "plausibility", "referential_integrity", "volume"
FAMILIES = (PLAUSIBILITY, REFERENTIAL_INTEGRITY, VOLUME)
WARN, BLOCK = "warn", "block"
SEVERITIES = (WARN, BLOCK)
EXAMPLES = 5
ALL = "all"

# The settings each family reads (a check may override any of its family's), with the defaults
# used when a configuration file leaves one out.
FAMILY_DEFAULTS: dict[str, dict[str, float]] = {
    PLAUSIBILITY: {"tolerance_hours": 1.0, "min_affected_rows": 3, "max_share": 0.01},
    REFERENTIAL_INTEGRITY: {"grace_hours": 48.0, "min_affected_rows": 1, "max_share": 0.001},
    VOLUME: {
        "min_weeks": 4,
        "max_weeks": 8,
        "z_threshold": 5.0,
        "min_drop": 0.5,
        "min_rows": 20,
        "total_edge_days": 7,
    },
}


# --- the checks: each is one SQL query -----------------------------------------------------------
# Plausibility and referential-integrity queries return one row per judged row:
#   day (date the KPIs see it under), slice_value, row_key, affected (boolean).
# `{tolerance}` is filled from the configuration. Referential integrity judges the rows whose grace
# ran out since the last publish: landed in (`{window_start}`, `{grace_cutoff}`], i.e. after the last
# publish less the grace and at least the grace ago. So each row is judged once it may no longer be
# waiting for its parent, on every run until a run publishes (a blocking orphan keeps the warehouse
# unpublished until dealt with, as the load checks do), and a daily run reads a day of rows, not the
# whole history.


@dataclass(frozen=True)
class RowCheck:
    name: str
    family: str
    entity: str  # the contract entity whose rows are judged, <source>__<entity>
    slice_dimension: str
    sql: str
    description: str


_DELIVERIES = """
    select shipments.order_id, tracking.tracking_number, tracking.carrier, tracking.event_at
    from staging.stg_carrier__tracking_events as tracking
    join staging.stg_wms__shipments as shipments on shipments.tracking_number = tracking.tracking_number
    where tracking.status_code = 'delivered'
"""

ROW_CHECKS = (
    RowCheck(
        "delivered_before_shipped",
        PLAUSIBILITY,
        "carrier__tracking_events",
        "carrier",
        """
        select coalesce(orders.promised_delivery_date, cast(shipments.shipped_at as date)) as day,
            tracking.carrier as slice_value, tracking.tracking_number as row_key,
            tracking.event_at < shipments.shipped_at - {tolerance} as affected
        from staging.stg_carrier__tracking_events as tracking
        join staging.stg_wms__shipments as shipments on shipments.tracking_number = tracking.tracking_number
        left join staging.stg_oms__orders as orders on orders.order_id = shipments.order_id
        where tracking.status_code = 'delivered'
        """,
        "Delivery scans earlier than their shipment's shipped_at.",
    ),
    RowCheck(
        "shipped_before_ordered",
        PLAUSIBILITY,
        "wms__shipments",
        "warehouse",
        """
        select orders.promised_delivery_date as day, shipments.warehouse_id as slice_value,
            shipments.shipment_id as row_key,
            shipments.shipped_at < orders.ordered_at - {tolerance} as affected
        from staging.stg_wms__shipments as shipments
        join staging.stg_oms__orders as orders on orders.order_id = shipments.order_id
        """,
        "Shipments that left before their order was placed.",
    ),
    RowCheck(
        "promised_delivery_before_order",
        PLAUSIBILITY,
        "oms__orders",
        "channel",
        """
        select promised_delivery_date as day, channel as slice_value, order_id as row_key,
            promised_delivery_date < cast(ordered_at as date) as affected
        from staging.stg_oms__orders
        where promised_delivery_date is not null
        """,
        "Orders whose promised delivery date is before the order date.",
    ),
    RowCheck(
        "promised_ship_after_promised_delivery",
        PLAUSIBILITY,
        "oms__orders",
        "channel",
        """
        select promised_delivery_date as day, channel as slice_value, order_id as row_key,
            cast(promised_ship_at as date) > promised_delivery_date as affected
        from staging.stg_oms__orders
        where promised_delivery_date is not null and promised_ship_at is not null
        """,
        "Orders promised to ship after the date they are promised to be delivered.",
    ),
    RowCheck(
        "return_received_before_delivery",
        PLAUSIBILITY,
        "returns__return_lines",
        "channel",
        f"""
        with first_delivery as (
            select order_id, min(event_at) as delivered_at from ({_DELIVERIES}) group by order_id
        )
        select orders.promised_delivery_date as day, orders.channel as slice_value,
            returns.rma_id || '/' || returns.line_number as row_key,
            returns.received_at < first_delivery.delivered_at - {{tolerance}} as affected
        from staging.stg_returns__return_lines as returns
        join first_delivery on first_delivery.order_id = returns.order_id
        left join staging.stg_oms__orders as orders on orders.order_id = returns.order_id
        where returns.received_at is not null
        """,
        "Return lines received before the order's first delivery.",
    ),
    RowCheck(
        "invoice_before_order",
        PLAUSIBILITY,
        "oms__invoices",
        "channel",
        """
        select orders.promised_delivery_date as day, orders.channel as slice_value,
            invoices.invoice_id as row_key,
            invoices.invoiced_at < orders.ordered_at - {tolerance} as affected
        from staging.stg_oms__invoices as invoices
        join staging.stg_oms__orders as orders on orders.order_id = invoices.order_id
        """,
        "Invoices issued before their order was placed.",
    ),
    # Referential integrity reads the raw tables: they keep each row's landing time (_loaded_at).
    # A parent counts as present if any version of it was loaded.
    RowCheck(
        "shipment_lines_without_shipment",
        REFERENTIAL_INTEGRITY,
        "wms__shipment_lines",
        "file",
        """
        select coalesce(orders.promised_delivery_date, cast(lines._loaded_at as date)) as day,
            lines._source_file as slice_value, lines.shipment_id || '/' || lines.line_number as row_key,
            not exists (
                select 1 from raw.wms__shipments as shipments where shipments.shipment_id = lines.shipment_id
            ) as affected
        from raw.wms__shipment_lines as lines
        left join staging.stg_oms__orders as orders on orders.order_id = lines.order_id
        where lines._loaded_at > {window_start} and lines._loaded_at <= {grace_cutoff}
        """,
        "Shipment lines whose shipment has not arrived within the grace period.",
    ),
    RowCheck(
        "shipments_without_order",
        REFERENTIAL_INTEGRITY,
        "wms__shipments",
        "warehouse",
        """
        select cast(shipments.shipped_at as date) as day, shipments.warehouse_id as slice_value,
            shipments.shipment_id as row_key,
            not exists (select 1 from raw.oms__orders as orders where orders.order_id = shipments.order_id)
                as affected
        from raw.wms__shipments as shipments
        where shipments._loaded_at > {window_start} and shipments._loaded_at <= {grace_cutoff}
        """,
        "Shipments whose order has not arrived within the grace period.",
    ),
    RowCheck(
        "order_events_without_order",
        REFERENTIAL_INTEGRITY,
        "oms__order_events",
        "event_type",
        """
        select cast(events.event_at as date) as day, events.event_type as slice_value,
            events.event_id as row_key,
            not exists (select 1 from raw.oms__orders as orders where orders.order_id = events.order_id)
                as affected
        from raw.oms__order_events as events
        where events._loaded_at > {window_start} and events._loaded_at <= {grace_cutoff}
        """,
        "Order events whose order has not arrived within the grace period.",
    ),
    RowCheck(
        "warehouse_events_without_order",
        REFERENTIAL_INTEGRITY,
        "wms__warehouse_events",
        "warehouse",
        """
        select cast(events.event_at as date) as day, events.warehouse_id as slice_value,
            events.event_id as row_key,
            not exists (select 1 from raw.oms__orders as orders where orders.order_id = events.order_id)
                as affected
        from raw.wms__warehouse_events as events
        where events._loaded_at > {window_start} and events._loaded_at <= {grace_cutoff}
        """,
        "Warehouse events whose order has not arrived within the grace period.",
    ),
    RowCheck(
        "scans_without_shipment",
        REFERENTIAL_INTEGRITY,
        "carrier__tracking_events",
        "carrier",
        """
        select cast(scans.event_at as date) as day, scans.carrier as slice_value,
            scans.tracking_number as row_key,
            not exists (
                select 1 from raw.wms__shipments as shipments
                where shipments.tracking_number = scans.tracking_number
            ) as affected
        from raw.carrier__tracking_events as scans
        where scans._loaded_at > {window_start} and scans._loaded_at <= {grace_cutoff}
        """,
        "Carrier scans whose shipment has not arrived within the grace period.",
    ),
)


# Volume: rows per day of each entity, by the date the entity's rows describe.
ENTITY_DAYS = {
    "oms/orders": ("staging.stg_oms__orders", "ordered_at"),
    "oms/order_lines": ("staging.stg_oms__order_lines", "updated_at"),
    "oms/order_events": ("staging.stg_oms__order_events", "event_at"),
    "oms/invoices": ("staging.stg_oms__invoices", "invoiced_at"),
    "oms/credit_memos": ("staging.stg_oms__credit_memos", "issued_at"),
    "wms/shipments": ("staging.stg_wms__shipments", "shipped_at"),
    "wms/warehouse_events": ("staging.stg_wms__warehouse_events", "event_at"),
    "carrier/tracking_events": ("staging.stg_carrier__tracking_events", "event_at"),
    "returns/return_lines": ("staging.stg_returns__return_lines", "requested_at"),
}
# Mix: each slice's share of an entity's rows per day.
MIX_CHECKS = {
    "shipments_per_warehouse": ("warehouse", "staging.stg_wms__shipments", "shipped_at", "warehouse_id"),
    "scans_per_carrier": ("carrier", "staging.stg_carrier__tracking_events", "event_at", "carrier"),
    "orders_per_channel": ("channel", "staging.stg_oms__orders", "ordered_at", "channel"),
}
ROWS_PER_ENTITY = "rows_per_entity_per_day"
VOLUME_CHECKS = (ROWS_PER_ENTITY, *MIX_CHECKS)

CHECK_FAMILIES: dict[str, str] = {c.name: c.family for c in ROW_CHECKS} | {
    name: VOLUME for name in VOLUME_CHECKS
}


# --- configuration --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckConfig:
    name: str
    family: str
    severity: str
    settings: dict[str, float]


def load_check_config(path: Path | None = None) -> dict[str, CheckConfig]:
    """Every check's severity and thresholds; raises ValueError (one line) for a bad file."""
    path = Path(path) if path is not None else DEFAULT_CONFIG_PATH
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ValueError(f"data checks configuration {path}: cannot read it ({error.strerror})") from None
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"data checks configuration {path}: not valid TOML ({error})") from None
    unknown = set(document) - set(FAMILIES)
    if unknown:
        raise ValueError(f"data checks configuration {path}: unknown section(s) {sorted(unknown)}")
    configs = {}
    for name, family in CHECK_FAMILIES.items():
        section = document.get(family, {})
        family_settings = {k: v for k, v in section.items() if not isinstance(v, dict)}
        check_section = section.get(name, {})
        settings = (
            FAMILY_DEFAULTS[family]
            | family_settings
            | {k: v for k, v in check_section.items() if k != "severity"}
        )
        for key, value in settings.items():
            if key not in FAMILY_DEFAULTS[family]:
                raise ValueError(f"data checks configuration {path}: [{family}] has no setting {key!r}")
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(
                    f"data checks configuration {path}: {family}.{name}.{key} must be a number >= 0, "
                    f"not {value!r}"
                )
        severity = check_section.get("severity", WARN)
        if severity not in SEVERITIES:
            raise ValueError(
                f"data checks configuration {path}: {family}.{name}.severity must be 'warn' or 'block', "
                f"not {severity!r}"
            )
        configs[name] = CheckConfig(name, family, severity, settings)
    for family in FAMILIES:
        for key, value in document.get(family, {}).items():
            if isinstance(value, dict) and key not in CHECK_FAMILIES:
                raise ValueError(f"data checks configuration {path}: [{family}] has no check {key!r}")
    return configs


# --- results --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    """One check, overall (slice_dimension 'all') or for one failing slice."""

    check_name: str
    family: str
    entity: str
    severity: str
    passed: bool
    slice_dimension: str
    slice_value: str
    affected: int
    judged: int
    example_keys: tuple[str, ...]
    details: str

    @property
    def share(self) -> float | None:
        return self.affected / self.judged if self.judged else None

    @property
    def blocking(self) -> bool:
        return not self.passed and self.severity == BLOCK


@dataclass(frozen=True)
class SuspectDay:
    day: dt.date
    slice_dimension: str
    slice_value: str
    check_name: str
    severity: str
    reason: str


@dataclass(frozen=True)
class FeedCheckReport:
    results: list[CheckResult]
    suspect_days: list[SuspectDay]

    def failures(self, family: str | None = None) -> list[CheckResult]:
        return [r for r in self.results if not r.passed and (family is None or r.family == family)]


def run_feed_checks(
    conn: duckdb.DuckDBPyConnection,
    config: dict[str, CheckConfig],
    now: dt.datetime | None = None,
    as_of_date: dt.date | None = None,
) -> FeedCheckReport:
    """Run every check over the work database (after dbt build); `now` is UTC, naive."""
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    if as_of_date is None:
        as_of_date = conn.execute("select as_of_date from intermediate.int_as_of_date").fetchone()[0]
    last_published = _last_published_at(conn)
    results: list[CheckResult] = []
    suspects: list[SuspectDay] = []
    for check in ROW_CHECKS:
        found, marked = _row_check(conn, check, config[check.name], now, last_published)
        results += found
        suspects += marked
    if as_of_date is not None:
        found, marked = _volume_checks(conn, config, as_of_date)
        results += found
        suspects += marked
    return FeedCheckReport(results, suspects)


def _last_published_at(conn: duckdb.DuckDBPyConnection) -> dt.datetime | None:
    """When the work database was last published (None before the first publish)."""
    has_log = conn.execute(
        "select count(*) from duckdb_tables() where database_name = current_database() "
        "and schema_name = 'ops' and table_name = 'publish_log'"
    ).fetchone()[0]
    if not has_log:
        return None
    return conn.execute("select max(published_at) from ops.publish_log").fetchone()[0]


def summarize(results: list[CheckResult]) -> str:
    """One line per failed slice, for a check's message and the run summary."""
    return "\n".join(
        f"{r.check_name} [{r.severity}] {r.slice_dimension}={r.slice_value}: {r.details}"
        for r in results
        if not r.passed and r.slice_dimension != ALL
    )


# --- plausibility and referential integrity -------------------------------------------------------


def _row_check(
    conn: duckdb.DuckDBPyConnection,
    check: RowCheck,
    config: CheckConfig,
    now: dt.datetime,
    last_published: dt.datetime | None,
) -> tuple[list[CheckResult], list[SuspectDay]]:
    settings = config.settings
    tolerance = f"interval {int(settings.get('tolerance_hours', 0) * 3600)} second"
    cutoff = now - dt.timedelta(hours=settings.get("grace_hours", 0))
    window_start = (
        f"timestamp '{(last_published - dt.timedelta(hours=settings['grace_hours'])).isoformat(sep=' ')}'"
        if last_published is not None and "grace_hours" in settings
        else "timestamp '-infinity'"
    )
    sql = check.sql.format(
        tolerance=tolerance,
        grace_cutoff=f"timestamp '{cutoff.isoformat(sep=' ')}'",
        window_start=window_start,
    )
    # One row per day and slice: judged and affected rows, and the first affected keys.
    by_day = conn.execute(
        f"""
        select day, coalesce(cast(slice_value as varchar), '(none)') as slice_value,
            count(*) as judged,
            count(*) filter (where affected) as affected,
            list(row_key order by row_key) filter (where affected)[1:{EXAMPLES}] as examples
        from ({sql})
        group by all
        """
    ).df()
    max_share, min_affected = settings["max_share"], settings["min_affected_rows"]
    judged, affected = int(by_day["judged"].sum()), int(by_day["affected"].sum())
    days = by_day.groupby("day", dropna=False)[["judged", "affected"]].sum()
    failing_days = days[(days["affected"] >= min_affected) & (days["affected"] > max_share * days["judged"])]
    in_failing = by_day[by_day["day"].isin(failing_days.index)]
    per_slice = in_failing.groupby("slice_value").agg(
        judged=("judged", "sum"), affected=("affected", "sum"), examples=("examples", _first_keys)
    )
    failing_slices = per_slice[
        (per_slice["affected"] >= min_affected) & (per_slice["affected"] > max_share * per_slice["judged"])
    ]
    results = []
    suspects = []
    for slice_value, row in failing_slices.sort_values("affected", ascending=False).iterrows():
        slice_days = in_failing[(in_failing["slice_value"] == slice_value) & (in_failing["affected"] > 0)]
        day_list = sorted(d for d in slice_days["day"] if not pd.isna(d))
        share = row["affected"] / row["judged"]
        span = f"{_day(day_list[0])}..{_day(day_list[-1])}" if day_list else "no date"
        details = (
            f"{int(row['affected'])} of {int(row['judged'])} rows ({share:.1%}) on {len(day_list)} day(s) "
            f"{span}: {check.description[0].lower()}{check.description[1:-1]}"
        )
        results.append(
            CheckResult(
                check.name,
                check.family,
                check.entity,
                config.severity,
                False,
                check.slice_dimension,
                str(slice_value),
                int(row["affected"]),
                int(row["judged"]),
                tuple(row["examples"]),
                details + f" (examples: {', '.join(row['examples'])})",
            )
        )
        reason = f"{check.name}: {share:.0%} of {check.slice_dimension} {slice_value}'s rows"
        suspects += [
            SuspectDay(_day(d), check.slice_dimension, str(slice_value), check.name, config.severity, reason)
            for d in day_list
        ]
    overall_examples = _first_keys(by_day.loc[by_day["affected"] > 0, "examples"])
    passed = not results
    share_text = f"{affected / judged:.2%}" if judged else "no rows judged"
    overall = CheckResult(
        check.name,
        check.family,
        check.entity,
        config.severity,
        passed,
        ALL,
        ALL,
        affected,
        judged,
        tuple(overall_examples),
        (f"{affected} of {judged} rows ({share_text}); " if judged else f"{share_text}; ")
        + (
            f"{len(failing_days)} day(s) over {max_share:.1%}"
            if not passed
            else f"no day over {max_share:.1%} with at least {min_affected:g} rows"
        ),
    )
    return [overall, *results], suspects


def _first_keys(lists) -> list[str]:
    keys: list[str] = []
    for keys_of_group in lists:
        if keys_of_group is None or (not isinstance(keys_of_group, list | np.ndarray)):
            continue
        keys += [str(k) for k in keys_of_group]
    return sorted(set(keys))[:EXAMPLES]


def _day(value) -> dt.date:
    return pd.Timestamp(value).date()


# --- volume and mix -------------------------------------------------------------------------------


def _volume_checks(
    conn: duckdb.DuckDBPyConnection, config: dict[str, CheckConfig], as_of_date: dt.date
) -> tuple[list[CheckResult], list[SuspectDay]]:
    results: list[CheckResult] = []
    suspects: list[SuspectDay] = []
    counts = conn.execute(
        " union all ".join(
            f"select '{name}' as slice_value, cast({column} as date) as day, count(*) as n "
            f"from {table} where {column} is not null group by all"
            for name, (table, column) in ENTITY_DAYS.items()
        )
    ).df()
    settings = config[ROWS_PER_ENTITY].settings
    last_day = as_of_date - dt.timedelta(days=int(settings["total_edge_days"]))
    found, marked = _judge_series(
        ROWS_PER_ENTITY, "source", counts, None, config[ROWS_PER_ENTITY], last_day, "rows"
    )
    results += found
    suspects += marked
    for name, (dimension, table, column, slice_column) in MIX_CHECKS.items():
        by_slice = conn.execute(
            f"select coalesce(cast({slice_column} as varchar), '(none)') as slice_value, "
            f"cast({column} as date) as day, count(*) as n from {table} where {column} is not null group by all"
        ).df()
        last_day = as_of_date - dt.timedelta(days=1)
        found, marked = _judge_series(name, dimension, by_slice, True, config[name], last_day, "share")
        results += found
        suspects += marked
    return results, suspects


def _judge_series(
    name: str,
    dimension: str,
    counts: pd.DataFrame,
    as_share: bool | None,
    config: CheckConfig,
    last_day: dt.date,
    unit: str,
) -> tuple[list[CheckResult], list[SuspectDay]]:
    """Flag the days of each slice that fall far below the same weekday of the trailing weeks."""
    s = config.settings
    min_weeks, max_weeks = int(s["min_weeks"]), int(s["max_weeks"])
    flagged: list[dict] = []
    judged_total = 0
    if not counts.empty:
        counts = counts.assign(day=pd.to_datetime(counts["day"]))
        table = counts.pivot_table(index="day", columns="slice_value", values="n", aggfunc="sum")
        if as_share:
            # Every day between the first and the last with rows; a slice absent on a day had none.
            days = pd.date_range(table.index.min(), table.index.max(), freq="D")
            table = table.reindex(days).fillna(0)
            totals = table.sum(axis=1)
            values = table.div(totals.where(totals > 0), axis=0)
        else:
            values = table
            totals = None
        for slice_value in values.columns:
            series = values[slice_value]
            if not as_share:
                # An entity's own days, first to last; a day without rows inside that span counts 0.
                present = series.dropna()
                span = pd.date_range(present.index.min(), present.index.max(), freq="D")
                series = series.reindex(span).fillna(0)
            history = np.column_stack([series.shift(7 * k).to_numpy() for k in range(1, max_weeks + 1)])
            enough = np.sum(~np.isnan(history), axis=1) >= min_weeks
            # Days without enough history give all-NaN rows; they are not judged.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                median = np.nanmedian(history, axis=1)
                mad = np.nanmedian(np.abs(history - median[:, None]), axis=1) * 1.4826
            observed = series.to_numpy()
            day_rows = totals.reindex(series.index).to_numpy() if as_share else observed
            if as_share:
                noise = np.sqrt(
                    np.clip(median * (1 - median), 0, None) / np.where(day_rows > 0, day_rows, np.nan)
                )
                expected_rows = median * day_rows
            else:
                noise = np.sqrt(np.clip(median, 0, None))
                expected_rows = median
            sigma = np.fmax(mad, noise)
            in_window = (series.index.date <= last_day) & enough & (expected_rows >= s["min_rows"])
            drop = median - observed
            hits = in_window & (drop >= s["min_drop"] * median) & (drop >= s["z_threshold"] * sigma)
            judged_total += int(np.sum(in_window))
            for index in np.flatnonzero(hits):
                flagged.append(
                    {
                        "slice_value": str(slice_value),
                        "day": series.index[index].date(),
                        "observed": observed[index],
                        "median": median[index],
                        "rows": day_rows[index],
                    }
                )
    results: list[CheckResult] = []
    suspects: list[SuspectDay] = []
    by_slice: dict[str, list[dict]] = {}
    for hit in flagged:
        by_slice.setdefault(hit["slice_value"], []).append(hit)
    for slice_value, hits in sorted(by_slice.items(), key=lambda item: -len(item[1])):
        examples = tuple(_describe(hit, as_share) for hit in hits[:EXAMPLES])
        days = [hit["day"] for hit in hits]
        details = (
            f"{len(hits)} day(s) far below the same weekday of the trailing weeks, "
            f"{days[0]}..{days[-1]} (day: observed vs baseline median: {'; '.join(examples)})"
        )
        results.append(
            CheckResult(
                name,
                VOLUME,
                _volume_entity(name, slice_value),
                config.severity,
                False,
                dimension,
                slice_value,
                len(hits),
                judged_total,
                examples,
                details,
            )
        )
        suspects += [
            SuspectDay(
                hit["day"],
                dimension,
                slice_value,
                name,
                config.severity,
                f"{name}: {dimension} {slice_value} {_describe(hit, as_share).split(': ', 1)[1]}",
            )
            for hit in hits
        ]
    overall = CheckResult(
        name,
        VOLUME,
        _volume_entity(name, ALL),
        config.severity,
        not results,
        ALL,
        ALL,
        len(flagged),
        judged_total,
        tuple(f"{r.slice_dimension}={r.slice_value}" for r in results[:EXAMPLES]),
        f"{len(flagged)} of {judged_total} {unit} per day and {dimension} judged fell far below their baseline"
        if judged_total
        else f"too little history to judge (fewer than {min_weeks} same weekdays)",
    )
    return [overall, *results], suspects


def _describe(hit: dict, as_share: bool | None) -> str:
    if as_share:
        rows = hit["rows"]
        return (
            f"{hit['day']}: {hit['observed']:.1%} of {rows:.0f} rows vs {hit['median']:.1%} usual"
            if not math.isnan(rows)
            else f"{hit['day']}: no rows"
        )
    return f"{hit['day']}: {hit['observed']:.0f} rows vs {hit['median']:.0f} usual"


def _volume_entity(name: str, slice_value: str) -> str:
    if name == ROWS_PER_ENTITY:
        return slice_value.replace("/", "__") if slice_value != ALL else ALL
    return MIX_CHECKS[name][1].removeprefix("staging.stg_")
