"""Reset-request throttles, log-in timing, and client addresses behind a proxy."""

from __future__ import annotations

import re
import statistics
import time

import pytest
from support import PASSWORD, Browserish

from cwqbo import create_app

SIGNED_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}")


def app_with(app_config, env=None, **config):
    """Return a test app with some settings changed, and one user (log-in needs one)."""
    from cwqbo.extensions import db
    from cwqbo.models import User
    from cwqbo.models.user import utcnow

    app = create_app({**app_config, "ENV_VARS": env or {}, **config})
    with app.app_context():
        if db.session.scalar(db.select(User).where(User.email == "real@example.com")) is None:
            user = User(email="real@example.com", name="Real", role="member")
            user.set_password(PASSWORD)
            user.email_verified_at = utcnow()
            db.session.add(user)
            db.session.commit()
    return app


def forgot(web, email, **kw):
    return web.post("/auth/forgot", {"email": email}, **kw)


def test_forgot_throttled_per_address_the_same_for_unknown_ones(web, outbox, make_user):
    make_user("kim@example.com")
    pages = {}
    for email in ("kim@example.com", "nobody@example.com"):
        codes = [forgot(web, email).status_code for _ in range(3)]
        assert codes == [302, 302, 302], email
        refused = forgot(web, email)
        assert refused.status_code == 429
        assert "Retry-After" in refused.headers
        # The CSRF token is signed with the current second: compare pages without it.
        page = SIGNED_TOKEN.sub("TOKEN", refused.get_data(True))
        pages[email] = page.replace(email, "ADDRESS")
    assert len(outbox.messages()) == 3  # the known address got three links, no more
    text = pages["kim@example.com"]
    assert "Too many reset requests" in text and "Try again in 60 minutes" in text
    assert "log-in attempts" not in text
    # The refusal looks the same whether or not the address has an account.
    assert pages["kim@example.com"] == pages["nobody@example.com"]
    # Another address is not held up by the per-address limit.
    assert forgot(web, "someone.else@example.com").status_code == 302


def test_forgot_throttled_per_ip_across_addresses(app_config, redis_conn):
    app = app_with(app_config, FORGOT_THROTTLE_IP="4 per hour")
    web = Browserish(app.test_client())
    codes = [forgot(web, f"u{i}@example.com").status_code for i in range(5)]
    assert codes == [302, 302, 302, 302, 429]


def test_forgot_htmx_refusal_is_a_fragment(web):
    for _ in range(3):
        forgot(web, "frag@example.com")
    refused = forgot(web, "frag@example.com", headers={"HX-Request": "true"})
    assert refused.status_code == 429
    body = refused.get_data(True)
    assert "<html" not in body and "Too many reset requests" in body


def _median_login_ms(web, email: str, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = web.post("/auth/login", {"email": email, "password": "not the password"})
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 401
    return times


def test_login_time_does_not_reveal_which_addresses_have_accounts(app_config, redis_conn):
    app = app_with(
        app_config, LOGIN_THROTTLE_ACCOUNT="1000 per minute", LOGIN_THROTTLE_IP="1000 per minute"
    )
    web = Browserish(app.test_client())
    _median_login_ms(web, "warm@example.com", 1)  # the dummy hash is made once per process
    known, unknown = [], []
    for _ in range(7):  # interleaved, so load on the machine hits both alike
        known += _median_login_ms(web, "real@example.com", 1)
        unknown += _median_login_ms(web, "nobody@example.com", 1)
    slow, fast = sorted((statistics.median(known), statistics.median(unknown)), reverse=True)
    ratio = slow / fast
    print(
        f"median log-in: known {statistics.median(known):.1f} ms, "
        f"unknown {statistics.median(unknown):.1f} ms, ratio {ratio:.2f}"
    )
    assert ratio < 2.0, (known, unknown)


def test_unknown_address_logins_still_count_against_the_throttle(app_config, redis_conn):
    app = app_with(app_config, LOGIN_THROTTLE_IP="2 per 15 minutes")
    web = Browserish(app.test_client())
    for i in range(2):
        assert (
            web.post("/auth/login", {"email": f"n{i}@example.com", "password": "x"}).status_code
            == 401
        )
    assert web.post("/auth/login", {"email": "n9@example.com", "password": "x"}).status_code == 429


# --- behind a proxy -------------------------------------------------------------------------


def failed_login(web, forwarded_for: str) -> int:
    return web.post(
        "/auth/login",
        {"email": "nobody@example.com", "password": "wrong"},
        headers={"X-Forwarded-For": forwarded_for},
    ).status_code


@pytest.fixture
def proxied(app_config, redis_conn):
    def build(env):
        return app_with(
            app_config,
            env=env,
            LOGIN_THROTTLE_IP="2 per 15 minutes",
            LOGIN_THROTTLE_ACCOUNT="1000 per minute",
        )

    return build


def test_clients_behind_a_trusted_proxy_are_throttled_separately(proxied):
    app = proxied({"TRUSTED_PROXIES": "1"})
    assert app.config["TRUSTED_PROXIES"] == 1
    first, second = Browserish(app.test_client()), Browserish(app.test_client())
    assert [failed_login(first, "203.0.113.5") for _ in range(3)] == [401, 401, 429]
    assert failed_login(second, "203.0.113.9") == 401  # another client, its own budget
    # Only the hop the proxy added is believed: a client's own X-Forwarded-For is not.
    assert failed_login(second, "203.0.113.9, 203.0.113.5") == 429
    assert failed_login(first, "203.0.113.5, 198.51.100.7") == 401


def test_without_trusted_proxies_x_forwarded_for_is_ignored(proxied):
    app = proxied({})
    assert app.config["TRUSTED_PROXIES"] == 0
    web = Browserish(app.test_client())
    assert failed_login(web, "203.0.113.5") == 401
    assert failed_login(web, "203.0.113.6") == 401
    # A spoofed header does not buy a fresh budget: everyone here is 127.0.0.1.
    assert failed_login(web, "203.0.113.7") == 429


def test_trusted_proxies_must_be_a_count(app_config):
    from cwqbo.config import ConfigError

    for bad, words in (("yes", "whole number"), ("-1", "number of proxies")):
        with pytest.raises(ConfigError, match=words):
            app_with(app_config, env={"TRUSTED_PROXIES": bad})
