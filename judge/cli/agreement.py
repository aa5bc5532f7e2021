"""``judge agreement``: a run's figures against people, a comparison of two runs, and a CI gate."""

from __future__ import annotations

import argparse
import json
import math
import sys

from judge.agreement.alt_test import EPSILONS
from judge.agreement.insights import GROUND_TRUTH, group_fields, insights
from judge.agreement.report import HEADLINES, compare_runs
from judge.agreement.stats import headline_for
from judge.agreement.verdict import headline_sentence
from judge.cli.commands import HELP, add_db_option, open_db
from judge.config import Settings
from judge.errors import JudgeError

__all__ = ["register"]


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = commands.add_parser("agreement", help=HELP["agreement"])
    p.add_argument("--run", dest="run_id", type=int, required=True)
    p.add_argument("--vs", type=int, help="compare with this earlier run (paired bootstrap, McNemar)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--min-alignment", type=float, help="exit 1 when the headline figure is below this")
    p.add_argument(
        "--headline", choices=HEADLINES, help="the headline figure (default: $JUDGE_HEADLINE_METRIC)"
    )
    p.add_argument("--group-by", default=GROUND_TRUTH, metavar="FIELD",
                   help="average the per-group correlations over pairs with the same FIELD of their metadata "
                        "(default: the ground truth)")  # fmt: skip
    p.add_argument("--annotators", choices=list(EPSILONS),
                   help="who the annotators are, for the alternative annotator test's epsilon "
                        "(default: $JUDGE_ANNOTATOR_KIND)")  # fmt: skip
    add_db_option(p)
    p.set_defaults(handler=_agreement)


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _finite(value: object) -> object:
    """JSON has no NaN or infinity: a number that is not finite is written as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _agreement(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    headline = args.headline or settings.headline_metric
    if headline not in HEADLINES:
        raise JudgeError(f"unknown headline figure {headline!r}; choose one of {', '.join(HEADLINES)}")
    db = open_db(args)
    if args.group_by not in (fields := group_fields(db, args.run_id)):
        raise JudgeError(f"no metadata field {args.group_by!r} on the pairs of run {args.run_id}; "
                         f"choose one of: {', '.join(fields)}")  # fmt: skip
    found = insights(db, args.run_id, headline=headline, annotators=args.annotators or settings.annotator_kind,
                     per_pair=settings.annotators_per_pair, group_by=args.group_by)  # fmt: skip
    result = found.report
    headline = headline_for(headline, result.scale)  # within one on a binary scale: exact agreement
    comparison = compare_runs(db, args.vs, args.run_id) if args.vs else None
    from judge.dataset_rubric import run_criterion

    criterion = run_criterion(db, args.run_id)
    if args.json:
        out = {**result.to_json(), "criterion": criterion, "headline": headline, "headline_sentence": headline_sentence(result, headline),
               **found.to_json()}  # fmt: skip
        if comparison:
            out["comparison"] = {"vs": args.vs, "n": comparison.n, "mcnemar_p": comparison.mcnemar_p,
                                 "differences": [d.__dict__ for d in comparison.differences]}  # fmt: skip
        print(json.dumps(_finite(out), indent=2))
    else:
        of = f" of criterion {criterion}" if criterion else ""
        print(f"run {args.run_id}: {result.n} pairs with human ratings{of} on a {result.scale.describe()} scale "
              f"({result.no_human} without, {result.judge_errors} judge errors)")  # fmt: skip
        for f in result.figures:
            mark = "*" if f.key == headline else " "
            print(f"{mark} {f.label:<36} {_number(f.value):>7}  [{_number(f.low)}, {_number(f.high)}]")
        c = result.ceiling
        print(f"  people among themselves ({c.pairs} pairs): alpha {_number(c.alpha_ordinal)}, "
              f"AC1 {_number(c.gwet_ac1)}, exact {_number(c.exact)}"
              + (f", within one {_number(c.within_one)}" if result.scale.within_one_applies else ""))  # fmt: skip
        print(headline_sentence(result, headline))
        print(f"can it replace an annotator? {found.alt.answer}")
        r = found.repeat
        print("repeatability: " + (r.missing or f"changed its score on {r.flip_rate:.0%} of {r.pairs} pairs judged "
                                   f"twice or more, pass/fail on {r.straddle_rate:.0%}"))  # fmt: skip
        if found.order is not None:
            print(f"order: {found.order.reading}")
        print(f"size: {found.size.reading}")
        close = result.scale.within_one_applies
        for s in found.strata:
            judge, people = (s.judge_within_one, s.people_within_one) if close else (s.judge_exact, s.people_exact)
            words = "within one" if close else "the same"
            print(f"  {s.label:<46} {s.pairs:>6} pairs  judge {words} {_number(judge)}  people {words} {_number(people)}")
        if comparison:
            print(
                f"run {args.run_id} vs run {args.vs} on {comparison.n} pairs (difference, 95% paired bootstrap):"
            )
            for d in comparison.differences:
                print(f"  {d.label:<36} {_number(d.a)} -> {_number(d.b)}  "
                      f"{_number(d.difference)} [{_number(d.low)}, {_number(d.high)}]")  # fmt: skip
            print(f"  McNemar on exact agreement: p = {_number(comparison.mcnemar_p)}")
    value = result.figure(headline).value
    asked = args.headline or settings.headline_metric
    if args.min_alignment is not None and headline != asked:  # within one on a binary scale, say: never silently
        print(f"judge agreement: {asked} is not a figure of the {result.scale.describe()} scale; --min-alignment "
              f"is held against {headline} instead", file=sys.stderr)  # fmt: skip
    if args.min_alignment is not None and (value is None or value < args.min_alignment):
        print(f"judge agreement: {headline} {_number(value)} is below {args.min_alignment}", file=sys.stderr)
        return 1
    return 0
