"""Imports from an uploaded file: the same all-or-nothing importers as the ``judge import`` command."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from judge import workspace
from judge.data import import_judgments, import_pairs, import_ratings
from judge.data.files import MAX_FILE_BYTES, jsonl_text, safe_csv
from judge.data.importer import ImportReport
from judge.errors import JudgeError
from judge.llm.runfile import import_run_file
from storage import Database
from ui.resources import read

__all__ = ["IMPORTS", "export_button", "import_upload"]

IMPORTS = {
    "pairs": ("Pairs", "request, ground_truth, generated; optional kind, generator_model, external_id and any "
                       "other fields (kept as metadata). A file imported twice adds nothing the second time."),
    "ratings": ("Human ratings", "external_id, annotator, score 1-5; optional note, seconds, created_at."),
    "judgments": ("Judge scores", "external_id, score 1-5 or error; optional reasoning, sample. The file becomes a "
                                  "run named after it."),
    "run": ("Run file", "A run written by `judge run --judge llm --pairs FILE --out RUN.jsonl` while the app held "
                        "the database: its settings and every judgment with its transcript."),
}  # fmt: skip


def import_upload(db: Database, what: str, name: str, content: bytes, dataset: str | None) -> ImportReport:
    """Import an uploaded file under its own name (so errors name it); nothing is stored unless all of it is."""
    if len(content) > MAX_FILE_BYTES:
        raise JudgeError(f"{name}: {len(content):,} bytes; the limit for an import is {MAX_FILE_BYTES:,}")
    with tempfile.TemporaryDirectory(prefix="judge-import-") as folder:
        path = Path(folder) / (Path(name).name or "upload")
        path.write_bytes(content)
        if what == "run":
            return import_run_file(db, path)
        if not dataset:
            raise JudgeError("choose the dataset to import into")
        if what == "pairs":
            return import_pairs(db, path, dataset)
        if what == "ratings":
            return import_ratings(db, path, dataset)
        if what == "judgments":
            return import_judgments(db, path, dataset)
    raise JudgeError(f"cannot import {what!r}; choose one of {', '.join(IMPORTS)}")


_EXPORTED = {"pairs": ("Pairs of {dataset} (JSONL, {rows} pairs)", "jsonl"),
             "ratings": ("Ratings of {dataset} (CSV, every event: {rows})", "csv"),
             "judgments": ("Judgments of {dataset} (CSV, {rows})", "csv")}  # fmt: skip


def export_button(what: workspace.Export, dataset: str) -> None:
    """A download of a dataset's pairs (JSONL), ratings or judgments (CSV); the file is built when clicked."""
    label, kind = _EXPORTED[what]
    rows = read(workspace.export_rows, what, dataset)

    def build() -> str:
        frame = read(workspace.export_frame, what, dataset)
        return jsonl_text(frame) if kind == "jsonl" else safe_csv(frame)

    st.download_button(label.format(dataset=dataset, rows=rows), build, file_name=f"{dataset}-{what}.{kind}",
                       mime="application/jsonl" if kind == "jsonl" else "text/csv", icon=":material/download:",
                       key=f"export-{what}")  # fmt: skip
