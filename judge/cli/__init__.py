"""The ``judge`` command: one sub-command per job, each in a small module."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from judge.cli import agreement, audience, data, execution, synth
from judge.errors import JudgeError

__all__ = ["main"]

Register = Callable[[argparse._SubParsersAction], None]  # type: ignore[type-arg]
_GROUPS: tuple[Register, ...] = (audience.register, data.register, execution.register, agreement.register,
                                 synth.register)  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="judge", description="Is your LLM judge aligned with people?")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in _GROUPS:
        register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; exit status 2 and a one-line error on bad input."""
    parser = build_parser()
    args = parser.parse_args(argv)
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
