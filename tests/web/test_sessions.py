"""Sessions and remember-me over real HTTP: copied cookies die with logout and password changes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import requests
from support import PASSWORD, csrf_token_from

from cwqbo.extensions import db
from cwqbo.models import User

REMEMBER = "cwqbo_remember"


def form_token(http: requests.Session, url: str) -> str:
    page = http.get(url, timeout=10)
    assert page.status_code == 200, page.text
    return csrf_token_from(page.text)


def log_in(base: str, email: str, password: str = PASSWORD, remember: bool = False):
    """Log in through the real form; return the browser's requests.Session."""
    http = requests.Session()
    data = {
        "email": email,
        "password": password,
        "csrf_token": form_token(http, base + "/auth/login"),
    }
    if remember:
        data["remember"] = "y"
    answer = http.post(base + "/auth/login", data=data, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    return http


def copy_of(http: requests.Session, names: tuple[str, ...] | None = None) -> requests.Session:
    """Return another browser holding copies of the given cookies (all by default)."""
    thief = requests.Session()
    for cookie in http.cookies:
        if names is None or cookie.name in names:
            thief.cookies.set(cookie.name, cookie.value, domain=cookie.domain, path=cookie.path)
    return thief


def logged_in(http: requests.Session, base: str) -> bool:
    answer = http.get(base + "/", allow_redirects=False, timeout=10)
    if answer.status_code == 302:
        assert "/auth/login" in answer.headers["Location"]
        return False
    assert answer.status_code == 200 and "<h1>Dashboard</h1>" in answer.text
    return True


def post_form(http: requests.Session, base: str, path: str, data: dict):
    token = form_token(http, base + ("/account" if path != "/auth/logout" else "/"))
    return http.post(base + path, data={**data, "csrf_token": token}, allow_redirects=False)


@pytest.fixture
def site(live_server, make_user):
    app, base = live_server
    make_user("admin@example.com")
    return app, base


def test_logout_ends_copied_session_and_remember_cookie(site):
    app, base = site
    browser = log_in(base, "admin@example.com", remember=True)
    assert REMEMBER in browser.cookies
    session_copy = copy_of(browser)
    remember_copy = copy_of(browser, (REMEMBER,))
    other_device = log_in(base, "admin@example.com")
    assert logged_in(session_copy, base) and logged_in(remember_copy, base)

    assert post_form(browser, base, "/auth/logout", {}).status_code == 302
    assert not logged_in(browser, base)
    assert not logged_in(session_copy, base)
    assert not logged_in(copy_of(remember_copy, (REMEMBER,)), base)
    assert not logged_in(other_device, base)  # logout ends every session of the user
    with app.app_context():
        assert db.session.scalar(db.text("SELECT count(*) FROM remember_tokens")) == 0


def test_password_change_ends_every_other_session(site):
    app, base = site
    browser = log_in(base, "admin@example.com", remember=True)
    session_copy = copy_of(browser)
    remember_copy = copy_of(browser, (REMEMBER,))
    new = "a new and rather long password"
    answer = post_form(
        browser, base, "/account", {"pw-current": PASSWORD, "pw-password": new, "pw-confirm": new}
    )
    assert answer.status_code == 302
    assert logged_in(browser, base)  # the browser that changed it stays in
    assert not logged_in(session_copy, base)
    assert not logged_in(remember_copy, base)
    # The copies stay dead even when the owner logs in again.
    log_in(base, "admin@example.com", new)
    assert not logged_in(session_copy, base)


def test_password_reset_ends_sessions(site, outbox):
    app, base = site
    browser = log_in(base, "admin@example.com", remember=True)
    stranger = requests.Session()
    stranger.post(
        base + "/auth/forgot",
        data={
            "email": "admin@example.com",
            "csrf_token": form_token(stranger, base + "/auth/forgot"),
        },
        timeout=10,
    )
    link = base + outbox.link_to("admin@example.com", "/auth/reset/")
    new = "chosen after a reset link"
    answer = stranger.post(
        link,
        data={"password": new, "confirm": new, "csrf_token": form_token(stranger, link)},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302
    assert not logged_in(browser, base)
    assert not logged_in(copy_of(browser, (REMEMBER,)), base)


def test_deactivation_ends_sessions_and_remember_tokens(site, make_user):
    app, base = site
    make_user("mel@example.com", role="member")
    member = log_in(base, "mel@example.com", remember=True)
    remember_copy = copy_of(member, (REMEMBER,))
    admin = log_in(base, "admin@example.com")
    with app.app_context():
        member_id = db.session.scalar(db.select(User.id).where(User.email == "mel@example.com"))
    token = form_token(admin, base + "/users")
    admin.post(f"{base}/users/{member_id}/deactivate", data={"csrf_token": token}, timeout=10)
    admin.post(f"{base}/users/{member_id}/reactivate", data={"csrf_token": token}, timeout=10)
    assert not logged_in(member, base)
    assert not logged_in(remember_copy, base)


def test_remember_token_rotates_is_hashed_and_lasts_remember_days(site):
    app, base = site
    first = log_in(base, "admin@example.com", remember=True)
    second = log_in(base, "admin@example.com", remember=True)
    values = [first.cookies[REMEMBER], second.cookies[REMEMBER]]
    assert values[0] != values[1]

    cookie = next(c for c in second.cookies if c.name == REMEMBER)
    days = (datetime.fromtimestamp(cookie.expires) - datetime.now()).total_seconds() / 86400
    assert 29.9 < days <= 30.01, days
    assert cookie.has_nonstandard_attr("HttpOnly")

    with app.app_context():
        rows = db.session.execute(
            db.text("SELECT selector, validator_hash, expires_at FROM remember_tokens")
        ).all()
    assert len(rows) == 2
    stored = " ".join(str(part) for row in rows for part in row)
    for value in values:
        selector, validator = value.split(".")
        assert selector in stored and validator not in stored  # only a hash of the secret

    # The remember cookie alone brings the user back, and gives a session.
    returning = copy_of(second, (REMEMBER,))
    assert logged_in(returning, base)
    assert "session" in returning.cookies
    # A tampered validator does not.
    selector, validator = values[1].split(".")
    forged = requests.Session()
    forged.cookies.set(REMEMBER, f"{selector}.{'A' * len(validator)}")
    assert not logged_in(forged, base)


def test_remember_days_setting_and_expiry(app_config, redis_conn, make_user):
    import time_machine
    from support import Browserish

    from cwqbo import create_app

    app = create_app({**app_config, "ENV_VARS": {"REMEMBER_DAYS": "2"}})
    assert app.config["REMEMBER_DAYS"] == 2
    with app.app_context():
        user = User(email="ivy@example.com", name="Ivy", role="member")
        user.set_password(PASSWORD)
        user.email_verified_at = datetime.now()
        db.session.add(user)
        db.session.commit()
    web = Browserish(app.test_client())
    response = web.post(
        "/auth/login", {"email": "ivy@example.com", "password": PASSWORD, "remember": "y"}
    )
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(REMEMBER))
    assert re.search(r"Max-Age=172800\b", header), header
    value = header.split(";")[0].split("=", 1)[1]

    def fresh_visit():
        client = app.test_client()
        client.set_cookie(REMEMBER, value)
        return client.get("/")

    assert fresh_visit().status_code == 200
    with time_machine.travel(datetime.now(UTC) + timedelta(days=2, hours=1)):
        assert fresh_visit().status_code == 302


def test_old_style_session_without_stamp_is_refused(app, make_user):
    user_id = make_user("old@example.com")
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)  # what a pre-stamp cookie carried
        session["_fresh"] = True
    assert client.get("/").status_code == 302


def test_a_leftover_flask_login_cookie_neither_logs_in_nor_hides_ours(app, make_user):
    from flask_login.utils import encode_cookie
    from support import Browserish

    user_id = make_user("leg@example.com")
    with app.test_request_context():
        legacy = encode_cookie(str(user_id))  # what earlier versions set for 365 days
    stale = app.test_client()
    stale.set_cookie("remember_token", legacy)
    response = stale.get("/")
    assert response.status_code == 302
    assert any(h.startswith("remember_token=;") for h in response.headers.getlist("Set-Cookie")), (
        "the old cookie is deleted"
    )

    web = Browserish(app.test_client())
    answer = web.post(
        "/auth/login", {"email": "leg@example.com", "password": PASSWORD, "remember": "y"}
    )
    header = next(h for h in answer.headers.getlist("Set-Cookie") if h.startswith(REMEMBER))
    both = app.test_client()
    both.set_cookie("remember_token", legacy)
    both.set_cookie(REMEMBER, header.split(";")[0].split("=", 1)[1])
    assert both.get("/").status_code == 200
