"""Typed errors for every way a Manage call can fail.

Each error says whether it is worth retrying (``retryable``) and carries Manage's own
``code``, ``message`` and ``errors[]`` (reference §2.5). Messages never contain credentials.
"""

from __future__ import annotations

from typing import Any


class ManageError(Exception):
    """A Manage API call failed."""

    retryable = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        errors: list[dict] | None = None,
        method: str | None = None,
        url: str | None = None,
        retry_after: float | None = None,
    ):
        self.message = message
        self.status = status
        self.code = code
        self.errors = list(errors or [])
        self.method = method
        self.url = url
        self.retry_after = retry_after
        super().__init__(self._render())

    def _render(self) -> str:
        head = f"{self.method} {self.url}: " if self.method and self.url else ""
        status = f"HTTP {self.status} " if self.status else ""
        code = f"[{self.code}] " if self.code else ""
        text = f"{head}{status}{code}{self.message}"
        details = [_describe(e) for e in self.errors]
        if details:
            text += " (" + "; ".join(d for d in details if d) + ")"
        return text


class ManageBadRequest(ManageError):
    """Manage rejected the request (400, 405, 409, 415 ...): fix the request, don't retry."""


class ManageAuthError(ManageError):
    """The API keys or client id were refused (401)."""


class ManagePermissionError(ManageError):
    """The API member's security role lacks a permission (403)."""


class ManageNotFound(ManageError):
    """The record or endpoint does not exist (404)."""


class ManageRateLimited(ManageError):
    """Too many requests (429); wait ``retry_after`` seconds."""

    retryable = True


class ManageServerError(ManageError):
    """Manage failed on its side (5xx)."""

    retryable = True


class ManageConnectionError(ManageError):
    """The site could not be reached, or the connection dropped or timed out."""

    retryable = True


class ManageDiscoveryError(ManageError):
    """The company-info lookup could not find the API base URL."""


class ManageUnknownCompany(ManageDiscoveryError):
    """The site answered but does not know this company id."""


class ManageResponseError(ManageError):
    """Manage answered 2xx with a body that could not be read."""


def _describe(err: Any) -> str:
    if not isinstance(err, dict):
        return str(err)
    parts = [str(err[k]) for k in ("code", "message") if err.get(k)]
    where = ".".join(str(err[k]) for k in ("resource", "field") if err.get(k))
    if where:
        parts.append(f"at {where}")
    if err.get("details"):
        parts.append(str(err["details"]))
    return " ".join(parts)


_BY_STATUS: dict[int, type[ManageError]] = {
    401: ManageAuthError,
    403: ManagePermissionError,
    404: ManageNotFound,
    429: ManageRateLimited,
}


def error_for_status(
    status: int,
    body: Any,
    *,
    method: str | None = None,
    url: str | None = None,
    retry_after: float | None = None,
) -> ManageError:
    """Build the typed error for an HTTP error status and its (parsed or raw) body."""
    if status >= 500:
        cls: type[ManageError] = ManageServerError
    else:
        cls = _BY_STATUS.get(status, ManageBadRequest)
    code = message = None
    errors: list[dict] = []
    if isinstance(body, dict):
        code = body.get("code")
        message = body.get("message")
        errors = body.get("errors") or []
    elif isinstance(body, str) and body.strip():
        message = body.strip()[:300]
    return cls(
        message or _DEFAULT_TEXT.get(status, "request failed"),
        status=status,
        code=code,
        errors=errors if isinstance(errors, list) else [errors],
        method=method,
        url=url,
        retry_after=retry_after,
    )


_DEFAULT_TEXT = {
    400: "bad request",
    401: "authentication failed",
    403: "permission denied",
    404: "not found",
    429: "too many requests",
    500: "server error",
    502: "bad gateway",
    503: "service unavailable",
    504: "gateway timeout",
}
