"""``judge parse``, ``judge render``, ``judge canonical``, ``judge diff``: the audience language."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from judge.audience import Definition, canonical, diff, load, parse, to_english, to_text
from judge.cli.commands import HELP

__all__ = ["read_definition", "register"]


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = commands.add_parser("parse", help=HELP["parse"])
    p.add_argument("--type", choices=["USERS", "ACCOUNTS"], help="default: ACCOUNTS if ANY/ALL appear")
    p.set_defaults(handler=_parse)

    p = commands.add_parser("render", help=HELP["render"])
    p.add_argument("--to", choices=["text", "english"], default="text")
    p.set_defaults(handler=_render)

    p = commands.add_parser("canonical", help=HELP["canonical"])
    p.set_defaults(handler=_canonical)

    p = commands.add_parser("diff", help=HELP["diff"])
    p.add_argument("a", type=Path)
    p.add_argument("b", type=Path)
    p.add_argument("--json", action="store_true", help="print the changes as JSON")
    p.set_defaults(handler=_diff)


def read_definition(text: str) -> Definition:
    """A definition from JSON (starts with ``{``) or from the text form."""
    return load(text) if text.lstrip().startswith("{") else parse(text)


def _parse(args: argparse.Namespace) -> None:
    definition = parse(sys.stdin.read(), args.type)
    print(json.dumps(definition.to_json(), indent=2, ensure_ascii=False))


def _render(args: argparse.Namespace) -> None:
    definition = load(sys.stdin.read())
    print(to_text(definition) if args.to == "text" else to_english(definition))


def _canonical(args: argparse.Namespace) -> None:
    definition = canonical(read_definition(sys.stdin.read()))
    print(json.dumps(definition.to_json(), indent=2, ensure_ascii=False))


def _diff(args: argparse.Namespace) -> None:
    a = read_definition(args.a.read_text("utf-8"))
    b = read_definition(args.b.read_text("utf-8"))
    changes = diff(a, b)
    if args.json:
        print(json.dumps([c.to_json() for c in changes], indent=2, ensure_ascii=False))
    elif not changes:
        print("no differences")
    else:
        for change in changes:
            print(change)
