"""The dashboard's first-run checklist (issue 17): it ticks off what is done, offers one
Start link (to the first step left, and only to a page the user may open), and goes away
once a first batch exists."""

from __future__ import annotations

import re

import pytest
from support import QBO_US_REALM, connect_manage, connect_qbo, qbo_settings
from test_dashboard import submit


@pytest.fixture
def app_config(app_config, qbo_server):
    return {**app_config, **qbo_settings(qbo_server[0]), "API_RETRY_BACKOFF": 0.01}


def checklist(web) -> tuple[str, list[tuple[str, str]], list[str]] | None:
    """(progress, [(state, title)], Start links) of the checklist, or None when absent."""
    html = web.get("/").get_data(True)
    found = re.search(r'<section class="card" id="getting-started">(.*?)</section>', html, re.S)
    if not found:
        return None
    card = found.group(1)
    progress = re.search(r'<span class="more muted">([^<]+)</span>', card).group(1)
    steps = re.findall(
        r'<li class="(done|todo)[^"]*">.*?<span class="step-title">([^<]+)', card, re.S
    )
    starts = re.findall(r'<a class="button small" href="([^"]+)">Start', card)
    return progress, steps, starts


def test_the_checklist_follows_the_setup(admin, app, cw_sandbox):
    progress, steps, starts = checklist(admin)
    assert progress == "0 of 3 done"
    assert [s for s, _ in steps] == ["todo", "todo", "todo"]
    assert starts == ["/settings/connectwise"], "one Start, to the first step"

    connect_manage(app, cw_sandbox[0], cw_sandbox[1])
    progress, steps, starts = checklist(admin)
    assert progress == "1 of 3 done" and steps[0] == ("done", "Connect ConnectWise Manage")
    assert starts == ["/settings/quickbooks"]

    connect_qbo(admin, config_id=1, realm=QBO_US_REALM)
    progress, steps, starts = checklist(admin)
    assert progress == "2 of 3 done" and starts == ["/batches/new/invoices"]

    submit(app, 10012)
    assert checklist(admin) is None, "set up: the checklist is gone"


def test_a_member_gets_no_start_link_to_admin_pages(web, make_user, login):
    make_user("admin@example.com")
    make_user("member@example.com", role="member")
    login("member@example.com")
    progress, steps, starts = checklist(web)
    assert progress == "0 of 3 done" and starts == []
