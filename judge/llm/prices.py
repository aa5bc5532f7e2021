"""The price table (``prices.toml``, or the file named by ``$JUDGE_PRICES``): dollars per million tokens."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from judge.errors import JudgeError

__all__ = ["DEFAULT_PRICES", "Price", "load_prices"]

DEFAULT_PRICES = Path(__file__).parents[2] / "prices.toml"


@dataclass(frozen=True)
class Price:
    input: float  # per million input tokens
    output: float  # per million output tokens

    def cost(self, input_tokens: int | None, output_tokens: int | None) -> float:
        return ((input_tokens or 0) * self.input + (output_tokens or 0) * self.output) / 1_000_000


def load_prices(path: Path | None = None) -> dict[str, Price]:
    chosen = path or Path(os.environ.get("JUDGE_PRICES", DEFAULT_PRICES))
    try:
        table = tomllib.loads(chosen.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise JudgeError(f"{chosen}: not valid TOML: {e}") from e
    prices = {}
    for model, entry in table.get("models", {}).items():
        try:
            prices[model] = Price(float(entry["input"]), float(entry["output"]))
        except (KeyError, TypeError, ValueError) as e:
            raise JudgeError(f"{chosen}: models.{model} needs numbers 'input' and 'output'") from e
    return prices
