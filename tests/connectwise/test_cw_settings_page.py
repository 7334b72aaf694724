"""Set Up ConnectWise: saving checks for real against the Manage sandbox over HTTP."""

import logging
import socket

import pytest

from cwqbo.extensions import db
from cwqbo.models import ManageConnection
from cwqbo.sandbox.connectwise import Faults


@pytest.fixture
def admin_web(web, make_user, login):
    make_user("admin@example.com")
    login("admin@example.com")
    return web


def form(cw_sandbox, **overrides):
    base_url, state, _ = cw_sandbox
    creds = state.credentials
    data = {
        "site": base_url,
        "company_id": creds["companyId"],
        "public_key": creds["publicKey"],
        "private_key": creds["privateKey"],
        "client_id": "0f9d1c5e-7a55-4a6e-9a3c-4b1b2d0c1e11",
    }
    data.update(overrides)
    return data


def saved(app):
    with app.app_context():
        return ManageConnection.current()


def test_good_credentials_connect_and_show_on_dashboard(admin_web, cw_sandbox, app, caplog):
    caplog.set_level(logging.DEBUG)
    private_key = cw_sandbox[1].credentials["privateKey"]
    response = admin_web.post("/settings/connectwise", form(cw_sandbox))
    assert response.status_code == 302, response.get_data(True)
    page = admin_web.get("/settings/connectwise").get_data(True)
    assert "Connected to ConnectWise Manage" in page and "Connected</span>" in page
    assert "Finance &gt; Accounting Interface: Add level must be All" in page
    connection = saved(app)
    assert connection.is_connected and connection.codebase
    with app.app_context():
        assert connection.private_key == private_key
        raw = db.session.execute(db.text("SELECT * FROM manage_connections")).one()
        assert all(private_key not in str(value) for value in raw)
    dashboard = admin_web.get("/").get_data(True)
    assert f"Connected to {connection.company_name or connection.company_id}" in dashboard
    # The private key is never sent back to the browser nor logged.
    assert private_key not in page and private_key not in dashboard
    assert private_key not in caplog.text


def test_blank_private_key_keeps_the_saved_one(admin_web, cw_sandbox, app):
    assert admin_web.post("/settings/connectwise", form(cw_sandbox)).status_code == 302
    response = admin_web.post("/settings/connectwise", form(cw_sandbox, private_key=""))
    assert response.status_code == 302
    with app.app_context():
        assert ManageConnection.current().private_key == cw_sandbox[1].credentials["privateKey"]


def test_first_save_needs_a_private_key(admin_web, cw_sandbox):
    response = admin_web.post("/settings/connectwise", form(cw_sandbox, private_key=""))
    assert response.status_code == 400
    assert "Type the API member&#39;s private key." in response.get_data(True)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"site": "FREE_PORT"}, "Could not reach 127.0.0.1:"),
        ({"company_id": "nosuchco"}, "The Company ID &#34;nosuchco&#34; is not known at"),
        ({"private_key": "wrong-private-key"}, "ConnectWise Manage refused the API keys"),
        ({"public_key": "wrongpublic"}, "ConnectWise Manage refused the API keys"),
        ({"site": "na.myconnectwise.net/some/path"}, "Type the host name only"),
        (
            {"client_id": "unregistered-id"},
            "ConnectWise Manage does not accept the Client ID &#34;unregistered-id&#34;: it is "
            "not registered. Register this integration at developer.connectwise.com",
        ),
    ],
)
def test_each_failure_has_its_own_message(admin_web, cw_sandbox, app, caplog, overrides, message):
    caplog.set_level(logging.DEBUG)
    if overrides.get("site") == "FREE_PORT":
        overrides = {"site": f"http://127.0.0.1:{closed_port()}"}
    response = admin_web.post("/settings/connectwise", form(cw_sandbox, **overrides))
    assert response.status_code in (400, 422)
    body = response.get_data(True)
    assert message in body
    assert saved(app) is None  # nothing saved, let alone as connected
    for secret in ("wrong-private-key", cw_sandbox[1].credentials["privateKey"]):
        assert secret not in body and secret not in caplog.text


def test_denied_endpoint_names_the_security_role(admin_web, cw_sandbox, app):
    _, _, faults = cw_sandbox
    faults.configure(
        Faults(deny=["/finance/accounting/unpostedinvoices", "/procurement/purchaseorders"])
    )
    response = admin_web.post("/settings/connectwise", form(cw_sandbox))
    assert response.status_code == 422
    body = response.get_data(True)
    assert "<li>Finance &gt; Accounting Interface: Inquire level must be All</li>" in body
    assert "<li>Procurement &gt; Purchase Orders: Inquire level must be All</li>" in body
    assert "nothing was saved" in body
    assert saved(app) is None


def test_failed_change_keeps_the_working_connection(admin_web, cw_sandbox, app):
    assert admin_web.post("/settings/connectwise", form(cw_sandbox)).status_code == 302
    bad = admin_web.post("/settings/connectwise", form(cw_sandbox, public_key="wrongpublic"))
    assert bad.status_code == 422
    connection = saved(app)
    assert (
        connection.is_connected and connection.public_key == cw_sandbox[1].credentials["publicKey"]
    )


def test_recheck_marks_a_revoked_permission(admin_web, cw_sandbox, app):
    assert admin_web.post("/settings/connectwise", form(cw_sandbox)).status_code == 302
    cw_sandbox[2].configure(Faults(deny=["/system/members"]))
    assert admin_web.post("/settings/connectwise/check", {}).status_code == 302
    page = admin_web.get("/settings/connectwise").get_data(True)
    assert "no longer works" in page and "System &gt; Member Maintenance: Inquire level" in page
    assert not saved(app).is_connected
    assert "Not working" in admin_web.get("/").get_data(True)


def test_members_cannot_open_the_settings(web, make_user, login, cw_sandbox):
    make_user("admin@example.com")
    make_user("m@example.com", role="member")
    login("m@example.com")
    assert web.get("/settings/connectwise").status_code == 403
    assert 'href="/settings/connectwise"' not in web.get("/").get_data(True)
