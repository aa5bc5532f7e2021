"""``judge calibrate`` and ``judge gate``: snapshot the rated pairs, and decide from stored runs alone."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from judge.cli.commands import HELP, add_db_option, open_db
from judge.errors import JudgeError

__all__ = ["register"]


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = commands.add_parser("calibrate", help=HELP["calibrate"])
    p.add_argument("name", help="the calibration set's name")
    p.add_argument("--dataset", required=True, help="the dataset whose rated pairs it holds")
    p.add_argument("--criterion", help="on a dataset rated on several criteria: the one whose consensus it holds")
    p.add_argument("--dev-share", type=float, default=None,
                   help="share of pairs for examples, never compared on (default: the set's own, else 0.2)")
    add_db_option(p)
    p.set_defaults(handler=_calibrate)

    p = commands.add_parser("rubric", help=HELP["rubric"])
    p.add_argument("file", type=Path, help="a rubric TOML file (as judge/rubrics/audience.v1.toml)")
    p.add_argument("--dataset", required=True, help="the dataset rated and judged by it from now on")
    p.add_argument("--criterion", default="", help="on a dataset rated on several criteria: the one it is for")
    add_db_option(p)
    p.set_defaults(handler=_rubric)

    p = commands.add_parser("consensus", help=HELP["consensus"])
    p.add_argument("--dataset", required=True)
    p.add_argument("--people", default=None, help="median (the default), mean, majority, or rater:NAME (one "
                   "person's rating, such as an imported consensus column); omitted: as it is")  # fmt: skip
    p.add_argument("--samples", default=None, help="a judge's samples: median (the default) or mean; omitted: as it is")
    add_db_option(p)
    p.set_defaults(handler=_consensus)

    p = commands.add_parser("gate", help=HELP["gate"], description="Exit 0: passes; 1: fails; 2: cannot tell "
                            "(no or unfinished run, a stale set, too few pairs for the interval to decide).")  # fmt: skip
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--calibration", help="calibration set NAME, in the database")
    where.add_argument("--calibration-file", type=Path, metavar="SET.json",
                       help="a calibration set exported on the Prompts page (while the app holds the database)")
    p.add_argument("--run-file", type=Path, metavar="RUN.jsonl", help="with --calibration-file: the run of --prompt "
                   "(judge run --pairs PAIRS --out RUN.jsonl)")
    p.add_argument("--baseline-file", type=Path, metavar="RUN.jsonl",
                   help="with --calibration-file and --no-worse-than: the run of that version")
    p.add_argument("--prompt", required=True, help="the template version to check, NAME@VERSION")
    p.add_argument("--min", action="append", default=[], metavar="FIGURE=VALUE",
                   help="e.g. within_one=0.85 (the 95%% interval's lower bound must clear it); may repeat")  # fmt: skip
    p.add_argument("--no-worse-than", metavar="NAME@VERSION", help="the version it must not be worse than")
    p.add_argument("--tolerance", type=float, default=0.0, help="how much worse counts as no worse (e.g. 0.02)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    add_db_option(p)
    p.set_defaults(handler=_gate)


def _rubric(args: argparse.Namespace) -> int:
    from judge.dataset_rubric import set_rubric

    print(set_rubric(open_db(args), args.dataset, args.file, criterion=args.criterion))
    return 0


def _consensus(args: argparse.Namespace) -> int:
    from judge.agreement.report import rule_words
    from judge.dataset_rubric import rules_of, set_rules

    db = open_db(args)
    people, samples = rules_of(db, args.dataset)
    if args.people is None and args.samples is None:
        print(f"dataset {args.dataset}: people's score of a pair is {rule_words(people)}; a judge's is the "
              f"{samples} of its samples")  # fmt: skip
        return 0
    print(set_rules(db, args.dataset, args.people or people, args.samples or samples))
    return 0


def _calibrate(args: argparse.Namespace) -> int:
    from judge.calibration import snapshot

    made = snapshot(open_db(args), args.name, args.dataset, dev_share=args.dev_share, criterion=args.criterion)
    test = len(made.test_pairs)
    print(f"calibration set {made.name}: {len(made.pairs)} rated pairs of {made.dataset} ({test} to compare on, "
          f"{len(made.pairs) - test} for examples), snapshot {made.sha256[:12]}")  # fmt: skip
    return 0


def _minimum(texts: list[str]) -> dict[str, float]:
    wanted = {}
    for text in texts:
        key, _, value = text.partition("=")
        if key.strip() in wanted:
            raise JudgeError(f"--min {key.strip()} is given twice; give each figure once")
        try:
            wanted[key.strip()] = float(value)
        except ValueError:
            raise JudgeError(f"--min {text!r}: write FIGURE=VALUE, e.g. within_one=0.85") from None
        if not math.isfinite(wanted[key.strip()]):
            raise JudgeError(f"--min {text!r}: the value is a number, e.g. within_one=0.85")
    return wanted


def _gate(args: argparse.Namespace) -> int:
    from judge.calibration import gate
    from judge.gate_files import gate_files

    try:
        minimum = _minimum(args.min)
        if args.calibration is not None and args.db is not None and not Path(args.db).exists():
            raise JudgeError(f"no database at {args.db}")
        if not math.isfinite(args.tolerance) or args.tolerance < 0:
            raise JudgeError(f"--tolerance is a number of at least 0, not {args.tolerance}")
        if args.calibration_file is not None:
            if args.run_file is None:
                raise JudgeError("--calibration-file needs --run-file RUN.jsonl, the run of --prompt")
            if (args.no_worse_than is None) != (args.baseline_file is None):
                raise JudgeError("--no-worse-than and --baseline-file go together with --calibration-file")
            base = (args.no_worse_than, args.baseline_file) if args.no_worse_than else None
            result = gate_files(args.calibration_file, args.prompt, args.run_file, minimum or None, base, args.tolerance)
        else:
            if args.run_file is not None or args.baseline_file is not None:
                raise JudgeError("--run-file and --baseline-file are for --calibration-file; with --calibration the "
                                 "runs are read from the database")  # fmt: skip
            result = gate(open_db(args), args.calibration, args.prompt, minimum or None, args.no_worse_than,
                          args.tolerance)  # fmt: skip
    except JudgeError as e:  # fails closed: a gate that cannot run cannot pass
        print(f"cannot tell: {e}", file=sys.stderr)
        return 2
    print(result.to_json() if args.json else result.reason)
    return result.code
