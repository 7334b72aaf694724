"""Intuit-like OAuth 2.0 server: consent page, token endpoint with rotation, revoke."""

from __future__ import annotations

import base64
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, current_app, jsonify, render_template_string, request
from flask import redirect as flask_redirect

bp = Blueprint("qbo_oauth", __name__)

SCOPE = "com.intuit.quickbooks.accounting"
CODE_TTL = 600


@dataclass
class Grant:
    """One authorization (client + realm); refresh tokens rotate within it."""

    client_id: str
    realm_id: str
    authorized_at: float
    refresh_token: str = ""
    refresh_expires_at: float = 0.0
    superseded: dict[str, float] = field(default_factory=dict)  # old token -> superseded at
    access_tokens: set[str] = field(default_factory=set)
    revoked: bool = False


class OAuthServer:
    """Token bookkeeping; callers hold the sandbox lock."""

    def __init__(self, knobs: dict[str, Any], clients: list[dict[str, Any]]) -> None:
        self.knobs = knobs
        self.clients = {c["client_id"]: c for c in clients}
        self.codes: dict[str, dict[str, Any]] = {}
        self.grants: list[Grant] = []
        self.access: dict[str, tuple[Grant, float]] = {}
        self.counts = {"exchanges": 0, "refreshes": 0, "revokes": 0, "invalid_grant": 0}
        self.refreshes_by_realm: dict[str, int] = {}

    def client_ok(self, client_id: str, secret: str | None = None) -> bool:
        c = self.clients.get(client_id)
        return c is not None and (secret is None or c["client_secret"] == secret)

    def redirect_ok(self, client_id: str, uri: str) -> bool:
        allowed = self.clients[client_id].get("redirect_uris", ["*"])
        return "*" in allowed or uri in allowed

    def issue_code(self, client_id: str, realm_id: str, redirect_uri: str) -> str:
        code = "AB" + secrets.token_urlsafe(40)
        self.codes[code] = {
            "client_id": client_id,
            "realm_id": realm_id,
            "redirect_uri": redirect_uri,
            "at": time.time(),
        }
        return code

    def _tokens(self, grant: Grant, now: float, rotate: bool, hard: bool) -> dict[str, Any]:
        if rotate or not grant.refresh_token:
            if grant.refresh_token:
                grant.superseded[grant.refresh_token] = now
            grant.refresh_token = "RT1-" + secrets.token_urlsafe(32)
        hard_at = grant.authorized_at + self.knobs["hard_ttl"]
        grant.refresh_expires_at = min(now + self.knobs["refresh_ttl"], hard_at)
        access = "eyJ" + secrets.token_urlsafe(48)
        grant.access_tokens.add(access)
        self.access[access] = (grant, now + self.knobs["access_ttl"])
        body = {
            "token_type": "bearer",
            "access_token": access,
            "expires_in": int(self.knobs["access_ttl"]),
            "refresh_token": grant.refresh_token,
            "x_refresh_token_expires_in": int(grant.refresh_expires_at - now),
        }
        if hard:
            body["x_refresh_token_hard_expires_in"] = int(hard_at - now)
        return body

    def exchange(self, client_id: str, code: str, redirect_uri: str, hard: bool) -> dict | None:
        info = self.codes.pop(code, None)
        now = time.time()
        if (
            info is None
            or info["client_id"] != client_id
            or now - info["at"] > CODE_TTL
            or info["redirect_uri"] != redirect_uri
        ):
            return None
        grant = Grant(client_id, info["realm_id"], now)
        self.grants.append(grant)
        self.counts["exchanges"] += 1
        return self._tokens(grant, now, rotate=True, hard=hard)

    def refresh(self, client_id: str, token: str, hard: bool) -> dict | None:
        now = time.time()
        for grant in self.grants:
            if grant.client_id != client_id or grant.revoked:
                continue
            current = token == grant.refresh_token
            grace = now - grant.superseded.get(token, -1e18) <= self.knobs["refresh_grace"]
            if not (current or grace) or now > grant.refresh_expires_at:
                continue
            self.counts["refreshes"] += 1
            self.refreshes_by_realm[grant.realm_id] = (
                self.refreshes_by_realm.get(grant.realm_id, 0) + 1
            )
            rotate = current and self.knobs["rotate_refresh_tokens"]
            return self._tokens(grant, now, rotate=rotate, hard=hard)
        self.counts["invalid_grant"] += 1
        return None

    def revoke(self, token: str) -> bool:
        for grant in self.grants:
            if token == grant.refresh_token or token in grant.access_tokens:
                grant.revoked = True
                for access in grant.access_tokens:
                    self.access.pop(access, None)
                self.counts["revokes"] += 1
                return True
        return False

    def check(self, token: str) -> str | None:
        """Return the realm an access token is valid for, or None."""
        entry = self.access.get(token)
        if entry is None or entry[0].revoked or time.time() >= entry[1]:
            return None
        return entry[0].realm_id

    def expire_access_tokens(self) -> None:
        self.access = {k: (g, 0.0) for k, (g, _exp) in self.access.items()}

    def snapshot(self) -> dict[str, Any]:
        return {
            **self.counts,
            "refreshes_by_realm": dict(self.refreshes_by_realm),
            "grants": len(self.grants),
            "active_grants": sum(not g.revoked for g in self.grants),
        }


