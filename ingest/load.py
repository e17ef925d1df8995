"""Loading landed files into the raw tables of the DuckDB work database.

Each file is read by DuckDB's own readers into a table of text columns, every
contract column is typed and checked in one set-based pass, and in one transaction
the good rows go to `raw.<source>__<entity>`, the bad rows to
`ops.quarantined_rows` (with column, reason and raw values), and the file to
`ops.load_ledger`. A file whose bytes were already loaded is skipped, so landing
the same bytes again changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb

from contract import DATE, DECIMAL, DUCKDB_TYPES, ENTITIES, INTEGER, TIMESTAMP, Column, Entity
from ingest.landing import LandedFile, scan_landing, sha256_of
from ingest.raw_layer import sync_raw_layer

LINEAGE_COLUMNS = {
    "_extra": "JSON",  # columns beyond the contract, kept as a JSON object
    "_source_file": "VARCHAR",
    "_file_sha256": "VARCHAR",
    "_file_seq": "BIGINT",  # order in which files were first seen: later-landed wins ties
    "_row_number": "BIGINT",  # 1-based data row within the file (CSV header excluded)
    "_loaded_at": "TIMESTAMP",
}

LOADED, QUARANTINED, DUPLICATE = "loaded", "quarantined", "duplicate"
ALREADY_SEEN = "already_seen"  # this very file was handled by an earlier load; not recorded again


@dataclass(frozen=True)
class FileLoad:
    """What happened to one landed file in this load."""

    file_path: str
    file_sha256: str
    entity: str | None
    status: str
    reason: str | None
    rows_landed: int | None
    rows_loaded: int
    rows_quarantined: int | None


class FileRejected(Exception):
    """The whole file cannot be loaded (unreadable, or a required column is missing)."""

    def __init__(self, reason: str, rows_landed: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.rows_landed = rows_landed


def ensure_schema(conn: duckdb.DuckDBPyConnection) -> None:
    """Create the raw and ops tables if this is a new work database."""
    conn.execute("create schema if not exists raw")
    conn.execute("create schema if not exists ops")
    conn.execute(
        """
        create table if not exists ops.load_ledger (
            file_path varchar, file_sha256 varchar, source varchar, entity varchar,
            file_format varchar, file_seq bigint, status varchar, reason varchar,
            rows_landed bigint, rows_loaded bigint, rows_quarantined bigint,
            loaded_at timestamp, run_id varchar
        )
        """
    )
    conn.execute(
        """
        create table if not exists ops.quarantined_rows (
            file_path varchar, file_sha256 varchar, entity varchar, row_number bigint,
            column_name varchar, reason varchar, raw_values json,
            quarantined_at timestamp, run_id varchar
        )
        """
    )
    conn.execute(
        "create table if not exists ops.publish_log (run_id varchar, published_at timestamp, max_file_seq bigint)"
    )
    for entity in ENTITIES:
        columns = [f'"{c.name}" {DUCKDB_TYPES[c.kind]}' for c in entity.columns]
        columns += [f"{name} {sql_type}" for name, sql_type in LINEAGE_COLUMNS.items()]
        conn.execute(f"create table if not exists raw.{entity.table} ({', '.join(columns)})")
        # A work database made under an earlier contract version gains the columns added since.
        for column in entity.columns:
            conn.execute(
                f'alter table raw.{entity.table} add column if not exists "{column.name}" {DUCKDB_TYPES[column.kind]}'
            )


def load_entity(
    conn: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    entity: Entity,
    run_id: str,
    landed_files: list[LandedFile] | None = None,
    raw_dir: Path | None = None,
) -> list[FileLoad]:
    """Load every new file of one entity, in landing order.

    `landed_files` is the landing folder's scan when the caller already has it (one scan
    serves all entities of a run); by default the folder is scanned here. With `raw_dir`, the
    entity's committed raw rows are then mirrored as the Parquet raw layer the dbt models read
    (ingest/raw_layer.py).
    """
    ensure_schema(conn)
    conn.execute("set TimeZone = 'UTC'")  # a timestamp without offset is UTC
    scanned = scan_landing(landing_dir) if landed_files is None else landed_files
    loads = [_load_one(conn, landing_dir, landed, run_id) for landed in scanned if landed.entity == entity]
    if raw_dir is not None:
        sync_raw_layer(conn, raw_dir, entity)
    return loads


def unpublished_loads(conn: duckdb.DuckDBPyConnection, entity: Entity) -> list[FileLoad]:
    """Files of the entity loaded since the last publish (this run's and any earlier failed run's).

    Load checks judge these, so a file that failed a check keeps failing it on later runs
    until it is dealt with, instead of slipping into the next publish unchecked.
    """
    ensure_schema(conn)
    rows = conn.execute(
        """
        select file_path, file_sha256, rows_landed, rows_loaded, rows_quarantined
        from ops.load_ledger
        where source = ? and entity = ? and status = ?
            and file_seq > (select coalesce(max(max_file_seq), 0) from ops.publish_log)
        order by file_seq
        """,
        [entity.source, entity.name, LOADED],
    ).fetchall()
    return [
        FileLoad(path, sha256, entity.table, LOADED, None, landed, loaded, quarantined)
        for path, sha256, landed, loaded, quarantined in rows
    ]


def record_stray_files(
    conn: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    run_id: str,
    landed_files: list[LandedFile] | None = None,
) -> list[FileLoad]:
    """Set aside files that are not at a contract path, so none is ignored silently."""
    ensure_schema(conn)
    scanned = scan_landing(landing_dir) if landed_files is None else landed_files
    return [_load_one(conn, landing_dir, landed, run_id) for landed in scanned if landed.entity is None]


def ledger_file_path(landing_dir: Path, landed: LandedFile) -> str:
    """The file's path as the load ledger records it: relative to the landing folder."""
    return str(landed.path.relative_to(landing_dir))


