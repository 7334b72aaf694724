"""A small tokenizer, parser and evaluator for QBO's query language subset.

Grammar: SELECT (* [, field]... | field, ... | COUNT(*)) FROM Entity [WHERE cond (AND cond)*]
[ORDERBY f [ASC|DESC], ...] [STARTPOSITION n] [MAXRESULTS n];
cond = field (= | < | > | <= | >= | !=) value | field IN (value, ...) | field LIKE 'pat%'.
Keywords, names and strings are case-insensitive; ``\'`` escapes an apostrophe inside a
string. MAXRESULTS above 1000 is refused (4001), never clamped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any


class QueryError(Exception):
    """Raised with QBO's parser (4000) or validation (4001) code."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass
class Cond:
    field: str
    op: str
    values: list[Any]


@dataclass
class Query:
    entity: str
    count: bool = False
    where: list[Cond] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    start: int = 1
    max_results: int = 100


MAX_RESULTS = 1000  # QBO's largest page


_TOKEN = re.compile(
    r"""\s*(?:
      (?P<str>'(?:\\.|[^'\\])*')
    | (?P<num>-?\d+(?:\.\d+)?(?![\w.]))
    | (?P<op><=|>=|!=|<>|=|<|>)
    | (?P<punct>[(),*])
    | (?P<word>[A-Za-z_][\w.]*)
    )""",
    re.VERBOSE,
)
KEYWORDS = {
    "SELECT",
    "FROM",
    "WHERE",
    "AND",
    "IN",
    "LIKE",
    "ORDERBY",
    "ORDER",
    "BY",
    "ASC",
    "DESC",
    "STARTPOSITION",
    "MAXRESULTS",
    "COUNT",
    "OR",
}


def tokenize(text: str) -> list[tuple[str, str]]:
    """Split a statement into (kind, text) tokens; kinds: str num op punct kw word."""
    tokens: list[tuple[str, str]] = []
    pos, text = 0, text.strip().rstrip(";")
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise QueryError("4000", f'QueryParserError: Encountered "{text[pos : pos + 10]}"')
        pos = m.end()
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind == "str":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        elif kind == "word" and value.upper() in KEYWORDS:
            kind, value = "kw", value.upper()
        tokens.append((kind, value))
        if text[pos:].strip() == "":
            break
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.i] if self.i < len(self.tokens) else ("eof", "")

    def take(self, kind: str | None = None, value: str | None = None) -> str:
        tok = self.peek()
        if (kind and tok[0] != kind) or (value and tok[1].upper() != value):
            raise QueryError("4000", f'QueryParserError: Encountered "{tok[1]}" unexpectedly')
        self.i += 1
        return tok[1]

    def accept(self, kind: str, value: str | None = None) -> bool:
        tok = self.peek()
        if tok[0] == kind and (value is None or tok[1].upper() == value):
            self.i += 1
            return True
        return False

    def parse(self) -> Query:
        self.take("kw", "SELECT")
        count = False
        if self.accept("kw", "COUNT"):
            self.take("punct", "(")
            self.take("punct", "*")
            self.take("punct", ")")
            count = True
        else:
            # "*", "*, Sku" (python-quickbooks' Item.all) and column lists all select every
            # field: QBO answers whole entities either way (reference U10).
            if not self.accept("punct", "*"):
                self.take("word")
            while self.accept("punct", ","):
                if not self.accept("punct", "*"):
                    self.take("word")
        self.take("kw", "FROM")
        q = Query(entity=self.take("word"), count=count)
        if self.accept("kw", "WHERE"):
            q.where.append(self.cond())
            while self.accept("kw", "AND"):
                q.where.append(self.cond())
            if self.peek() == ("kw", "OR"):
                raise QueryError("4000", "QueryParserError: OR is not supported")
        if self.accept("kw", "ORDERBY") or (self.accept("kw", "ORDER") and self.take("kw", "BY")):
            while True:
                name = self.take("word")
                desc = self.accept("kw", "DESC")
                if not desc:
                    self.accept("kw", "ASC")
                q.order.append((name, desc))
                if not self.accept("punct", ","):
                    break
        while self.peek()[0] == "kw" and self.peek()[1] in ("STARTPOSITION", "MAXRESULTS"):
            kw = self.take("kw")
            n = int(self.take("num"))
            if kw == "STARTPOSITION":
                q.start = max(1, n)
            elif n > MAX_RESULTS:
                # QBO refuses rather than clamps (quickbooks-ruby issue #24 quotes this text).
                raise QueryError(
                    "4001",
                    f"QueryValidationError: value {n} is too large. Max allowed value is "
                    f"{MAX_RESULTS} (MAXRESULTS)",
                )
            else:
                q.max_results = max(0, n)
        if self.peek()[0] != "eof":
            raise QueryError("4000", f'QueryParserError: Encountered "{self.peek()[1]}"')
        return q

    def value(self) -> Any:
        kind, text = self.peek()
        if kind in ("str", "num"):
            self.i += 1
            return text
        if kind == "word" and text.lower() in ("true", "false"):
            self.i += 1
            return text.lower() == "true"
        raise QueryError("4000", f'QueryParserError: Encountered "{text}" (expected a value)')

    def cond(self) -> Cond:
        name = self.take("word")
        if self.accept("kw", "IN"):
            self.take("punct", "(")
            values = [self.value()]
            while self.accept("punct", ","):
                values.append(self.value())
            self.take("punct", ")")
            return Cond(name, "IN", values)
        if self.accept("kw", "LIKE"):
            return Cond(name, "LIKE", [self.value()])
        op = self.take("op")
        return Cond(name, "!=" if op == "<>" else op, [self.value()])