PAGE = """<!doctype html><html><head><title>Connect to QuickBooks (sandbox)</title></head>
<body><h1>{{ app_name }} wants to connect to your QuickBooks company</h1>
<form method="post">
{% for k, v in params.items() %}<input type="hidden" name="{{ k }}" value="{{ v }}">{% endfor %}
<label for="realm">Company</label>
<select name="realm" id="realm">
{% for realm_id, name in realms %}<option value="{{ realm_id }}">{{ name }}</option>{% endfor %}
</select>
<button type="submit" name="action" value="authorize">Authorize</button>
<button type="submit" name="action" value="deny">Deny</button>
</form></body></html>"""


def _state():
    return current_app.config["QBO_SANDBOX_STATE"]


def _back(uri: str, **params: str):
    sep = "&" if "?" in uri else "?"
    return flask_redirect(uri + sep + urlencode({k: v for k, v in params.items() if v}), 302)


@bp.route("/connect/oauth2", methods=["GET", "POST"])
def authorize():
    state = _state()
    args = request.values
    client_id, redirect_uri = args.get("client_id", ""), args.get("redirect_uri", "")
    with state.lock:
        if not state.oauth.client_ok(client_id) or not state.oauth.redirect_ok(
            client_id, redirect_uri
        ):
            return "Invalid client_id or redirect_uri", 400
        realms = [(r, c.info.get("CompanyName", r)) for r, c in state.companies.items()]
    if args.get("response_type") != "code":
        return _back(redirect_uri, error="unsupported_response_type", state=args.get("state"))
    if SCOPE not in args.get("scope", "").split():
        return _back(redirect_uri, error="invalid_scope", state=args.get("state"))
    if request.method == "GET":
        params = {
            k: args.get(k, "")
            for k in ("client_id", "redirect_uri", "response_type", "scope", "state")
        }
        return render_template_string(PAGE, params=params, realms=realms, app_name=client_id)
    if args.get("action") != "authorize":
        return _back(redirect_uri, error="access_denied", state=args.get("state"))
    realm = args.get("realm", "")
    with state.lock:
        if realm not in state.companies:
            return "Unknown company", 400
        code = state.oauth.issue_code(client_id, realm, redirect_uri)
    return _back(redirect_uri, code=code, state=args.get("state"), realmId=realm)


def _client_credentials() -> tuple[str, str]:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            cid, _, secret = base64.b64decode(header[6:]).decode().partition(":")
            return cid, secret
        except ValueError:
            return "", ""
    return request.form.get("client_id", ""), request.form.get("client_secret", "")


def _error(error: str, status: int = 400, description: str = ""):
    return jsonify({"error": error, "error_description": description or error}), status


@bp.post("/oauth2/v1/tokens/bearer")
def token():
    state = _state()
    cid, secret = _client_credentials()
    hard = request.headers.get("x-include-refresh-token-hard-expires-in", "").lower() == "true"
    grant_type = request.form.get("grant_type")
    with state.lock:
        if not state.oauth.client_ok(cid, secret):
            return _error("invalid_client", 401)
        if grant_type == "authorization_code":
            body = state.oauth.exchange(
                cid, request.form.get("code", ""), request.form.get("redirect_uri", ""), hard
            )
        elif grant_type == "refresh_token":
            body = state.oauth.refresh(cid, request.form.get("refresh_token", ""), hard)
        else:
            return _error("unsupported_grant_type")
    if body is None:
        return _error("invalid_grant", description="Incorrect or invalid refresh token")
    return jsonify(body)


@bp.post("/v2/oauth2/tokens/revoke")
def revoke():
    state = _state()
    cid, secret = _client_credentials()
    data = request.get_json(silent=True) or {}
    with state.lock:
        if not state.oauth.client_ok(cid, secret):
            return _error("invalid_client", 401)
        state.oauth.revoke(str(data.get("token", "")))
    return "", 200
