"""CSRF on HTMX requests, error fragments, security headers, health check."""

from support import csrf_token_from


def test_htmx_post_without_csrf_header_gets_400_fragment(web, make_user, login):
    make_user("admin@example.com", role="member")
    login("admin@example.com")
    response = web.client.post(
        "/account", data={"name-name": "Changed"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 400
    body = response.get_data(True)
    assert "<html" not in body and 'class="flash flash-error"' in body
    assert "Your form expired" in body
    assert response.headers["HX-Retarget"] == "#messages"
    assert "Changed" not in web.get("/account").get_data(True)


def test_htmx_post_with_csrf_header_succeeds(web, make_user, login):
    make_user("admin@example.com", role="member")
    login("admin@example.com")
    token = csrf_token_from(web.get("/account").get_data(True))
    response = web.client.post(
        "/account",
        data={"name-name": "Changed Name"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert response.status_code == 302
    assert "Changed Name" in web.get("/account").get_data(True)


def test_normal_post_without_token_gets_full_error_page(web, make_user, login):
    make_user("admin@example.com", role="member")
    login("admin@example.com")
    response = web.client.post("/account", data={"name-name": "X"})
    assert response.status_code == 400
    body = response.get_data(True)
    assert "<html" in body and "Your form expired" in body


def test_htmx_404_is_a_fragment_and_normal_404_a_page(web, make_user, login):
    make_user("admin@example.com")
    login("admin@example.com")
    fragment = web.client.get("/no/such/page", headers={"HX-Request": "true"})
    assert fragment.status_code == 404 and "<html" not in fragment.get_data(True)
    page = web.client.get("/no/such/page")
    assert page.status_code == 404 and "<html" in page.get_data(True)


def test_security_headers_on_every_response(client):
    for url in ("/auth/login", "/healthz", "/static/css/cwqbo.css", "/missing"):
        response = client.get(url)
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script(web, make_user, login):
    make_user("admin@example.com")
    login("admin@example.com")
    for url in ("/", "/users", "/account", "/system", "/auth/logout"):
        body = web.get(url).get_data(True)
        assert "<script>" not in body and " on" + "click=" not in body


def test_session_cookie_flags(web, make_user, app_config, redis_conn):
    from support import Browserish

    from cwqbo import create_app

    make_user("admin@example.com")
    for production in (False, True):
        env = (
            {
                "CWQBO_ENV": "production",
                "SECRET_KEY": "s" * 32,
                "ENCRYPTION_KEY": "Q0pjjqSmsZw8AOHpWxUY6IXUYmaqUWCWHP7G2yKM7jE=",
            }
            if production
            else {}
        )
        app = create_app({**app_config, "ENV_VARS": env})
        browser = Browserish(app.test_client())
        response = browser.post(
            "/auth/login",
            {"email": "admin@example.com", "password": "correct horse battery staple"},
        )
        cookie = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")][0]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert ("Secure" in cookie) is production


def test_healthz_reports_each_service(client, redis_conn):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["database"]["ok"] and body["redis"]["ok"] and body["ok"]
    assert body["worker"] == {"ok": False, "count": 0}
    assert body["scheduler"]["ok"] is False
    redis_conn.set("cwqbo:scheduler:heartbeat", __import__("time").time().__int__())
    assert client.get("/healthz").get_json()["scheduler"]["ok"] is True


def test_healthz_503_when_redis_is_down(app_config, redis_conn):
    from cwqbo import create_app

    app = create_app({**app_config, "REDIS_URL": "redis://127.0.0.1:1/0"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["redis"]["ok"] is False and body["database"]["ok"] is True
