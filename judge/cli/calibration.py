"""``judge calibrate`` and ``judge gate``: snapshot the rated pairs, and decide from stored runs alone."""

from __future__ import annotations

import argparse
import sys

from judge.cli.commands import HELP, add_db_option, open_db
from judge.errors import JudgeError

__all__ = ["register"]


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = commands.add_parser("calibrate", help=HELP["calibrate"])
    p.add_argument("name", help="the calibration set's name")
    p.add_argument("--dataset", required=True, help="the dataset whose rated pairs it holds")
    p.add_argument("--dev-share", type=float, default=0.2, help="share of pairs for examples, never compared on")
    add_db_option(p)
    p.set_defaults(handler=_calibrate)

    p = commands.add_parser("gate", help=HELP["gate"], description="Exit 0: passes; 1: fails; 2: cannot tell "
                            "(no or unfinished run, a stale set, too few pairs for the interval to decide).")  # fmt: skip
    p.add_argument("--calibration", required=True, help="calibration set NAME")
    p.add_argument("--prompt", required=True, help="the template version to check, NAME@VERSION")
    p.add_argument("--min", action="append", default=[], metavar="FIGURE=VALUE",
                   help="e.g. within_one=0.85 (the 95%% interval's lower bound must clear it); may repeat")  # fmt: skip
    p.add_argument("--no-worse-than", metavar="NAME@VERSION", help="the version it must not be worse than")
    p.add_argument("--tolerance", type=float, default=0.0, help="how much worse counts as no worse (e.g. 0.02)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    add_db_option(p)
    p.set_defaults(handler=_gate)


def _calibrate(args: argparse.Namespace) -> int:
    from judge.calibration import snapshot

    made = snapshot(open_db(args), args.name, args.dataset, dev_share=args.dev_share)
    test = len(made.test_pairs)
    print(f"calibration set {made.name}: {len(made.pairs)} rated pairs of {made.dataset} ({test} to compare on, "
          f"{len(made.pairs) - test} for examples), snapshot {made.sha256[:12]}")  # fmt: skip
    return 0


def _minimum(texts: list[str]) -> dict[str, float]:
    wanted = {}
    for text in texts:
        key, _, value = text.partition("=")
        try:
            wanted[key.strip()] = float(value)
        except ValueError:
            raise JudgeError(f"--min {text!r}: write FIGURE=VALUE, e.g. within_one=0.85") from None
    return wanted


def _gate(args: argparse.Namespace) -> int:
    from judge.calibration import gate

    try:
        minimum = _minimum(args.min)
        db = open_db(args)
    except JudgeError as e:  # fails closed: a gate that cannot run cannot pass
        print(f"cannot tell: {e}", file=sys.stderr)
        return 2
    result = gate(db, args.calibration, args.prompt, minimum or None, args.no_worse_than, args.tolerance)
    print(result.to_json() if args.json else result.reason)
    return result.code
