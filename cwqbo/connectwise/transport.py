"""HTTP plumbing for the Manage client: one session, auth, retries, typed errors.

Knows nothing about endpoints. Every call has a timeout; 429, 5xx and connection failures
are retried with exponential backoff and jitter, honouring ``Retry-After``; other 4xx never.
A 429 pauses every thread sending through the same transport until its ``Retry-After`` is up.
A request that may have created something (a POST that is not a read) is retried only when
Manage cannot have processed it (429, or the connection never opened).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlencode

import requests
import urllib3.exceptions

from .errors import (
    ManageAuthError,
    ManageConnectionError,
    ManageError,
    ManageResponseError,
    error_for_status,
)

log = logging.getLogger(__name__)

USER_AGENT = "cwqbo/0.1 (+https://github.com/cwqbo)"


@dataclass
class RetryPolicy:
    """How often and how long to retry a failed call."""

    max_attempts: int = 5
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    max_retry_after: float = 120.0
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int, error: ManageError) -> float:
        """Return seconds to wait before attempt ``attempt + 1``."""
        if error.retry_after is not None:
            return min(max(error.retry_after, 0.0), self.max_retry_after)
        cap = min(self.backoff_max, self.backoff_base * (2 ** (attempt - 1)))
        return cap / 2 + self.rng.uniform(0, cap / 2)


def parse_retry_after(value: str | None) -> float | None:
    """Return the seconds a ``Retry-After`` header asks for (number or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


def _never_sent(exc: requests.RequestException) -> bool:
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    return isinstance(
        reason,
        urllib3.exceptions.NewConnectionError
        | urllib3.exceptions.NameResolutionError
        | urllib3.exceptions.ConnectTimeoutError,
    )


def _describe_exception(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.Timeout):
        kind = "connect" if isinstance(exc, requests.ConnectTimeout) else "read"
        return f"timed out ({kind})"
    if _never_sent(exc):
        return "could not connect"
    return f"connection failed ({type(exc).__name__})"


class Transport:
    """Send requests with retries and turn every failure into a :class:`ManageError`."""

    def __init__(
        self,
        session: requests.Session,
        *,
        timeout: float | tuple[float, float] = (10.0, 60.0),
        retry: RetryPolicy | None = None,
    ):
        self.session = session
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.calls = 0
        self.throttled = 0  # 429s answered
        # A 429's Retry-After pauses every caller of this transport (the runner's concurrent
        # marks share one): no thread sends before ``_resume_at`` (time.monotonic()).
        self._resume_at = 0.0
        self._lock = threading.Lock()

    def send(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        idempotent: bool | None = None,
        auth: bool = True,
    ) -> requests.Response:
        """Send one logical request (with retries) and return the 2xx response."""
        if idempotent is None:
            idempotent = method.upper() in ("GET", "HEAD", "PUT", "DELETE", "OPTIONS")
        attempt, waited = 0, False
        while True:
            attempt += 1
            if not waited:  # a retry has just waited its own delay (the Retry-After)
                self._hold()
            try:
                return self._once(method, url, params, json, headers, auth)
            except ManageError as error:
                pause = self._pause(error) if error.status == 429 else None
                if not self._should_retry(error, idempotent, attempt):
                    raise
                wait = self.retry.delay(attempt, error)
                log.warning(
                    "Manage %s %s failed (%s); retry %d/%d in %.2fs",
                    method,
                    _path(url),
                    type(error).__name__,
                    attempt,
                    self.retry.max_attempts - 1,
                    wait,
                )
                self.retry.sleep(wait)
                waited = True
                if pause is not None:
                    self._served(pause)

    def _hold(self) -> None:
        """Wait out a pause another caller's 429 asked for."""
        wait = self._resume_at - time.monotonic()
        if wait > 0:
            self.retry.sleep(min(wait, self.retry.max_retry_after))

    def _pause(self, error: ManageError) -> float:
        """Pause every caller for the 429's Retry-After; return when the pause ends."""
        wait = min(max(error.retry_after or 0.0, 0.0), self.retry.max_retry_after)
        with self._lock:
            self.throttled += 1
            self._resume_at = max(self._resume_at, time.monotonic() + wait)
            return self._resume_at

    def _served(self, pause: float) -> None:
        """The caller that met the 429 waited it out: the pause it set is over."""
        with self._lock:
            if self._resume_at == pause:
                self._resume_at = 0.0

    def _should_retry(self, error: ManageError, idempotent: bool, attempt: int) -> bool:
        if not error.retryable or attempt >= self.retry.max_attempts:
            return False
        if idempotent:
            return True
        return error.status == 429 or bool(getattr(error, "never_sent", False))

    def _once(self, method, url, params, json, headers, auth) -> requests.Response:
        with self._lock:
            self.calls += 1
        if params:
            # Encode every reserved character (quotes, backslashes, &) in conditions values.
            params = urlencode(params, quote_via=quote, safe="")
        kwargs: dict[str, Any] = {"params": params, "headers": headers, "timeout": self.timeout}
        if json is not None:
            kwargs["json"] = json
        if not auth:
            kwargs["auth"] = _no_auth
        try:
            response = self.session.request(method, url, **kwargs)
        except UnicodeError:  # a header (Basic auth, clientId) holds text outside Latin-1
            raise ManageAuthError(
                "the API keys or Client ID hold characters that cannot be sent to Manage "
                "(only letters A-Z, digits and symbols): type them again on Set Up ConnectWise",
                method=method,
                url=_path(url),
            ) from None
        except requests.RequestException as exc:
            error = ManageConnectionError(_describe_exception(exc), method=method, url=_path(url))
            error.never_sent = _never_sent(exc)
            raise error from None
        log.debug("Manage %s %s -> %s", method, _path(url), response.status_code)
        if response.status_code >= 400:
            raise error_for_status(
                response.status_code,
                _body(response),
                method=method,
                url=_path(response.url or url),
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        return response


def _no_auth(request: requests.PreparedRequest) -> requests.PreparedRequest:
    # A request-level auth callable overrides the session's Basic auth (companyinfo).
    return request


def _body(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


def _path(url: str) -> str:
    """Return ``url`` without its query string (conditions may hold customer names)."""
    return url.split("?", 1)[0]


def read_json(response: requests.Response, *, method: str, url: str) -> Any:
    """Return the JSON body of a 2xx response, or raise :class:`ManageResponseError`."""
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        raise ManageResponseError(
            "response is not JSON", status=response.status_code, method=method, url=_path(url)
        ) from None
