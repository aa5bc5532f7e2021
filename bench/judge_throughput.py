"""LLM judge throughput: 2,000 judgments against a local server answering after 200 ms, 64 in flight.

Prints judgments per second and the ratio to the ideal (64 / 0.2 s = 320/s), and the same for a plain
sequential loop over the SDK, the baseline a user would otherwise write (measured on 50 calls).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import openai

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT))

from judge.data.records import prepare_pair  # noqa: E402
from judge.llm import RunSpec, load_prompt, make_provider, render, run_llm  # noqa: E402
from storage import Database  # noqa: E402
from storage import pairs as pair_store  # noqa: E402
from storage import results as result_store  # noqa: E402

JUDGMENTS, IN_FLIGHT, DELAY, BASELINE_CALLS = 2000, 64, 0.2, 50


def main() -> None:
    server = subprocess.Popen([sys.executable, "-m", "tests.llm.fake_server", str(DELAY)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip() + "/v1"
        db = Database()
        rows = [{"external_id": f"p{i}", "kind": "text", "request": "r", "ground_truth": "event('Order')",
                 "generated": f"event('Order') {i}"} for i in range(JUDGMENTS)]  # fmt: skip
        pair_store.add_pairs(db, "bench", [prepare_pair(row) for row in rows])
        spec = RunSpec(dataset="bench", provider="openai-compatible", model="m", prompt="judge-cot",
                       concurrency=IN_FLIGHT, base_url=url)  # fmt: skip
        start = time.perf_counter()
        run_id = run_llm(db, spec, make_provider("openai-compatible", base_url=url))
        seconds = time.perf_counter() - start
        judged = len(result_store.results_frame(db, run_id))
        ideal = IN_FLIGHT / DELAY
        rate = judged / seconds
        print(f"judgments:            {judged} in {seconds:.1f} s, {IN_FLIGHT} in flight, answers after {DELAY} s")
        print(f"judgments per second: {rate:.0f}   ideal {ideal:.0f}/s   ratio {rate / ideal:.2f} (target: 0.8)")

        prompt = load_prompt("judge-cot")
        client = openai.OpenAI(api_key="not-needed", base_url=url)
        start = time.perf_counter()
        for row in rows[:BASELINE_CALLS]:
            rendered = render(prompt, request=row["request"], ground_truth=row["ground_truth"],
                              generated=row["generated"], evidence=None)  # fmt: skip
            client.chat.completions.create(model="m", messages=[{"role": "system", "content": rendered.system},
                                                                 {"role": "user", "content": rendered.user}])  # fmt: skip
        baseline = BASELINE_CALLS / (time.perf_counter() - start)
        print(f"sequential SDK loop:  {baseline:.1f}/s ({BASELINE_CALLS} calls)   ratio {baseline / ideal:.3f}")
    finally:
        server.kill()


if __name__ == "__main__":
    main()
