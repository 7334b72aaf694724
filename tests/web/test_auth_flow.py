"""Accounts end to end through the real pages and the outbox."""

from support import PASSWORD

from cwqbo.extensions import db
from cwqbo.models import User


def signup(web, email="ada@example.com", password=PASSWORD):
    return web.post(
        "/auth/signup",
        {"name": "Ada Admin", "email": email, "password": password, "confirm": password},
    )


def test_signup_verify_login_dashboard(web, outbox, app):
    assert web.get("/auth/login").headers["Location"].endswith("/auth/signup")
    response = signup(web, email="Ada@Example.com")
    assert response.status_code == 200
    assert "We sent a verification link to <strong>ada@example.com" in response.get_data(True)

    # Not verified yet: refused, with the reason, and a fresh link is sent.
    response = web.post("/auth/login", {"email": "ada@example.com", "password": PASSWORD})
    assert response.status_code == 401
    assert "Your email address is not verified yet" in response.get_data(True)

    link = outbox.link_to("ada@example.com", "/auth/verify/")
    response = web.get(link)
    assert response.status_code == 302
    assert "verified" in web.get("/auth/login").get_data(True)

    response = web.post("/auth/login", {"email": "ada@example.com", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = web.get("/").get_data(True)
    assert "<h1>Dashboard</h1>" in page
    assert "ConnectWise" in page and "Not configured" in page
    with app.app_context():
        user = db.session.scalar(db.select(User))
        assert user.is_admin and user.is_verified and user.email == "ada@example.com"

    # Sign-up closes once the first user exists.
    assert web.get("/auth/signup").headers["Location"].endswith("/auth/login")


def test_signup_rejects_short_password_and_bad_email(web):
    response = signup(web, email="not-an-email", password="short")
    text = response.get_data(True)
    assert "Use at least 12 characters" in text
    assert "Invalid email address" in text


def test_tampered_or_expired_verification_link(web, make_user):
    make_user("x@example.com")
    response = web.get("/auth/verify/garbage")
    assert response.status_code == 302
    assert "This link is not valid" in web.get("/auth/login").get_data(True)


def test_wrong_password_message(web, make_user):
    make_user("bob@example.com")
    response = web.post("/auth/login", {"email": "bob@example.com", "password": "wrong" * 3})
    assert response.status_code == 401
    assert "Wrong email or password." in response.get_data(True)


def test_forgot_password_link_works_once(web, outbox, make_user):
    make_user("carol@example.com", role="member")
    response = web.post("/auth/forgot", {"email": "carol@example.com"})
    assert response.status_code == 302
    link = outbox.link_to("carol@example.com", "/auth/reset/")
    new = "a brand new long passphrase"
    assert web.get(link).status_code == 200
    response = web.post(link, {"password": new, "confirm": new})
    assert response.status_code == 302
    # The link is spent.
    response = web.get(link)
    assert response.status_code == 302
    assert "already been used" in web.get("/auth/forgot").get_data(True)
    # Old password no longer works, the new one does.
    assert (
        web.post("/auth/login", {"email": "carol@example.com", "password": PASSWORD}).status_code
        == 401
    )
    assert (
        web.post("/auth/login", {"email": "carol@example.com", "password": new}).status_code == 302
    )


def test_forgot_does_not_reveal_unknown_address(web, outbox, make_user):
    make_user("dan@example.com")
    response = web.post("/auth/forgot", {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert "If nobody@example.com belongs to an account" in web.get("/auth/login").get_data(True)
    assert outbox.messages() == []


def test_invite_accept_member_logs_in(web, outbox, make_user, login, app):
    make_user("admin@example.com")
    login("admin@example.com")
    response = web.post("/users", {"email": "Mia@Example.com", "role": "member"})
    assert response.status_code == 302
    assert "Invitation sent to mia@example.com" in web.get("/users").get_data(True)
    web.post("/auth/logout")

    link = outbox.link_to("mia@example.com", "/auth/accept/")
    assert "invited as <strong>member" in web.get(link).get_data(True)
    new = "mia's own long password"
    response = web.post(link, {"name": "Mia Member", "password": new, "confirm": new})
    assert response.status_code == 302
    # The invitation is spent.
    assert web.get(link).status_code == 302

    login("mia@example.com", new)
    assert "<h1>Dashboard</h1>" in web.get("/").get_data(True)
    assert web.get("/users").status_code == 403  # members do not manage users


def test_deactivated_user_refused(web, make_user, login, app):
    make_user("admin@example.com")
    member_id = make_user("eve@example.com", role="member")
    login("admin@example.com")
    assert web.post(f"/users/{member_id}/deactivate").status_code == 302
    web.post("/auth/logout")
    response = web.post("/auth/login", {"email": "eve@example.com", "password": PASSWORD})
    assert response.status_code == 401
    assert "Your account has been deactivated by an admin" in response.get_data(True)


def test_deactivation_ends_an_open_session(web, make_user, login, app):
    make_user("admin@example.com")
    member_id = make_user("fay@example.com", role="member")
    login("fay@example.com")
    with app.app_context():
        from cwqbo.models.user import utcnow

        db.session.get(User, member_id).deactivated_at = utcnow()
        db.session.commit()
    assert web.get("/").headers["Location"].startswith("/auth/login")


def test_last_admin_cannot_be_demoted(web, make_user, login, app):
    admin_id = make_user("admin@example.com")
    login("admin@example.com")
    web.post(f"/users/{admin_id}/role", {"role": "member"})
    assert "at least one active admin" in web.get("/users").get_data(True)
    with app.app_context():
        assert db.session.get(User, admin_id).is_admin


def test_account_page_changes_name_and_password(web, make_user, login):
    make_user("gus@example.com", role="member")
    login("gus@example.com")
    assert web.post("/account", {"name-name": "Gus G."}).status_code == 302
    assert "Gus G." in web.get("/account").get_data(True)
    bad = web.post(
        "/account",
        {"pw-current": "nope nope nope", "pw-password": "x" * 12, "pw-confirm": "x" * 12},
    )
    assert bad.status_code == 400 and "not your current password" in bad.get_data(True)
    new = "gus's second password"
    ok = web.post("/account", {"pw-current": PASSWORD, "pw-password": new, "pw-confirm": new})
    assert ok.status_code == 302
    web.post("/auth/logout")
    login("gus@example.com", new)


def test_login_throttled_on_sixth_failure(web, make_user):
    make_user("hal@example.com")
    for _ in range(5):
        response = web.post("/auth/login", {"email": "hal@example.com", "password": "bad" * 5})
        assert response.status_code == 401
    response = web.post("/auth/login", {"email": "hal@example.com", "password": "bad" * 5})
    assert response.status_code == 429
    text = response.get_data(True)
    assert "Too many failed log-in attempts" in text and "Try again in 15 minutes" in text
    assert "Retry-After" in response.headers
    # Even the right password waits until the window has passed.
    assert (
        web.post("/auth/login", {"email": "hal@example.com", "password": PASSWORD}).status_code
        == 429
    )


def test_login_throttled_per_ip_across_accounts(app_config, redis_conn, make_user):
    from support import Browserish

    from cwqbo import create_app

    app = create_app({**app_config, "LOGIN_THROTTLE_IP": "3 per 15 minutes"})
    make_user("someone@example.com")
    web = Browserish(app.test_client())
    for i in range(3):
        email = f"u{i}@example.com"
        assert web.post("/auth/login", {"email": email, "password": "bad" * 5}).status_code == 401
    assert (
        web.post("/auth/login", {"email": "u9@example.com", "password": "bad" * 5}).status_code
        == 429
    )