def _load_one(
    conn: duckdb.DuckDBPyConnection, landing_dir: Path, landed: LandedFile, run_id: str
) -> FileLoad:
    file_path = ledger_file_path(landing_dir, landed)
    entity_name = landed.entity.table if landed.entity else None
    sha256 = sha256_of(landed.path)
    file_seq = conn.execute("select coalesce(max(file_seq), 0) + 1 from ops.load_ledger").fetchone()[0]

    already_noted = conn.execute(
        "select count(*) from ops.load_ledger where file_sha256 = ? and file_path = ?",
        [sha256, file_path],
    ).fetchone()[0]
    if already_noted:
        return FileLoad(file_path, sha256, entity_name, ALREADY_SEEN, None, None, 0, None)
    # Only bytes that were loaded make a duplicate: a file set aside (in a wrong folder, say) and
    # landed again where it belongs must load.
    loaded_before = conn.execute(
        "select file_path from ops.load_ledger where file_sha256 = ? and status = ? order by file_seq limit 1",
        [sha256, LOADED],
    ).fetchone()
    if loaded_before is not None:
        reason = f"same bytes as {loaded_before[0]}, already loaded"
        _write_ledger(conn, landed, file_path, sha256, file_seq, DUPLICATE, reason, None, 0, None, run_id)
        return FileLoad(file_path, sha256, entity_name, DUPLICATE, reason, None, 0, None)

    conn.execute("begin transaction")
    try:
        if landed.entity is None:
            raise FileRejected("not under <source>/<entity>/ of the extract contract")
        if landed.file_format is None:
            raise FileRejected(
                f"unsupported file extension {landed.path.suffix!r} (csv, parquet, jsonl, ndjson)"
            )
        select, params, names = _landed_rows(conn, landed)
        rows_landed, rows_quarantined = _type_check_and_insert(
            conn, landed.entity, select, params, names, file_path, sha256, file_seq, run_id
        )
        rows_loaded = rows_landed - rows_quarantined
        _write_ledger(
            conn,
            landed,
            file_path,
            sha256,
            file_seq,
            LOADED,
            None,
            rows_landed,
            rows_loaded,
            rows_quarantined,
            run_id,
        )
        conn.execute("commit")
        return FileLoad(
            file_path, sha256, entity_name, LOADED, None, rows_landed, rows_loaded, rows_quarantined
        )
    except (FileRejected, duckdb.Error) as problem:
        conn.execute("rollback")
        reason = problem.reason if isinstance(problem, FileRejected) else _short_reader_error(problem)
        rows_landed = problem.rows_landed if isinstance(problem, FileRejected) else None
        _write_ledger(
            conn,
            landed,
            file_path,
            sha256,
            file_seq,
            QUARANTINED,
            reason,
            rows_landed,
            0,
            rows_landed,
            run_id,
        )
        return FileLoad(file_path, sha256, entity_name, QUARANTINED, reason, rows_landed, 0, rows_landed)
    finally:
        conn.execute("drop table if exists _checked")
        conn.execute("drop table if exists _landed_json")


def _write_ledger(
    conn,
    landed,
    file_path,
    sha256,
    file_seq,
    status,
    reason,
    rows_landed,
    rows_loaded,
    rows_quarantined,
    run_id,
):
    conn.execute(
        "insert into ops.load_ledger values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            file_path,
            sha256,
            landed.entity.source if landed.entity else None,
            landed.entity.name if landed.entity else None,
            landed.file_format,
            file_seq,
            status,
            reason,
            rows_landed,
            rows_loaded,
            rows_quarantined,
            _utc_now(),
            run_id,
        ],
    )


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _short_reader_error(error: duckdb.Error) -> str:
    first_lines = str(error).strip().splitlines()[:2]
    return "cannot be parsed: " + " ".join(line.strip() for line in first_lines)[:400]


