"""The price table (``prices.toml``, or the file named by ``$JUDGE_PRICES``): dollars per million tokens.

Batch runs are paid at the batch rate: a model's ``batch_input`` and ``batch_output`` where the table gives
them, else its rates times ``[batch] discount`` (both providers charge half)."""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from judge.errors import JudgeError

__all__ = ["DEFAULT_PRICES", "Price", "load_prices"]

DEFAULT_PRICES = Path(__file__).parents[2] / "prices.toml"


BATCH_DISCOUNT = 0.5


@dataclass(frozen=True)
class Price:
    input: float  # per million input tokens
    output: float  # per million output tokens
    batch_input: float | None = None  # the same through a batch API (None: half)
    batch_output: float | None = None

    def cost(self, input_tokens: int | None, output_tokens: int | None) -> float:
        return ((input_tokens or 0) * self.input + (output_tokens or 0) * self.output) / 1_000_000

    @property
    def batch(self) -> Price:
        """The price of the same tokens through a batch API."""
        return Price(self.batch_input if self.batch_input is not None else self.input * BATCH_DISCOUNT,
                     self.batch_output if self.batch_output is not None else self.output * BATCH_DISCOUNT)  # fmt: skip


def load_prices(path: Path | None = None) -> dict[str, Price]:
    chosen = path or Path(os.environ.get("JUDGE_PRICES", DEFAULT_PRICES))
    try:
        table = tomllib.loads(chosen.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise JudgeError(f"{chosen}: not valid TOML: {e}") from e
    try:
        discount = _rate(table.get("batch", {}).get("discount", BATCH_DISCOUNT))
    except (AttributeError, TypeError, ValueError) as e:
        raise JudgeError(f"{chosen}: batch.discount must be a number (0.5: half the price)") from e
    if not 0 < discount <= 1:
        raise JudgeError(f"{chosen}: batch.discount is the share of the price a batch pays, above 0 and at most 1, "
                         f"not {discount}")  # fmt: skip
    prices = {}
    for model, entry in table.get("models", {}).items():
        try:
            rates = _rate(entry["input"]), _rate(entry["output"])
            batch = [_rate(entry[k]) if k in entry else rate * discount
                     for k, rate in zip(("batch_input", "batch_output"), rates, strict=True)]  # fmt: skip
        except (KeyError, TypeError, ValueError) as e:
            raise JudgeError(f"{chosen}: models.{model} needs numbers of 0 or more for 'input' and 'output' (and "
                             "'batch_input', 'batch_output' where given), dollars per million tokens") from e  # fmt: skip
        prices[model] = Price(*rates, *batch)
    return prices


def _rate(value: object) -> float:
    """Dollars per million tokens: a finite number of 0 or more (not true, not a text)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"not a number: {value!r}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"not a price: {value!r}")
    return float(value)
