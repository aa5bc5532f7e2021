"""Text form -> AST.

The grammar (``grammar.lark``, parsed by lark's LALR parser, which keeps its own
stack and so never hits Python's recursion limit) reads calls generically; this
module gives each call its meaning and says, with line and column, what is
wrong when a call is misused.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any, Literal, NoReturn, TypeVar

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from pydantic import BaseModel, ValidationError

from judge.audience.errors import AudienceSyntaxError, AudienceValidationError, Problem
from judge.audience.model import (
    MAX_INTEGER,
    AllOf,
    And,
    AnyOf,
    Between,
    Compare,
    Condition,
    Context,
    Definition,
    Duration,
    Event,
    Filter,
    Literal_,
    LiteralValue,
    Not,
    Or,
    OversizedInteger,
    Property,
    Reduce,
    Scalar,
    Sources,
    Trait,
    Where,
    Within,
    integer_limit_message,
)
from judge.audience.rules import check, walk

__all__ = ["MAX_TEXT_CHARS", "MAX_TREE_DEPTH", "parse"]

MAX_TEXT_CHARS = 1_000_000
"""Longest text form accepted, in characters (a definition holds at most 50 comparisons)."""
MAX_TREE_DEPTH = 400
"""Deepest parse tree accepted; about 100 levels of nested conditions."""

SUGAR_OPS = {"==": "=", "=": "=", "!=": "!=", ">": ">", ">=": ">=", "<": "<", "<=": "<="}
COMPARATOR_FUNCTIONS = {
    "equals": "=", "differs": "!=", "greater_than": ">", "at_least": ">=", "less_than": "<",
    "at_most": "<=", "exists": "exists", "absent": "absent", "contains": "contains",
    "omits": "omits", "starts_with": "starts_with", "ends_with": "ends_with", "one_of": "one_of",
    "before_date": "before_date", "after_date": "after_date", "within_last": "within_last",
    "within_next": "within_next", "before_last": "before_last", "after_next": "after_next",
}  # fmt: skip
FILTERS = ("where", "within", "between", "sources")
REDUCERS = ("count", "sum", "avg", "min", "max", "mode", "first", "last", "unique")
EXTRACTORS = ("event", "trait", "property", "context", "literal")
_KNOWN = {*COMPARATOR_FUNCTIONS, *FILTERS, *REDUCERS, *EXTRACTORS}
_TERMINAL_NAMES = {
    "STRING": "a quoted string", "NUMBER": "a number", "NAME": "a function name",
    "CMP_OP": "a comparison (=, !=, >, >=, <, <=)", "_AND": "AND", "_OR": "OR", "_NOT": "NOT",
    "_ANY": "ANY", "_ALL": "ALL", "TRUE": "true", "FALSE": "false", "$END": "the end",
}  # fmt: skip
_NAMED_EXTRACTORS: dict[str, type[BaseModel]] = {"trait": Trait, "property": Property, "context": Context}
_N = TypeVar("_N", bound=BaseModel)
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|x[0-9a-fA-F]{2}|.)", re.DOTALL)
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "/": "/", "0": "\0"}


@cache
def _lark() -> Lark:
    grammar = resources.files("judge.audience").joinpath("grammar.lark").read_text("utf-8")
    # cache: the built LALR tables are kept in a temp file keyed on the grammar and Lark's version (0.2 s
    # a start otherwise, which every `judge parse` in a shell loop paid)
    return Lark(grammar, parser="lalr", propagate_positions=True, maybe_placeholders=True, cache=True)


def parse(text: str, definition_type: Literal["USERS", "ACCOUNTS"] | None = None) -> Definition:
    """Parse the text form. Without ``definition_type``, ``ANY``/``ALL`` make it ``ACCOUNTS``."""
    if len(text) > MAX_TEXT_CHARS:
        raise AudienceSyntaxError(
            f"the definition is {len(text):,} characters; the limit is {MAX_TEXT_CHARS:,}", 1, 1
        )
    try:
        tree = _lark().parse(text)
    except UnexpectedInput as e:
        raise _syntax_error(e, text) from None
    _check_depth(tree)
    builder = _Builder()
    root = builder.root(tree)
    kind = definition_type or ("ACCOUNTS" if builder.saw_account_junction else "USERS")
    definition = Definition(definition_type=kind, root=root)
    problems = check(definition)
    if problems:
        raise AudienceValidationError([builder.locate(p, definition) for p in problems])
    return definition


def _syntax_error(e: UnexpectedInput, text: str) -> AudienceSyntaxError:
    line, column = max(e.line, 1), max(e.column, 1)
    if isinstance(e, UnexpectedCharacters):
        pos = e.pos_in_stream or 0
        found = text[pos] if pos < len(text) else "the end"
        return AudienceSyntaxError(f"unexpected character {found!r}", line, column, _expected(e.allowed))
    if isinstance(e, UnexpectedEOF):
        return AudienceSyntaxError("the definition ends too early", line, column, _expected(e.expected))
    if isinstance(e, UnexpectedToken):
        token = e.token
        if token.type == "$END":
            lines = text.splitlines() or [""]
            line, column = len(lines), len(lines[-1]) + 1
            return AudienceSyntaxError("the definition ends too early", line, column, _expected(e.expected))
        return AudienceSyntaxError(f"unexpected {str(token)!r}", line, column, _expected(e.expected))
    return AudienceSyntaxError(str(e), line, column)


def _expected(names: Any) -> tuple[str, ...]:
    readable = set()
    for name in names or ():
        if name in _TERMINAL_NAMES:
            readable.add(_TERMINAL_NAMES[name])
            continue
        pattern = _terminal_pattern(name)
        readable.add(f"'{pattern}'" if pattern else name.lower())
    return tuple(sorted(readable))


def _terminal_pattern(name: str) -> str | None:
    for terminal in _lark().terminals:
        if terminal.name == name and terminal.pattern.type == "str":
            return str(terminal.pattern.value)
    return None


def _check_depth(tree: Tree[Token]) -> None:
    stack: list[tuple[Tree[Token], int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_TREE_DEPTH:
            line, column = _position(node)
            raise AudienceSyntaxError("the definition is nested too deeply", line, column)
        stack.extend((c, depth + 1) for c in node.children if isinstance(c, Tree))


def _position(node: Tree[Token] | Token) -> tuple[int, int]:
    if isinstance(node, Token):
        return node.line or 1, node.column or 1
    meta = node.meta
    return (getattr(meta, "line", 1) or 1), (getattr(meta, "column", 1) or 1)


def _fail(node: Tree[Token] | Token, message: str) -> NoReturn:
    line, column = _position(node)
    raise AudienceSyntaxError(message, line, column)


class _Builder:
    """Turns the generic parse tree into AST nodes, remembering where each came from."""

    def __init__(self) -> None:
        self.saw_account_junction = False
        self._where: dict[int, tuple[int, int]] = {}

    def locate(self, problem: Problem, definition: Definition) -> Problem:
        for path, node, _ in walk(definition):
            if path == problem.path and id(node) in self._where:
                line, column = self._where[id(node)]
                return Problem(problem.path, problem.message, line, column)
        return problem

    def _made(self, tree: Tree[Token] | Token, node: _N) -> _N:
        self._where[id(node)] = _position(tree)
        return node

    def _model(self, tree: Tree[Token] | Token, model: type[BaseModel], **fields: Any) -> Any:
        try:
            node = model(**fields)
        except ValidationError as e:
            reason = e.errors(include_url=False)[0]["msg"].removeprefix("Value error, ")
            _fail(tree, reason)
        return self._made(tree, node)

    # ---- conditions ----

    def root(self, tree: Tree[Token]) -> Condition | Reduce:
        if tree.data == "chain":
            calls = _calls(tree)
            if calls and _name(calls[-1]) in REDUCERS:
                reduce = self._scalar_from_calls(tree, calls)
                if not isinstance(reduce, Reduce):
                    _fail(tree, "a computed trait must end with a reducer such as count() or sum(...)")
                return reduce
        return self.condition(tree)

    def condition(self, tree: Tree[Token]) -> Condition:
        kind = tree.data
        if kind in ("or_expr", "and_expr"):
            children = tuple(self.condition(c) for c in _subtrees(tree))
            return self._model(tree, Or if kind == "or_expr" else And, children=children)
        if kind in ("not_", "any_", "all_"):
            self.saw_account_junction |= kind != "not_"
            model = {"not_": Not, "any_": AnyOf, "all_": AllOf}[str(kind)]
            return self._model(tree, model, child=self.condition(_child(tree, 0)))
        if kind == "sugar":
            left = self.scalar(_child(tree, 0), position="left")
            right = self.scalar(_child(tree, 2), position="right")
            op = SUGAR_OPS[str(tree.children[1])]
            return self._model(tree, Compare, op=op, left=left, right=right)
        if kind == "chain":
            return self._compare_chain(tree)
        _fail(tree, "expected a condition such as trait('plan') = 'pro'")

    def _compare_chain(self, tree: Tree[Token]) -> Compare:
        calls = _calls(tree)
        for call in calls:
            if _name(call) not in _KNOWN:
                _fail(call, f"unknown function '{_name(call)}'")
        if not calls or _name(calls[-1]) not in COMPARATOR_FUNCTIONS:
            end = calls[-1] if calls else tree
            _fail(
                end, "expected a comparison such as '>= 1', '= 'pro'' or '.exists()' to end this expression"
            )
        last = calls[-1]
        op = COMPARATOR_FUNCTIONS[_name(last)]
        left = self._scalar_from_calls(tree, calls[:-1])
        right = self._comparator_argument(last, op)
        return self._model(tree, Compare, op=op, left=left, right=right)

    def _comparator_argument(self, call: Tree[Token], op: str) -> Any:
        args = _arguments(call)
        name = _name(call)
        if op in ("exists", "absent"):
            _arity(call, args, 0, 0)
            return None
        if op in ("contains", "one_of"):
            _arity(call, args, 1, None)
            return tuple(self._literal(a, name) for a in args)
        if op in ("within_last", "within_next", "before_last", "after_next"):
            _arity(call, args, 1, 1)
            return self._duration(args[0], name)
        _arity(call, args, 1, 1)
        return self.scalar(args[0], position="right")

    # ---- scalars ----

    def scalar(self, tree: Tree[Token], position: str) -> Scalar:
        if tree.data != "chain":
            _fail(tree, f"expected a value on the {position} of the comparison")
        if _is_value(tree):
            return self._made(tree, Literal_(value=self._value(_child(tree, 0))))
        return self._scalar_from_calls(tree, _calls(tree))

    def _scalar_from_calls(self, tree: Tree[Token], calls: list[Tree[Token]]) -> Scalar:
        if not calls:
            _fail(tree, "expected an extractor: event, trait, property, context or literal")
        head, rest = calls[0], calls[1:]
        name = _name(head)
        if name == "event":
            return self._reduce(head, rest)
        if name not in EXTRACTORS:
            _fail(
                head,
                f"unknown function '{name}'; an expression starts with event, trait, property, context or literal",
            )
        if rest:
            _fail(
                rest[0],
                f"{name}(...) is a single value; '{_name(rest[0])}' cannot follow it (did you mean a comparison?)",
            )
        args = _arguments(head)
        if name == "literal":
            _arity(head, args, 1, 1)
            return self._made(head, Literal_(value=self._literal(args[0], "literal").value))
        if name == "property" and args and args[0].data == "keyword":
            _arity(head, args, 1, 1)
            key, value = args[0].children
            if str(key) != "parent":
                _fail(args[0], f"property() takes 'parent:', not '{key}:'")
            return self._model(head, Property, name=self._string(value, name), parent=True)
        _arity(head, args, 1, 1)
        return self._model(head, _NAMED_EXTRACTORS[name], name=self._string(args[0], name))

    def _reduce(self, head: Tree[Token], rest: list[Tree[Token]]) -> Reduce:
        args = _arguments(head)
        _arity(head, args, 1, 1)
        filters: list[Filter] = []
        index = 0
        while index < len(rest) and _name(rest[index]) in FILTERS:
            filters.append(self._filter(rest[index]))
            index += 1
        if index == len(rest):
            _fail(
                rest[-1] if rest else head,
                "an event stream must end with a reducer such as count() or sum(property('price'))",
            )
        call = rest[index]
        fn = _name(call)
        if fn not in REDUCERS:
            _fail(
                call,
                f"'{fn}' cannot follow an event stream; expected a filter ({', '.join(FILTERS)}) or a reducer ({', '.join(REDUCERS)})",
            )
        event = self._model(head, Event, name=self._string(args[0], "event"), filters=tuple(filters))
        fields = self._reducer_arguments(call, fn)
        after = rest[index + 1 :]
        if after and fn == "unique" and _name(after[0]) == "count" and not _arguments(after[0]):
            fields = {"fn": "count", "property": fields["property"]}
            after = after[1:]
        if after:
            follows = "only count() may follow unique()" if fn == "unique" else f"{fn}() is a value"
            _fail(after[0], f"'{_name(after[0])}' cannot follow {fn}(): {follows}")
        return self._model(call, Reduce, stream=event, **fields)

    def _reducer_arguments(self, call: Tree[Token], fn: str) -> dict[str, Any]:
        args = _arguments(call)
        if fn == "count":
            _arity(call, args, 0, 0)
            return {"fn": fn}
        wanted = 2 if fn == "mode" else 1
        _arity(call, args, wanted, wanted)
        fields: dict[str, Any] = {"fn": fn}
        target = args[0]
        if target.data == "typed":
            fields["as"] = str(target.children[1])
            target = _child(target, 0)
        fields["property"] = self._property_name(target, fn)
        if fn == "mode":
            fields["min_frequency"] = self._integer(args[1], "mode() minimum frequency")
        return fields

    def _property_name(self, tree: Tree[Token], fn: str) -> str:
        calls = _calls(tree) if tree.data == "chain" else []
        if len(calls) != 1 or _name(calls[0]) != "property":
            _fail(tree, f"{fn}() takes property('name')")
        args = _arguments(calls[0])
        _arity(calls[0], args, 1, 1)
        return self._string(args[0], "property")

    # ---- filters ----

    def _filter(self, call: Tree[Token]) -> Filter:
        name, args = _name(call), _arguments(call)
        if name == "where":
            _arity(call, args, 1, 1)
            return self._model(call, Where, condition=self.condition(args[0]))
        if name == "within":
            _arity(call, args, 1, 1)
            parent = args[0].data == "keyword"
            target = args[0]
            if parent:
                key, target = args[0].children[0], _child(args[0], 1)
                if str(key) != "parent":
                    _fail(args[0], f"within() takes 'parent:', not '{key}:'")
            duration = self._duration(target, "within")
            return self._model(call, Within, amount=duration.amount, unit=duration.unit, parent=parent)
        if name == "between":
            _arity(call, args, 2, 2)
            return self._model(
                call, Between, start=self._duration(args[0], name), end=self._duration(args[1], name)
            )
        _arity(call, args, 1, None)
        if args[0].data != "keyword" or str(args[0].children[0]) != "exclude":
            _fail(call, "sources() takes exclude: followed by source ids")
        ids = [args[0].children[1], *args[1:]]
        return self._model(call, Sources, exclude=tuple(self._string(i, "sources") for i in ids))

    # ---- values ----

    def _duration(self, tree: Tree[Token], where: str) -> Duration:
        if tree.data != "duration":
            _fail(tree, f"{where}() takes a duration such as 7 days or 12 hours")
        amount, unit = tree.children
        if str(unit) not in ("hour", "hours", "day", "days"):
            _fail(unit, f"unknown time unit '{unit}'; use hours or days")
        return self._model(tree, Duration, amount=self._integer(amount, "a duration"), unit=str(unit))

    def _literal(self, tree: Tree[Token], where: str) -> Literal_:
        if tree.data != "chain" or not _is_value(tree):
            calls = _calls(tree) if tree.data == "chain" else []
            if len(calls) == 1 and _name(calls[0]) == "literal":
                args = _arguments(calls[0])
                _arity(calls[0], args, 1, 1)
                return self._literal(args[0], where)
            _fail(tree, f"{where}() takes plain values: strings, numbers, true or false")
        return self._model(tree, Literal_, value=self._value(_child(tree, 0)))

    def _value(self, tree: Tree[Token]) -> LiteralValue:
        token = tree.children[0]
        assert isinstance(token, Token)
        if tree.data == "string":
            return _unquote(token)
        if tree.data == "number":
            return _number(token)
        return tree.data == "true"

    def _string(self, tree: Tree[Token] | Token, where: str) -> str:
        if isinstance(tree, Tree) and tree.data == "chain" and _is_value(tree):
            value = tree.children[0]
            if isinstance(value, Tree) and value.data == "string":
                token = value.children[0]
                assert isinstance(token, Token)
                return _unquote(token)
        _fail(tree, f"{where}() takes a quoted name such as '{where}_name'")

    def _integer(self, tree: Tree[Token] | Token, what: str) -> int:
        token: Any = tree
        if isinstance(tree, Tree) and tree.data == "chain" and _is_value(tree):
            token = tree.children[0].children[0]  # type: ignore[union-attr]
        if isinstance(token, Token) and token.type == "NUMBER" and re.fullmatch(r"-?[0-9]+", str(token)):
            return _number(token)  # type: ignore[return-value]
        _fail(tree, f"{what} must be a whole number")


def _child(tree: Tree[Token], index: int) -> Tree[Token]:
    child = tree.children[index]
    assert isinstance(child, Tree), f"grammar: {tree.data} child {index} is a token"
    return child


def _subtrees(tree: Tree[Token]) -> list[Tree[Token]]:
    return [c for c in tree.children if isinstance(c, Tree)]


def _calls(chain: Tree[Token]) -> list[Tree[Token]]:
    return [c for c in chain.children if isinstance(c, Tree) and c.data == "call"]


def _is_value(chain: Tree[Token]) -> bool:
    return len(chain.children) == 1 and isinstance(chain.children[0], Tree) and chain.children[0].data in (
        "string", "number", "true", "false",
    )  # fmt: skip


def _name(call: Tree[Token]) -> str:
    return str(call.children[0])


def _arguments(call: Tree[Token]) -> list[Tree[Token]]:
    args = call.children[1]
    if args is None:
        return []
    assert isinstance(args, Tree)
    return [a for a in args.children if isinstance(a, Tree)]


def _arity(call: Tree[Token], args: list[Tree[Token]], low: int, high: int | None) -> None:
    if low <= len(args) and (high is None or len(args) <= high):
        return
    name = _name(call)
    if high == 0:
        _fail(call, f"{name}() takes no arguments")
    wanted = f"at least {low}" if high is None else (str(low) if low == high else f"{low} to {high}")
    _fail(call, f"{name}() takes {wanted} argument{'s' if wanted != '1' else ''}, got {len(args)}")


def _number(token: Token) -> int | float:
    text = str(token)
    if re.fullmatch(r"-?[0-9]+", text):
        if len(text.lstrip("-")) > len(str(MAX_INTEGER)) or abs(int(text)) > MAX_INTEGER:
            _fail(token, integer_limit_message(OversizedInteger(text)))
        return int(text)
    value = float(text)
    if value in (float("inf"), float("-inf")):
        _fail(token, f"the number {text} is too large")
    return value


def _unquote(token: Token) -> str:
    body = str(token)[1:-1]

    def replace(match: re.Match[str]) -> str:
        code = match.group(1)
        if code in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[code]
        if code[0] in "uUx" and len(code) > 1:
            point = int(code[1:], 16)
            if 0xD800 <= point <= 0xDFFF or point > 0x10FFFF:
                _fail(token, f"\\{code} is not a character")
            return chr(point)
        _fail(token, f"unknown escape \\{code} in a string; write \\\\ for a backslash")

    return _ESCAPE.sub(replace, body)
