"""Live calls to the real APIs: run only with ``--live`` and a key in the environment (never in CI)."""

from __future__ import annotations

import os

import pytest

from judge.llm import RunSpec, make_provider, run_llm
from storage import Database
from storage import results as result_store
from tests.llm.test_runs import add_text_pairs

pytestmark = pytest.mark.live

MODELS = {"openai": ("OPENAI_API_KEY", "gpt-4o-mini"), "anthropic": ("ANTHROPIC_API_KEY", "claude-3-5-haiku-latest")}


@pytest.mark.parametrize("provider", sorted(MODELS))
def test_a_real_model_scores_an_identical_pair(db: Database, provider: str) -> None:
    variable, model = MODELS[provider]
    if not os.environ.get(variable):
        pytest.skip(f"{variable} is not set")
    add_text_pairs(db, "live", {"same": "event('Order')"})  # the same as add_text_pairs' ground truth
    run_id = run_llm(db, RunSpec(dataset="live", provider=provider, model=model, prompt="judge-cot"),
                     make_provider(provider))  # fmt: skip
    [row] = result_store.results_frame(db, run_id).itertuples()
    assert row.error is None or isinstance(row.error, float), row.error
    assert row.score >= 4
