"""How long ``judge`` takes to start: --help and the audience commands (target under 0.5 s each), and
commands that read a database without calling a provider (``runs``, ``export``: no SDK imported).

    python bench/cli_start.py    # the best of 5 runs of each, wall clock, on this machine
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

JUDGE = Path(sys.executable).with_name("judge")
TEXT = "event('Order Completed').within(7 days).count() >= 1"
AST = subprocess.run([str(JUDGE), "parse"], input=TEXT, capture_output=True, text=True, check=True).stdout

COMMANDS = [(["--help"], ""), (["parse"], TEXT), (["render", "--to", "english"], AST), (["canonical"], AST),
            (["import", "--help"], ""), (["agreement", "--help"], "")]  # fmt: skip


def main() -> None:
    folder = tempfile.mkdtemp(prefix="cli-start-")
    db = str(Path(folder) / "bench.duckdb")
    subprocess.run([str(JUDGE), "demo", "--db", db], capture_output=True, check=True)
    on_db = [(["runs", "--db", db], ""),
             (["export", "ratings", str(Path(folder) / "out.jsonl"), "--dataset", "demo", "--db", db], "")]  # fmt: skip
    for args, stdin in COMMANDS + on_db:
        times = []
        for _ in range(5):
            start = time.perf_counter()
            subprocess.run([str(JUDGE), *args], input=stdin, capture_output=True, text=True, check=True)
            times.append(time.perf_counter() - start)
        shown = " ".join(args).replace(folder + "/", "")
        print(f"judge {shown:<62} {min(times) * 1000:6.0f} ms (best of 5)")


if __name__ == "__main__":
    main()
