"""Intuit's OpenID discovery document, UserInfo and JWKS, served for the sandbox's own origin.

Intuit publishes ``/.well-known/openid_configuration`` (production) and
``/.well-known/openid_sandbox_configuration`` (sandbox); the OpenID standard path is
``/.well-known/openid-configuration``. All three answer the same document here, with every
endpoint on this server, so Intuit's own client (``intuit-oauth``'s ``AuthClient``, given this
URL as its ``environment``) runs unchanged. The sandbox issues no ``id_token`` (it signs
nothing), so its key set is empty; UserInfo answers for any valid access token.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

bp = Blueprint("qbo_discovery", __name__)

PATHS = (
    "/.well-known/openid-configuration",
    "/.well-known/openid_configuration",
    "/.well-known/openid_configuration/",
    "/.well-known/openid_sandbox_configuration",
    "/.well-known/openid_sandbox_configuration/",
)


def document(root: str) -> dict:
    """Return the discovery document with every endpoint under ``root`` (no trailing slash)."""
    return {
        "issuer": f"{root}/op/v1",
        "authorization_endpoint": f"{root}/connect/oauth2",
        "token_endpoint": f"{root}/oauth2/v1/tokens/bearer",
        "userinfo_endpoint": f"{root}/v1/openid_connect/userinfo",
        "revocation_endpoint": f"{root}/v2/oauth2/tokens/revoke",
        "jwks_uri": f"{root}/op/v1/jwks",
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        # As at Intuit: only the OpenID scopes are listed; the accounting scope still works.
        "scopes_supported": ["openid", "email", "profile", "address", "phone"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "claims_supported": ["aud", "exp", "iat", "iss", "realmid", "sub"],
    }


def discovery():
    return jsonify(document(request.host_url.rstrip("/")))


for _n, _path in enumerate(PATHS):
    bp.add_url_rule(_path, f"discovery_{_n}", discovery, strict_slashes=False)


@bp.get("/op/v1/jwks")
def jwks():
    return jsonify({"keys": []})


@bp.get("/v1/openid_connect/userinfo")
def userinfo():
    state = current_app.config["QBO_SANDBOX_STATE"]
    header = request.headers.get("Authorization", "")
    token = header[7:] if header.lower().startswith("bearer ") else ""
    with state.lock:
        realm = state.oauth.check(token)
        company = state.companies.get(realm or "")
    if realm is None or company is None:
        return jsonify({"error": "invalid_token"}), 401
    return jsonify(
        {
            "sub": f"sandbox-admin-{realm}",
            "email": company.info.get("Email", {}).get("Address", "admin@sandbox.invalid"),
            "emailVerified": True,
            "givenName": "Sandbox",
            "familyName": "Admin",
        }
    )
