"""Imports from an uploaded file: the same all-or-nothing importers as the ``judge import`` command."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from judge import workspace
from judge.data import import_judgments, import_pairs, import_ratings
from judge.data.files import MAX_FILE_BYTES, jsonl_text, safe_csv
from judge.data.importer import LAYOUTS, ImportReport
from judge.data.table import TableImport, TableMapping, criterion_names, import_rating_table, table_columns
from judge.errors import JudgeError
from judge.llm.runfile import import_run_file
from judge.scale import FIVE, Scale, parse_scale
from storage import Database
from ui.resources import read
from ui.text import inert

__all__ = ["IMPORTS", "SCALE_CHOICES", "export_button", "field_mapping", "import_upload", "scale_choice",
           "table_mapping", "wide_columns"]

IMPORTS = {
    "pairs": ("Pairs", "request, ground_truth, generated; optional kind, generator_model, external_id and any "
                       "other fields (kept as metadata). A file imported twice adds nothing the second time."),
    "ratings": ("Human ratings", "external_id, annotator, score on the dataset's scale (1-5 unless it has its own; "
                                "on a binary one 0/1, true/false or its labels); optional note, seconds, created_at."),
    "judgments": ("Judge scores", "external_id, score on the dataset's scale or error; optional reasoning, sample. "
                                  "The file becomes a run named after it."),
    "table": ("Pairs with their ratings", "One row per rating, as study files are laid out: the text rated, what "
                                          "it answers, optionally an id and who rated, and one or more score columns "
                                          "(several: each a criterion of the dataset). Without a rater column, raters are "
                                          "numbered in file order within each item."),
    "run": ("Run file", "A run written by `judge run --judge llm --pairs FILE --out RUN.jsonl` while the app held "
                        "the database: its settings and every judgment with its transcript."),
}  # fmt: skip


SHOWN_COLUMNS = 12  # a file's columns named in a sentence; the choice below offers them all

SCALE_CHOICES = {"1-5": "1-5, the audience rubric", "binary": "Binary (0/1: no/yes, wrong/right ...)",
                 "1-3": "3 points (1-3)", "1-4": "4 points (1-4)", "0-4": "5 points from 0 (0-4)",
                 "1-6": "6 points (1-6)", "1-7": "7 points (1-7)", "1-10": "10 points (1-10)"}  # fmt: skip


def scale_choice(dataset: str) -> tuple[Scale | None, str | None]:
    """The scale a new dataset is rated on (None: 1-5 with the audience rubric), or why the choice is not one."""
    left, middle, right = st.columns([2, 3, 1])
    kind = str(left.selectbox("Rated on", list(SCALE_CHOICES), key="import_scale", format_func=SCALE_CHOICES.__getitem__,
                              help="People rate on it, judges score on it, and the figures follow it: within one "
                                   "point only on 4 points or more, pass/fail where there is a pass mark."))  # fmt: skip
    if kind == "1-5":
        return None, None
    labels = middle.text_input("Labels, lowest first (optional)", key="import_scale_labels",
                               placeholder="wrong, right" if kind == "binary" else "bad, fair, good")  # fmt: skip
    passing = right.number_input("Pass mark", min_value=0, max_value=10, value=None, step=1, key="import_scale_pass",
                                 help="The lowest passing score (optional)", disabled=kind == "binary")  # fmt: skip
    try:
        scale = parse_scale(kind + (f":{labels}" if labels.strip() else ""),
                            None if passing is None or kind == "binary" else int(passing))  # fmt: skip
    except JudgeError as e:
        st.error(inert(e))
        return None, str(e)
    st.caption(f"Dataset {inert(dataset)} is rated on a {inert(scale.describe())} scale; a value off it is an error "
               "that names its row and column.")  # fmt: skip
    return scale, None


@st.cache_data(max_entries=4, show_spinner=False)  # the page reruns on every choice: read the upload once
def _columns(name: str, content: bytes, lists: bool = False) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="judge-columns-") as folder:
        path = Path(folder) / (Path(name).name or "upload")
        path.write_bytes(content)
        return table_columns(path, lists)


def table_mapping(name: str, content: bytes, dataset: str, lists: bool = False) -> TableMapping | None:
    """Which column is which, chosen from the file's own columns; None until the score columns are chosen."""
    if len(content) > MAX_FILE_BYTES:
        raise JudgeError(f"{name}: {len(content):,} bytes; the limit for an import is {MAX_FILE_BYTES:,}")
    columns = _columns(name, content, lists)
    st.markdown("**Which column is which**")
    left, right = st.columns(2)
    generated = left.selectbox("The text rated", columns, index=None, key="table_generated",
                               placeholder="e.g. an explanation, a story, a generated AST")  # fmt: skip
    truth = right.selectbox("What it answers", columns, index=None, key="table_truth",
                            placeholder="e.g. a prompt, a story id, a ground truth")  # fmt: skip
    left, right = st.columns(2)
    rater = left.selectbox("Who rated (optional)", columns, index=None, key="table_rater",
                           placeholder="none: rater 1, 2, 3 ... within each item")  # fmt: skip
    given_id = right.selectbox("Item id (optional)", columns, index=None, key="table_id",
                               placeholder="none: the two texts make the item")  # fmt: skip
    generator = left.selectbox("Made by (optional)", columns, index=None, key="table_generator",
                               placeholder="none", help="The column naming the model (or person) that made the "
                               "text rated: the Generators page compares them.")  # fmt: skip
    taken = {generated, truth, rater, given_id, generator}
    raters = st.checkbox("Each score column is one rater (of one score), not a criterion", key="table_raters",
                         help="As in HANNA's scores file: Human 1 CH, Human 2 CH, Human 3 CH are three people's "
                              "coherence scores.")  # fmt: skip
    scores = st.multiselect("Score columns, one per rater" if raters else
                            "Score columns (several: each is a criterion of the dataset, rated on one screen)",
                            [c for c in columns if c not in taken], key="table_scores")  # fmt: skip
    if generated is None or truth is None or not scores:
        st.caption("Choose the text rated, what it answers and at least one score column.")
        return None
    if raters and rater is not None:
        st.warning("The score columns are the raters: leave \"Who rated\" empty.")
        return None
    mapping = TableMapping(str(generated), str(truth), tuple(scores), rater, given_id, raters=raters, lists=lists,
                           generator=generator)  # fmt: skip
    named = [n for n in criterion_names(mapping).values() if n]
    st.caption(f"Into dataset {inert(dataset)}" + (f", criteria {', '.join(inert(n) for n in named)}." if named
               else f", one score per rating, by {len(scores)} raters named after their columns." if raters
               else ", one score per rating."))  # fmt: skip
    return mapping


