"""Parse and evaluate the subset of Manage ``conditions`` cwqbo uses (reference §2.2).

Grammar (keywords case-insensitive)::

    expr       := and_expr ("or" and_expr)*
    and_expr   := unary ("and" unary)*
    unary      := "not" unary | "(" expr ")" | comparison
    comparison := FIELD op value
                | FIELD ["not"] "in" "(" value ("," value)* ")"
                | FIELD ["not"] "like" STRING
                | FIELD "contains" STRING
    op         := "=" | "!=" | "<" | "<=" | ">" | ">="
    value      := STRING | NUMBER | [DATETIME] | true | false | null

Strings use double or single quotes with backslash escapes. Fields are paths like
``company/name``; lookups are case-insensitive, like Manage's SQL Server collation.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class ConditionError(ValueError):
    """The conditions string is not valid."""


@dataclass(frozen=True)
class Token:
    kind: str  # FIELD, STRING, NUMBER, DATE, WORD, OP, LPAREN, RPAREN, COMMA, END
    value: Any
    pos: int


_WORDS = {"and", "or", "not", "in", "like", "contains", "true", "false", "null"}
_OPS = ("!=", "<=", ">=", "<>", "=", "<", ">")
_FIELD_CHARS = re.compile(r"[A-Za-z0-9_/.]")


def tokenize(text: str) -> list[Token]:
    """Split a conditions string into tokens."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "\"'":
            value, i = _read_string(text, i)
            tokens.append(Token("STRING", value, i))
        elif ch == "[":
            end = text.find("]", i)
            if end < 0:
                raise ConditionError(f"unclosed [ at {i}")
            tokens.append(Token("DATE", parse_datetime(text[i + 1 : end].strip()), i))
            i = end + 1
        elif ch in "(),":
            kind = {"(": "LPAREN", ")": "RPAREN", ",": "COMMA"}[ch]
            tokens.append(Token(kind, ch, i))
            i += 1
        elif any(text.startswith(op, i) for op in _OPS):
            op = next(op for op in _OPS if text.startswith(op, i))
            tokens.append(Token("OP", "!=" if op == "<>" else op, i))
            i += len(op)
        elif ch.isdigit() or (ch == "-" and i + 1 < n and text[i + 1].isdigit()):
            m = re.compile(r"-?\d+(\.\d+)?").match(text, i)
            assert m
            number = float(m.group()) if m.group(1) else int(m.group())
            tokens.append(Token("NUMBER", number, i))
            i = m.end()
        elif _FIELD_CHARS.match(ch):
            start = i
            while i < n and _FIELD_CHARS.match(text[i]):
                i += 1
            word = text[start:i]
            kind = "WORD" if word.lower() in _WORDS else "FIELD"
            tokens.append(Token(kind, word.lower() if kind == "WORD" else word, start))
        else:
            raise ConditionError(f"unexpected character {ch!r} at {i}")
    tokens.append(Token("END", None, n))
    return tokens


def _read_string(text: str, i: int) -> tuple[str, int]:
    quote, out, i = text[i], [], i + 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        elif ch == quote:
            return "".join(out), i + 1
        else:
            out.append(ch)
            i += 1
    raise ConditionError("unclosed string")


def parse_datetime(text: str) -> dt.datetime:
    """Parse ``2024-01-01T00:00:00Z`` (or a bare date) as a naive UTC datetime."""
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ConditionError(f"not a datetime: {text!r}") from None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


Predicate = Callable[[dict], bool]