# ---------------------------------------------------------------- reading


def _landed_rows(conn: duckdb.DuckDBPyConnection, landed: LandedFile) -> tuple[str, list, list[str]]:
    """A SELECT over the file giving `_row_number` and every column as text, its parameters, and
    the file's column names. Rejects the file when a required column is missing.

    The SELECT is read once, straight into the typed and checked rows: no intermediate copy.
    """
    path = str(landed.path)
    if landed.file_format == "csv":
        names = _csv_header(landed.path)
        columns = "{" + ", ".join(f"{_sql_string(n)}: 'VARCHAR'" for n in names) + "}"
        # No sniffing: the contract fixes the dialect, and the sniffer can silently
        # mis-read a broken file. Strict mode rejects ragged rows instead of padding them.
        select = (
            "select row_number() over () as _row_number, *"
            f" from read_csv(?, header = true, auto_detect = false, columns = {columns},"
            " delim = ',', quote = '\"', escape = '\"', strict_mode = true, null_padding = false)"
        )
        params = [path]
    elif landed.file_format == "parquet":
        names = [row[0] for row in conn.execute("describe select * from read_parquet(?)", [path]).fetchall()]
        casts = ", ".join(f'cast("{_ident(n)}" as varchar) as "{_ident(n)}"' for n in names)
        select = f"select row_number() over () as _row_number, {casts} from read_parquet(?)"
        params = [path]
    else:
        # JSON objects may differ in their keys: the file's columns are the union of them.
        conn.execute("create temp table _landed_json as select json from read_ndjson_objects(?)", [path])
        names = [
            row[0]
            for row in conn.execute(
                "select distinct unnest(json_keys(json)) as name from _landed_json order by name"
            ).fetchall()
        ]
        fields = "".join(f', json ->> {_sql_string(n)} as "{_ident(n)}"' for n in names)
        select = f"select row_number() over () as _row_number{fields} from _landed_json"
        params = []
    missing = [c for c in landed.entity.required_column_names if c not in names]
    if missing:
        rows_landed = conn.execute(f"select count(*) from ({select})", params).fetchone()[0]
        raise FileRejected(f"missing required column(s): {', '.join(missing)}", rows_landed)
    absent_optional = [c for c in landed.entity.column_names if c not in names]
    if absent_optional:
        nulls = ", ".join(f'cast(null as varchar) as "{_ident(n)}"' for n in absent_optional)
        select = f"select *, {nulls} from ({select})"
    return select, params, names


def _csv_header(path: Path) -> list[str]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as stream:
            header = next(csv.reader(stream), [])
    except UnicodeDecodeError as error:
        raise FileRejected(f"cannot be parsed: header is not UTF-8 ({error.reason})") from None
    except csv.Error as error:
        raise FileRejected(f"cannot be parsed: bad CSV header ({error})") from None
    if not header:
        raise FileRejected("cannot be parsed: empty file, no header row")
    if len(set(header)) != len(header):
        duplicated = sorted({n for n in header if header.count(n) > 1})
        raise FileRejected(f"cannot be parsed: duplicate column names in header: {', '.join(duplicated)}")
    return header


# ---------------------------------------------------------------- typing and checking


def _typed(column: Column) -> str:
    """SQL that turns the text value into the contract type, NULL when it does not parse."""
    value = _text(column.name)
    if column.kind == TIMESTAMP:
        return f"cast(try_cast({value} as timestamptz) at time zone 'UTC' as timestamp)"
    if column.kind == DATE:
        return f"case when regexp_full_match({value}, '\\d{{4}}-\\d{{2}}-\\d{{2}}') then try_cast({value} as date) end"
    if column.kind == DECIMAL:
        return f"try_cast({value} as {DUCKDB_TYPES[DECIMAL]})"
    if column.kind == INTEGER:
        return f"try_cast(try_cast({value} as decimal(38, 6)) as bigint)"
    return value


def _text(name: str) -> str:
    """The landed text value; an empty field is null (contract: empty field = null)."""
    return f"nullif(\"{_ident(name)}\", '')"


def _typed_name(name: str) -> str:
    return f'"__typed__{_ident(name)}"'


