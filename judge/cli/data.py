"""``judge demo``, ``judge import``, ``judge export``: getting data in and out of the database."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from pathlib import Path

from judge.cli.commands import HELP, add_db_option, open_db, progress_bar
from judge.data import export, import_judgments, import_pairs, import_ratings
from judge.dataset_rubric import check_criterion_name, criteria_of, declare_criteria
from judge.demo import DEFAULT_PAIRS, DEFAULT_SEED, DEMO_DATASET
from judge.demo.store import store_demo
from judge.errors import JudgeError
from judge.llm.runfile import import_run_file
from judge.scale import Scale, parse_scale
from storage import RefusedError, StorageError
from storage import pairs as pair_store

__all__ = ["register"]


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = commands.add_parser("demo", help=HELP["demo"])
    p.add_argument("--pairs", type=int, default=DEFAULT_PAIRS)
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--if-empty", action="store_true", help="only when the database holds no pairs")
    add_db_option(p)
    p.set_defaults(handler=_demo)

    p = commands.add_parser("import", help=HELP["import"])
    p.add_argument("what", choices=["pairs", "ratings", "judgments", "run"])
    p.add_argument("file", type=Path)
    p.add_argument("--dataset", default=None, help="the dataset they belong to (pairs, ratings, judgments)")
    p.add_argument("--run", help="judgments: the name of the run to make or add to (default: the file name)")
    p.add_argument("--criterion", action="append", metavar="NAME[=SCALE]",
                   help="ratings or judgments of a dataset rated on several criteria: the one they are of (ratings "
                   "may instead name it per row, in a criterion column); pairs into a new dataset: one criterion "
                   "it is rated on, with its scale, given once per criterion (--criterion fluency=1-5 "
                   "--criterion 'on topic=binary:no,yes')")
    p.add_argument(
        "--scale",
        help="pairs into a new dataset: the scale it is rated and judged on, e.g. binary, "
        "binary:wrong,right, 1-3, 1-3:bad,fair,good (default: 1-5 with the rubric in force)",
    )
    p.add_argument(
        "--pass-at", type=int, help="with --scale: the lowest passing score, for pass/fail agreement"
    )
    p.add_argument("--score-map", metavar="FROM=TO,...",
                   help="ratings or judgments on another scale, mapped explicitly: e.g. 1=1,2=1,3=2,4=2,5=3 or "
                   "good=1,bad=0 (a score not named is read as written)")
    p.add_argument("--wide", action="store_true",
                   help="ratings: one column per annotator (each cell that person's score of the row's pair); "
                   "judgments: one column per judge, each column a run named after it")
    p.add_argument("--column", action="append", dest="columns", metavar="COLUMN",
                   help="with --wide, once per column: the annotator or judge columns (default: every column "
                   "that is not a field of the file)")
    p.add_argument("--lists", action="store_true",
                   help="cells hold lists, one value per item (as HANNA's scores file): each place becomes a "
                   "row, named in an 'item' column by the row's first plain cell and the place (--map "
                   "external_id=item)")
    p.add_argument("--map", action="append", metavar="FIELD=COLUMN", default=[],
                   help="the file's COLUMN holds FIELD (e.g. --map score=rating --map annotator=rater_id)")
    add_db_option(p)
    p.set_defaults(handler=_import)

    p = commands.add_parser("export", help=HELP["export"])
    p.add_argument("what", choices=["pairs", "ratings", "judgments"])
    p.add_argument("file", type=Path)
    p.add_argument("--dataset", default=None, help="only this dataset")
    add_db_option(p)
    p.set_defaults(handler=_export)


def _demo(args: argparse.Namespace) -> None:
    db = open_db(args)
    if args.if_empty and pair_store.pair_count(db) > 0:
        print(f"{db.path} already holds pairs; demo data not added")
        return
    added, present = store_demo(db, args.pairs, args.seed)
    print(f"demo dataset {DEMO_DATASET!r} in {db.path}: {added} pairs added, {present} already present")


def _assignments(given: list[str], option: str, form: str) -> dict[str, str]:
    """``option`` given as KEY=VALUE items (``form`` shows one), each key once, in order."""
    found: dict[str, str] = {}
    for text in given:
        key, equals, value = text.partition("=")
        if not equals or not key.strip() or not value.strip():
            raise JudgeError(f"{option} {text.strip()!r}: write {form}")
        if key.strip() in found:
            raise JudgeError(f"{option} names {key.strip()!r} twice")
        found[key.strip()] = value.strip()
    return found


def _mapping(given: list[str]) -> dict[str, str]:
    """``--map FIELD=COLUMN``: the file's column that holds each field."""
    return _assignments(given, "--map", "FIELD=COLUMN, e.g. --map score=rating")


