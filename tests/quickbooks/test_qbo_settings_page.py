"""Set Up QuickBooks Online: configurations, OAuth through the pages, loss, disconnect."""

import threading
from datetime import timedelta

import pytest
import requests
from support import QBO_CA_REALM, QBO_US_REALM, connect_qbo, qbo_consent

from cwqbo import connections
from cwqbo.crypto import secret_box
from cwqbo.extensions import db
from cwqbo.models import QBOConfiguration
from cwqbo.models.user import utcnow

LOST = "Your Default connection to QuickBooks Online has been lost. Please reconnect."


@pytest.fixture
def admin(web, make_user, login):
    make_user("admin@example.com")
    login("admin@example.com")
    return web


def config(app, config_id=1) -> QBOConfiguration:
    with app.app_context():
        row = db.session.get(QBOConfiguration, config_id)
        db.session.expunge(row)
        return row


def sandbox_counts(qbo_server) -> dict:
    return requests.get(f"{qbo_server[0]}/_sandbox/state", timeout=5).json()["oauth"]


def test_fresh_install_has_one_default_configuration(admin):
    page = admin.get("/settings/quickbooks").get_data(True)
    assert ">Default</a>" in page and "Not connected" in page
    dashboard = admin.get("/").get_data(True)
    assert "<strong>QuickBooks Online: Default</strong>" in dashboard
    assert "Not connected" in dashboard


def test_connect_end_to_end_stores_encrypted_tokens_and_company(admin, app, qbo_server, caplog):
    caplog.set_level("DEBUG")
    start = admin.post("/settings/quickbooks/1/connect")
    authorize = start.headers["Location"]
    assert authorize.startswith(qbo_server[0] + "/connect/oauth2?")
    assert "scope=com.intuit.quickbooks.accounting" in authorize and "state=" in authorize
    back = admin.get(qbo_consent(authorize, QBO_US_REALM))
    assert back.headers["Location"] == "/settings/quickbooks/1/connection"
    page = admin.get("/settings/quickbooks/1/connection").get_data(True)
    assert "is connected to QuickBooks Online company cwqbo Demo MSP" in page
    assert "Disconnect" in page and QBO_US_REALM in page

    row = config(app)
    assert row.is_connected and row.realm_id == QBO_US_REALM
    assert row.company_name == "cwqbo Demo MSP" and row.country == "US"
    assert row.home_currency == "USD" and row.hard_expires_at is not None
    with app.app_context():
        box = secret_box()
        access = box.decrypt(row.access_token_encrypted)
        refresh = box.decrypt(row.refresh_token_encrypted)
        raw = db.session.execute(db.text("SELECT * FROM qbo_configurations")).one()
    flat = " ".join(str(v) for v in raw)
    assert access not in flat and refresh not in flat  # the DB holds no plaintext token
    assert access not in page and refresh not in page
    assert access not in caplog.text and refresh not in caplog.text
    dashboard = admin.get("/").get_data(True)
    assert "Connected to cwqbo Demo MSP" in dashboard and "connection renews until" in dashboard


def test_state_mismatch_is_refused(admin, app, qbo_server):
    start = admin.post("/settings/quickbooks/1/connect")
    callback = qbo_consent(start.headers["Location"])
    forged = callback.replace("state=", "state=forged")
    response = admin.get(forged)
    assert response.status_code == 302
    assert "does not match one started here" in admin.get(response.headers["Location"]).get_data(
        True
    )
    assert not config(app).is_connected
    # The state is single use as well: replaying the real callback after a success fails.
    assert admin.get(callback).status_code == 302
    assert config(app).is_connected
    admin.get(callback)
    assert "does not match" in admin.get("/settings/quickbooks").get_data(True)


def test_access_denied_is_handled(admin, app):
    start = admin.post("/settings/quickbooks/1/connect")
    response = admin.get(qbo_consent(start.headers["Location"], action="deny"))
    page = admin.get(response.headers["Location"]).get_data(True)
    assert "was declined on Intuit" in page and "Connect to QuickBooks" in page
    assert not config(app).is_connected


def test_lost_connection_shows_exact_message_and_emails_admins(admin, app, qbo_server, outbox):
    connect_qbo(admin)
    row = config(app)
    with app.app_context():
        refresh = secret_box().decrypt(row.refresh_token_encrypted)
    # The company revokes the app in QuickBooks, and the access token runs out.
    requests.post(
        f"{qbo_server[0]}/v2/oauth2/tokens/revoke",
        json={"token": refresh},
        auth=("cwqbo-local", "cwqbo-local-secret"),
        timeout=5,
    ).raise_for_status()
    requests.post(f"{qbo_server[0]}/_sandbox/tokens/expire", timeout=5).raise_for_status()
    with app.app_context():
        db.session.get(QBOConfiguration, 1).access_expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()

    page = admin.get("/settings/quickbooks/1/connection").get_data(True)
    assert LOST in page
    assert "Connect to QuickBooks" in page and "Disconnect" not in page
    assert config(app).is_lost
    mail = outbox.last_to("admin@example.com")
    assert "reconnect Default" in mail["Subject"]
    assert LOST in mail.get_body().get_content()
    assert "Connection lost" in admin.get("/").get_data(True)
    # Reconnecting brings it back.
    connect_qbo(admin)
    assert config(app).is_connected


