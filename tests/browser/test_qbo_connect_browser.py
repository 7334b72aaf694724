"""An admin connects a new configuration to QuickBooks Online in Chromium, through the QBO
sandbox's consent page on an origin (and site) of its own (issue 10 §1, spec C2)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from pathlib import Path

import pytest
from browser_support import log_in
from playwright.sync_api import expect
from support import (
    PASSWORD,
    QBO_CA_REALM,
    QBO_US_REALM,
    Browserish,
    assert_ports_free,
    connect_qbo,
    free_port,
    processes_naming,
    processes_with,
    qbo_settings,
    stop_leftovers,
    wait_for,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def consent_base(qbo_server) -> str:
    """The sandbox as Intuit: same machine, but `localhost` is another site than 127.0.0.1."""
    return qbo_server[0].replace("127.0.0.1", "localhost")


@pytest.fixture
def app_config(app_config, consent_base):
    return {**app_config, **qbo_settings(consent_base)}


def add_configuration(page, base: str, name: str) -> str:
    """Add a configuration on the QuickBooks settings page; return its Connection tab URL."""
    page.goto(base + "/settings/quickbooks")
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_role("button", name="Add").click()
    expect(page).to_have_url(re.compile(r"/settings/quickbooks/\d+/connection$"))
    return page.url


def consent(page, consent_base: str, company: str, action: str = "Authorize") -> None:
    """Act on the sandbox's consent page, which must be the page shown now."""
    expect(page).to_have_url(re.compile("^" + re.escape(consent_base + "/connect/oauth2?")))
    expect(page.get_by_role("heading", name=re.compile("wants to connect"))).to_be_visible()
    page.get_by_label("Company").select_option(label=company)
    page.get_by_role("button", name=action).click()


def detail(page, term: str):
    """Return the value shown beside ``term`` in the connection details."""
    return page.locator(f"dl.details dt:text-is('{term}') + dd")


def csp_errors(page) -> list[str]:
    return [e for e in page.console_errors if "Content Security Policy" in e]


def test_connect_a_new_configuration_through_intuit_consent(
    live_server, page, make_user, qbo_server, consent_base
):
    app, base = live_server
    make_user("admin@example.com")
    log_in(page, base)

    connection_tab = add_configuration(page, base, "Canada books")
    expect(page.get_by_text("Canada books added.")).to_be_visible()

    page.get_by_role("button", name="Connect to QuickBooks").click()
    consent(page, consent_base, "cwqbo Demo MSP Canada")

    page.wait_for_url(connection_tab)
    expect(
        page.get_by_text("Canada books is connected to QuickBooks Online company")
    ).to_be_visible()
    expect(detail(page, "QuickBooks company")).to_have_text("cwqbo Demo MSP Canada")
    expect(detail(page, "Company ID (realm)")).to_have_text(QBO_CA_REALM)
    assert qbo_server[1].oauth.counts["exchanges"] == 1
    assert csp_errors(page) == []


def test_reconnect_a_lost_connection_after_switching_tabs(
    live_server, page, make_user, qbo_server, consent_base
):
    """The Connect form arrives by an HTMX tab switch into a page loaded as another tab, so
    that document's policy is the one Chromium applies to the form's redirect."""
    app, base = live_server
    _url, state = qbo_server
    make_user("admin@example.com")
    log_in(page, base)
    connection_tab = add_configuration(page, base, "US books")
    page.get_by_role("button", name="Connect to QuickBooks").click()
    consent(page, consent_base, "cwqbo Demo MSP")
    page.wait_for_url(connection_tab)
    expect(detail(page, "Company ID (realm)")).to_have_text(QBO_US_REALM)

    with state.lock:  # the admin disconnects the app on Intuit's side
        for grant in state.oauth.grants:
            grant.revoked = True
        state.oauth.expire_access_tokens()
    page.goto(connection_tab)  # opening the tab checks the connection for real
    expect(page.get_by_text("connection to QuickBooks Online has been lost").first).to_be_visible()
    page.goto(connection_tab.replace("/connection", "/company"))
    expect(page.get_by_text("Please reconnect.").first).to_be_visible()
    page.evaluate("window.stillTheSamePage = true")
    tabs = page.get_by_role("navigation", name="Configuration tabs")
    tabs.get_by_role("link", name="Connection").click()
    expect(page.get_by_role("heading", name="Connection")).to_be_visible()
    assert page.evaluate("window.stillTheSamePage === true")  # swapped in, not loaded

    page.get_by_role("button", name="Connect to QuickBooks").click()
    consent(page, consent_base, "cwqbo Demo MSP", action="Deny")
    page.wait_for_url(connection_tab)
    expect(page.get_by_text("declined on Intuit's page")).to_be_visible()

    page.get_by_role("button", name="Connect to QuickBooks").click()
    consent(page, consent_base, "cwqbo Demo MSP")
    page.wait_for_url(connection_tab)
    expect(page.get_by_text("US books is connected to QuickBooks Online company")).to_be_visible()
    expect(detail(page, "QuickBooks company")).to_have_text("cwqbo Demo MSP")
    assert state.oauth.counts["exchanges"] == 2
    assert csp_errors(page) == []