def parse(text: str) -> Query:
    """Parse one statement into a Query."""
    return _Parser(tokenize(text)).parse()


def lookup(obj: dict[str, Any], path: str) -> Any:
    """Read a dotted field case-insensitively; a Ref yields its value."""
    cur: Any = obj
    for part in path.split("."):
        if not isinstance(cur, dict):
            return None
        key = next((k for k in cur if k.lower() == part.lower()), None)
        if key is None:
            return None
        cur = cur[key]
    if isinstance(cur, dict) and "value" in cur:
        return cur["value"]
    return cur


def _comparable(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return Decimal(str(value))
    text = str(value)
    try:
        return Decimal(text)
    except InvalidOperation:
        pass
    if len(text) >= 10 and text[4:5] == "-":
        try:
            dt = datetime.fromisoformat(text)
            return dt.timestamp() if dt.tzinfo else dt.replace(tzinfo=None).isoformat()
        except ValueError:
            pass
    return text.casefold()


def _compare(actual: Any, op: str, wanted: Any) -> bool:
    if isinstance(wanted, bool) or isinstance(actual, bool):
        a = actual if isinstance(actual, bool) else str(actual).lower() == "true"
        return (a == wanted) if op == "=" else (a != wanted) if op == "!=" else False
    a, w = _comparable(actual), _comparable(wanted)
    if type(a) is not type(w):
        a, w = str(actual).casefold(), str(wanted).casefold()
    try:
        return {
            "=": a == w,
            "!=": a != w,
            "<": a < w,
            ">": a > w,
            "<=": a <= w,
            ">=": a >= w,
        }[op]
    except TypeError:
        return False


def _like(actual: Any, pattern: str) -> bool:
    regex = ".*".join(re.escape(part) for part in str(pattern).split("%"))
    return re.fullmatch(regex, str(actual or ""), re.IGNORECASE | re.DOTALL) is not None


def matches(obj: dict[str, Any], conds: list[Cond]) -> bool:
    """Say whether an entity satisfies every condition."""
    for c in conds:
        actual = lookup(obj, c.field)
        if c.op == "IN":
            if not any(_compare(actual, "=", v) for v in c.values):
                return False
        elif c.op == "LIKE":
            if actual is None or not _like(actual, c.values[0]):
                return False
        elif actual is None or not _compare(actual, c.op, c.values[0]):
            return False
    return True


def run(q: Query, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Filter, order and page rows (Id order by default)."""
    hits = [r for r in rows if matches(r, q.where)]
    hits.sort(key=lambda r: _sort_key(r.get("Id")))
    for name, desc in reversed(q.order):
        hits.sort(key=lambda r, n=name: _sort_key(lookup(r, n)), reverse=desc)
    return hits[q.start - 1 : q.start - 1 + q.max_results]


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    c = _comparable(value)
    return (1, c) if isinstance(c, Decimal | float) else (2, str(c))
