"""A 10,000-pair batch run through the local server's OpenAI Batch API, killed half-way and resumed.

`judge run --batch` (batches of 2,000, the server working through a request in 0.5 ms) is killed with SIGKILL
once it has read the results of half the batches (the server counts the downloads); `judge run --resume` finishes it. Prints what was sent, what was stored, the
cost against the normal and the batch rate, and the time of each half.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT))

from judge.data.records import prepare_pair  # noqa: E402
from judge.llm.prices import Price  # noqa: E402
from storage import Database  # noqa: E402
from storage import batches as batch_store  # noqa: E402
from storage import pairs as pair_store  # noqa: E402
from storage import results as result_store  # noqa: E402
from storage import runs as run_store  # noqa: E402

PAIRS, BATCH_SIZE, SECONDS_PER_REQUEST = 10_000, 2_000, 0.0005
PRICE = Price(input=0.15, output=0.60)  # the price table's gpt-4o-mini; its batch rate is half


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="judge-batch-bench-"))
    path = folder / "bench.duckdb"
    db = Database(path)
    rows = [{"external_id": f"p{i:05d}", "kind": "text", "request": "r", "ground_truth": "event('Order')",
             "generated": f"event('Order') {i}"} for i in range(PAIRS)]  # fmt: skip
    pair_store.add_pairs(db, "bench", [prepare_pair(row) for row in rows])
    db.close()
    server = subprocess.Popen([sys.executable, "-m", "tests.llm.fake_server", "0", "--batch-seconds",
                               str(SECONDS_PER_REQUEST)], cwd=ROOT, stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert server.stdout is not None
        root = server.stdout.readline().strip()
        env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENAI_API_KEY": "sk-bench"}
        command = [sys.executable, "-m", "judge.cli", "run", "--judge", "llm", "--provider", "openai", "--base-url",
                   f"{root}/v1", "--model", "gpt-4o-mini", "--dataset", "bench", "--batch", "--batch-size",
                   str(BATCH_SIZE), "--poll", "0.2", "--db", str(path)]  # fmt: skip
        start = time.perf_counter()
        first = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while _downloads(root) < PAIRS // BATCH_SIZE // 2 and first.poll() is None:
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        first.wait()
        killed_after = time.perf_counter() - start
        db = Database(path)
        [run_id] = list(run_store.runs_frame(db)["id"])
        at_kill = len(result_store.results_frame(db, run_id))
        batches_at_kill = len(batch_store.batches_of(db, run_id))
        db.close()
        start = time.perf_counter()
        resumed = subprocess.run([*command[:-2], "--resume", str(run_id), "--db", str(path)], cwd=ROOT, env=env,
                                 capture_output=True, text=True)  # fmt: skip
        resume_seconds = time.perf_counter() - start
        if resumed.returncode != 0:
            raise SystemExit(resumed.stderr)
        db = Database(path)
        frame = result_store.results_frame(db, run_id)
        batches = batch_store.batches_of(db, run_id)
        sent = [item for b in batches for item in b.items]
        with_tokens = PRICE.cost(int(frame["input_tokens"].sum()), int(frame["output_tokens"].sum()))
        print(f"{PAIRS:,} pairs in batches of {BATCH_SIZE:,} (OpenAI Batch API, local server)")
        print(f"killed (SIGKILL) after {killed_after:.1f} s: {at_kill:,} judgments stored, {batches_at_kill} batches "
              "sent")  # fmt: skip
        print(f"resumed: finished in {resume_seconds:.1f} s; status {run_store.run_settings(db, run_id)['status']}")  # type: ignore[index]
        print(f"judgments stored: {len(frame):,} ({frame['pair_id'].nunique():,} pairs, each once: "
              f"{frame['pair_id'].is_unique}); failed: {int(frame['score'].isna().sum())}")  # fmt: skip
        print(f"requests sent to the provider: {len(sent):,} in {len(batches)} batches "
              f"(each request once: {len(sent) == len(set(sent)) == PAIRS})")  # fmt: skip
        print(f"cost: ${frame['cost_usd'].sum():.4f} at the batch rate, ${with_tokens:.4f} at the normal rate "
              f"(ratio {frame['cost_usd'].sum() / with_tokens:.2f})")  # fmt: skip
    finally:
        server.kill()


def _downloads(root: str) -> int:
    """Output files the run has read from the server so far."""
    with urllib.request.urlopen(f"{root}/stats") as answer:
        return int(json.load(answer)["batch_downloads"])


if __name__ == "__main__":
    main()
