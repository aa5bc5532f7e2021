"""Import and export: pairs, ratings, judgments and run files in; a dataset's pairs, ratings and judgments out."""

import streamlit as st

from judge.data.files import MAX_FILE_BYTES, jsonl_text, safe_csv
from judge.errors import JudgeError
from storage import pairs as pair_store
from storage import ratings as rating_store
from storage import results as result_store
from ui.data_views import IMPORTS, import_upload
from ui.resources import database, settings
from ui.session import admin_gate, signed_in
from ui.text import inert

db, config = database(), settings()
st.title("Import and export")
signed_in(config)

st.subheader("Import")
admin = admin_gate(config, "import")
what = st.radio("What", list(IMPORTS), horizontal=True, key="import_what", format_func=lambda k: IMPORTS[k][0])
st.caption(IMPORTS[what][1])
names = list(pair_store.datasets(db)["name"])
dataset = None
if what == "pairs":
    dataset = st.text_input("Into dataset", key="import_into_new", placeholder="a new name, or one of: "
                            + (", ".join(names) or "none yet")).strip()  # fmt: skip
elif what != "run":
    dataset = st.selectbox("Into dataset", names, index=None, key="import_into", placeholder="Pick a dataset")
upload = st.file_uploader(f"File (JSONL, CSV or Parquet; at most {MAX_FILE_BYTES // 2**20} MB)",
                          type=["jsonl", "ndjson", "csv", "parquet"], key="import_file")  # fmt: skip
ready = admin and upload is not None and (what == "run" or bool(dataset))
if st.button("Import", type="primary", disabled=not ready) and upload is not None:
    try:
        report = import_upload(db, what, upload.name, upload.getvalue(), dataset)
    except JudgeError as e:
        st.error(inert(e))
    else:
        st.success(f"{inert(upload.name)}: {report}.")

st.subheader("Export")
if not names:
    st.info("No pairs yet.")
    st.stop()
chosen = st.selectbox("Dataset", names, key="export_dataset")
pairs = pair_store.pairs_frame(db, chosen)
st.download_button(f"Pairs of {chosen} (JSONL, {len(pairs)} pairs)", jsonl_text(pairs),
                   file_name=f"{chosen}-pairs.jsonl", mime="application/jsonl", icon=":material/download:")  # fmt: skip
st.caption("To judge while this app holds the database: `judge run --judge llm --pairs "
           f"{chosen}-pairs.jsonl --out RUN.jsonl ...`, then import RUN.jsonl above as a run file.")  # fmt: skip
ratings = rating_store.ratings_frame(db, chosen, current_only=False)
st.download_button(f"Ratings of {chosen} (CSV, every event: {len(ratings)})", safe_csv(ratings),
                   file_name=f"{chosen}-ratings.csv", mime="text/csv", icon=":material/download:")  # fmt: skip
judgments = result_store.results_frame(db)
judgments = judgments[judgments["dataset"] == chosen]
st.download_button(f"Judgments of {chosen} (CSV, {len(judgments)})", safe_csv(judgments),
                   file_name=f"{chosen}-judgments.csv", mime="text/csv", icon=":material/download:")  # fmt: skip
