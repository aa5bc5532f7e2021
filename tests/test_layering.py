"""The library never imports Streamlit (architecture rule: pages call the library, not the reverse)."""

from __future__ import annotations

import subprocess
import sys


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
