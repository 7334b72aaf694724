"""Steps the browser tests share: log in through the form, connect both sandboxes, and watch
a submitted batch run to its end by HTMX polling."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from support import PASSWORD, Browserish, connect_manage, connect_qbo


def log_in(page, base: str, email: str = "admin@example.com", password: str = PASSWORD) -> None:
    """Log in through the login form in the browser."""
    page.goto(base + "/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/")


def connect_both(app, make_user, cw_sandbox, *, member: bool = True) -> Browserish:
    """An admin (and a member); Manage and configuration 1's QBO connected; return the admin."""
    make_user("admin@example.com")
    if member:
        make_user("member@example.com", role="member")
    connect_manage(app, cw_sandbox[0], cw_sandbox[1])
    admin = Browserish(app.test_client())
    admin.post("/auth/login", {"email": "admin@example.com", "password": PASSWORD})
    connect_qbo(admin)
    return admin


def open_new_batch(page, base: str, link: str, path: str, heading: str) -> None:
    """Follow Run New Batch › ``link`` in the main navigation to its selection page."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name=link).click()
    page.wait_for_url(base + path)
    expect(page.get_by_role("heading", name=heading)).to_be_visible()


def pick_and_create(page, label: str, numbers, summary: str) -> None:
    """Tick "Select <label> <number>" for each number, check the summary, press Create Batch."""
    for number in numbers:
        page.get_by_label(f"Select {label} {number}").check()
    expect(page.locator("#selection-summary")).to_contain_text(summary)
    page.get_by_role("button", name="Create Batch").click()


def watch_until_complete(page, url: str, start_worker, done: str | None = None) -> None:
    """After a submit: the status page at ``url`` (a pattern) waits, the worker starts only
    now, and the page follows the whole run by polling (no reload) until it completes with
    ``done`` transactions."""
    page.wait_for_url(re.compile(url))
    status = page.locator("#batch-status")
    expect(status).to_have_text("Waiting to start")
    expect(page.locator("#batch-progress[hx-trigger]")).to_have_count(1)
    page.evaluate("window.__marker = 1")  # a reload would wipe it out
    start_worker()
    expect(status).to_have_text("Completed Successfully", timeout=60_000)
    assert page.evaluate("window.__marker") == 1, "followed by polling, never reloaded"
    expect(page.locator("#batch-progress[hx-trigger]")).to_have_count(0)
    if done is not None:
        expect(page.locator("progress")).to_have_attribute("value", done)


def open_sections(page, *keys: str) -> None:
    """Open the status page's collapsed sections ``keys`` (their rows load on demand) and wait
    until each shows its rows."""
    for key in keys:
        section = page.locator(f"#section-{key}")
        if section.get_attribute("open") is None:
            section.locator("summary").first.click()
        expect(section.locator("table")).to_be_visible()
