"""Import and export: pairs, ratings, judgments and run files in; a dataset's pairs, ratings and judgments out."""

import streamlit as st

from judge import workspace
from judge.data.files import MAX_FILE_BYTES
from judge.data.table import TableMapping
from judge.errors import JudgeError
from judge.scale import Scale
from ui.data_views import (
    IMPORTS,
    export_button,
    field_mapping,
    import_upload,
    scale_choice,
    table_mapping,
    wide_columns,  # fmt: skip
)
from ui.resources import database, read, settings
from ui.session import admin_gate, link_to, signed_in
from ui.text import inert

db, config = database(), settings()
st.title("Import and export")
signed_in(config)

st.subheader("Import")
admin = admin_gate(config, "import")
what = st.radio("What", list(IMPORTS), horizontal=True, key="import_what", format_func=lambda k: IMPORTS[k][0])
st.caption(IMPORTS[what][1])
names = list(read(workspace.datasets)["name"])
dataset = None
scale: Scale | None = None
scale_error: str | None = None
mapping: TableMapping | None = None
if what in ("pairs", "table"):
    dataset = st.text_input("Into dataset", key="import_into_new", placeholder="a new name, or one of: "
                            + (", ".join(names) or "none yet")).strip()  # fmt: skip
    if dataset and (what == "table" or dataset not in names):  # the scale new pairs are rated and judged on
        scale, scale_error = scale_choice(dataset)
elif what != "run":
    dataset = st.selectbox("Into dataset", names, index=None, key="import_into", placeholder="Pick a dataset",
                           help="Ratings and judge scores go with pairs already imported. A file that holds the "
                                "items and their ratings together: choose \"Pairs with their ratings\" above, "
                                "which makes a new dataset.")  # fmt: skip
upload = st.file_uploader(f"File (JSONL, CSV or Parquet; at most {MAX_FILE_BYTES // 2**20} MB)",
                          type=["jsonl", "ndjson", "csv", "parquet"], key="import_file")  # fmt: skip
fields: dict[str, str] | None = {}
columns: list[str] | None = None
lists = what in ("ratings", "judgments", "table") and st.checkbox(
    "Cells hold lists, one value per item (each place in a list becomes an item, named in an 'item' column)",
    key="import_lists")  # fmt: skip
wide = what in ("ratings", "judgments") and st.checkbox(
    "One column per annotator (each cell is that person's score of the row's pair)" if what == "ratings" else
    "One column per judge (each column becomes a run named after it)", key=f"import_wide_{what}")  # fmt: skip
try:
    if what == "table" and upload is not None and dataset:
        mapping = table_mapping(upload.name, upload.getvalue(), dataset, lists)
    elif what in ("pairs", "ratings", "judgments") and upload is not None:
        columns = wide_columns(what, upload.name, upload.getvalue(), lists) if wide else None
        fields = field_mapping(what, upload.name, upload.getvalue(), wide, lists, columns)
except JudgeError as e:
    st.error(inert(e))
ready = (admin and upload is not None and (what == "run" or bool(dataset)) and scale_error is None
         and (what != "table" or mapping is not None) and fields is not None
         and not (wide and what == "judgments" and not columns))  # fmt: skip
if st.button("Import", type="primary", disabled=not ready) and upload is not None:
    try:
        report = import_upload(db, what, upload.name, upload.getvalue(), dataset, scale, mapping, fields, wide, lists,
                               columns)  # fmt: skip
    except JudgeError as e:
        st.error(inert(e))
    else:
        st.success(f"{inert(upload.name)}: {inert(report)}.")
        if what != "pairs" and dataset:
            link_to("pages/agreement.py", f"See how the judges agree with people on {dataset}", dataset=dataset)

st.subheader("Export")
if not names:
    st.info("No pairs yet.")
    st.stop()
chosen = st.selectbox("Dataset", names, key="export_dataset")
export_button("pairs", chosen)
st.caption("To judge while this app holds the database: `judge run --judge llm --pairs "
           f"{chosen}-pairs.jsonl --out RUN.jsonl ...`, then import RUN.jsonl above as a run file.")  # fmt: skip
export_button("ratings", chosen)
export_button("judgments", chosen)