def _scores(given: str | None) -> dict[str, str]:
    """``--score-map FROM=TO,...``: each score as written in the file, and the score it is on the dataset's scale."""
    items = [part for part in (given or "").split(",") if part.strip()]
    return _assignments(items, "--score-map", "FROM=TO pairs separated by commas, e.g. 1=1,2=1,3=2")


def _criteria(given: list[str], scale: Scale | None) -> dict[str, Scale]:
    """``--criterion NAME=SCALE`` for new pairs: the criteria in order, each with its scale."""
    named = _assignments(given, "--criterion", "NAME=SCALE with pairs, e.g. fluency=1-5")
    found = {check_criterion_name(name): parse_scale(spec) for name, spec in named.items()}
    if found and scale is not None:
        raise JudgeError("--scale is the one scale of a dataset without criteria; with --criterion each has its own")
    return found


def _import(args: argparse.Namespace) -> None:
    if args.what != "run" and not args.dataset:
        raise JudgeError(f"say which dataset the {args.what} belong to: --dataset NAME (new pairs make a new "
                         f"dataset; the demo is {DEMO_DATASET!r})")  # fmt: skip
    if (args.scale or args.pass_at is not None) and args.what != "pairs":
        raise JudgeError("--scale and --pass-at are for pairs: a dataset's scale is chosen when it is made")
    if args.pass_at is not None and not args.scale:
        raise JudgeError("--pass-at goes with --scale (1-5 passes at 4)")
    scale = parse_scale(args.scale, args.pass_at) if args.scale else None
    named = args.criterion or []
    mapping = _mapping(args.map)
    scores = _scores(args.score_map)
    if scores and args.what not in ("ratings", "judgments"):
        raise JudgeError("--score-map is for ratings and judgments files")
    if args.wide and args.what not in ("ratings", "judgments"):
        raise JudgeError("--wide is for ratings and judgments files: one column per annotator or judge")
    if args.columns and not args.wide:
        raise JudgeError("--column goes with --wide: it names the annotator or judge columns")
    if args.lists and args.what not in ("ratings", "judgments"):
        raise JudgeError("--lists is for ratings and judgments files")
    columns = args.columns or None
    if mapping and args.what == "run":
        raise JudgeError("--map is for pairs, ratings and judgments files; a run file is read as written")
    if args.what == "pairs":
        criteria = _criteria(named, scale)
    elif len(named) > 1 or any("=" in n for n in named):
        raise JudgeError(f"{args.what} are of one criterion: --criterion NAME (a scale is given with the pairs)")
    db = open_db(args)
    with _nothing_saved_when_the_database_fails():  # an import is one transaction: all of it, or none
        if args.what == "pairs":
            have = criteria_of(db, args.dataset) if pair_store.dataset_id(db, args.dataset) is not None else None
            if criteria and have is not None and have != list(criteria):
                raise JudgeError(f"dataset {args.dataset!r} is rated on "
                                 f"{', '.join(have) if have != [''] else 'one score'}, not {', '.join(criteria)}: "
                                 "criteria are given when a dataset is made")  # fmt: skip
            report = import_pairs(db, args.file, args.dataset, scale if not criteria else None, mapping,
                                  progress_bar("row"))  # fmt: skip
        elif args.what == "ratings":
            report = import_ratings(db, args.file, args.dataset, named[0] if named else None, mapping, args.wide,
                                    scores, progress_bar("rating"), args.lists, columns)  # fmt: skip
        elif args.what == "judgments":
            report = import_judgments(db, args.file, args.dataset, args.run, named[0] if named else None, mapping,
                                      scores, progress_bar("judgment"), args.wide, args.lists, columns)  # fmt: skip
        else:
            report = import_run_file(db, args.file, named[0] if named else None)
    if args.what == "pairs" and criteria:
        print(declare_criteria(db, args.dataset, criteria))
    where = "" if args.what == "run" else f" into dataset {args.dataset!r}"
    print(f"{args.file.name}{where}: {report}")


@contextlib.contextmanager
def _nothing_saved_when_the_database_fails() -> Iterator[None]:
    """A database that failed during an import (its server gone, a read before the write): the message says
    that nothing of the file was saved, as it is."""
    try:
        yield
    except StorageError as e:
        if isinstance(e, RefusedError) or "nothing was saved" in str(e):
            raise
        raise StorageError(f"{e}; nothing was saved") from e


def _export(args: argparse.Namespace) -> None:
    rows = export(open_db(args), args.what, args.file, args.dataset)
    print(f"{rows} {args.what} written to {args.file}")
