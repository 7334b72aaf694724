"""The batch status page, read from rows written straight to the DB (spec D6, D8, D9)."""

from __future__ import annotations

import re

from pages_support import HX, make_batch, set_status, text
from support import PASSWORD, QBO_US_REALM, Browserish

from cwqbo.models import Batch

# The sections a page shows (a section with nothing in it that is not always shown is hidden).
SHOWN = re.compile(r'<h3>([^<]+)</h3> <span id="head-\w+" class="section-head" data-stamp="[^"]*">')


def shown_sections(html: str) -> list[str]:
    return SHOWN.findall(html)


PROBLEM = {
    "message": "Customer Fabrikam, Inc. has no QuickBooks Online customer",
    "fix": "Create the customer in QuickBooks Online or allow cwqbo to create customers",
    "where": "Set Up QuickBooks Online › Default › Contacts",
}


def busy_batch(app, status: str = "running") -> str:
    """A batch caught mid-run: one action in each of the four states."""
    return make_batch(
        app,
        status=status,
        transactions=[
            {
                "state": "batched",
                "qbo_entity": "Invoice",
                "qbo_id": "146",
                "qbo_doc_number": "10001",
                "manage_batch_identifier": "2025-05-31-I10001",
                "manage_batch_id": 7,
            },
            {"state": "failed", "party": "Fabrikam, Inc.", "problems": [PROBLEM]},
            {"state": "selected"},
        ],
        actions=[
            {"section": "validation", "label": "Read 3 invoice(s)", "state": "succeeded"},
            {"section": "customers", "label": "Create customer Contoso", "state": "running"},
            {
                "section": "documents",
                "label": "Invoice 10001",
                "state": "succeeded",
                "tx": 0,
                "qbo_entity": "Invoice",
                "qbo_id": "146",
            },
            {
                "section": "documents",
                "label": "Invoice 10002",
                "state": "failed",
                "tx": 1,
                "message": "Fabrikam, Inc. has no QuickBooks Online customer",
            },
            {"section": "manage", "label": "Mark 10003 batched", "state": "not_started"},
        ],
    )


