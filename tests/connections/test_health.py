"""The daily connection-health job: expiry warnings at 30 and 7 days (each once, again after a
reconnect), loss mailed at once, Manage's last good check; QBO sandbox over HTTP, frozen time."""

from __future__ import annotations

from support import connect_qbo

from cwqbo.connections import health
from cwqbo.extensions import db
from cwqbo.jobs.tasks import run_periodic
from cwqbo.models import ManageConnection, QBOConfiguration, TaskRun

DAY = 86400
LINK = "https://cwqbo.example/settings/quickbooks/1/connection"


def check(app) -> dict:
    with app.app_context():
        return health.check_all()


def ending(outbox, to="admin@example.com") -> list:
    """The expiry warnings mailed to ``to``, oldest first."""
    return [m for m in outbox.messages() if m["To"] == to and "connection ends" in m["Subject"]]


def body(mail) -> str:
    return mail.get_body(preferencelist=("plain",)).get_content()


def test_warned_at_30_and_7_days_each_once_and_again_after_a_reconnect(
    admin, login, app, qbo_server, clock, outbox, make_user
):
    make_user("second@example.com")
    make_user("member@example.com", role="member")
    make_user("gone@example.com", active=False)
    qbo_server[1].set_knobs(hard_ttl=40 * DAY)  # Intuit's 5 years, shortened
    connect_qbo(admin)

    clock.at(days=1)
    with app.app_context():
        run = db.session.get(TaskRun, run_periodic("connection-health"))
        assert run.status == TaskRun.COMPLETED, run.message
        assert run.result["ok"] == 1 and run.result["warned"] == 0
    assert ending(outbox) == []

    clock.at(days=10, hours=1)  # 29 days 23 h left
    assert check(app)["warned"] == 1
    [first] = ending(outbox)
    assert first["Subject"] == "cwqbo: Default's QuickBooks Online connection ends in 30 days"
    assert LINK in body(first) and "five years after it was authorized" in body(first)
    assert len(ending(outbox, "second@example.com")) == 1
    assert ending(outbox, "member@example.com") == ending(outbox, "gone@example.com") == []

    for day in (11, 12, 20, 32):  # the next daily runs: nothing new
        clock.at(days=day, hours=1)
        assert check(app) == {
            "ok": 1,
            "lost": 0,
            "unreachable": 0,
            "warned": 0,
            "manage": ("not configured"),
        }
    assert len(ending(outbox)) == 1

    clock.at(days=33, hours=1)  # 6 days 23 h left
    assert check(app)["warned"] == 1
    assert ending(outbox)[-1]["Subject"].endswith("connection ends in 7 days")
    clock.at(days=34, hours=1)
    assert check(app)["warned"] == 0
    assert len(ending(outbox)) == 2 and len(ending(outbox, "second@example.com")) == 2

    # The admin follows the link, signs in and reconnects: a new authorization, 40 new days.
    admin.get("/auth/login")  # a fresh sign-in form (the old one expired weeks ago)
    login("admin@example.com")
    page = admin.get(LINK.removeprefix("https://cwqbo.example")).get_data(True)
    assert "stops working in 6 days" in page and "Reconnect to QuickBooks" in page
    connect_qbo(admin)
    clock.at(days=35, hours=1)
    assert check(app)["warned"] == 0
    with app.app_context():
        assert db.session.get(QBOConfiguration, 1).expiry_alerts["sent"] == []
    clock.at(days=44, hours=2)  # 29 days 23 h after the reconnect
    assert check(app)["warned"] == 1
    assert len(ending(outbox)) == 3
    assert ending(outbox)[-1]["Subject"].endswith("connection ends in 30 days")


def test_first_seen_inside_7_days_gets_one_mail_not_two(admin, app, qbo_server, clock, outbox):
    qbo_server[1].set_knobs(hard_ttl=5 * DAY)
    connect_qbo(admin)
    clock.at(hours=1)
    assert check(app)["warned"] == 1
    [mail] = ending(outbox)
    assert mail["Subject"].endswith("connection ends in 5 days")
    clock.at(days=1, hours=1)
    assert check(app)["warned"] == 0
    assert len(ending(outbox)) == 1


def test_a_connection_past_its_deadline_is_lost_and_mailed_at_once(
    admin, app, qbo_server, clock, outbox
):
    qbo_server[1].set_knobs(hard_ttl=2 * DAY)
    connect_qbo(admin)
    clock.at(days=2, minutes=5)
    assert check(app)["lost"] == 1
    with app.app_context():
        config = db.session.get(QBOConfiguration, 1)
        assert config.is_lost and "5-year limit" in config.status_reason
    lost = [m for m in outbox.messages() if "reconnect Default" in m["Subject"]]
    assert len(lost) == 1 and LINK in body(lost[0])
    clock.at(days=3)
    assert check(app)["lost"] == 0  # a lost connection is not checked (nor mailed) again
    assert len([m for m in outbox.messages() if "reconnect Default" in m["Subject"]]) == 1
    assert "Connection lost" in admin.get("/").get_data(True)


def test_manage_last_good_check_is_recorded_and_its_loss_mailed_once(
    admin, app, manage, clock, outbox
):
    base_url, state, _faults = manage
    started = clock.at(hours=1)
    assert check(app)["manage"] == "ok"
    with app.app_context():
        assert clock.near(ManageConnection.current().last_ok_at, started)
    # Someone rotates the API member's keys in Manage.
    real = dict(state.credentials)
    state.credentials = {**real, "privateKey": "rotated-in-manage"}
    clock.at(days=1)
    assert check(app)["manage"] == "failed"
    clock.at(days=2)
    assert check(app)["manage"] == "failed"
    mails = [m for m in outbox.messages() if "ConnectWise Manage" in m["Subject"]]
    assert len(mails) == 1
    text = body(mails[0])
    assert "https://cwqbo.example/settings/connectwise" in text
    assert f"last worked on {started:%Y-%m-%d %H:%M}" in text
    assert real["privateKey"] not in text and "rotated-in-manage" not in text
    with app.app_context():
        connection = ManageConnection.current()
        assert not connection.is_connected and clock.near(connection.last_ok_at, started)
    page = admin.get("/").get_data(True)
    assert f"last successful check {started:%Y-%m-%d %H:%M} UTC" in page
    assert "failed" in page

    state.credentials = real  # fixed: working again, and the next loss is mailed again
    back = clock.at(days=3)
    assert check(app)["manage"] == "ok"
    with app.app_context():
        assert clock.near(ManageConnection.current().last_ok_at, back)
    state.credentials = {**real, "privateKey": "rotated-again"}
    clock.at(days=4)
    check(app)
    assert len([m for m in outbox.messages() if "ConnectWise Manage" in m["Subject"]]) == 2
