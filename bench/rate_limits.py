"""LLM judge runs at a provider's rate limit: 3,000 judgments against a local server that allows R = 100
requests a second (a token bucket of one second's requests, with OpenAI's rate-limit headers and Retry-After
on its 429s), answering after 200 ms.

Prints, for the paced run (the default: it reads the headers, honours Retry-After, halves what is in flight on
a 429 and grows it back while calls succeed, at most 64) and for a fixed 64 in flight (the same SDK retries,
no pacing): judgments per second against R, 429s the server sent, and failed judgments.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT))

from judge.data.records import prepare_pair  # noqa: E402
from judge.llm import RunSpec, make_provider, run_llm  # noqa: E402
from storage import Database  # noqa: E402
from storage import pairs as pair_store  # noqa: E402
from storage import results as result_store  # noqa: E402

JUDGMENTS, RATE, IN_FLIGHT, DELAY = 3000, 100, 64, 0.2


def one_run(paced: bool) -> None:
    server = subprocess.Popen([sys.executable, "-m", "tests.llm.fake_server", str(DELAY), "--rate", str(RATE)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert server.stdout is not None
        root = server.stdout.readline().strip()
        db = Database()
        rows = [{"external_id": f"p{i}", "kind": "text", "request": "r", "ground_truth": "event('Order')",
                 "generated": f"event('Order') {i}"} for i in range(JUDGMENTS)]  # fmt: skip
        pair_store.add_pairs(db, "bench", [prepare_pair(row) for row in rows])
        spec = RunSpec(dataset="bench", provider="openai-compatible", model="m", prompt="judge-cot",
                       concurrency=IN_FLIGHT, base_url=f"{root}/v1")  # fmt: skip
        provider = make_provider("openai-compatible", base_url=f"{root}/v1", paced=paced)
        start = time.perf_counter()
        run_id = run_llm(db, spec, provider)
        seconds = time.perf_counter() - start
        results = result_store.results_frame(db, run_id)
        failed = int(results["score"].isna().sum())
        with urllib.request.urlopen(f"{root}/stats") as answer:
            stats = json.load(answer)
        rate = (len(results) - failed) / seconds
        name = "paced (adaptive, at most 64)" if paced else "fixed 64 in flight"
        print(f"{name:30s} {rate:6.1f}/s = {rate / RATE:.2f} R   {len(results) - failed} judged, {failed} failed, "
              f"{stats['rejected']} 429s, {seconds:.1f} s")  # fmt: skip
    finally:
        server.kill()


def main() -> None:
    print(f"{JUDGMENTS} judgments, server limit R = {RATE} requests/s, answers after {DELAY} s "
          "(target for the paced run: at least 0.9 R, no failed judgment)")  # fmt: skip
    one_run(paced=True)
    one_run(paced=False)


if __name__ == "__main__":
    main()
