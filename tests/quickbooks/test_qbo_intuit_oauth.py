"""Intuit's own OAuth client (intuit-oauth's AuthClient), unchanged, against the QBO sandbox.

The only thing pointed at the sandbox is the discovery URL, passed as ``environment`` — the
documented way (``intuitlib.utils.get_discovery_doc`` uses any other value as the URL).
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError

US_REALM = "9341453000000001"
CLIENT_ID, CLIENT_SECRET = "cwqbo-local", "cwqbo-local-secret"  # the sample dataset's app
REDIRECT = "http://127.0.0.1:9/callback"


class ConsentForm(HTMLParser):
    """Read the consent page's form the way a browser would: its fields and buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.realms: list[str] = []
        self.buttons: list[str] = []
        self.method = ""

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "form":
            self.method = (a.get("method") or "get").lower()
        elif tag == "input" and a.get("type") == "hidden":
            self.fields[a["name"]] = a.get("value") or ""
        elif tag == "option":
            self.realms.append(a["value"])
        elif tag == "button":
            self.buttons.append(a["value"])


def consent(auth_url: str, realm: str = US_REALM) -> dict[str, str]:
    page = requests.get(auth_url, timeout=5)
    assert page.status_code == 200
    form = ConsentForm()
    form.feed(page.text)
    assert form.method == "post" and realm in form.realms and "authorize" in form.buttons
    resp = requests.post(  # the form has no action: it posts back to the page's own URL
        auth_url,
        data={**form.fields, "realm": realm, "action": "authorize"},
        allow_redirects=False,
        timeout=5,
    )
    assert resp.status_code == 302
    location = resp.headers["Location"]
    assert location.startswith(REDIRECT + "?")
    return dict(parse_qsl(urlsplit(location).query))


def api_status(sandbox, token: str) -> int:
    return requests.get(
        f"{sandbox.base_url}/v3/company/{US_REALM}/companyinfo/{US_REALM}",
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        timeout=5,
    ).status_code


def test_discovery_document_like_intuits(qbo_sandbox):
    base = qbo_sandbox.base_url
    docs = [
        requests.get(f"{base}{path}", timeout=5)
        for path in (
            "/.well-known/openid-configuration",
            "/.well-known/openid_sandbox_configuration/",
            "/.well-known/openid_configuration/",
        )
    ]
    assert all(d.status_code == 200 for d in docs)
    doc = docs[0].json()
    assert docs[1].json() == doc == docs[2].json()
    assert doc["authorization_endpoint"] == f"{base}/connect/oauth2"
    assert doc["token_endpoint"] == f"{base}/oauth2/v1/tokens/bearer"
    assert doc["revocation_endpoint"] == f"{base}/v2/oauth2/tokens/revoke"
    for key in ("issuer", "userinfo_endpoint", "jwks_uri"):
        assert doc[key].startswith(base + "/")
    assert requests.get(doc["jwks_uri"], timeout=5).json() == {"keys": []}
    assert "client_secret_basic" in doc["token_endpoint_auth_methods_supported"]


def test_authorize_token_refresh_twice_and_revoke(qbo_sandbox):
    discovery = f"{qbo_sandbox.base_url}/.well-known/openid-configuration"
    client = AuthClient(CLIENT_ID, CLIENT_SECRET, REDIRECT, discovery)
    assert client.token_endpoint == f"{qbo_sandbox.base_url}/oauth2/v1/tokens/bearer"

    url = client.get_authorization_url([Scopes.ACCOUNTING, Scopes.OPENID, Scopes.EMAIL])
    callback = consent(url)
    assert callback["state"] == client.state_token and callback["realmId"] == US_REALM

    client.get_bearer_token(callback["code"], realm_id=callback["realmId"])
    assert client.realm_id == US_REALM and client.expires_in == 3600
    assert client.refresh_token.startswith("RT1-") and client.x_refresh_token_expires_in > 0
    first_access, first_refresh = client.access_token, client.refresh_token
    assert api_status(qbo_sandbox, first_access) == 200
    info = client.get_user_info().json()
    assert info["emailVerified"] is True and "@" in info["email"]

    with pytest.raises(AuthClientError) as reused:  # a code is exchanged once only
        client.get_bearer_token(callback["code"], realm_id=US_REALM)
    assert reused.value.status_code == 400 and "invalid_grant" in reused.value.content.decode()

    client.refresh()
    second_refresh = client.refresh_token
    assert second_refresh != first_refresh and client.access_token != first_access
    client.refresh()
    assert client.refresh_token not in (first_refresh, second_refresh)
    assert api_status(qbo_sandbox, client.access_token) == 200

    for old in (first_refresh, second_refresh):  # superseded tokens stop working
        stale = AuthClient(CLIENT_ID, CLIENT_SECRET, REDIRECT, discovery, refresh_token=old)
        with pytest.raises(AuthClientError) as exc:
            stale.refresh()
        assert exc.value.status_code == 400 and "invalid_grant" in exc.value.content.decode()

    live_access = client.access_token
    assert client.revoke() is True  # revokes the refresh token: the whole grant ends
    assert api_status(qbo_sandbox, live_access) == 401
    with pytest.raises(AuthClientError) as after:
        client.refresh()
    assert after.value.status_code == 400

    wrong = AuthClient(CLIENT_ID, "not-the-secret", REDIRECT, discovery, refresh_token="RT1-x")
    with pytest.raises(AuthClientError) as bad_client:
        wrong.refresh()
    assert bad_client.value.status_code == 401
    assert "invalid_client" in bad_client.value.content.decode()
