"""Reconciliation (J5): differences made on purpose in the sandboxes are flagged; bulk reads."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from html import unescape

import pytest
from support import QBO_US_REALM, connect_qbo, qbo_settings

from cwqbo.batches import service
from cwqbo.connections import manage_client, qbo_client
from cwqbo.extensions import db
from cwqbo.models import BatchTransaction, QBOConfiguration
from cwqbo.transfer.reconcile import id_ranges, reconcile
from cwqbo.web.reconcile.routes import sent_in

FIRST_ROW_ID = 880001
NUMBERS = range(10011, 10021)
PERIOD_START, PERIOD_END = date(2025, 1, 1), date(2025, 12, 31)
PERIOD = {"config_id": "1", "date_from": "2025-01-01", "date_to": "2025-12-31"}


@pytest.fixture
def app_config(app_config, qbo_server):
    return {**app_config, **qbo_settings(qbo_server[0]), "API_RETRY_BACKOFF": 0.01}


@pytest.fixture
def sent(admin, app, manage, qbo_server):
    """Ten sample invoices through a real batch; return {number: BatchTransaction fields}."""
    from cwqbo.jobs.worker import run_worker

    connect_qbo(admin, config_id=1, realm=QBO_US_REALM)
    with app.app_context():
        service.create_batch(
            "invoices",
            db.session.get(QBOConfiguration, 1),
            [str(FIRST_ROW_ID + n - 10001) for n in NUMBERS],
            invoice_detail="detailed",
            location_id=None,
            location_name=None,
            user_id=None,
        )
    run_worker(app, burst=True)
    with app.app_context():
        rows = db.session.scalars(
            db.select(BatchTransaction).where(BatchTransaction.state == "batched")
        ).all()
        out = {r.number: (r.qbo_entity, r.qbo_id, int(r.manage_record_id)) for r in rows}
    invoices = [n for n, (entity, _, _) in out.items() if entity == "Invoice"]
    assert len(invoices) >= 5, out
    return out


def page(admin, **args):
    response = admin.get("/reconcile", query_string={**PERIOD, **args})
    return response.status_code, response.get_data(as_text=True)


def flags_by_number(html: str) -> dict[str, str]:
    rows = re.findall(r"<tr class=\"[^\"]*\">\s*<td>\w[\w ]* (\S+)<br>(.*?)</tr>", html, re.S)
    return {number: unescape(re.sub(r"<[^>]+>", " ", rest)) for number, rest in rows}


def test_differences_made_on_purpose_are_flagged(admin, app, manage, qbo_server, sent):
    state, qbo_state = manage[1], qbo_server[1]
    numbers = sorted(n for n, (entity, _, _) in sent.items() if entity == "Invoice")
    changed, voided, deleted, paid, untouched = numbers[:5]
    company = qbo_state.companies[QBO_US_REALM]
    with qbo_state.lock:
        company.rows["Invoice"][sent[changed][1]]["TotalAmt"] += 10
        del company.rows["Invoice"][sent[deleted][1]]
    with app.app_context():
        qbo = qbo_client(db.session.get(QBOConfiguration, 1))
        doc = qbo.read("Invoice", sent[voided][1])
        qbo.void("Invoice", doc["Id"], doc["SyncToken"], "test-void")
    with state.lock:
        record = state.invoices[sent[paid][2]]
        record["balance"] = round(record["total"] - 25, 2)

    status, html = page(admin)
    assert status == 200, html
    flags = flags_by_number(html)
    assert "Total differs" in flags[changed] and "Balance differs" not in flags[changed]
    assert "Voided in QuickBooks" in flags[voided] and "Total differs" not in flags[voided]
    assert "Missing in QuickBooks" in flags[deleted]
    assert "Balance differs" in flags[paid] and "Total differs" not in flags[paid]
    assert "Matches" in flags[untouched]
    assert len(flags) == len(sent)
    summary = unescape(re.search(r'<p id="reconcile-summary">(.*?)</p>', html, re.S).group(1))
    assert f"{len(sent)} transactions compared, 4 with differences" in summary
    assert "Read with 1 ConnectWise and" in summary

    response = admin.get("/reconcile", query_string={**PERIOD, "format": "csv"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = {r["Number"]: r for r in csv.DictReader(io.StringIO(response.get_data(as_text=True)))}
    assert rows[voided]["Differences"] == "Voided in QuickBooks"
    assert rows[deleted]["Differences"] == "Missing in QuickBooks"
    assert rows[deleted]["QuickBooks total"] == ""
    assert rows[paid]["Differences"] == "Balance differs"
    assert float(rows[paid]["ConnectWise balance"]) == float(rows[paid]["QuickBooks balance"]) - 25
    assert rows[untouched]["Differences"] == ""
    assert set(rows) == set(sent)


def test_calls_do_not_grow_per_transaction(app, sent):
    with app.app_context():
        everything = sent_in(1, PERIOD_START, PERIOD_END)
        assert len(everything) == len(sent)
        one = reconcile(
            everything[:1], manage_client(), qbo_client(db.session.get(QBOConfiguration, 1))
        )
        qbo = qbo_client(db.session.get(QBOConfiguration, 1))
        manage = manage_client()
        allofthem = reconcile(everything, manage, qbo)
    entities = {s.qbo_entity for s in everything}
    assert one.calls == {"manage": 1, "qbo": 1}
    assert allofthem.calls == {"manage": 1, "qbo": len(entities)}, "one query per QBO entity"
    assert not allofthem.flagged


def test_id_ranges_group_near_ids():
    assert id_ranges([5, 1, 3, 2000, 2500, 9000]) == [(1, 5), (2000, 2500), (9000, 9000)]
    assert id_ranges([]) == []


def test_bad_input_is_named(admin, app):
    status, html = page(admin, date_from="2025-13-01")
    assert status == 400 and "&#39;2025-13-01&#39; is not a date: use YYYY-MM-DD." in html
    status, html = page(admin, date_from="2025-05-01", date_to="2025-04-01")
    assert status == 400 and "The end date is before the start date." in html
    status, html = page(admin, config_id="999")
    assert status == 400 and "Choose one of the QuickBooks companies listed." in html
    status, html = page(admin, config_id="99999999999999999999999")
    assert status == 400


def test_a_configuration_not_connected_says_so(admin, app, manage):
    status, html = page(admin)
    assert status == 200
    assert 'class="flash flash-error"' in html
