"""Token expiries and Manage's last good check on the dashboard and the Connection tab."""

from __future__ import annotations

from support import connect_qbo

from cwqbo.connections import health
from cwqbo.crypto import secret_box
from cwqbo.extensions import db
from cwqbo.models import ManageConnection, QBOConfiguration

DAY = 86400


def stamp(value) -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC"


def test_dashboard_and_connection_tab_show_every_expiry(
    admin, app, qbo_server, manage, make_user, web
):
    qbo_server[1].set_knobs(hard_ttl=20 * DAY)
    connect_qbo(admin)
    admin.post("/settings/quickbooks", {"name": "Spare"})
    with app.app_context():
        assert health.check_all()["manage"] == "ok"
        config = db.session.get(QBOConfiguration, 1)
        access, refresh = config.access_expires_at, config.refresh_expires_at
        hard, checked = config.hard_expires_at, ManageConnection.current().last_ok_at
        box = secret_box()
        secrets = [box.decrypt(config.access_token_encrypted)]
        secrets.append(box.decrypt(config.refresh_token_encrypted))
    assert refresh == hard  # Intuit caps the refresh token at the hard expiry

    dashboard = admin.get("/").get_data(True)
    card = dashboard[dashboard.index('id="connection-health"') :]
    assert f"last successful check {stamp(checked)}" in card
    assert stamp(access) in card and stamp(hard) in card
    assert "in 20 days" in card and "Intuit&#39;s 5-year limit" in card
    assert 'href="/settings/quickbooks/1/connection"' in card
    assert "Spare" in card and "Not connected." in card

    tab = admin.get("/settings/quickbooks/1/connection").get_data(True)
    for label, value in (
        ("Access token expires", access),
        ("Refresh token expires", refresh),
        ("Intuit's hard expiry", hard),
    ):
        assert f"<dt>{label}</dt><dd>{stamp(value)}" in tab
    assert "This connection stops working in 20 days" in tab
    assert "Reconnect to QuickBooks" in tab
    for page in (dashboard, tab):
        assert not any(secret in page for secret in secrets)


def test_a_member_sees_the_figures_without_settings_links(app, qbo_server, make_user, admin):
    from support import PASSWORD, Browserish

    connect_qbo(admin)
    make_user("member@example.com", role="member")
    member = Browserish(app.test_client())  # a browser of their own
    member.get("/auth/login")
    member.post("/auth/login", {"email": "member@example.com", "password": PASSWORD})
    card = member.get("/").get_data(True).split('id="connection-health"')[1]
    assert "Default" in card and "Access token expires" in card
    assert "/settings/quickbooks/1/connection" not in card
    assert "ConnectWise Manage: not set up yet." in card
