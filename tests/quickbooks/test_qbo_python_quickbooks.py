"""python-quickbooks, unchanged, talks to the sandbox: proof the sandbox speaks QBO."""

from __future__ import annotations

import requests
from quickbooks import QuickBooks
from quickbooks.objects.customer import Customer
from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item

US_REALM = "9341453000000001"


class BearerSession(requests.Session):
    """What python-quickbooks needs from its session: ``access_token`` and ``request``."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.access_token = token


def make_qb(sandbox) -> QuickBooks:
    qb = QuickBooks(company_id=US_REALM, minorversion=75)
    qb.session = BearerSession(sandbox.state.add_token(US_REALM))
    qb.sandbox = True
    qb.sandbox_api_url_v3 = f"{sandbox.base_url}/v3"  # the only patch: where to send calls
    return qb


def test_python_quickbooks_customer_and_invoice(qbo_sandbox):
    qb = make_qb(qbo_sandbox)
    customer = Customer()
    customer.DisplayName = "O'Brien & Sons"
    customer.CompanyName = "O'Brien & Sons"
    customer.save(qb=qb, request_id="cust-1")
    assert customer.Id and str(customer.SyncToken) == "0"

    found = Customer.filter(DisplayName="O'Brien & Sons", qb=qb)
    assert [c.Id for c in found] == [customer.Id]
    assert Customer.count(qb=qb) == 3  # two seeded active + the new one

    item = Item.filter(Name="Labor", qb=qb)[0]
    line = SalesItemLine()
    line.Amount = 250.0
    line.Description = "Bench repair"
    line.SalesItemLineDetail = SalesItemLineDetail()
    line.SalesItemLineDetail.ItemRef = item.to_ref()
    line.SalesItemLineDetail.Qty = 2
    line.SalesItemLineDetail.UnitPrice = 125.0
    invoice = Invoice()
    invoice.CustomerRef = customer.to_ref()
    invoice.DocNumber = "CW2001"
    invoice.Line = [line]
    invoice.save(qb=qb, request_id="inv-1")
    assert invoice.Id

    again = Invoice.get(invoice.Id, qb=qb)
    assert again.DocNumber == "CW2001" and again.CustomerRef.value == customer.Id
    assert again.TotalAmt == 250.0 and again.Balance == 250.0
    assert [i.Id for i in Invoice.where("DocNumber IN ('CW2001', 'nope')", qb=qb)] == [invoice.Id]
