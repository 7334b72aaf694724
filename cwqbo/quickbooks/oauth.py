"""Intuit OAuth 2.0: authorize URL, code exchange, refresh, revoke, callback parsing."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from oauthlib.oauth2 import InvalidGrantError, OAuth2Error
from requests_oauthlib import OAuth2Session

from .errors import (
    QBOAccessDenied,
    QBOConnectionLost,
    QBOOAuthError,
    QBOServerError,
    QBOTransportError,
)

log = logging.getLogger(__name__)
# requests-oauthlib and oauthlib write whole token responses at DEBUG: keep them out of every
# log, whatever level the host application runs at.
for _name in ("requests_oauthlib", "oauthlib"):
    logging.getLogger(_name).setLevel(logging.WARNING)

SCOPE_ACCOUNTING = "com.intuit.quickbooks.accounting"
HARD_EXPIRY_HEADER = "x-include-refresh-token-hard-expires-in"
TOKEN_HEADERS = {
    "Accept": "application/json",
    "Content-Type": "application/x-www-form-urlencoded",
    HARD_EXPIRY_HEADER: "true",
}
ENVIRONMENTS = ("production", "sandbox", "local")

_INTUIT_AUTHORIZE = "https://appcenter.intuit.com/connect/oauth2"
_INTUIT_TOKEN = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
_INTUIT_REVOKE = "https://developer.api.intuit.com/v2/oauth2/tokens/revoke"


@dataclass(frozen=True)
class Endpoints:
    authorize_url: str
    token_url: str
    revoke_url: str
    api_base_url: str


def endpoints_for(environment: str, local_base_url: str | None = None) -> Endpoints:
    """Map an environment name to Intuit's (or the local sandbox's) URLs."""
    if environment == "production":
        return Endpoints(
            _INTUIT_AUTHORIZE, _INTUIT_TOKEN, _INTUIT_REVOKE, "https://quickbooks.api.intuit.com/v3"
        )
    if environment == "sandbox":
        return Endpoints(
            _INTUIT_AUTHORIZE,
            _INTUIT_TOKEN,
            _INTUIT_REVOKE,
            "https://sandbox-quickbooks.api.intuit.com/v3",
        )
    if environment == "local":
        if not local_base_url:
            raise ValueError("environment 'local' needs local_base_url")
        base = local_base_url.rstrip("/")
        return Endpoints(
            f"{base}/connect/oauth2",
            f"{base}/oauth2/v1/tokens/bearer",
            f"{base}/v2/oauth2/tokens/revoke",
            f"{base}/v3",
        )
    raise ValueError(f"unknown QBO environment {environment!r}; expected one of {ENVIRONMENTS}")


@dataclass(frozen=True)
class OAuthSettings:
    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str
    environment: str = "production"
    local_base_url: str | None = None
    timeout: float = 20.0

    @property
    def endpoints(self) -> Endpoints:
        return endpoints_for(self.environment, self.local_base_url)


@dataclass(frozen=True)
class TokenSet:
    """One connection's tokens; ``repr`` never shows the secrets."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    access_expires_at: datetime
    refresh_expires_at: datetime | None
    hard_expires_at: datetime | None
    realm_id: str

    def access_expiring(self, margin: timedelta, now: datetime | None = None) -> bool:
        """Say whether the access token expires within ``margin``."""
        return self.access_expires_at - margin <= (now or utcnow())

    @classmethod
    def from_response(
        cls,
        data: Mapping[str, Any],
        realm_id: str,
        now: datetime | None = None,
        previous: TokenSet | None = None,
    ) -> TokenSet:
        """Build from a token endpoint response, keeping the old hard expiry if none came."""
        now = now or utcnow()

        def after(key: str) -> datetime | None:
            value = data.get(key)
            return now + timedelta(seconds=int(float(value))) if value not in (None, "") else None

        hard = after("x_refresh_token_hard_expires_in")
        if hard is None and previous is not None:
            hard = previous.hard_expires_at
        refresh_exp = after("x_refresh_token_expires_in")
        if refresh_exp is not None and hard is not None:
            refresh_exp = min(refresh_exp, hard)
        return cls(
            access_token=data["access_token"],
            refresh_token=data.get("refresh_token") or (previous.refresh_token if previous else ""),
            access_expires_at=after("expires_in") or now + timedelta(hours=1),
            refresh_expires_at=refresh_exp,
            hard_expires_at=hard,
            realm_id=realm_id,
        )

    def with_realm(self, realm_id: str) -> TokenSet:
        return replace(self, realm_id=realm_id)


