"""Layers: the library never imports Streamlit, the UI or the pages; storage never imports a judge."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path


def test_library_imports_without_streamlit() -> None:
    code = (
        "import sys, pkgutil, importlib, judge, storage\n"
        "for pkg in (judge, storage):\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        if not m.name.endswith('__main__'):\n"
        "            importlib.import_module(m.name)\n"
        "assert 'streamlit' not in sys.modules, [m for m in sys.modules if m.startswith('streamlit')]\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


ROOT = Path(__file__).parents[1]
STORAGE_MAY_IMPORT = {"judge.errors", "judge.judgment"}  # the shared record and base error, not a judge


def _imports(package: str) -> dict[str, set[str]]:
    """Module file -> every module it imports, at any depth of the file (lazy imports count too)."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
        found[str(path.relative_to(ROOT))] = names
    return found


def test_storage_imports_nothing_from_the_judges() -> None:
    offending = {
        file: sorted(n for n in names if n.split(".")[0] == "judge" and n not in STORAGE_MAY_IMPORT
                     and not any(n.startswith(allowed + ".") for allowed in STORAGE_MAY_IMPORT))
        for file, names in _imports("storage").items()
    }  # fmt: skip
    assert {f: n for f, n in offending.items() if n} == {}


def test_the_library_imports_nothing_from_the_ui_or_the_pages() -> None:
    for package in ("judge", "storage"):
        offending = {f: sorted(n for n in names if n.split(".")[0] in ("ui", "pages", "streamlit"))
                     for f, names in _imports(package).items()}  # fmt: skip
        assert {f: n for f, n in offending.items() if n} == {}, package


def test_the_pages_call_the_library_never_storage() -> None:
    offending = {f: sorted(n for n in names if n.split(".")[0] == "storage") for f, names in _imports("pages").items()}
    assert {f: n for f, n in offending.items() if n} == {}


def test_the_legacy_pages_workaround_still_matches_streamlit() -> None:
    """ui.serve leaves Streamlit's legacy pages/ mode through a private attribute (there is no setting);
    if Streamlit renames it or stops reading it, this fails before the app quietly shows two menus."""
    import inspect

    from streamlit.commands import navigation
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner import script_runner

    from ui.serve import LEGACY_PAGES_FLAG

    assert LEGACY_PAGES_FLAG in vars(PagesManager)
    assert f"if PagesManager.{LEGACY_PAGES_FLAG}:" in inspect.getsource(script_runner)  # runs pages/ the old way
    assert f"PagesManager.{LEGACY_PAGES_FLAG} = False" in inspect.getsource(navigation)
