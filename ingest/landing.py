"""Finding landed files: which entity each belongs to, in which order they landed, and their bytes' hash."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from contract import ENTITIES_BY_PATH, FILE_FORMATS, Entity

_HASH_CHUNK_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class LandedFile:
    path: Path
    entity: Entity | None  # None when the file is not under a contract <source>/<entity> folder
    file_format: str | None  # None when the extension is not one the contract allows
    modified_ns: int

    @property
    def landing_order(self) -> tuple[int, str]:
        # "Later-landed" breaks ties between row versions: modification time first
        # (the rename that landed it), then the name for files landed in the same instant.
        return (self.modified_ns, str(self.path))


def is_ignored(name: str) -> bool:
    """Writers land atomically through temporary names that readers must not see."""
    return name.startswith((".", "_")) or name.endswith(".tmp")


def scan_landing(landing_dir: Path) -> list[LandedFile]:
    """Every visible file under the landing folder, in landing order.

    Files outside a contract folder or with an unknown extension are returned too
    (with entity or file_format None) so that the loader can set them aside with a
    reason instead of ignoring them silently.
    """
    files = []
    for path in landing_dir.rglob("*"):
        relative = path.relative_to(landing_dir)
        if not path.is_file() or any(is_ignored(part) for part in relative.parts):
            continue
        entity = ENTITIES_BY_PATH.get(tuple(relative.parts[:2])) if len(relative.parts) == 3 else None
        file_format = FILE_FORMATS.get(path.suffix.lower())
        files.append(LandedFile(path, entity, file_format, path.stat().st_mtime_ns))
    return sorted(files, key=lambda f: f.landing_order)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def latest_landing_by_source(landed_files: list[LandedFile]) -> dict[str, int]:
    """Modification time (ns) of the newest file per contract source, from a landing scan."""
    latest: dict[str, int] = {}
    for landed in landed_files:
        if landed.entity is not None:
            source = landed.entity.source
            latest[source] = max(latest.get(source, 0), landed.modified_ns)
    return latest
