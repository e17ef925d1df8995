"""Importers: a foreign document in (EDI X12, a Shopify orders export, the Olist dataset), contract
files out.

An importer only converts: it reads one document and returns contract rows per entity, or rejects
the document with the position of the problem. Landing is shared (`import_documents`): the rows
are written as ordinary landing files with the contract's atomic writer, so idempotency,
quarantine, reconciliation and every check of the pipeline apply to them unchanged.

- Re-importing the same document lands nothing new: a document's files are named after its
  bytes' SHA-256, and a file already landed is not written again.
- A document is never half landed: it is converted whole before any of its files is written.
- A bad document is reported with its file and position (segment number for X12, row number for
  CSV); the good documents beside it import. A converter may also set aside a part of a document
  (one bad transaction set of an EDI interchange) while the rest imports: that part is reported
  the same way.
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from contract import Entity
from contract.files import land_entity_csv
from orderpulse.errors import UserError

# name -> module defining IMPORTER; imported on use so each command loads only its own importer.
IMPORTER_MODULES = {
    "edi": "ingest.sources.edi",
    "shopify": "ingest.sources.shopify",
    "olist": "ingest.sources.olist",
}

Rows = Mapping[Entity, list[dict[str, object]]]


@dataclass(frozen=True)
class Problem:
    """A document, or a part of it, that was not imported, and why."""

    document: Path
    position: str  # "segment 14", "row 7", "file"
    reason: str

    def __str__(self) -> str:
        return f"{self.document}: {self.position}: {self.reason}"


class DocumentRejected(Exception):
    """The whole document cannot be imported."""

    def __init__(self, position: str, reason: str):
        super().__init__(f"{position}: {reason}")
        self.position = position
        self.reason = reason


@dataclass
class Conversion:
    """Contract rows converted from one document, and the parts of it set aside."""

    rows: dict[Entity, list[dict[str, object]]] = field(default_factory=dict)
    set_aside: list[tuple[str, str]] = field(default_factory=list)  # (position, reason)
    # Files read besides the document (the Olist payments and items files beside the orders
    # file): their bytes are part of what was imported, so they are part of its name's hash.
    also_read: list[Path] = field(default_factory=list)

    def add(self, entity: Entity, row: dict[str, object]) -> None:
        self.rows.setdefault(entity, []).append(row)


class Importer(Protocol):
    name: str
    # File name endings of its documents inside a folder (e.g. (".edi", ".x12", ".txt"), or a
    # whole name such as "olist_orders_dataset.csv"), matched without regard to case.
    suffixes: tuple[str, ...]

    def convert(self, document: Path) -> Conversion:
        """Contract rows of the document; raises DocumentRejected when none of it can be imported."""
        ...


@dataclass
class ImportReport:
    landed: list[Path] = field(default_factory=list)  # files written by this import
    documents_imported: list[Path] = field(default_factory=list)
    documents_unchanged: list[Path] = field(default_factory=list)  # imported before: nothing new
    problems: list[Problem] = field(default_factory=list)
    rows_by_entity: dict[str, int] = field(default_factory=dict)
    # Each document and the files its conversion read besides it (see Conversion.also_read), so
    # that an inbox can move them all once they are imported.
    files_read: dict[Path, list[Path]] = field(default_factory=dict)


def importer_named(name: str) -> Importer:
    if name not in IMPORTER_MODULES:
        raise UserError(f"unknown importer {name!r}; expected one of {', '.join(IMPORTER_MODULES)}")
    return importlib.import_module(IMPORTER_MODULES[name]).IMPORTER


def documents_at(paths: Iterable[Path | str], suffixes: tuple[str, ...]) -> list[Path]:
    """The documents named: files as given, folders searched (recursively) for the name endings.

    Inside a folder, names starting with `.` or `_` are skipped, files and folders alike (as in
    the landing folder): writers use them for files in the making, an inbox for what it is done with.
    """
    found: list[Path] = []
    for given in map(Path, paths):
        if given.is_dir():
            found.extend(
                sorted(
                    p
                    for p in given.rglob("*")
                    if p.is_file()
                    and p.name.lower().endswith(suffixes)
                    and not any(part.startswith((".", "_")) for part in p.relative_to(given).parts)
                )
            )
        elif given.is_file():
            found.append(given)
        else:
            raise UserError(f"{given}: no such file or folder")
    return found


def import_documents(importer: Importer, paths: Iterable[Path | str], landing: Path | str) -> ImportReport:
    """Convert each document and land its rows; see the module's docstring for the guarantees."""
    landing = Path(landing)
    report = ImportReport()
    for document in documents_at(paths, importer.suffixes):
        report.files_read[document] = [document]
        try:
            conversion = importer.convert(document)
        except DocumentRejected as rejected:
            report.problems.append(Problem(document, rejected.position, rejected.reason))
            continue
        except (OSError, UnicodeDecodeError) as error:
            report.problems.append(Problem(document, "file", f"cannot be read: {error}"))
            continue
        report.files_read[document] = [document, *conversion.also_read]
        report.problems.extend(Problem(document, pos, why) for pos, why in conversion.set_aside)
        digest = _sha256(document, *conversion.also_read)[:16]
        name = f"{importer.name}-{_safe_stem(document)}-{digest}"
        written = []
        for entity, rows in conversion.rows.items():
            if not rows:
                continue
            folder = landing / entity.landing_folder
            if any(folder.glob(f"{importer.name}-*-{digest}.csv")):
                continue  # landed by an earlier import of the same bytes, under any name
            written.append(land_entity_csv(landing, entity, name, rows))
            report.rows_by_entity[entity.landing_folder] = report.rows_by_entity.get(
                entity.landing_folder, 0
            ) + len(rows)
        report.landed.extend(written)
        if written:
            report.documents_imported.append(document)
        elif conversion.rows:
            report.documents_unchanged.append(document)
    return report


def _sha256(document: Path, *also_read: Path) -> str:
    """The document's bytes' SHA-256; with files read beside it, the hash of all their hashes."""
    digest = hashlib.sha256(document.read_bytes()).hexdigest()
    if not also_read:
        return digest
    digests = [digest, *(hashlib.sha256(path.read_bytes()).hexdigest() for path in also_read)]
    return hashlib.sha256("\n".join(digests).encode()).hexdigest()


def _safe_stem(path: Path) -> str:
    stem = "".join(c if c.isalnum() or c in "-." else "_" for c in path.stem)
    return stem.lstrip("._")[:60] or "document"
