"""The LLM judge: prompt templates, answer parsing, providers over the official SDKs, and runs."""

from judge.llm.answers import Answer, AnswerError, parse_answer
from judge.llm.prompts import Prompt, PromptError, available, load_prompt, render
from judge.llm.providers import PROVIDERS, Provider, ProviderError, make_provider
from judge.llm.run import Estimate, Plan, RunSpec, estimate, plan, run_llm, stored_spec

__all__ = [
    "PROVIDERS",
    "Answer",
    "AnswerError",
    "Estimate",
    "Plan",
    "Plan",
    "Prompt",
    "PromptError",
    "Provider",
    "ProviderError",
    "RunSpec",
    "available",
    "estimate",
    "load_prompt",
    "make_provider",
    "parse_answer",
    "plan",
    "render",
    "run_llm",
    "stored_spec",
]
