"""OAuth against the sandbox over HTTP: consent, callback parsing, exchange, rotation, loss."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
import redis as redis_lib
import requests

from cwqbo.quickbooks import (
    InMemoryTokenStore,
    QBOAccessDenied,
    QBOAuthError,
    QBOClient,
    QBOConnectionLost,
    QBOOAuthError,
    TokenManager,
    TokenSet,
    endpoints_for,
    parse_callback,
)
from cwqbo.quickbooks.oauth import utcnow

US_REALM, CA_REALM = "9341453000000001", "9341453000000002"


def consent(sandbox, oauth, state: str, action: str = "authorize", realm: str = US_REALM):
    """Open the consent page like a browser, press a button, return the callback params."""
    url = oauth.authorization_url(state)
    page = requests.get(url, timeout=5)
    assert page.status_code == 200
    assert f'value="{US_REALM}"' in page.text and f'value="{CA_REALM}"' in page.text
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.text))
    resp = requests.post(
        url.split("?")[0],
        data={**fields, "realm": realm, "action": action},
        allow_redirects=False,
        timeout=5,
    )
    assert resp.status_code == 302
    location = resp.headers["Location"]
    assert location.startswith("http://127.0.0.1:9/callback?")
    return dict(parse_qsl(urlsplit(location).query))


def connect(sandbox, realm: str = US_REALM) -> TokenSet:
    oauth = sandbox.oauth()
    result = parse_callback(consent(sandbox, oauth, "s1", realm=realm), "s1")
    return oauth.exchange_code(result.code, result.realm_id)


def test_endpoints_are_chosen_in_one_place():
    prod = endpoints_for("production")
    assert prod.api_base_url == "https://quickbooks.api.intuit.com/v3"
    assert endpoints_for("sandbox").token_url == prod.token_url
    assert endpoints_for("sandbox").api_base_url.startswith("https://sandbox-quickbooks")
    local = endpoints_for("local", "http://127.0.0.1:5556/")
    assert local.authorize_url == "http://127.0.0.1:5556/connect/oauth2"
    with pytest.raises(ValueError):
        endpoints_for("staging")


def test_authorization_url_carries_scope_and_state(qbo_sandbox):
    url = qbo_sandbox.oauth().authorization_url("xyz")
    params = dict(parse_qsl(urlsplit(url).query))
    assert params["scope"] == "com.intuit.quickbooks.accounting"
    assert params["state"] == "xyz" and params["response_type"] == "code"
    assert params["client_id"] == "cwqbo-local"


def test_authorize_exchange_and_call_the_api(qbo_sandbox):
    oauth = qbo_sandbox.oauth()
    params = consent(qbo_sandbox, oauth, "st-1", realm=CA_REALM)
    result = parse_callback(params, "st-1")
    assert result.realm_id == CA_REALM
    tokens = oauth.exchange_code(result.code, result.realm_id)
    assert tokens.realm_id == CA_REALM
    assert tokens.access_expires_at > utcnow() + timedelta(minutes=50)
    assert tokens.hard_expires_at is not None and tokens.refresh_expires_at is not None
    assert tokens.hard_expires_at > utcnow() + timedelta(days=4 * 365)
    assert "access_token" not in repr(tokens) and tokens.access_token not in repr(tokens)
    client = QBOClient(CA_REALM, oauth.endpoints.api_base_url, lambda: tokens.access_token)
    assert client.company_info()["Country"] == "CA"
    # A code is exchanged exactly once.
    with pytest.raises(QBOConnectionLost):
        oauth.exchange_code(result.code, result.realm_id)


def test_denied_consent_and_bad_state_are_typed_errors(qbo_sandbox):
    params = consent(qbo_sandbox, qbo_sandbox.oauth(), "st-2", action="deny")
    assert params == {"error": "access_denied", "state": "st-2"}
    with pytest.raises(QBOAccessDenied):
        parse_callback(params, "st-2")
    with pytest.raises(QBOOAuthError):
        parse_callback({"code": "c", "realmId": "1", "state": "forged"}, "st-2")
    with pytest.raises(QBOOAuthError):
        parse_callback({"state": "st-2"}, "st-2")


def test_refresh_rotates_and_old_token_dies(qbo_sandbox):
    oauth = qbo_sandbox.oauth()
    first = connect(qbo_sandbox)
    second = oauth.refresh(first)
    assert second.refresh_token != first.refresh_token
    assert second.access_token != first.access_token
    assert second.hard_expires_at is not None
    with pytest.raises(QBOConnectionLost) as err:
        oauth.refresh(first)
    assert err.value.code == "invalid_grant" and not err.value.retryable
    assert oauth.refresh(second).refresh_token != second.refresh_token


def test_grace_period_knob_lets_a_superseded_token_work_briefly(make_sandbox):
    sandbox = make_sandbox(refresh_grace=30)
    oauth = sandbox.oauth()
    first = connect(sandbox)
    second = oauth.refresh(first)
    again = oauth.refresh(first)
    assert again.refresh_token == second.refresh_token


def test_invalid_grant_marks_configuration_disconnected(qbo_sandbox, redis_conn):
    store = InMemoryTokenStore()
    tokens = connect(qbo_sandbox)
    qbo_sandbox.oauth().revoke(tokens.refresh_token)
    expired = TokenSet(tokens.access_token, tokens.refresh_token, utcnow(), None, None, US_REALM)
    store.save("cfg-1", expired)
    manager = TokenManager(qbo_sandbox.oauth(), store, redis_conn)
    with pytest.raises(QBOConnectionLost):
        manager.get_access_token("cfg-1")
    assert "cfg-1" in store.disconnected
    assert store.load("cfg-1") is None


def test_revoked_access_token_gets_qbo_401(qbo_sandbox):
    tokens = connect(qbo_sandbox)
    client = QBOClient(US_REALM, f"{qbo_sandbox.base_url}/v3", lambda: tokens.access_token)
    assert client.preferences()["TaxPrefs"]["UsingSalesTax"] is True
    qbo_sandbox.oauth().revoke(tokens.refresh_token)
    with pytest.raises(QBOAuthError) as err:
        client.preferences()
    assert err.value.code == "3200" and err.value.status == 401


def test_four_concurrent_refreshers_make_one_refresh(qbo_sandbox, redis_url, redis_conn):
    store = InMemoryTokenStore()
    tokens = connect(qbo_sandbox)
    stale = TokenSet(
        tokens.access_token,
        tokens.refresh_token,
        utcnow() - timedelta(seconds=1),
        tokens.refresh_expires_at,
        tokens.hard_expires_at,
        US_REALM,
    )
    store.save(7, stale)
    barrier = threading.Barrier(4)
    results: list[str] = []
    errors: list[BaseException] = []

    def worker():
        # Each thread plays a separate process: its own Redis connection, oauth and manager.
        conn = redis_lib.Redis.from_url(redis_url)
        manager = TokenManager(qbo_sandbox.oauth(), store, conn, blocking_timeout=10)
        barrier.wait()
        try:
            results.append(manager.get_access_token(7))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert not errors
    assert len(results) == 4 and len(set(results)) == 1
    assert qbo_sandbox.sandbox_state()["oauth"]["refreshes"] == 1
    saved = store.load(7)
    assert saved.refresh_token != tokens.refresh_token and saved.access_token == results[0]
    client = QBOClient(US_REALM, f"{qbo_sandbox.base_url}/v3", lambda: results[0])
    assert client.company_info()["CompanyName"] == "cwqbo Demo MSP"


def test_force_refresh_only_replaces_the_stale_token(qbo_sandbox, redis_conn):
    store = InMemoryTokenStore()
    store.save("c", connect(qbo_sandbox))
    manager = TokenManager(qbo_sandbox.oauth(), store, redis_conn)
    stale = manager.get_access_token("c")
    fresh = manager.force_refresh("c", stale)
    assert fresh != stale
    assert manager.force_refresh("c", stale) == fresh  # a second worker with the same 401
    assert qbo_sandbox.sandbox_state()["oauth"]["refreshes"] == 1


def test_client_refreshes_once_on_401_through_the_manager(qbo_sandbox, redis_conn):
    store = InMemoryTokenStore()
    store.save("c", connect(qbo_sandbox))
    manager = TokenManager(qbo_sandbox.oauth(), store, redis_conn)
    get_token, force = manager.provider("c")
    client = QBOClient(US_REALM, f"{qbo_sandbox.base_url}/v3", get_token, force)
    requests.post(f"{qbo_sandbox.base_url}/_sandbox/tokens/expire", timeout=5)
    assert client.company_info()["Country"] == "US"
    assert qbo_sandbox.sandbox_state()["oauth"]["refreshes"] == 1