def test_status_page_shows_header_sections_states_links_and_transactions(
    app, connected, qbo_server
):
    identifier = busy_batch(app)
    assert re.fullmatch(r"INV-\d{6}", identifier)
    response = connected.get(f"/batches/{identifier}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = text(html)
    for words in (
        f"Batch ID {identifier}",
        "Kind Invoice batch",
        "QuickBooks Online company Default",
        "Submitted by Admin",
        "Location Tampa HQ",
        "This batch is still running. This page updates by itself.",
        "2 of 3 invoices finished (1 failed)",
        "1 batched 1 failed 1 waiting",  # the invoices counted by state
        "Customers Running 1 running",  # sections collapsed to their counts
        "Invoices Failed 1 sent, 1 failed",
    ):
        assert words in page, words
    assert "actions finished" not in page  # issue 17: invoices are counted, not actions
    for label in ("Not Yet Started", "Running", "Completed Successfully", "Failed"):
        assert f">{label}</span>" in html, label
    headings = shown_sections(html)
    assert headings == ["Validation", "Customers", "Invoices", "Mark batched in ConnectWise"]
    # The failed section is open with its rows; the others load when opened.
    assert '<details class="batch-section" id="section-documents" open>' in html
    assert '<details class="batch-section" id="section-customers">' in html
    assert "Create customer Contoso" not in html
    assert '<progress max="3" value="2"' in html
    link = f"{qbo_server[0]}/_sandbox/view/{QBO_US_REALM}/Invoice/146"
    assert f'href="{link}"' in html
    assert "2025-05-31-I10001" in html
    assert PROBLEM["message"] in page
    assert f"Fix: {PROBLEM['fix']}" in page
    assert "Where: Set Up QuickBooks Online › Default › Contacts" in page
    assert "Download the log (text)" in page
    # The failure is told once, in its invoice's row; its action links there.
    assert page.count("has no QuickBooks Online customer") == 1
    assert re.search(r'<a href="#tx-\d+">Why, and the fix: invoice 10002 below</a>', html)


def test_sections_without_actions_show_only_when_they_always_do(app, connected):
    identifier = make_batch(app, status="queued", transactions=[{}])
    html = connected.get(f"/batches/{identifier}").get_data(as_text=True)
    assert shown_sections(html) == ["Validation", "Invoices", "Mark batched in ConnectWise"]
    for key in ("validation", "documents", "manage"):
        section = re.search(rf'id="section-{key}".*?</details>', html, re.S).group(0)
        assert text(section).count("Not Yet Started") == 1, section  # issue 17: once
    assert "Waiting to start" in html

    terms = make_batch(
        app,
        status="running",
        transactions=[{"manage_id": "880009"}],
        actions=[{"section": "terms", "label": "Create term Net 45", "state": "succeeded"}],
    )
    html = connected.get(f"/batches/{terms}").get_data(as_text=True)
    assert "Terms" in shown_sections(html)


def test_progress_fragment_polls_while_running_and_stops_once_ended(app, connected):
    identifier = busy_batch(app, status="queued")
    url = f"/batches/{identifier}/progress"
    polling = f'hx-get="{url}" hx-trigger="every 1s" hx-swap="outerHTML"'

    page = connected.get(f"/batches/{identifier}").get_data(as_text=True)
    assert polling in page
    for status in ("queued", "running"):
        set_status(app, identifier, status)
        fragment = connected.get(url, headers=HX)
        assert fragment.status_code == 200
        html = fragment.get_data(as_text=True)
        assert html.lstrip().startswith('<div id="batch-progress"')
        assert polling in html
        assert "<html" not in html

    set_status(app, identifier, Batch.SUCCEEDED)
    ended = connected.get(url, headers=HX).get_data(as_text=True)
    assert ended.lstrip().startswith('<div id="batch-progress"')
    assert "hx-trigger" not in ended and "hx-get" not in ended
    assert ">Completed Successfully</span>" in ended
    assert "still running" not in ended
    page = connected.get(f"/batches/{identifier}").get_data(as_text=True)
    assert "hx-trigger" not in page

    # Without HTMX the fragment's URL is the status page.
    plain = connected.get(url)
    assert plain.status_code == 302 and plain.headers["Location"].endswith(f"/{identifier}")


def test_unknown_batch_is_a_404(connected):
    assert connected.get("/batches/INV-999999").status_code == 404
    assert connected.get("/batches/INV-999999/progress", headers=HX).status_code == 404


def test_unbatch_is_offered_for_batched_transactions_with_a_void_choice(app, connected):
    identifier = busy_batch(app, status="failed")
    html = connected.get(f"/batches/{identifier}").get_data(as_text=True)
    links = re.findall(r'href="(/batches/[^"]+/unbatch)"', html)
    assert len(links) == 1

    confirm = connected.get(links[0])
    assert confirm.status_code == 200
    page = confirm.get_data(as_text=True)
    assert "Also void the QuickBooks invoice (Invoice 10001)" in text(page)
    assert 'name="void" value="1"' in page
    assert "2025-05-31-I10001" in page

    # A transaction that is not batched (the failed one, next) cannot be unbatched.
    batched_id = int(re.search(r"/transactions/(\d+)/unbatch", links[0]).group(1))
    other = links[0].replace(f"/{batched_id}/", f"/{batched_id + 1}/")
    refused = connected.post(other, {})
    assert refused.status_code == 302
    after = connected.get(refused.headers["Location"]).get_data(as_text=True)
    assert "Invoice 10002 is not batched in ConnectWise." in text(after)


def test_retry_is_offered_once_the_batch_ended_with_failures(app, connected):
    running = busy_batch(app, status="running")
    assert "Retry failed transactions" not in connected.get(f"/batches/{running}").get_data(True)
    failed = busy_batch(app, status="failed")
    html = connected.get(f"/batches/{failed}").get_data(as_text=True)
    assert "Retry failed transactions" in html
    assert f'action="/batches/{failed}/retry"' in html
    done = make_batch(app, status="succeeded", transactions=[{"state": "batched"}])
    assert "Retry failed transactions" not in connected.get(f"/batches/{done}").get_data(True)


def test_members_see_status_pages_and_logs(app, connected, make_user):
    identifier = busy_batch(app, status="failed")
    make_user("member@example.com", role="member")
    member = Browserish(app.test_client())
    member.post("/auth/login", {"email": "member@example.com", "password": PASSWORD})
    for url in ("", "/log.txt", "/log.json"):
        assert member.get(f"/batches/{identifier}{url}").status_code == 200
    assert "Retry failed transactions" in member.get(f"/batches/{identifier}").get_data(True)


def test_qbo_links_follow_the_environment(app):
    from cwqbo.batches.report import qbo_url

    with app.app_context():
        app.config["QBO_ENVIRONMENT"] = "production"
        assert qbo_url("Invoice", "146") == "https://app.qbo.intuit.com/app/invoice?txnId=146"
        assert qbo_url("CreditMemo", "9") == "https://app.qbo.intuit.com/app/creditmemo?txnId=9"
        app.config["QBO_ENVIRONMENT"] = "sandbox"
        assert (
            qbo_url("Customer", "58")
            == "https://app.sandbox.qbo.intuit.com/app/customerdetail?nameId=58"
        )
        app.config["QBO_ENVIRONMENT"] = "local"
        app.config["QBO_LOCAL_BASE_URL"] = "http://127.0.0.1:5556"
        assert (
            qbo_url("Invoice", "146", "123")
            == "http://127.0.0.1:5556/_sandbox/view/123/Invoice/146"
        )
        assert qbo_url(None, "146") is None and qbo_url("Invoice", None) is None


def test_a_long_section_shows_100_rows_a_page_failed_first_and_pages_to_the_rest(app, connected):
    actions = [
        {"section": "customers", "label": f"Create customer {n}", "state": "succeeded"}
        for n in range(250)
    ]
    actions[240]["state"] = "failed"
    identifier = make_batch(app, status="failed", transactions=[{}], actions=actions)
    html = connected.get(f"/batches/{identifier}").get_data(as_text=True)
    # The failed section opens on its failure alone; all its actions are a click away.
    assert html.count('<tr class="action action-') == 1
    assert re.search(r'<tr class="action action-failed">\s*<td>Create customer 240</td>', html)
    assert "Show all 250 actions" in text(html)
    everything = connected.get(f"/batches/{identifier}/sections/customers", headers=HX)
    rows = everything.get_data(as_text=True)
    assert rows.count('<tr class="action action-') == 100
    first = re.search(r'<tr class="action action-(\w+)">\s*<td>([^<]+)</td>', rows)
    assert first.groups() == ("failed", "Create customer 240")
    assert "Rows 1–100 of 250" in rows
    labels = set()
    for page in (1, 2, 3):
        url = f"/batches/{identifier}/sections/customers?page={page}"
        rows = connected.get(url, headers=HX).get_data(as_text=True)
        labels |= set(re.findall(r"<td>(Create customer \d+)</td>", rows))
    assert len(labels) == 250
    log = connected.get(f"/batches/{identifier}/log.txt").get_data(as_text=True)
    assert log.count("[customers] Create customer") == 250