class _Parser:
    def __init__(self, text: str):
        self.tokens = tokenize(text)
        self.i = 0

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self, kind: str, value: Any = None) -> Token:
        tok = self.peek()
        if tok.kind != kind or (value is not None and tok.value != value):
            want = value or kind
            raise ConditionError(f"expected {want} at {tok.pos}, found {tok.value!r}")
        self.i += 1
        return tok

    def at(self, kind: str, value: Any = None) -> bool:
        tok = self.peek()
        return tok.kind == kind and (value is None or tok.value == value)

    def parse(self) -> Predicate:
        pred = self.expr()
        self.take("END")
        return pred

    def expr(self) -> Predicate:
        parts = [self.and_expr()]
        while self.at("WORD", "or"):
            self.i += 1
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else (lambda r: any(p(r) for p in parts))

    def and_expr(self) -> Predicate:
        parts = [self.unary()]
        while self.at("WORD", "and"):
            self.i += 1
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else (lambda r: all(p(r) for p in parts))

    def unary(self) -> Predicate:
        if self.at("WORD", "not"):
            self.i += 1
            inner = self.unary()
            return lambda r: not inner(r)
        if self.at("LPAREN"):
            self.i += 1
            inner = self.expr()
            self.take("RPAREN")
            return inner
        return self.comparison()

    def value(self) -> Any:
        tok = self.peek()
        if tok.kind in ("STRING", "NUMBER", "DATE"):
            self.i += 1
            return tok.value
        if tok.kind == "WORD" and tok.value in ("true", "false", "null"):
            self.i += 1
            return {"true": True, "false": False, "null": None}[tok.value]
        raise ConditionError(f"expected a value at {tok.pos}, found {tok.value!r}")

    def comparison(self) -> Predicate:
        path = self.take("FIELD").value
        negate = False
        if self.at("WORD", "not"):
            self.i += 1
            negate = True
        tok = self.peek()
        if tok.kind == "OP" and not negate:
            self.i += 1
            return _compare(path, tok.value, self.value())
        if tok.kind == "WORD" and tok.value == "in":
            self.i += 1
            self.take("LPAREN")
            values = [self.value()]
            while self.at("COMMA"):
                self.i += 1
                values.append(self.value())
            self.take("RPAREN")
            test = _in(path, values)
        elif tok.kind == "WORD" and tok.value == "like":
            self.i += 1
            test = _like(path, self.take("STRING").value)
        elif tok.kind == "WORD" and tok.value == "contains" and not negate:
            self.i += 1
            needle = str(self.take("STRING").value).lower()
            test = lambda r: needle in str(lookup(r, path) or "").lower()  # noqa: E731
        else:
            raise ConditionError(f"expected an operator at {tok.pos}, found {tok.value!r}")
        return (lambda r: not test(r)) if negate else test


def lookup(record: dict, path: str) -> Any:
    """Return the value at ``a/b/c`` in ``record`` (keys case-insensitive) or ``None``."""
    value: Any = record
    for part in path.split("/"):
        if not isinstance(value, dict):
            return None
        if part in value:
            value = value[part]
            continue
        lowered = part.lower()
        value = next((v for k, v in value.items() if k.lower() == lowered), None)
    return value


def _coerce(actual: Any, wanted: Any) -> tuple[Any, Any]:
    if isinstance(wanted, dt.datetime) and isinstance(actual, str):
        try:
            return parse_datetime(actual), wanted
        except ConditionError:
            return actual, wanted
    if isinstance(wanted, str) and isinstance(actual, str):
        return actual.lower(), wanted.lower()
    if isinstance(wanted, str) and isinstance(actual, int | float) and not isinstance(actual, bool):
        return str(actual), wanted
    if isinstance(wanted, int | float) and isinstance(actual, str):
        try:
            return float(actual), wanted
        except ValueError:
            return actual, str(wanted)
    return actual, wanted


_CMP = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _compare(path: str, op: str, wanted: Any) -> Predicate:
    def test(record: dict) -> bool:
        actual = lookup(record, path)
        if wanted is None or actual is None:
            same = actual is None and wanted is None
            return same if op == "=" else (not same if op == "!=" else False)
        a, b = _coerce(actual, wanted)
        try:
            return bool(_CMP[op](a, b))
        except TypeError:
            return op == "!="

    return test


def _in(path: str, values: list[Any]) -> Predicate:
    tests = [_compare(path, "=", v) for v in values]
    return lambda r: any(t(r) for t in tests)


def _like(path: str, pattern: str) -> Predicate:
    parts = re.split(r"([*%])", pattern)
    regex = "".join(".*" if p in ("*", "%") else re.escape(p) for p in parts)
    compiled = re.compile(f"^{regex}$", re.IGNORECASE | re.DOTALL)
    return lambda r: compiled.match(str(lookup(r, path) or "")) is not None


def compile_conditions(text: str | None) -> Predicate:
    """Return a predicate for ``text``; an empty string matches every record."""
    if not text or not text.strip():
        return lambda r: True
    return _Parser(text).parse()