def _problems(entity: Entity) -> list[tuple[str, str, str]]:
    """(column, condition that makes a row bad, reason) in contract column order."""
    problems = []
    for column in entity.columns:
        value, typed = _text(column.name), _typed_name(column.name)
        unparsed = f"{value} is not null and {typed} is null"
        if column.key and not column.nullable_key:
            problems.append((column.name, f"{value} is null", "'missing key value'"))
        if column.kind == TIMESTAMP:
            problems.append((column.name, unparsed, "'unparseable timestamp'"))
        elif column.kind == DATE:
            problems.append((column.name, unparsed, "'unparseable date (expected YYYY-MM-DD)'"))
        elif column.kind == DECIMAL:
            problems.append((column.name, unparsed, "'not a decimal number'"))
            exact = f"try_cast({value} as decimal(38, 10)) <> {typed}"
            problems.append((column.name, exact, "'more than 4 decimal places'"))
        elif column.kind == INTEGER:
            problems.append((column.name, unparsed, "'not an integer'"))
            whole = f"try_cast({value} as decimal(38, 6)) <> {typed}"
            problems.append((column.name, whole, "'not a whole number'"))
        if column.min_value is not None:
            below = f"{typed} < {column.min_value}"
            problems.append((column.name, below, f"'below the minimum of {column.min_value}'"))
        if column.accepted_values:
            accepted = ", ".join(_sql_string(v) for v in column.accepted_values)
            unknown = f"{value} is not null and {value} not in ({accepted})"
            problems.append((column.name, unknown, f"'unknown value ' || {_quoted_sql(value)}"))
        if column.only_when:
            other, required = column.only_when
            misplaced = f"{value} is not null and {_text(other)} is distinct from {_sql_string(required)}"
            reason = f"only allowed when {other} is {required}"
            problems.append((column.name, misplaced, _sql_string(reason)))
    for event_type, reasons in entity.reason_domains.items():
        accepted = ", ".join(_sql_string(r) for r in reasons)
        reason = _text("reason_code")
        unknown = (
            f"{_text('event_type')} = {_sql_string(event_type)} and {reason} is not null"
            f" and {reason} not in ({accepted})"
        )
        problems.append(
            ("reason_code", unknown, f"'unknown value ' || {_quoted_sql(reason)} || ' for {event_type}'")
        )
    return problems


def _type_check_and_insert(
    conn: duckdb.DuckDBPyConnection,
    entity: Entity,
    landed_select: str,
    params: list,
    landed_names: list[str],
    file_path: str,
    sha256: str,
    file_seq: int,
    run_id: str,
) -> tuple[int, int]:
    """Type and check the landed rows; the good ones go to the raw table, the bad ones to quarantine.

    Returns (rows landed, rows quarantined).
    """
    contract = set(entity.column_names)
    extras = [n for n in landed_names if n not in contract]
    extra_json = _json_object(extras) if extras else "null"
    problems = _problems(entity)
    first_bad_column = (
        "case " + " ".join(f"when {cond} then {_sql_string(col)}" for col, cond, _ in problems) + " end"
    )
    all_reasons = ", ".join(
        f"case when {cond} then {_sql_string(col)} || ': ' || {reason} end" for col, cond, reason in problems
    )
    typed_columns = ", ".join(f"{_typed(c)} as {_typed_name(c.name)}" for c in entity.columns)
    final_columns = ", ".join(f'{_typed_name(c.name)} as "{c.name}"' for c in entity.columns)
    conn.execute(
        f"""
        create or replace temp table _checked as
        with typed as (
            select *, {typed_columns} from ({landed_select})
        ),
        checked as (
            select *, {first_bad_column} as _bad_column from typed
        )
        select
            _row_number,
            {final_columns},
            {extra_json} as _extra,
            _bad_column,
            case when _bad_column is not null then concat_ws('; ', {all_reasons}) end as _reasons,
            case when _bad_column is not null then {_json_object(landed_names)} end as _raw_values
        from checked
        """,
        params,
    )
    loaded_at = _utc_now()
    column_list = ", ".join(f'"{c}"' for c in entity.column_names)
    conn.execute(
        f"""
        insert into raw.{entity.table} ({column_list}, {", ".join(LINEAGE_COLUMNS)})
        select {column_list}, _extra, ?, ?, ?, _row_number, ?
        from _checked where _bad_column is null
        """,
        [file_path, sha256, file_seq, loaded_at],
    )
    conn.execute(
        """
        insert into ops.quarantined_rows
        select ?, ?, ?, _row_number, _bad_column, _reasons, _raw_values, ?, ?
        from _checked where _bad_column is not null
        order by _row_number
        """,
        [file_path, sha256, entity.table, loaded_at, run_id],
    )
    landed, quarantined = conn.execute("select count(*), count(_bad_column) from _checked").fetchone()
    conn.execute("drop table _checked")
    return landed, quarantined


def _json_object(names: list[str]) -> str:
    return "json_object(" + ", ".join(f'{_sql_string(n)}, "{_ident(n)}"' for n in names) + ")"


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return name.replace('"', '""')


def _quoted_sql(expression: str) -> str:
    return f"'''' || {expression} || ''''"
