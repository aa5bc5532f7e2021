"""Ground-truth audience definitions a marketer would build, with seeded constants."""

from __future__ import annotations

import random
from collections.abc import Callable

from judge.audience import Definition, parse
from judge.demo.catalog import CATEGORIES, COUNTRIES, EVENTS, NUMERIC_PROPERTIES, PLANS

__all__ = ["TEMPLATES", "ground_truth"]

Template = Callable[[random.Random], str]


def _event(rng: random.Random) -> str:
    return rng.choice(list(EVENTS))


def _days(rng: random.Random) -> int:
    return rng.choice([1, 3, 7, 14, 30, 60, 90])


def _frequent(rng: random.Random) -> str:
    return f"event('{_event(rng)}').within({_days(rng)} days).count() >= {rng.choice([1, 2, 3, 5])}"


def _filtered(rng: random.Random) -> str:
    event = rng.choice([e for e, props in NUMERIC_PROPERTIES.items() if props])
    prop = rng.choice(NUMERIC_PROPERTIES[event])
    op = rng.choice([">", ">=", "<", "<="])
    value = rng.choice([10, 25, 50, 100, 250])
    return f"event('{event}').where(property('{prop}') {op} {value}).within({_days(rng)} days).count() >= 1"


def _plan_and_activity(rng: random.Random) -> str:
    return f"trait('plan') = '{rng.choice(PLANS)}' AND event('{_event(rng)}').within({_days(rng)} days).count() >= 1"


def _big_spenders(rng: random.Random) -> str:
    return (
        f"trait('total_spend') > {rng.choice([100, 500, 1000, 5000])} "
        f"OR trait('lifetime_orders') >= {rng.choice([3, 5, 10, 20])}"
    )


def _viewed_not_bought(rng: random.Random) -> str:
    days = _days(rng)
    return (
        f"event('Product Viewed').within({days} days).count() >= {rng.choice([1, 3, 5])} "
        f"AND NOT event('Order Completed').within({days} days).count() >= 1"
    )


def _abandoned_cart(rng: random.Random) -> str:
    hours = rng.choice([1, 2, 6, 12, 24])
    return (
        "event('Product Added').where(event('Order Completed')"
        f".within(parent: {hours} hours).count() = 0).within({_days(rng)} days).count() >= 1"
    )


def _revenue(rng: random.Random) -> str:
    return (
        f"event('Order Completed').within({_days(rng)} days).sum(property('revenue')) "
        f">= {rng.choice([100, 250, 500, 1000])}"
    )


def _markets(rng: random.Random) -> str:
    countries = ", ".join(f"'{c}'" for c in rng.sample(COUNTRIES, rng.choice([2, 3])))
    return f"trait('country').one_of({countries}) AND trait('plan') != 'free'"


def _lapsed(rng: random.Random) -> str:
    recent = rng.choice([14, 30])
    return (
        f"event('Order Completed').between({recent} days, {recent * 3} days).count() >= 1 "
        f"AND event('Order Completed').within({recent} days).count() = 0"
    )


def _browsers(rng: random.Random) -> str:
    return (
        f"event('Product Viewed').within({_days(rng)} days).unique(property('category')).count() "
        f">= {rng.choice([2, 3])}"
    )


def _email_dormant(rng: random.Random) -> str:
    return f"trait('email_opt_in') = true AND event('Email Opened').within({_days(rng)} days).count() = 0"


def _checkout_dropoff(rng: random.Random) -> str:
    hours = rng.choice([2, 12, 24, 48])
    return (
        f"event('Checkout Started').where(property('value') >= {rng.choice([50, 100, 200])})"
        f".within({hours} hours).count() >= 1 AND NOT event('Order Completed').within({hours} hours).count() >= 1"
    )


def _category_buyers(rng: random.Random) -> str:
    return (
        f"event('Order Completed').where(property('category') = '{rng.choice(CATEGORIES)}')"
        f".within({_days(rng)} days).count() >= {rng.choice([1, 2])} AND trait('country') = '{rng.choice(COUNTRIES)}'"
    )


def _account_any(rng: random.Random) -> str:
    return f"ANY event('{_event(rng)}').within({_days(rng)} days).count() >= 1"


def _account_all(rng: random.Random) -> str:
    return f"ALL (trait('plan') = '{rng.choice(PLANS[1:])}' AND event('Signed Up').count() >= 1)"


def _account_none(rng: random.Random) -> str:
    return f"ALL NOT event('Checkout Started').within({_days(rng)} days).count() >= 1"


TEMPLATES: tuple[Template, ...] = (
    _frequent, _filtered, _plan_and_activity, _big_spenders, _viewed_not_bought, _abandoned_cart,
    _revenue, _markets, _lapsed, _browsers, _email_dormant, _checkout_dropoff, _category_buyers,
    _account_any, _account_all, _account_none,
)  # fmt: skip


def ground_truth(rng: random.Random, index: int) -> Definition:
    """The ``index``-th ground truth: templates in turn, constants from ``rng``."""
    return parse(TEMPLATES[index % len(TEMPLATES)](rng))
