"""Run Payment Sync from the dialog in Chromium and watch the run complete live (spec E2):
the batch status page's fragment polls by HTMX until the run ends, with no reload."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect
from support import PASSWORD, Browserish, connect_manage, connect_qbo, qbo_settings

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "payments"))
from payments_support import Books, transfer  # noqa: E402

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
def app_config(app_config, qbo_server):
    return {**app_config, **qbo_settings(qbo_server[0])}


@pytest.fixture
def worker(live_server, app_config, tmp_path):
    """Start, when the test says so, a worker process that keeps running queued jobs."""
    started = []

    def start():
        log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115  (closed at teardown)
        started.append(
            (
                subprocess.Popen(
                    [sys.executable, "-c", WORKER, json.dumps(app_config)],
                    cwd=REPO,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                ),
                log,
            )
        )

    yield start
    for process, log in started:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        log.close()


def test_run_payment_sync_from_the_dialog_and_watch_it_complete(
    live_server, page, make_user, cw_sandbox, worker
):
    from cwqbo.jobs.worker import run_worker

    app, base = live_server
    make_user("admin@example.com")
    make_user("member@example.com", role="member")
    connect_manage(app, cw_sandbox[0], cw_sandbox[1])
    admin = Browserish(app.test_client())
    admin.post("/auth/login", {"email": "admin@example.com", "password": PASSWORD})
    connect_qbo(admin)
    books = Books(app, cw_sandbox[1], transfer(app, lambda: run_worker(app, burst=True), 10002))
    books.pay({"10002": Decimal("100.00")}, day="2026-11-10")

    page.goto(base + "/auth/login")
    page.get_by_label("Email").fill("member@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Run Payment Sync").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Choose the QuickBooks Online configuration")
    dialog.get_by_label("QuickBooks Online configuration").select_option("1")
    dialog.get_by_role("button", name="OK").click()
    page.wait_for_url(re.compile(r"/batches/PAY-\d{6}$"))
    status = page.locator("#batch-status")
    expect(status).to_have_text("Waiting to start")
    expect(page.locator("#batch-progress[hx-trigger]")).to_have_count(1)

    page.evaluate("window.__marker = 1")  # a reload would wipe it out
    worker()
    expect(status).to_have_text("Completed Successfully", timeout=60_000)
    assert page.evaluate("window.__marker") == 1
    expect(page.locator("#batch-progress[hx-trigger]")).to_have_count(0)
    expect(page.locator("tr.tx", has_text="10002")).to_contain_text("In step with QuickBooks")
    expect(page.locator("#section-payments")).to_contain_text("payment 100.00 of 2026-11-10")
    assert books.manage("10002")["paid"] == Decimal("100.00")
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
