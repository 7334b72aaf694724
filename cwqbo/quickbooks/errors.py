"""Typed errors for the QBO API and Intuit OAuth; each says whether a retry may help."""

from __future__ import annotations

from typing import Any


class QBOError(Exception):
    """Base of every error raised by this package."""

    retryable = False

    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        detail: str = "",
        element: str = "",
        status: int | None = None,
        intuit_tid: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = str(code or "")
        self.detail = detail or ""
        self.element = element or ""
        self.status = status
        self.intuit_tid = intuit_tid
        self.retry_after = retry_after

    def __str__(self) -> str:
        parts = [self.message]
        if self.code:
            parts.append(f"code {self.code}")
        if self.detail and self.detail != self.message:
            parts.append(self.detail)
        if self.element:
            parts.append(f"element {self.element}")
        return " | ".join(parts)


# --- connection / auth ----------------------------------------------------------------------
class QBOAuthError(QBOError):
    """The API refused the access token (HTTP 401, code 3200/100)."""


class QBOAuthorizationError(QBOError):
    """The token is valid but lacks permission (403/3100, 120): fix scope or reconnect."""


class QBOConnectionLost(QBOError):
    """Intuit refused the refresh token (invalid_grant); the user must reconnect."""


class QBONotConnected(QBOConnectionLost):
    """No tokens are stored for this configuration."""


class QBOAccessDenied(QBOError):
    """The user declined consent on Intuit's authorize page (error=access_denied)."""


class QBOOAuthError(QBOError):
    """Any other OAuth failure (invalid_client, bad state, malformed callback)."""


class QBOTokenLockTimeout(QBOError):
    """Another process held the refresh lock for too long."""

    retryable = True


# --- transport / throttling -----------------------------------------------------------------
class QBOTransportError(QBOError):
    """Timeout or broken connection; the outcome of a write is unknown."""

    retryable = True


class QBOThrottled(QBOError):
    """HTTP 429 (code 3001): wait, then retry."""

    retryable = True


class QBOServerError(QBOError):
    """HTTP 5xx from Intuit."""

    retryable = True


class QBORateLimitTimeout(QBOError):
    """The local rate limiter could not grant a slot in time."""

    retryable = True


# --- validation faults ----------------------------------------------------------------------
class QBOValidationError(QBOError):
    """A Fault that retrying the same request cannot fix."""


class QBODuplicateName(QBOValidationError):
    """6240: the name is taken (customers, vendors and employees share one namespace)."""


class QBODuplicateDocNumber(QBOValidationError):
    """6140: the DocNumber is already used by another transaction of that type."""


class QBOStaleObject(QBOValidationError):
    """5010: the SyncToken is old; re-read and reapply."""


class QBOInactiveObject(QBOValidationError):
    """610: a referenced object is inactive or deleted."""


class QBOInvalidReference(QBOValidationError):
    """2500/2020: a reference points to nothing, or a required element is missing."""


class QBORequestIdReused(QBOValidationError):
    """600: QBO already saw this requestid; treat the write as done and look it up."""


class QBOBusinessValidation(QBOValidationError):
    """6000-range business rules (closed period, amounts, company status...)."""


_BY_CODE: dict[str, type[QBOError]] = {
    "100": QBOAuthError,
    "3200": QBOAuthError,
    "120": QBOAuthorizationError,
    "3100": QBOAuthorizationError,
    "3001": QBOThrottled,
    "600": QBORequestIdReused,
    "610": QBOInactiveObject,
    "2020": QBOInvalidReference,
    "2500": QBOInvalidReference,
    "5010": QBOStaleObject,
    "6140": QBODuplicateDocNumber,
    "6240": QBODuplicateName,
}


def _pick(d: dict[str, Any], *names: str) -> str:
    for name in names:
        if d.get(name) not in (None, ""):
            return str(d[name])
    return ""


def error_from_fault(
    fault: dict[str, Any],
    *,
    status: int | None = None,
    intuit_tid: str | None = None,
    retry_after: float | None = None,
) -> QBOError:
    """Turn a QBO ``Fault`` (or the lowercase 401 ``fault``) into the matching typed error."""
    errors = fault.get("Error") or fault.get("error") or [{}]
    first = errors[0] if isinstance(errors, list) and errors else {}
    code = _pick(first, "code", "Code")
    message = _pick(first, "Message", "message") or fault.get("type", "Fault")
    detail = _pick(first, "Detail", "detail")
    element = _pick(first, "element", "Element")
    cls = _BY_CODE.get(code)
    if cls is None:
        if status == 401:
            cls = QBOAuthError
        elif status == 403:
            cls = QBOAuthorizationError
        elif status == 429:
            cls = QBOThrottled
        elif status is not None and status >= 500:
            cls = QBOServerError
        elif code.isdigit() and 6000 <= int(code) < 7000:
            cls = QBOBusinessValidation
        elif code.isdigit() and int(code) < 500:
            cls = QBOAuthError
        else:
            cls = QBOValidationError
    return cls(
        message,
        code=code,
        detail=detail,
        element=element,
        status=status,
        intuit_tid=intuit_tid,
        retry_after=retry_after,
    )
