"""Dashboard: recent batches, counts, what needs attention, and a next step that is true."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from support import QBO_US_REALM, connect_qbo, qbo_settings

from cwqbo.batches import service
from cwqbo.extensions import db
from cwqbo.models import Batch, BatchTransaction, QBOConfiguration
from cwqbo.models.user import utcnow

FIRST_ROW_ID = 880001  # unposted row id of invoice #10001 in the Manage sample


@pytest.fixture
def app_config(app_config, qbo_server):
    return {**app_config, **qbo_settings(qbo_server[0]), "API_RETRY_BACKOFF": 0.01}


@pytest.fixture
def run_jobs(app):
    from cwqbo.jobs.worker import run_worker

    return lambda: run_worker(app, burst=True)


def submit(app, *numbers: int) -> str:
    with app.app_context():
        batch = service.create_batch(
            "invoices",
            db.session.get(QBOConfiguration, 1),
            [str(FIRST_ROW_ID + n - 10001) for n in numbers],
            invoice_detail="detailed",
            location_id=None,
            location_name=None,
            user_id=None,
        )
        return batch.identifier


def page(web) -> tuple[str, str]:
    """Return the dashboard's HTML and its next-step line as text."""
    response = web.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    line = re.search(r'<p class="lead" id="next-step">(.*?)</p>', html, re.S).group(1)
    return html, unescape(re.sub(r"<[^>]+>", "", line)).strip()


def next_link(html: str) -> str | None:
    line = re.search(r'<p class="lead" id="next-step">(.*?)</p>', html, re.S).group(1)
    found = re.search(r'href="([^"]+)"', line)
    return unescape(found.group(1)) if found else None


def counts(html: str) -> dict[str, tuple[int, ...]]:
    """Return {period: (sent, failed, waiting)} from the Transactions table."""
    cell = r'<td class="num">(\d+)</td>'
    rows = re.findall(rf'<th scope="row">([^<]+)</th>{cell}{cell}{cell}', html)
    return {label: tuple(int(n) for n in numbers) for label, *numbers in rows}


def break_account(state, number: str) -> None:
    with state.lock:
        docs = {d["export"]["documentNumber"]: d for d in state.docs["invoices"].values()}
        line = next(ln for ln in docs[number]["export"]["detail"] if ln["glTypeId"] != "ST")
        line["accountNumber"] = "Income:Services:Nowhere"
    return line


def test_next_step_follows_the_setup(admin, app, cw_sandbox):
    html, step = page(admin)
    assert step.startswith("Next step: Connect cwqbo to ConnectWise Manage")
    assert next_link(html) == "/settings/connectwise"
    assert "No batch yet." in html

    from support import connect_manage

    connect_manage(app, cw_sandbox[0], cw_sandbox[1])
    html, step = page(admin)
    assert step == "Next step: Connect a QuickBooks Online company."
    assert next_link(html).startswith("/settings/quickbooks")

    connect_qbo(admin, config_id=1, realm=QBO_US_REALM)
    html, step = page(admin)
    assert step == "Next step: Run your first batch: Run New Batch › Create Invoice Batch."
    assert next_link(html) == "/batches/new/invoices"
    assert "Nothing to do: cwqbo reads ConnectWise with this connection." in html
    assert "Nothing: no failed transaction, every connection is working." in html


def test_member_next_step_names_the_admin(web, make_user, login, app):
    make_user("member@example.com", role="member")
    login("member@example.com")
    html, step = page(web)
    assert "Ask an admin" in step and "to connect cwqbo to ConnectWise Manage" in step
    assert next_link(html) is None, "members get no link to admin pages"


def test_a_failed_transaction_of_a_real_batch_is_shown_and_linked(
    admin, app, manage, qbo_server, run_jobs
):
    connect_qbo(admin, config_id=1, realm=QBO_US_REALM)
    state = manage[1]
    break_account(state, "10010")
    identifier = submit(app, 10010, 10012)

    html, step = page(admin)
    assert (
        step == f"Next step: Batch {identifier} is waiting to start: follow it on its status page."
    )
    assert next_link(html) == f"/batches/{identifier}"
    assert counts(html)["Today"] == (0, 0, 2)

    run_jobs()
    with app.app_context():
        failed = db.session.scalar(
            db.select(BatchTransaction).where(BatchTransaction.number == "10010")
        )
        assert failed.state == "failed"
        tx_id = failed.id
    html, step = page(admin)
    assert step.startswith("Next step: Fix what stops 1 failed transaction (each")
    link = f'href="/batches/{identifier}#tx-{tx_id}"'
    assert link in html, "the failed transaction links to its row on the batch's page"
    attention = html[html.index('id="attention"') : html.index("<h2>Transactions</h2>")]
    assert f"Invoice 10010</strong> in {identifier}" in attention
    assert "Income:Services:Nowhere" in unescape(attention)
    assert counts(html)["Today"] == (1, 1, 0)
    assert re.search(
        r"<th scope=\"row\">This week</th><td class=\"num\">1</td><td class=\"num\">1</td>", html
    )
    assert f'<a href="/batches/{identifier}">{identifier}</a>' in html
    assert "Completed with failures" in html
    # The link opens the batch at that transaction.
    status = admin.get(f"/batches/{identifier}").get_data(as_text=True)
    assert f'id="tx-{tx_id}"' in status

    # Fixed and sent again in a new batch: it no longer needs attention.
    with state.lock:
        docs = {d["export"]["documentNumber"]: d for d in state.docs["invoices"].values()}
        for ln in docs["10010"]["export"]["detail"]:
            if ln["accountNumber"] == "Income:Services:Nowhere":
                ln["accountNumber"] = "Services"
    second = submit(app, 10010)
    run_jobs()
    with app.app_context():
        assert (
            db.session.scalar(db.select(Batch.status).where(Batch.identifier == second))
            == "succeeded"
        )
    html, step = page(admin)
    assert step.startswith("Next step: Everything sent so far is in QuickBooks.")
    assert f"#tx-{tx_id}" not in html
    assert "Nothing: no failed transaction" in html


def test_a_connection_near_its_end_needs_attention(admin, app, manage):
    connect_qbo(admin, config_id=1, realm=QBO_US_REALM)
    with app.app_context():
        config = db.session.get(QBOConfiguration, 1)
        config.refresh_expires_at = utcnow() + timedelta(days=5, hours=1)
        db.session.commit()
    html, _ = page(admin)
    attention = html[html.index('id="attention"') : html.index("<h2>Transactions</h2>")]
    assert "The connection ends in 5 days. Reconnect it before then." in attention
    assert 'href="/settings/quickbooks/1/connection"' in attention
