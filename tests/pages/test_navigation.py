"""Moving between pages keeps the dataset (and criterion) a person picked: Streamlit forgets a widget's state
on another page, and a run started on the wrong dataset costs money."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from judge.demo.store import store_demo
from tests.data.test_lists_and_wide import study
from tests.pages.conftest import opened

APP = str(Path(__file__).parents[2] / "app.py")


def test_the_dataset_picked_on_one_page_is_the_one_on_the_next(db_path: Path, tmp_path: Path) -> None:
    from judge.data.table import TableMapping, import_rating_table
    from judge.scale import FIVE

    db = opened(db_path)
    store_demo(db, count=6)
    import_rating_table(db, study(tmp_path), "study", TableMapping("Model", "place", ("Human 1", "Human 2"),
                                                                   external_id="item", raters=True, lists=True), FIVE)  # fmt: skip
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    at.sidebar.selectbox(key="dataset").set_value("study").run()
    for page in ("pages/judge.py", "pages/agreement.py", "pages/annotate.py"):
        at.switch_page(page).run()
        assert not at.exception, page
        assert at.session_state["dataset"] == "study", page
        assert at.query_params["dataset"] == ["study"] or at.query_params["dataset"] == "study", page
