"""The batch status page in Chromium (issue 14 §3, issue 17): the summary updates live by a
small poll (304 while nothing changed) and stops at the end; the failed section is open;
opening a section loads its rows; a 10-invoice batch with failures stays under 6,000 px at
390 px. Screenshots at 390 and 1366 px go to CWQBO_SCREENSHOTS (or tests/artifacts)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pages_support import set_status
from playwright.sync_api import expect
from support import qbo_settings
from test_pages_status_scale import big_batch

from tests.browser.browser_support import connect_both, log_in
from tests.pagelist import FIRST_ROW_ID

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "batch-status"


@pytest.fixture
def app_config(app_config, qbo_server):
    return {**app_config, **qbo_settings(qbo_server[0]), "API_RETRY_BACKOFF": 0.01}


def advance(app, identifier: str, number: str) -> None:
    """The runner marks invoice ``number`` batched: its row and its mark action move on."""
    from cwqbo.extensions import db
    from cwqbo.models import Batch, BatchAction, BatchTransaction

    with app.app_context():
        batch = db.session.scalar(db.select(Batch).where(Batch.identifier == identifier))
        tx = next(t for t in batch.transactions if t.number == number)
        tx.state = BatchTransaction.BATCHED
        for action in db.session.scalars(
            db.select(BatchAction).where(BatchAction.transaction_id == tx.id)
        ):
            action.state = BatchAction.SUCCEEDED
        db.session.commit()


def revalidated(response) -> int:
    """The status the server answered: Chromium asks with If-None-Match itself and, on 304,
    hands HTMX its cached copy as a 200 (what Playwright reports too)."""
    asked = response.request.all_headers().get("if-none-match")
    if asked and asked == response.all_headers().get("etag"):
        return 304  # the server answers 304 to a current If-None-Match (the unit test shows)
    return response.status


def test_the_summary_updates_live_sections_open_on_demand_and_polling_stops(
    page, live_server, make_user, cw_sandbox
):
    app, base = live_server
    connect_both(app, make_user, cw_sandbox)
    identifier = big_batch(app, 10)  # 10 invoices: 4 batched, 1 failed, 5 waiting
    polls = []
    page.on(
        "response",
        lambda r: (
            polls.append(revalidated(r)) if r.url.endswith(f"{identifier}/progress") else None
        ),
    )
    log_in(page, base)
    page.goto(f"{base}/batches/{identifier}")
    page.evaluate("window.__marker = 1")
    summary = page.locator("#batch-progress")
    expect(summary).to_contain_text("5 of 10 invoices finished")
    expect(page.locator("#batch-progress[hx-trigger]")).to_have_count(1)

    # The failed section is open with its rows; the others are closed, their rows not loaded.
    documents = page.locator("#section-documents")
    expect(documents).to_have_attribute("open", "")
    expect(documents.locator("tr.action")).to_have_count(1)  # its failures only, at first
    expect(documents.locator("tr.action").first).to_contain_text("Failed")
    documents.get_by_role("link", name="Show all 10 actions").click()
    expect(documents.locator("tr.action")).to_have_count(10)
    expect(documents.locator("tr.action").first).to_contain_text("Failed")
    manage = page.locator("#section-manage")
    expect(manage).not_to_have_attribute("open", "")
    expect(manage.locator("summary")).to_contain_text("4 marked, 6 waiting")
    assert manage.locator("tr.action").count() == 0
    manage.locator("summary").click()
    expect(manage.locator("tr.action")).to_have_count(10)
    expect(manage.locator("tr.action-succeeded")).to_have_count(4)

    # Nothing changes for a while: the poll goes on, answered 304 (no body) each time.
    for _ in range(100):  # wait (at most 10 s) for the browser to report the polls
        if polls.count(304) >= 3:
            break
        page.wait_for_timeout(100)
    assert polls.count(304) >= 3, polls
    expect(summary).to_contain_text("5 of 10 invoices finished")

    # The runner moves on: the summary, the section's count line and its open rows follow.
    advance(app, identifier, "20005")
    expect(summary).to_contain_text("6 of 10 invoices finished", timeout=10_000)
    expect(manage.locator("summary")).to_contain_text("5 marked, 5 waiting")
    expect(manage.locator("tr.action-succeeded")).to_have_count(5)
    expect(page.locator("#section-transactions tr.tx", has_text="20005")).to_contain_text("Batched")

    set_status(app, identifier, "failed")
    expect(page.locator("#batch-status")).to_have_text("Completed with failures", timeout=10_000)
    expect(page.locator("#batch-progress[hx-trigger]")).to_have_count(0)
    expect(summary.get_by_role("button", name="Retry failed transactions")).to_be_visible()
    settled = len(polls)
    page.wait_for_timeout(2500)
    assert len(polls) == settled, "polling stopped once the batch ended"
    assert page.evaluate("window.__marker") == 1, "followed by polling, never reloaded"
    assert not page.console_errors, page.console_errors


def run_ten_with_failures(app, manage_state) -> str:
    """A real invoice batch of 10 against the sandboxes; 10010 and 10013 fail (their lines'
    GL account exists nowhere in QuickBooks)."""
    from cwqbo.batches import service
    from cwqbo.batches.execution import execute
    from cwqbo.extensions import db
    from cwqbo.models import QBOConfiguration

    numbers = ("10006", "10010", "10012", "10013", "10014", "10015", "10016", "10017")
    numbers += ("10018", "10019")
    with manage_state.lock:
        docs = {d["export"]["documentNumber"]: d for d in manage_state.docs["invoices"].values()}
        for number in ("10010", "10013"):
            line = next(ln for ln in docs[number]["export"]["detail"] if ln["glTypeId"] != "ST")
            line["accountNumber"] = "Income:Services:Nowhere"
    with app.app_context():
        batch = service.create_batch(
            "invoices",
            db.session.get(QBOConfiguration, 1),
            [str(FIRST_ROW_ID + int(n) - 10001) for n in numbers],
            invoice_detail="detailed",
            location_id=None,
            location_name=None,
            user_id=None,
        )
        execute(batch.id)
        db.session.refresh(batch)
        assert batch.status == "failed", batch.message
        return batch.identifier


def test_a_ten_invoice_batch_with_failures_is_a_short_page(
    page, live_server, make_user, cw_sandbox
):
    app, base = live_server
    connect_both(app, make_user, cw_sandbox)
    identifier = run_ten_with_failures(app, cw_sandbox[1])
    folder = Path(os.environ.get("CWQBO_SCREENSHOTS") or ARTIFACTS)
    folder.mkdir(parents=True, exist_ok=True)
    log_in(page, base)
    heights = {}
    for width, height in ((390, 844), (1366, 900)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{base}/batches/{identifier}")
        page.wait_for_load_state("networkidle")
        expect(page.locator("#section-transactions tr.tx")).to_have_count(10)
        expect(page.locator("#section-transactions tr.tx-failed")).to_have_count(2)
        page.screenshot(path=str(folder / f"batch-status-{width}.png"), full_page=True)
        page.screenshot(path=str(folder / f"batch-status-{width}-first-screen.png"))
        heights[width] = page.evaluate("document.documentElement.scrollHeight")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{width} px: scrolls sideways by {overflow} px"
    print(f"page heights by width: {heights}")
    assert heights[390] < 6000, heights
    # Each failure is told once (its row), with a Fix; its action links to it.
    problems = page.locator("#section-transactions tr.tx-failed + tr.tx-problems")
    expect(problems).to_have_count(2)
    expect(problems.first.locator(".fix")).to_contain_text("Fix:")
    body = page.locator("main").inner_text()
    assert body.count("Income:Services:Nowhere") == 2, body
    assert not page.console_errors, page.console_errors
