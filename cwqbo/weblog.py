"""gunicorn's access log without the secrets some URLs carry (the tokens of e-mailed links).

A password-reset, verification or invitation link works on its own, so its token must not
land in a log that is kept, shipped or shown: the request line, the path and the Referer (a
page opened from such a link sends it on its own assets) are written with the token struck.
"""

from __future__ import annotations

import re

from gunicorn.glogging import Logger

TOKEN_PATH = re.compile(r"(/auth/(?:reset|verify|accept)/)[^/?#\s\"]+")


def redact(text: str) -> str:
    """Return ``text`` with the token of every e-mailed link replaced."""
    return TOKEN_PATH.sub(r"\1[redacted]", text)


class AccessLogger(Logger):
    """gunicorn's logger, striking link tokens from every access-log atom."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if isinstance(value, str):
                atoms[key] = redact(value)
        return atoms
