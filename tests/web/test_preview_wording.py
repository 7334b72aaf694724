"""The preview's "Created in QuickBooks Online first" tells the truth for invoices with
problems: what they would create once fixed, never "Nothing: every customer … exists";
its Where: hints fit the reader."""

from __future__ import annotations

import re

import pytest
from support import PASSWORD, QBO_US_REALM, Browserish, connect_qbo, qbo_settings

from cwqbo.sandbox.connectwise.state import ManageState

HX = {"HX-Request": "true"}
SELECT_URL = "/batches/new/invoices"
NOTHING = "Nothing: every customer"
# 10004 is billed in CAD to the Manage company "Société Générale de Montréal Ltée", which has
# no QBO customer yet: the invoice has problems and needs a new customer.
CAD_CUSTOMER = "Société Générale de Montréal Ltée"


@pytest.fixture
def app_config(app_config, qbo_server):
    return {**app_config, **qbo_settings(qbo_server[0])}


@pytest.fixture
def connected(admin, manage):
    """Manage connected and configuration 1 connected to the US QBO realm."""
    connect_qbo(admin, config_id=1, realm=QBO_US_REALM)
    return admin


def ids_of(state: ManageState, *numbers: int) -> list[str]:
    by_number = {r["invoiceNumber"]: str(r["id"]) for r in state.unposted("invoices")}
    return [by_number[str(n)] for n in numbers]


def preview(client: Browserish, ids: list[str]) -> str:
    form = {"mode": "transfer", "config_id": "1", "location_id": "", "invoice_detail": "detailed"}
    response = client.post(SELECT_URL + "/preview", {**form, "ids": ids, "shown": ids}, headers=HX)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def section(html: str) -> str:
    """The "Created in QuickBooks Online first" part, tags dropped."""
    part = html.split("Created in QuickBooks Online first", 1)[1].split("<article", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", part))


def test_invoice_with_problems_says_what_it_would_create_once_fixed(connected, manage):
    created = section(preview(connected, ids_of(manage[1], 10004)))
    assert NOTHING not in created
    assert "Once fixed, the invoice with problems would also create:" in created
    assert f"Customer {CAD_CUSTOMER}" in created


def test_a_mix_lists_both_and_never_claims_nothing(connected, manage):
    created = section(preview(connected, ids_of(manage[1], 10002, 10004)))
    before, after = created.split("Once fixed, the invoice with problems would also create:")
    assert "Customer Café Müller &amp; Söhne" in before and CAD_CUSTOMER not in before
    assert f"Customer {CAD_CUSTOMER}" in after and NOTHING not in created


def test_admin_gets_links_in_where(connected, manage):
    html = preview(connected, ids_of(manage[1], 10004))
    assert '<a href="/settings/quickbooks/1/currency">cwqbo › QuickBooks configuration › ' in html


def problem_of(html: str, start: str) -> str:
    """The visible text of the problem that starts with ``start``."""
    for item in re.findall(r"<li>(.*?)</li>", html, re.S):
        plain = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", item))
        if plain.startswith(start):
            return plain
    raise AssertionError(f"no problem starting {start!r}")


def test_cad_message_offers_another_company_before_multi_currency(connected, manage):
    html = preview(connected, ids_of(manage[1], 10004))
    text = problem_of(html, "Invoice 10004 is in CAD")
    elsewhere = text.index(
        "Send CAD invoices to a configuration connected to a QuickBooks company in CAD "
        "(cwqbo supports several companies: Set Up QuickBooks Online › Add New Company)"
    )
    multi = text.index("Or turn on multi-currency in QBO")
    assert elsewhere < multi and "cannot be turned off again" in text[multi:]
    assert text.index("Where: cwqbo › Set Up QuickBooks Online › Add New Company") < text.index(
        "cwqbo › QuickBooks configuration › Currency tab"
    )
    assert '<a href="/settings/quickbooks">cwqbo › Set Up QuickBooks Online › Add New' in html


def test_member_is_sent_to_an_admin_by_name(app, connected, manage, make_user):
    make_user("mia@example.com", role="member", name="Mia Member")
    member = Browserish(app.test_client())
    assert member.post("/auth/login", {"email": "mia@example.com", "password": PASSWORD})
    html = preview(member, ids_of(manage[1], 10004))
    text = problem_of(html, "Invoice 10004 is in CAD")
    assert "Where: ask an admin (Admin) to fix it in cwqbo › Set Up QuickBooks Online" in text
    assert "/settings/" not in html