def test_four_concurrent_refreshers_refresh_once(admin, app, qbo_server):
    connect_qbo(admin)
    with app.app_context():
        db.session.get(QBOConfiguration, 1).access_expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    before = sandbox_counts(qbo_server)["refreshes"]
    barrier, results, errors = threading.Barrier(4), [], []

    def worker():
        try:
            with app.app_context():
                client = connections.qbo_client(db.session.get(QBOConfiguration, 1))
                barrier.wait(5)
                results.append(client.company_info()["CompanyName"])
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors and results == ["cwqbo Demo MSP"] * 4
    assert sandbox_counts(qbo_server)["refreshes"] == before + 1
    # The rotated refresh token was stored: the next refresh works too.
    with app.app_context():
        connections.token_manager().refresh(1)
    assert sandbox_counts(qbo_server)["refreshes"] == before + 2
    assert config(app).is_connected


def test_disconnect_revokes_at_intuit(admin, app, qbo_server):
    connect_qbo(admin)
    before = sandbox_counts(qbo_server)["revokes"]
    # Like Delete, Disconnect asks first: without the confirmation nothing is revoked.
    asked = admin.post("/settings/quickbooks/1/disconnect")
    assert asked.status_code == 200 and "Disconnect Default?" in asked.get_data(True)
    assert sandbox_counts(qbo_server)["revokes"] == before and config(app).is_connected
    response = admin.post("/settings/quickbooks/1/disconnect", {"confirm": "yes"})
    assert response.status_code == 302
    assert "is disconnected" in admin.get("/settings/quickbooks/1/connection").get_data(True)
    assert sandbox_counts(qbo_server)["revokes"] == before + 1
    row = config(app)
    assert row.status == QBOConfiguration.NOT_CONNECTED and row.refresh_token_encrypted is None


def test_add_rename_default_and_delete(admin, app):
    assert admin.post("/settings/quickbooks", {"name": "Canada"}).status_code == 302
    duplicate = admin.post("/settings/quickbooks", {"name": "canada"})
    assert duplicate.status_code == 400 and "already exists" in duplicate.get_data(True)
    with app.app_context():
        canada = db.session.scalar(
            db.select(QBOConfiguration).where(QBOConfiguration.name == "Canada")
        )
        canada_id = canada.id
    admin.post(f"/settings/quickbooks/{canada_id}/rename", {"name": "Canada Inc"})
    admin.post(f"/settings/quickbooks/{canada_id}/default")
    with app.app_context():
        defaults = db.session.scalars(
            db.select(QBOConfiguration.name).where(QBOConfiguration.is_default.is_(True))
        ).all()
    assert defaults == ["Canada Inc"]  # exactly one default

    confirm = admin.get(f"/settings/quickbooks/{canada_id}/delete").get_data(True)
    assert "batch history" in confirm and "statistics" in confirm
    refused = admin.post(f"/settings/quickbooks/{canada_id}/delete", {})
    assert refused.status_code == 400 and "Tick the box" in refused.get_data(True)
    admin.post(f"/settings/quickbooks/{canada_id}/delete", {"confirm": "y"})
    with app.app_context():
        remaining = db.session.scalars(db.select(QBOConfiguration)).all()
        assert [(c.name, c.is_default) for c in remaining] == [("Default", True)]


def test_one_company_cannot_back_two_configurations(admin, app):
    connect_qbo(admin, 1, QBO_CA_REALM)
    admin.post("/settings/quickbooks", {"name": "Second"})
    response = connect_qbo(admin, 2, QBO_CA_REALM)
    page = admin.get(response.headers["Location"]).get_data(True)
    assert "already connected as Default" in page
    assert not config(app, 2).is_connected


def test_tabs_are_fragments_for_htmx_and_pages_otherwise(admin):
    fragment = admin.client.get(
        "/settings/quickbooks/1/connection",
        headers={"HX-Request": "true", "HX-Target": "tab-panel"},
    ).get_data(True)
    assert fragment.startswith('<div id="tab-panel"') and "<html" not in fragment
    assert "<html" in admin.get("/settings/quickbooks/1/connection").get_data(True)
    assert admin.get("/settings/quickbooks/1/nosuchtab").status_code == 404


def test_keepalive_job_refreshes_connected_configurations(admin, app, qbo_server):
    from cwqbo.connections.keepalive import refresh_due

    connect_qbo(admin)
    before = sandbox_counts(qbo_server)["refreshes"]
    with app.app_context():
        counts = refresh_due()  # a new access token expires within the hour
        assert (counts["expiring"], counts["refreshed"], counts["lost"]) == (1, 1, 0)
    assert sandbox_counts(qbo_server)["refreshes"] == before + 1
