"""A member runs an invoice batch in Chromium and watches it finish, then unbatches one
(spec D2, D6, D8): the status page updates by HTMX polling, with no reload."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect
from support import PASSWORD, Browserish, connect_manage, connect_qbo, qbo_settings

NUMBERS = ("10002", "10003", "10007")
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def app_config(app_config, qbo_server):
    return {**app_config, **qbo_settings(qbo_server[0])}


# RQ installs signal handlers, which only the main thread may do: the worker runs in a
# process of its own, on the same database and Redis as the live server.
WORKER = """
import json, sys, time
from cwqbo import create_app
from cwqbo.jobs.worker import run_worker
app = create_app(json.loads(sys.argv[1]))
while True:
    run_worker(app, burst=True)
    time.sleep(0.2)
"""


@pytest.fixture
def start_worker(live_server, app_config, tmp_path):
    """Start, when the test says so, a worker process that keeps running queued jobs."""
    started = []

    def start():
        log = open(tmp_path / "worker.log", "wb")  # closed at teardown
        process = subprocess.Popen(
            [sys.executable, "-c", WORKER, json.dumps(app_config)],
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append((process, log))

    yield start
    for process, log in started:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        log.close()


def log_in(page, base: str, email: str) -> None:
    page.goto(base + "/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/")


def test_run_a_batch_watch_it_finish_then_unbatch_one(
    live_server, page, make_user, cw_sandbox, start_worker
):
    app, base = live_server
    make_user("admin@example.com")
    make_user("member@example.com", role="member")
    connect_manage(app, cw_sandbox[0], cw_sandbox[1])
    admin = Browserish(app.test_client())
    admin.post("/auth/login", {"email": "admin@example.com", "password": PASSWORD})
    connect_qbo(admin)

    log_in(page, base, "member@example.com")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Create Invoice Batch"
    ).click()
    expect(page.get_by_role("heading", name="Select Invoices")).to_be_visible()
    rows = page.locator("tr.unposted-row")
    expect(rows).to_have_count(60)

    page.evaluate("window.__marker = 1")
    for number in NUMBERS:
        page.get_by_label(f"Select invoice {number}").check()
    summary = page.locator("#selection-summary")
    expect(summary).to_contain_text("3 of 60 invoices selected.")
    # Select all / Deselect all re-render the rows in place.
    page.get_by_role("button", name="Select all", exact=True).click()
    expect(summary).to_contain_text("All 60 matching invoices are selected.")
    page.get_by_role("button", name="Deselect all").click()
    expect(summary).to_contain_text("No invoices selected.")
    for number in NUMBERS:
        page.get_by_label(f"Select invoice {number}").check()
    expect(summary).to_contain_text("3 of 60 invoices selected.")
    assert page.evaluate("window.__marker") == 1

    page.get_by_role("button", name="Create Batch").click()
    page.wait_for_url(re.compile(r"/batches/INV-\d{6}$"))
    identifier = page.url.rsplit("/", 1)[1]
    status = page.locator("#batch-status")
    expect(status).to_have_text("Waiting to start")
    expect(page.locator("#batch-progress[hx-trigger]")).to_have_count(1)

    # A marker a reload would wipe out; the worker starts only now, so the page must
    # follow the whole run by polling.
    page.evaluate("window.__marker = 1")
    start_worker()
    expect(status).to_have_text("Completed Successfully", timeout=60_000)
    assert page.evaluate("window.__marker") == 1
    expect(page.locator("#batch-progress[hx-trigger]")).to_have_count(0)
    expect(page.locator("progress")).to_have_attribute("value", "3")
    for number in NUMBERS:
        expect(page.locator("tr.tx", has_text=number)).to_contain_text("Batched")

    page.locator("tr.tx", has_text="10003").get_by_role("link", name="Unbatch…").click()
    expect(page.get_by_role("heading", name="Unbatch invoice 10003")).to_be_visible()
    page.get_by_label(re.compile("Also void the QuickBooks invoice")).check()
    page.get_by_role("button", name="Unbatch invoice 10003").click()
    page.wait_for_url(re.compile(rf"/batches/{identifier}#tx-\d+$"))
    expect(page.get_by_text("Invoice 10003 is unbatched and its QuickBooks Invoice was voided"))
    expect(page.locator("tr.tx", has_text="10003")).to_contain_text("Unbatched")

    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Create Invoice Batch"
    ).click()
    expect(rows).to_have_count(58)
    expect(page.get_by_label("Select invoice 10003")).to_be_enabled()
    expect(page.get_by_label("Select invoice 10002")).to_have_count(0)
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
