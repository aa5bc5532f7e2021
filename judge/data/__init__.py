"""Importing and exporting pairs, human ratings and judge scores (JSONL, CSV, Parquet)."""

from judge.data.files import FileFormatError, read_rows, write_table
from judge.data.importer import (
    ImportRejected,
    ImportReport,
    export,
    import_judgments,
    import_pairs,
    import_ratings,
)
from judge.data.records import KINDS, audience_json, parse_side

__all__ = [
    "KINDS",
    "FileFormatError",
    "ImportRejected",
    "ImportReport",
    "audience_json",
    "export",
    "import_judgments",
    "import_pairs",
    "import_ratings",
    "parse_side",
    "read_rows",
    "write_table",
]