@dataclass(frozen=True)
class CallbackResult:
    code: str = field(repr=False)
    realm_id: str
    state: str


def utcnow() -> datetime:
    return datetime.now(UTC)


def parse_callback(params: Mapping[str, str], expected_state: str | None) -> CallbackResult:
    """Check the redirect's query parameters and return code + realmId, or raise a typed error."""
    state = params.get("state") or ""
    if expected_state is not None and state != expected_state:
        raise QBOOAuthError("OAuth state mismatch; start the connection again")
    error = params.get("error")
    if error == "access_denied":
        raise QBOAccessDenied("Access to QuickBooks Online was denied", code=error)
    if error:
        raise QBOOAuthError(f"Intuit returned {error}", code=error)
    code, realm_id = params.get("code"), params.get("realmId")
    if not code or not realm_id:
        raise QBOOAuthError("Callback lacks code or realmId")
    return CallbackResult(code=code, realm_id=realm_id, state=state)


class IntuitOAuth:
    """Talk to Intuit's OAuth endpoints for one app (client id/secret)."""

    def __init__(self, settings: OAuthSettings) -> None:
        self.settings = settings
        self.endpoints = settings.endpoints
        if self.endpoints.token_url.startswith("http://"):
            # Only the local sandbox is plain HTTP; oauthlib reads this switch from the env only.
            os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")

    def _session(self, state: str | None = None) -> OAuth2Session:
        sess = OAuth2Session(
            self.settings.client_id,
            redirect_uri=self.settings.redirect_uri,
            scope=[SCOPE_ACCOUNTING],
            state=state,
        )
        sess.register_compliance_hook("access_token_response", _check_token_response)
        sess.register_compliance_hook("refresh_token_response", _check_token_response)
        return sess

    def _auth(self) -> requests.auth.HTTPBasicAuth:
        return requests.auth.HTTPBasicAuth(self.settings.client_id, self.settings.client_secret)

    def authorization_url(self, state: str) -> str:
        """Return the consent URL to send the user's browser to."""
        url, _ = self._session(state).authorization_url(self.endpoints.authorize_url, state=state)
        return url

    def exchange_code(self, code: str, realm_id: str) -> TokenSet:
        """Exchange an authorization code (exactly once) for tokens."""
        now = utcnow()
        with self._session() as sess:
            data = _call(
                sess.fetch_token,
                self.endpoints.token_url,
                code=code,
                auth=self._auth(),
                headers=dict(TOKEN_HEADERS),
                timeout=self.settings.timeout,
            )
        return TokenSet.from_response(data, realm_id, now)

    def refresh(self, tokens: TokenSet) -> TokenSet:
        """Trade the refresh token for new tokens (the refresh token may rotate)."""
        now = utcnow()
        with self._session() as sess:
            data = _call(
                sess.refresh_token,
                self.endpoints.token_url,
                refresh_token=tokens.refresh_token,
                auth=self._auth(),
                headers=dict(TOKEN_HEADERS),
                timeout=self.settings.timeout,
            )
        return TokenSet.from_response(data, tokens.realm_id, now, previous=tokens)

    def revoke(self, token: str) -> None:
        """Revoke a refresh (or access) token, disconnecting the app from the company."""
        try:
            resp = requests.post(
                self.endpoints.revoke_url,
                json={"token": token},
                auth=self._auth(),
                headers={"Accept": "application/json"},
                timeout=self.settings.timeout,
            )
        except requests.RequestException as exc:
            raise QBOTransportError(f"revoke failed: {type(exc).__name__}") from None
        if resp.status_code >= 500:
            raise QBOServerError("revoke failed", status=resp.status_code)
        if resp.status_code >= 400:
            raise QBOOAuthError("revoke refused", status=resp.status_code)


def _check_token_response(resp: requests.Response) -> requests.Response:
    if resp.status_code >= 500:
        raise QBOServerError("Intuit token endpoint failed", status=resp.status_code)
    return resp


def _call(fn, *args, **kwargs) -> dict[str, Any]:
    try:
        return dict(fn(*args, **kwargs))
    except InvalidGrantError as exc:
        raise QBOConnectionLost(
            "Intuit refused the grant (invalid_grant)", code="invalid_grant", detail=exc.description
        ) from None
    except OAuth2Error as exc:
        raise QBOOAuthError(
            f"OAuth error {exc.error}", code=exc.error, detail=exc.description or ""
        ) from None
    except requests.RequestException as exc:
        raise QBOTransportError(f"token request failed: {type(exc).__name__}") from None
