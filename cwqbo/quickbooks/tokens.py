"""Token storage protocol and a refresher that is safe across processes (one Redis lock)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from redis.exceptions import LockError

from .errors import QBOConnectionLost, QBONotConnected, QBOTokenLockTimeout
from .oauth import IntuitOAuth, TokenSet, utcnow

log = logging.getLogger(__name__)


class TokenStore(Protocol):
    """Where one configuration's tokens live (the app keeps them encrypted in the DB)."""

    def load(self, config_id: Any) -> TokenSet | None: ...

    def save(self, config_id: Any, tokens: TokenSet) -> None: ...

    def mark_disconnected(self, config_id: Any, reason: str) -> None: ...


class InMemoryTokenStore:
    """Thread-safe TokenStore for tests and the demo."""

    def __init__(self) -> None:
        self._tokens: dict[Any, TokenSet] = {}
        self.disconnected: dict[Any, str] = {}
        self.saves = 0
        self._lock = threading.Lock()

    def load(self, config_id: Any) -> TokenSet | None:
        with self._lock:
            return self._tokens.get(config_id)

    def save(self, config_id: Any, tokens: TokenSet) -> None:
        with self._lock:
            self._tokens[config_id] = tokens
            self.disconnected.pop(config_id, None)
            self.saves += 1

    def mark_disconnected(self, config_id: Any, reason: str) -> None:
        with self._lock:
            self._tokens.pop(config_id, None)
            self.disconnected[config_id] = reason


class TokenManager:
    """Hand out access tokens, refreshing once per configuration under a shared Redis lock."""

    def __init__(
        self,
        oauth: IntuitOAuth,
        store: TokenStore,
        redis: Any,
        *,
        margin: timedelta = timedelta(minutes=5),
        lock_timeout: float = 60.0,
        blocking_timeout: float = 45.0,
        key_prefix: str = "cwqbo:qbo:token-lock:",
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.oauth = oauth
        self.store = store
        self.redis = redis
        self.margin = margin
        self.lock_timeout = lock_timeout
        self.blocking_timeout = blocking_timeout
        self.key_prefix = key_prefix
        self.clock = clock

    def get_access_token(self, config_id: Any) -> str:
        """Return a usable access token, refreshing first if it expires within the margin."""
        tokens = self._load(config_id)
        if not tokens.access_expiring(self.margin, self.clock()):
            return tokens.access_token
        return self._refresh_locked(
            config_id, lambda t: t.access_expiring(self.margin, self.clock())
        ).access_token

    def force_refresh(self, config_id: Any, stale_access_token: str) -> str:
        """Refresh after a 401, unless another worker already replaced the stale token."""
        return self._refresh_locked(
            config_id, lambda t: t.access_token == stale_access_token
        ).access_token

    def refresh(self, config_id: Any) -> TokenSet:
        """Refresh unconditionally (the scheduled keep-alive)."""
        return self._refresh_locked(config_id, lambda t: True)

    def provider(self, config_id: Any) -> tuple[Callable[[], str], Callable[[str], str]]:
        """Return (get_token, force_refresh) callables bound to one configuration for QBOClient."""
        return (
            lambda: self.get_access_token(config_id),
            lambda stale: self.force_refresh(config_id, stale),
        )

    def _load(self, config_id: Any) -> TokenSet:
        tokens = self.store.load(config_id)
        if tokens is None:
            raise QBONotConnected("QuickBooks Online is not connected for this configuration")
        return tokens

    def _refresh_locked(self, config_id: Any, still_needed: Callable[[TokenSet], bool]) -> TokenSet:
        lock = self.redis.lock(
            f"{self.key_prefix}{config_id}",
            timeout=self.lock_timeout,
            blocking_timeout=self.blocking_timeout,
        )
        if not lock.acquire():
            raise QBOTokenLockTimeout("Timed out waiting for another token refresh")
        try:
            # Re-read: another process may have refreshed while we waited for the lock.
            tokens = self._load(config_id)
            if not still_needed(tokens):
                return tokens
            try:
                fresh = self.oauth.refresh(tokens)
            except QBOConnectionLost as exc:
                self.store.mark_disconnected(config_id, exc.detail or exc.message)
                raise
            # The old refresh token may already be dead: persist before anything else can fail.
            self.store.save(config_id, fresh)
            log.info("QBO tokens refreshed for configuration %s", config_id)
            return fresh
        finally:
            try:
                lock.release()
            except LockError:
                log.warning("QBO token lock for %s expired before release", config_id)
