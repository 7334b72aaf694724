"""In Chromium: Disconnect asks for confirmation (like Delete); Cancel keeps the connection,
confirming disconnects it."""

from __future__ import annotations

import pytest
from support import PASSWORD, Browserish, connect_qbo, qbo_settings

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config(app_config, qbo_server):
    return {**app_config, **qbo_settings(qbo_server[0])}


def test_disconnect_asks_first(live_server, page, make_user):
    from cwqbo.extensions import db
    from cwqbo.models import QBOConfiguration

    app, base = live_server
    make_user("admin@example.com")
    admin = Browserish(app.test_client())
    admin.post("/auth/login", {"email": "admin@example.com", "password": PASSWORD})
    connect_qbo(admin)

    def connected() -> bool:
        with app.app_context():
            return db.session.get(QBOConfiguration, 1).is_connected

    page.goto(base + "/auth/login")
    page.get_by_label("Email").fill("admin@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/")
    tab = f"{base}/settings/quickbooks/1/connection"
    page.goto(tab)
    page.get_by_role("link", name="Disconnect…").click()
    page.wait_for_url(f"{base}/settings/quickbooks/1/disconnect")
    assert page.get_by_role("heading", name="Disconnect Default?").is_visible()
    assert connected(), "showing the question disconnects nothing"

    page.get_by_role("link", name="Cancel").click()
    page.wait_for_url(tab)
    assert connected()

    page.get_by_role("link", name="Disconnect…").click()
    page.get_by_role("button", name="Disconnect Default").click()
    page.wait_for_url(tab)
    assert (
        "Default is disconnected from QuickBooks Online." in page.locator("#messages").inner_text()
    )
    assert not connected()
    assert [e for e in page.console_errors if "404" not in e] == []  # /favicon.ico
