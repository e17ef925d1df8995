"""Ingest: landed files -> the raw layer of the work database.

`load_landing` is the one entry point (a `LoadReport` comes back); `import_documents` in
`ingest.sources` turns foreign documents into landed files first.
"""

from ingest.report import LoadReport, load_landing, mark_published

__all__ = ["LoadReport", "load_landing", "mark_published"]
