"""python-quickbooks, unchanged, talks to the sandbox: proof the sandbox speaks QBO."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import requests
from quickbooks import QuickBooks
from quickbooks.batch import batch_create
from quickbooks.cdc import change_data_capture
from quickbooks.exceptions import QuickbooksException, ValidationException
from quickbooks.objects.base import LinkedTxn, Ref
from quickbooks.objects.company_info import CompanyInfo
from quickbooks.objects.creditmemo import CreditMemo
from quickbooks.objects.customer import Customer
from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item
from quickbooks.objects.payment import Payment, PaymentLine
from quickbooks.objects.preferences import Preferences
from quickbooks.objects.tax import TxnTaxDetail

US_REALM = "9341453000000001"
FL_HILLS = "52"  # tax group 6 % + 1.5 % in the US sample realm


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


def sales_line(item: Item, amount: float, qty: int, taxable: bool = True) -> SalesItemLine:
    line = SalesItemLine()
    line.Amount = amount
    line.Description = f"{qty} x {item.Name}"
    line.SalesItemLineDetail = SalesItemLineDetail()
    line.SalesItemLineDetail.ItemRef = item.to_ref()
    line.SalesItemLineDetail.Qty = qty
    line.SalesItemLineDetail.UnitPrice = round(amount / qty, 2)
    line.SalesItemLineDetail.TaxCodeRef = Ref()
    line.SalesItemLineDetail.TaxCodeRef.value = "TAX" if taxable else "NON"
    return line


def new_invoice(qb, customer: Customer, doc: str, lines: list, tax_code: str | None = None):
    invoice = Invoice()
    invoice.CustomerRef = customer.to_ref()
    invoice.DocNumber = doc
    invoice.Line = lines
    if tax_code:
        invoice.TxnTaxDetail = TxnTaxDetail()
        invoice.TxnTaxDetail.TxnTaxCodeRef = Ref()
        invoice.TxnTaxDetail.TxnTaxCodeRef.value = tax_code
    return invoice.save(qb=qb)


def customer_named(qb, name: str) -> Customer:
    customer = Customer()
    customer.DisplayName = name
    customer.CompanyName = name
    return customer.save(qb=qb)


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


def test_company_info_preferences_and_items(qbo_sandbox):
    qb = make_qb(qbo_sandbox)
    info = CompanyInfo.all(qb=qb)  # SELECT * FROM CompanyInfo MAXRESULTS 100
    assert [i.CompanyName for i in info] == ["cwqbo Demo MSP"]
    assert CompanyInfo.get(US_REALM, qb=qb).Country == "US"

    prefs = Preferences.get(qb=qb)
    assert prefs.CurrencyPrefs.HomeCurrency.value == "USD"
    queried = qb.query("SELECT * FROM Preferences")["QueryResponse"]["Preferences"]
    assert queried[0]["TaxPrefs"]["UsingSalesTax"] is True

    items = Item.all(qb=qb)  # SELECT *, Sku FROM Item MAXRESULTS 100
    assert {"Labor", "Managed Services", "Hardware"} <= {i.Name for i in items}
    names = [i.Name for i in Item.all(order_by="Name DESC", max_results=2, qb=qb)]
    assert names == sorted(names, reverse=True) and len(names) == 2
    second = Item.all(order_by="Name", start_position=2, max_results=1, qb=qb)
    assert [i.Name for i in second] == [sorted(i.Name for i in items)[1]]
    assert Item.count(qb=qb) == len(items)
    assert len(Item.all(max_results=1000, qb=qb)) == len(items)


def test_maxresults_above_1000_is_refused_not_clamped(qbo_sandbox):
    qb = make_qb(qbo_sandbox)
    with pytest.raises(ValidationException) as exc:
        Item.all(max_results=1001, qb=qb)
    assert exc.value.error_code == 4001
    assert "MAXRESULTS" in exc.value.detail and "1000" in exc.value.detail


def test_filter_with_apostrophes(qbo_sandbox):
    qb = make_qb(qbo_sandbox)
    made = customer_named(qb, "Adam's 'Candy' Shop")
    found = Customer.filter(
        DisplayName="Adam's 'Candy' Shop", qb=qb
    )  # sent as 'Adam\'s \'Candy\'...'
    assert [c.Id for c in found] == [made.Id]
    assert Customer.filter(DisplayName="Adam's", qb=qb) == []
    assert [c.Id for c in Customer.where("DisplayName LIKE 'Adam\\'s%'", qb=qb)] == [made.Id]


def test_invoice_with_three_lines_and_tax(qbo_sandbox):
    qb = make_qb(qbo_sandbox)
    labor, managed = (
        Item.filter(Name="Labor", qb=qb)[0],
        Item.filter(Name="Managed Services", qb=qb)[0],
    )
    customer = Customer.filter(DisplayName="Contoso Ltd", qb=qb)[0]
    lines = [
        sales_line(labor, 250.0, 2),
        sales_line(managed, 1200.0, 1, taxable=False),
        sales_line(labor, 99.99, 1),
    ]
    invoice = new_invoice(qb, customer, "CW3001", lines, tax_code=FL_HILLS)
    got = Invoice.get(invoice.Id, qb=qb)
    # 7.5 % of the taxable 349.99, per rate: 6 % = 21.00, 1.5 % = 5.25
    assert got.TxnTaxDetail.TotalTax == 26.25
    assert got.TotalAmt == 1549.99 + 26.25
    assert [ln.LineNum for ln in got.Line if ln.DetailType == "SalesItemLineDetail"] == [1, 2, 3]


def test_payment_over_two_invoices_and_a_credit_memo(qbo_sandbox):
    qb = make_qb(qbo_sandbox)
    labor = Item.filter(Name="Labor", qb=qb)[0]
    customer = customer_named(qb, "Two Invoice Co")
    first = new_invoice(qb, customer, "CW4001", [sales_line(labor, 100.0, 1, taxable=False)])
    second = new_invoice(qb, customer, "CW4002", [sales_line(labor, 300.0, 3, taxable=False)])

    payment = Payment()
    payment.CustomerRef = customer.to_ref()
    payment.TotalAmt = 250.0
    for invoice, amount in ((first, 100.0), (second, 150.0)):
        line = PaymentLine()
        line.Amount = amount
        link = LinkedTxn()
        link.TxnId, link.TxnType = invoice.Id, "Invoice"
        line.LinkedTxn = [link]
        payment.Line.append(line)
    payment = payment.save(qb=qb)
    assert payment.Id and payment.UnappliedAmt == 0
    assert Invoice.get(first.Id, qb=qb).Balance == 0
    assert Invoice.get(second.Id, qb=qb).Balance == 150.0
    assert [p.Id for p in Payment.filter(CustomerRef=customer.Id, qb=qb)] == [payment.Id]

    memo = CreditMemo()
    memo.CustomerRef = customer.to_ref()
    memo.DocNumber = "CM4001"
    memo.Line = [sales_line(labor, 40.0, 1, taxable=False)]
    memo = memo.save(qb=qb)
    got = CreditMemo.get(memo.Id, qb=qb)
    assert got.TotalAmt == 40.0 and got.RemainingCredit == 40.0


def test_batch_create_and_cdc(qbo_sandbox):
    qb = make_qb(qbo_sandbox)
    since = datetime.now().astimezone() - timedelta(minutes=1)
    a, b, dup = Customer(), Customer(), Customer()
    a.DisplayName, b.DisplayName, dup.DisplayName = "Batch A", "Batch B", "Contoso Ltd"
    result = batch_create([a, b, dup], qb=qb)
    assert sorted(c.DisplayName for c in result.successes) == ["Batch A", "Batch B"]
    assert [f.Error[0].code for f in result.faults] == ["6240"]

    labor = Item.filter(Name="Labor", qb=qb)[0]
    made = result.successes[0]
    invoice = new_invoice(qb, made, "CW5001", [sales_line(labor, 10.0, 1, taxable=False)])
    cdc = change_data_capture([Invoice, Customer], since, qb=qb)
    assert [i.Id for i in cdc.Invoice] == [invoice.Id]
    assert {c.DisplayName for c in cdc.Customer} == {"Batch A", "Batch B"}

    old = datetime.now().astimezone() - timedelta(days=31)
    with pytest.raises(QuickbooksException):
        change_data_capture([Invoice], old, qb=qb)