def wide_columns(what: str, name: str, content: bytes, lists: bool = False) -> list[str] | None:
    """In a wide file, the columns that are annotators (ratings) or judges (judgments), chosen here; None: every
    column that is not a field of the file."""
    columns = [c for c in _columns(name, content, lists) if c not in (*LAYOUTS[what][0], *LAYOUTS[what][1])]
    if what == "ratings":
        chosen = st.multiselect("The annotator columns", columns, key=f"import_columns_{what}",
                                placeholder="all of them: every column that is not a field is one annotator's scores")  # fmt: skip
    else:  # each becomes a run: chosen one by one, never every column of a file by default
        chosen = st.multiselect("The judge columns", columns, key=f"import_columns_{what}",
                                placeholder="Choose the columns that hold judges' scores: each becomes a run")  # fmt: skip
        if not chosen:
            st.caption(f"The file has {len(columns)} other columns; choose those that hold a judge's scores.")
    return list(chosen) or None


def field_mapping(what: str, name: str, content: bytes, wide: bool = False, lists: bool = False,
                  taken: list[str] | None = None) -> dict[str, str] | None:  # fmt: skip
    """For a pairs, ratings or judgments file whose columns lack a field the import needs: which of the file's
    columns holds it, chosen here. {} when the file has them all; None until every missing one is chosen.
    ``wide``: a file with one column per annotator or judge needs only the pair's id (``taken``: those
    columns, not offered)."""
    if len(content) > MAX_FILE_BYTES:
        raise JudgeError(f"{name}: {len(content):,} bytes; the limit for an import is {MAX_FILE_BYTES:,}")
    columns = [c for c in _columns(name, content, lists) if c not in (taken or [])]
    needed = ("external_id",) if wide else LAYOUTS[what][0]
    errors_only = what == "judgments" and "error" in columns  # a file of failed judgments needs no score
    missing = [f for f in needed if f not in columns and not (f == "score" and errors_only)]
    if not missing:
        return {}
    shown = ", ".join(inert(c) for c in columns[:SHOWN_COLUMNS])
    more = f" and {len(columns) - SHOWN_COLUMNS} more" if len(columns) > SHOWN_COLUMNS else ""
    st.markdown(f"**The file has no column {', '.join(repr(f) for f in missing)}: which of its columns holds it?** "
                f"(it has {shown}{more})")  # fmt: skip
    chosen: dict[str, str] = {}
    for field, cell in zip(missing, st.columns(len(missing)), strict=True):
        picked = cell.selectbox(field, columns, index=None, key=f"map-{what}-{field}", placeholder="Pick a column")
        if picked is not None:
            chosen[field] = str(picked)
    return chosen if len(chosen) == len(missing) else None


def import_upload(db: Database, what: str, name: str, content: bytes, dataset: str | None,
                  scale: Scale | None = None, mapping: TableMapping | None = None,
                  fields: dict[str, str] | None = None, wide: bool = False, lists: bool = False,
                  columns: list[str] | None = None) -> ImportReport | TableImport:  # fmt: skip
    """Import an uploaded file under its own name (so errors name it); nothing is stored unless all of it is."""
    if len(content) > MAX_FILE_BYTES:
        raise JudgeError(f"{name}: {len(content):,} bytes; the limit for an import is {MAX_FILE_BYTES:,}")
    bar = st.empty()

    def progress(done: int, total: int) -> None:
        bar.progress(done / max(total, 1), text=f"Checking row {done:,} of {total:,}")

    with tempfile.TemporaryDirectory(prefix="judge-import-") as folder:
        path = Path(folder) / (Path(name).name or "upload")
        path.write_bytes(content)
        if what == "run":
            return import_run_file(db, path)
        if not dataset:
            raise JudgeError("choose the dataset to import into")
        if what == "pairs":
            return import_pairs(db, path, dataset, scale, fields, progress)
        if what == "ratings":
            return import_ratings(db, path, dataset, mapping=fields, wide=wide, progress=progress, lists=lists,
                                  columns=columns)  # fmt: skip
        if what == "judgments":
            return import_judgments(db, path, dataset, mapping=fields, progress=progress, wide=wide, lists=lists,
                                    columns=columns)  # fmt: skip
        if what == "table":
            if mapping is None:
                raise JudgeError("choose which column is which")
            return import_rating_table(db, path, dataset, mapping, scale or FIVE)
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