def test_only_configuration_pages_may_send_a_form_to_intuit(
    live_server, page, make_user, consent_base
):
    """The configuration pages add exactly the consent page's origin; every other page and
    every other directive stays as strict as before."""
    app, base = live_server
    make_user("admin@example.com")
    log_in(page, base)

    def policy(path: str) -> str:
        return page.request.get(base + path).headers["content-security-policy"]

    for path in ("/settings/quickbooks/1/connection", "/settings/quickbooks/1/company"):
        assert f"form-action 'self' {consent_base};" in policy(path), path
    for path in ("/", "/settings/quickbooks", "/settings/connectwise", "/batches/review"):
        assert "form-action 'self';" in policy(path), path
    strict = policy("/")
    assert policy("/settings/quickbooks/1/connection") == strict.replace(
        "form-action 'self';", f"form-action 'self' {consent_base};"
    )


def test_a_link_to_a_qbo_document_opens_on_the_sandbox_origin(
    live_server, page, make_user, qbo_server, consent_base
):
    from datetime import date
    from decimal import Decimal

    from cwqbo.extensions import db
    from cwqbo.models import Batch, BatchTransaction

    app, base = live_server
    make_user("admin@example.com")
    web = Browserish(app.test_client())
    web.post("/auth/login", {"email": "admin@example.com", "password": PASSWORD})
    connect_qbo(web, config_id=1)
    invoice = next(iter(qbo_server[1].companies[QBO_US_REALM].rows["Invoice"].values()))
    with app.app_context():
        batch = Batch(kind="invoices", mode="transfer", config_id=1, status="succeeded")
        db.session.add(batch)
        db.session.flush()
        batch.assign_identifier()
        db.session.add(
            BatchTransaction(
                batch_id=batch.id,
                position=0,
                kind="invoices",
                number="10001",
                manage_id="880001",
                party="Contoso Ltd",
                total=Decimal("100.00"),
                currency="USD",
                document_date=date(2025, 5, 1),
                state="batched",
                qbo_entity="Invoice",
                qbo_id=str(invoice["Id"]),
                qbo_doc_number="10001",
            )
        )
        db.session.commit()
        identifier = batch.identifier

    log_in(page, base)
    page.goto(f"{base}/batches/{identifier}")
    with page.expect_popup() as opened:
        page.get_by_role("link", name="Invoice 10001").click()
    popup = opened.value
    popup.wait_for_load_state()
    assert popup.url.startswith(f"{consent_base}/_sandbox/")
    assert f'"Id":"{invoice["Id"]}"' in popup.content().replace(" ", "")
    assert popup.evaluate("window.opener") is None  # rel=noopener: no handle on cwqbo
    assert csp_errors(page) == []


# --- the same with the demo command, stopped as a service manager stops it ----------------


def test_demo_connects_a_second_configuration_and_sigterm_to_make_stops_it(tmp_path, page):
    web, manage, qbo = free_port(), free_port(), free_port()
    instance = tmp_path / "demo"
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        DEMO_INSTANCE=str(instance),
        DEMO_PORT=str(web),
        DEMO_MANAGE_PORT=str(manage),
        DEMO_QBO_PORT=str(qbo),
    )
    marker = f"DEMO_INSTANCE={instance}".encode()
    log_path = tmp_path / "demo.log"
    log = open(log_path, "w")
    make = subprocess.Popen(
        ["make", "--no-print-directory", "-o", ".venv/.installed", "demo"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base, consent_base = f"http://127.0.0.1:{web}", f"http://127.0.0.1:{qbo}"
    try:
        text = wait_for(
            lambda: "Ctrl-C stops everything.\n=" in (t := log_path.read_text()) and t,
            90,
            "the demo banner",
        )
        email = re.search(r"log in as\s+(\S+)", text).group(1)
        password = re.search(r"password\s+(\S+)", text).group(1)
        log_in(page, base, email, password)

        connection_tab = add_configuration(page, base, "Canada")
        page.get_by_role("button", name="Connect to QuickBooks").click()
        consent(page, consent_base, "cwqbo Demo MSP Canada")
        page.wait_for_url(connection_tab, timeout=30_000)
        expect(page.get_by_text("Canada is connected to QuickBooks Online company")).to_be_visible()
        expect(detail(page, "QuickBooks company")).to_have_text("cwqbo Demo MSP Canada")
        page.goto(base + "/settings/quickbooks")
        rows = page.locator("tbody tr")
        expect(rows).to_have_count(2)
        expect(rows.nth(1)).to_contain_text("cwqbo Demo MSP Canada")
        expect(rows.nth(1)).to_contain_text("Connected")
        assert csp_errors(page) == []
        assert len(processes_with(marker)) >= 7  # make, the demo, honcho's tree, valkey

        make.send_signal(signal.SIGTERM)  # make alone, as a service manager does
        make.wait(timeout=40)
        assert processes_with(marker) == [], log_path.read_text()[-3000:]
        assert processes_naming(instance) == []  # the embedded Redis too
        assert "SIGTERM received, stopping everything" in log_path.read_text()
        assert "sandboxes stopped" in log_path.read_text()
        assert_ports_free(web, manage, qbo)  # every port is free again
    finally:
        stop_leftovers(make, marker, instance)
        log.close()
