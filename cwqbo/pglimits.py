"""What PostgreSQL refuses but SQLite takes: NUL characters in text, integers over 32 bits.

Integers: an id column is PostgreSQL's 32-bit ``integer``, so ``/users/3000000000/role`` or
``?config_id=3000000000`` raised ``integer out of range`` (a 500, on PostgreSQL only; past
64 bits on SQLite too). ``IdConverter`` is the app's ``<int:…>``: a larger number matches no
route (404); ``parse_id`` reads an id from a form or query the same way.

Text: PostgreSQL cannot hold U+0000 in a text column (psycopg raises ``DataError: PostgreSQL text
fields cannot contain NUL (0x00) bytes``), so a Manage company name, a QBO answer or a URL
with one in it made a page 500 or a batch job crash on PostgreSQL only. Two layers:

- ``refuse_nul_input``: a request whose URL or form holds a NUL gets a 400 naming the field
  (people can fix what they typed);
- ``install``: on PostgreSQL, every string parameter of every statement has its NUL
  characters replaced by U+FFFD, as text from the APIs cannot be fixed by the user. A lookup
  by such a value is scrubbed the same way, so it finds what was stored.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.routing import IntegerConverter

NUL = "\x00"
REPLACEMENT = "\ufffd"
MAX_ID = 2**31 - 1  # PostgreSQL's integer


class IdConverter(IntegerConverter):
    """``<int:…>`` in URLs, no larger than an id column holds."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def parse_id(value: str | None) -> int | None:
    """Return a positive id typed as digits that an id column can hold, else None."""
    value = (value or "").strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 10:
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def _scrub(value):
    return value.replace(NUL, REPLACEMENT) if isinstance(value, str) and NUL in value else value


def _scrub_params(params):
    if isinstance(params, dict):
        return {k: _scrub(v) for k, v in params.items()}
    if isinstance(params, tuple):
        return tuple(_scrub(v) for v in params)
    if isinstance(params, list):  # executemany: a list of parameter sets
        return [_scrub_params(p) for p in params]
    return params


def _before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
    if conn.dialect.name == "postgresql" and parameters:
        parameters = _scrub_params(parameters)
    return statement, parameters


def install() -> None:
    """Scrub NUL characters from string parameters on every PostgreSQL engine (idempotent)."""
    if not event.contains(Engine, "before_cursor_execute", _before_cursor_execute):
        event.listen(Engine, "before_cursor_execute", _before_cursor_execute, retval=True)


def nul_field(path: str, args, form) -> str | None:
    """Return a description of the first place of the request holding a NUL, or None."""
    if NUL in path:
        return "The address"
    for where, values in (("The address's", args), ("The form's", form)):
        for name, value in values.items(multi=True):
            if NUL in name or NUL in value:
                return f"{where} field “{name.replace(NUL, '')[:40]}”"
    return None


def refuse_nul_input():
    """before_request: answer 400 to a request carrying a NUL character anywhere."""
    from flask import abort, request

    where = nul_field(request.path, request.args, request.form)
    if where:
        abort(
            400,
            description=f"{where} contains a NUL character (\\0), which cannot be saved. "
            "Remove it (it often comes from pasting binary data) and send the form again.",
        )
