"""The 30-minute token refresh job against the real QBO sandbox over HTTP, in frozen time."""

from __future__ import annotations

import requests
from conftest import refreshes
from support import QBO_CA_REALM, QBO_US_REALM, connect_qbo

from cwqbo.connections import keepalive, qbo_client
from cwqbo.crypto import secret_box
from cwqbo.extensions import db
from cwqbo.jobs.tasks import run_periodic
from cwqbo.models import QBOConfiguration, TaskRun


def add_configuration(admin, name: str) -> int:
    admin.post("/settings/quickbooks", {"name": name})
    with admin.client.application.app_context():
        return db.session.scalar(
            db.select(QBOConfiguration.id).where(QBOConfiguration.name == name)
        )


def refreshed_at(app, config_id: int):
    with app.app_context():
        return db.session.get(QBOConfiguration, config_id).tokens_refreshed_at


def run_job(app) -> dict:
    with app.app_context():
        return keepalive.refresh_due()


def test_refreshes_exactly_what_expires_within_the_hour_and_idle_ones_past_keepalive(
    admin, app, qbo_server, clock
):
    base, state = qbo_server
    # Default (US) gets 2-hour access tokens, Canada (CA) Intuit's usual hour.
    state.set_knobs(access_ttl=7200)
    connect_qbo(admin, 1, QBO_US_REALM)
    state.set_knobs(access_ttl=3600)
    canada = add_configuration(admin, "Canada")
    connect_qbo(admin, canada, QBO_CA_REALM)
    add_configuration(admin, "Spare")  # never connected: never refreshed
    assert refreshes(qbo_server) == {}

    # +30 min: Canada's token expires in 30 min (refresh), Default's in 90 min (leave).
    clock.at(minutes=30)
    assert run_job(app) == {
        "expiring": 1,
        "idle": 0,
        "refreshed": 1,
        "lost": 0,
        "failed": 0,
        "skipped": 1,
    }
    assert refreshes(qbo_server) == {QBO_CA_REALM: 1}
    # +50 min: the job's own new token also expires within the hour, but nobody asked for
    # it: not renewed again (else every connection would be refreshed every 30 minutes).
    clock.at(minutes=50)
    assert run_job(app)["refreshed"] == 0
    # +1 h 10: Default's token (from connect) expires in 50 min now.
    clock.at(hours=1, minutes=10)
    counts = run_job(app)
    assert (counts["expiring"], counts["refreshed"]) == (1, 1)
    assert refreshes(qbo_server) == {QBO_CA_REALM: 1, QBO_US_REALM: 1}

    # +3 h: both tokens ran out unused and were renewed hours ago: nothing to do. Then a
    # batch uses Canada (refresh on use): its new token is the next run's to renew.
    clock.at(hours=3)
    assert run_job(app)["refreshed"] == 0
    with app.app_context():
        qbo_client(db.session.get(QBOConfiguration, canada)).company_info()
    assert refreshes(qbo_server) == {QBO_CA_REALM: 2, QBO_US_REALM: 1}
    clock.at(hours=3, minutes=30)
    assert run_job(app)["expiring"] == 1
    assert refreshes(qbo_server) == {QBO_CA_REALM: 3, QBO_US_REALM: 1}

    # +7 days 1 h 15: Default was last renewed at +1 h 10 (7 days ago: past the keep-alive
    # age), Canada at +3 h 30 (not yet). Run through the periodic task, as the scheduler.
    now = clock.at(days=7, hours=1, minutes=15)
    with app.app_context():
        run = db.session.get(TaskRun, run_periodic("qbo-tokens"))
        assert run.status == TaskRun.COMPLETED, run.message
        assert run.result["idle"] == 1 and run.result["refreshed"] == 1
        assert "1 idle" in run.message
    assert refreshes(qbo_server) == {QBO_CA_REALM: 3, QBO_US_REALM: 2}
    assert clock.near(refreshed_at(app, 1), now)

    # +7 days 3 h 45: Canada's turn; Default is fresh (and its token the job's own).
    clock.at(days=7, hours=3, minutes=45)
    counts = run_job(app)
    assert (counts["expiring"], counts["idle"], counts["refreshed"]) == (0, 1, 1)
    assert refreshes(qbo_server) == {QBO_CA_REALM: 4, QBO_US_REALM: 2}


def test_an_idle_connection_outlives_intuits_100_days(admin, app, qbo_server, clock):
    connect_qbo(admin)
    # Nobody uses it for 150 days; the job runs (here, every 2 days of it).
    for day in range(2, 151, 2):
        clock.at(days=day)
        with app.app_context():
            assert keepalive.refresh_due()["failed"] == 0
    renewed = refreshes(qbo_server)[QBO_US_REALM]
    assert renewed == 18  # on days 8, 16, ... 144: the first run past 7 days, not every run
    with app.app_context():
        config = db.session.get(QBOConfiguration, 1)
        assert config.is_connected
        assert qbo_client(config).company_info()["CompanyName"] == "cwqbo Demo MSP"


def test_without_the_job_the_sandbox_really_drops_the_connection(admin, app, qbo_server, clock):
    """The control for the test above: the 100 days are enforced at Intuit's end."""
    connect_qbo(admin)
    clock.at(days=150)
    with app.app_context():
        config = db.session.get(QBOConfiguration, 1)
        refresh = secret_box().decrypt(config.refresh_token_encrypted)
    answer = requests.post(
        f"{qbo_server[0]}/oauth2/v1/tokens/bearer",
        data={"grant_type": "refresh_token", "refresh_token": refresh},
        auth=("cwqbo-local", "cwqbo-local-secret"),
        timeout=5,
    )
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


def test_a_refused_refresh_marks_the_connection_lost_and_emails_at_once(
    admin, app, qbo_server, clock, outbox
):
    connect_qbo(admin)
    with app.app_context():
        refresh = secret_box().decrypt(db.session.get(QBOConfiguration, 1).refresh_token_encrypted)
    requests.post(
        f"{qbo_server[0]}/v2/oauth2/tokens/revoke",
        json={"token": refresh},
        auth=("cwqbo-local", "cwqbo-local-secret"),
        timeout=5,
    ).raise_for_status()
    clock.at(minutes=30)
    with app.app_context():
        assert keepalive.refresh_due()["lost"] == 1
        assert db.session.get(QBOConfiguration, 1).is_lost
    mails = [m for m in outbox.messages() if "reconnect Default" in m["Subject"]]
    assert len(mails) == 1
    body = mails[0].get_body().get_content()
    assert "https://cwqbo.example/settings/quickbooks/1/connection" in body
    assert refresh not in body
    # The next runs leave a lost connection alone: no second mail.
    clock.at(hours=1)
    with app.app_context():
        assert keepalive.refresh_due() == {
            "expiring": 0,
            "idle": 0,
            "refreshed": 0,
            "lost": 0,
            "failed": 0,
            "skipped": 0,
        }
    assert len([m for m in outbox.messages() if "reconnect Default" in m["Subject"]]) == 1
