"""Entry point: page config, navigation, shared sidebar. Pages live in pages/."""

from pathlib import Path

import streamlit as st

from storage import StorageError
from ui.resources import database_failed, refill_typed_fields, settings, start_app_worker
from ui.session import person_in_sidebar

# a local icon: a Material icon name would make every browser fetch it from fonts.gstatic.com
ICON = Path(__file__).parent / "assets" / "icon.png"
st.set_page_config(page_title="Judge alignment", page_icon=str(ICON), layout="wide")
refill_typed_fields()

page = st.navigation(
    [
        st.Page("pages/annotate.py", title="Annotate", icon=":material/rate_review:", default=True),
        st.Page("pages/judge.py", title="Judge", icon=":material/gavel:"),
        st.Page("pages/prompts.py", title="Prompts", icon=":material/edit_note:"),
        st.Page("pages/agreement.py", title="Agreement", icon=":material/monitoring:"),
        st.Page("pages/disagreements.py", title="Disagreements", icon=":material/compare_arrows:"),
        st.Page("pages/generators.py", title="Generators", icon=":material/leaderboard:"),
        st.Page("pages/data.py", title="Import and export", icon=":material/swap_vert:"),
        st.Page("pages/language.py", title="Audience language", icon=":material/account_tree:"),
    ]
)
with st.sidebar:
    st.caption("Is your LLM judge aligned with people?")
try:
    person_in_sidebar(settings())
    start_app_worker()
    page.run()
except StorageError as e:  # the database server went away mid-page: a sentence, not a traceback
    database_failed(e)
