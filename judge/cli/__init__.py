"""The ``judge`` command: one sub-command per job, each in a small module."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from judge.cli.commands import COMMANDS, HELP
from judge.errors import JudgeError

__all__ = ["build_parser", "main"]


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The parser, with the full arguments of the command ``argv`` names (its module imported now) and
    the others by name and help only: ``judge --help`` and ``judge parse`` import nothing they do not use."""
    parser = argparse.ArgumentParser(prog="judge", description="Is your LLM judge aligned with people?")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    wanted = COMMANDS.get(next((a for a in argv if not a.startswith("-")), ""))
    if wanted:
        importlib.import_module(f"judge.cli.{wanted}").register(commands)
    for name, module in COMMANDS.items():
        if module != wanted:
            commands.add_parser(name, help=HELP[name])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; exit status 2 and a one-line error on bad input."""
    given = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(given).parse_args(given)
    try:
        return int(args.handler(args) or 0)
    except JudgeError as e:
        print(f"judge {args.command}: error: {one_line(str(e))}", file=sys.stderr)
        return 2
    except OSError as e:
        print(
            f"judge {args.command}: error: {e.strerror or e}: {e.filename or ''}".rstrip(": "),
            file=sys.stderr,
        )
        return 2


def one_line(text: str) -> str:
    return " ".join(text.split())


if __name__ == "__main__":
    raise SystemExit(main())
