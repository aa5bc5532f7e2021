"""A second app on a database another process holds: one sentence on the page, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from streamlit.testing.v1 import AppTest

from storage import Database

PAGES = Path(__file__).parents[2] / "pages"
HOLD = "import sys; from storage import Database; db = Database(sys.argv[1]); print('holding', flush=True); input()"


def test_a_page_on_a_database_held_elsewhere_says_so_without_a_traceback(db_path: Path) -> None:
    Database(db_path).close()
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(db_path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        for page in ("annotate.py", "agreement.py"):
            at = AppTest.from_file(str(PAGES / page), default_timeout=30).run()
            assert not at.exception, at.exception
            assert any("cannot open its database" in e.value and "in use by another process" in e.value
                       for e in at.error), [e.value for e in at.error]  # fmt: skip
    finally:
        holder.communicate("\n", timeout=30)
