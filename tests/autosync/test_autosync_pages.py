"""The AutoSync tab of a configuration: shows the defaults, saves on/off, kinds, interval and
location, refuses bad input naming the fix, updates the schedule; admins only."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from cwqbo import create_app
from cwqbo.extensions import db
from cwqbo.jobs import redis_for
from cwqbo.jobs.schedule import ID_PREFIX, make_scheduler
from cwqbo.models import AutoSyncSetting, ParkedTransaction

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))
from test_authorization import allowed, client_as, matrix_users, sent_to_login  # noqa: E402

HX = {"HX-Request": "true", "HX-Target": "tab-panel"}
URL = "/settings/quickbooks/1/autosync"
ENTRY = ID_PREFIX + "autosync-1"


def schedule(app) -> dict:
    return {job.id: job for job in make_scheduler(redis_for(app)).get_jobs()}


def location_choices(html: str) -> dict[str, str]:
    select = re.search(r'<select id="opt-location"[^>]*>(.*?)</select>', html, re.S).group(1)
    return {
        name: value for value, name in re.findall(r'<option value="(\d+)"[^>]*>([^<]+)<', select)
    }


def test_the_tab_shows_defaults_and_saves_a_schedule(app, connected):
    page = connected.get(URL)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "AutoSync" in html and 'name="interval_minutes" value="120"' in html
    assert 'name="enabled" value="y" checked' not in html, "off until an admin turns it on"
    assert "Nothing is set aside." in html
    denver = location_choices(html)["Denver Branch"]

    form = {
        "enabled": "y",
        "kind_invoices": "y",
        "kind_payments": "y",
        "interval_minutes": "45",
        "location": denver,
    }
    saved = connected.post(URL, form, headers=HX)
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert "AutoSync options saved." in saved.get_data(as_text=True)
    with app.app_context():
        setting = db.session.get(AutoSyncSetting, 1)
        assert setting.enabled and setting.kinds == ["invoices", "payments"]
        assert (setting.interval_minutes, setting.location_name) == (45, "Denver Branch")
    assert schedule(app)[ENTRY].meta["interval"] == 45 * 60

    # Turning it off removes the entry; the other choices are kept.
    off = connected.post(URL, {**form, "enabled": ""}, headers=HX)
    assert off.status_code == 200
    assert ENTRY not in schedule(app)
    with app.app_context():
        assert db.session.get(AutoSyncSetting, 1).kinds == ["invoices", "payments"]


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"interval_minutes": "two hours"}, "interval_minutes", "give whole minutes from 5"),
        ({"interval_minutes": "2"}, "interval_minutes", "give whole minutes from 5"),
        ({"interval_minutes": "120", "kind_invoices": ""}, "enabled", "Tick at least one kind"),
    ],
)
def test_bad_input_is_refused_naming_the_fix_and_nothing_is_saved(
    app, connected, form, field, message
):
    data = {"enabled": "y", "kind_invoices": "y", **form}
    refused = connected.post(URL, data, headers=HX)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert message in html and f'id="{field}-error"' in html
    with app.app_context():
        assert db.session.get(AutoSyncSetting, 1) is None
    assert ENTRY not in schedule(app)


def test_parked_transactions_are_listed_with_their_reason(app, connected):
    with app.app_context():
        db.session.add(
            ParkedTransaction(
                config_id=1,
                kind="invoices",
                manage_id="880011",
                number="10011",
                reason="Tax code GA-ATLANTA is not mapped. Map it on the Taxes tab.",
                fingerprint="x",
            )
        )
        db.session.commit()
    html = connected.get(URL).get_data(as_text=True)
    assert "Invoices 10011" in html and "Map it on the Taxes tab." in html


@pytest.fixture
def matrix_app(app_config, redis_conn):
    return create_app({**app_config, "WTF_CSRF_ENABLED": False})


def test_only_admins_see_or_save_the_tab(matrix_app, make_user):
    users = matrix_users(make_user)
    failures = []
    for method in ("GET", "POST"):
        for identity in ("anonymous", "member", "admin"):
            client = client_as(matrix_app, users, identity)
            response = client.open(URL, method=method, data={"interval_minutes": "x"})
            if identity == "anonymous":
                ok = sent_to_login(response)
            elif identity == "member":
                ok = response.status_code == 403
            else:
                ok = allowed(response) and response.status_code != 404
            if not ok:
                failures.append(f"{method} {URL} as {identity}: {response.status_code}")
    assert not failures, "\n".join(failures)
