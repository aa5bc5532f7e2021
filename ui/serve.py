"""Start the app: ``python -m ui.serve [streamlit options]`` is ``streamlit run app.py`` without Streamlit's
legacy ``pages/`` mode.

Until a session's app.py has called ``st.navigation``, Streamlit runs a folder named ``pages/`` the legacy
way: a page opened on a fresh server runs without app.py, and the first key press after a restart is spent
on leaving that mode (the rerun drops it). Streamlit has no setting for this; its PagesManager keeps the
mode in a class attribute that ``st.navigation`` sets to False. Setting it before the server starts means
no session ever sees the legacy mode. ``tests/test_layering.py`` fails the day Streamlit changes it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

__all__ = ["APP", "LEGACY_PAGES_FLAG", "main"]

APP = Path(__file__).parents[1] / "app.py"
LEGACY_PAGES_FLAG = "uses_pages_directory"


STOP_SECONDS = 20.0
"""How long a stopping server waits for its judge runs to stop where they stand (a call in flight ends)."""


def main() -> None:
    setattr(PagesManager, LEGACY_PAGES_FLAG, False)
    sys.argv = ["streamlit", "run", str(APP), *sys.argv[1:]]
    try:
        cli.main()
    finally:  # Ctrl-C or SIGTERM stopped the server: its runs stop too, resumable, rather than keep it alive
        from judge.jobs import stop_background_runs

        stop_background_runs(STOP_SECONDS)


if __name__ == "__main__":
    main()
