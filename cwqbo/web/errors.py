"""Error pages: a fragment for HTMX requests, a full page otherwise."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_htmx import make_response as htmx_response
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from cwqbo.extensions import db, htmx

log = logging.getLogger(__name__)


def render_error(status: int, title: str, message: str, retry_at: str | None = None):
    """Render an error the way the request wants it."""
    context = {"status": status, "title": title, "message": message, "retry_at": retry_at}
    if htmx:
        body = render_template("errors/_error.html", **context)
        # Shown in the page's message area instead of replacing the target.
        return htmx_response(body, status, retarget="#messages", reswap="afterbegin")
    return render_template("errors/page.html", **context), status


def register(app: Flask) -> None:
    """Install the handlers."""

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(
            400,
            "Your form expired",
            "The page was open too long or was sent from elsewhere. Reload the page and try again.",
        )

    @app.errorhandler(RateLimitExceeded)
    def throttled(error):
        from cwqbo.web.auth.throttle import retry_moment

        when, minutes = retry_moment()
        wait = f"Try again in {minutes} minute{'s' if minutes != 1 else ''}, after {when} UTC"
        if request.endpoint == "auth.forgot":
            return render_error(
                429,
                "Too many reset requests",
                "Too many password reset links were asked for from here or for this address. "
                "If you asked already, the link may be in your inbox or spam folder. "
                f"{wait}.",
                retry_at=when,
            )
        return render_error(
            429,
            "Too many attempts",
            "Too many failed log-in attempts. For your safety, logging in is paused. "
            f"{wait}, or reset your password.",
            retry_at=when,
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return render_error(error.code or 500, error.name, error.description or "")

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        log.exception("unhandled error")
        db.session.rollback()  # a failed flush must not break the error page itself
        return render_error(
            500,
            InternalServerError().name,
            "Something went wrong on our side. It has been logged; please try again.",
        )
