"""A person signs up, verifies through the outbox link, logs in and sees the dashboard."""

import re
from pathlib import Path

from support import Outbox

PASSWORD = "a long and memorable passphrase"


def test_signup_verify_login_dashboard_in_chromium(live_server, page):
    app, base = live_server
    page.goto(base + "/")
    # A fresh install sends the first visitor to sign-up.
    page.wait_for_url(re.compile(r"/auth/signup$"))
    page.get_by_label("Your name").fill("Bea Bookkeeper")
    page.get_by_label("Email").fill("bea@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.get_by_text("We sent a verification link to").wait_for()

    link = Outbox(Path(app.config["INSTANCE_PATH"]) / "outbox").link_to(
        "bea@example.com", "/auth/verify/"
    )
    page.goto(base + link)
    page.get_by_text("Your email address is verified").wait_for()

    page.get_by_label("Email").fill("bea@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/")
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    assert page.get_by_role("heading", name="Configurations").is_visible()
    # The state badge of the ConnectWise connection (the attention list repeats it as text).
    assert page.locator(".badge", has_text="Not configured").first.is_visible()
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Users").is_visible()
    # htmx loaded from our own origin under the strict CSP, with no violations.
    assert page.evaluate("typeof htmx !== 'undefined' && htmx.version.startsWith('2.0')")
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def test_dashboard_is_usable_on_a_phone(live_server, browser, make_user):
    app, base = live_server
    make_user("pat@example.com", role="member")
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(base + "/auth/login")
    page.get_by_label("Email").fill("pat@example.com")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/")
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    # The side navigation folds away behind a menu button on narrow screens.
    nav = page.get_by_role("navigation", name="Main")
    assert not nav.is_visible()
    page.get_by_text("Menu", exact=True).click()
    assert nav.get_by_role("link", name="Account").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
