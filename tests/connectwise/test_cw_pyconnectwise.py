"""pyconnectwise, a client nobody here wrote, against the Manage sandbox over real HTTP.

pyconnectwise hard-codes ``https://`` (API base and the companyinfo lookup) and ignores its
``codebase=`` argument, so THIS TEST overrides its two URL builders to the sandbox's
``http://127.0.0.1:<port>``; the sandbox is not bent. Everything else is pyconnectwise's
own code: its requests, headers, paging and its pydantic models parsing every response.
"""

from __future__ import annotations

import pytest
from pyconnectwise import ConnectWiseManageAPIClient
from pyconnectwise.models.manage import (
    AccountingBatch,
    FinanceCurrency,
    GLExport,
    Info,
    Member,
    Payment,
    UnpostedExpense,
    UnpostedInvoice,
    UnpostedProcurement,
)

CLIENT_ID = "0f9d1c5e-7a55-4a6e-9a3c-4b1b2d0c1e11"


@pytest.fixture
def pcw(cw_sandbox, monkeypatch):
    base_url, state, _ = cw_sandbox

    def get_url(self) -> str:
        return f"{base_url}/{self.codebase.strip('/')}/apis/3.0"

    def get_codebase(self, manage_url: str, company_name: str, headers: dict) -> str:
        response = self._make_request(
            "GET", f"{base_url}/login/companyinfo/{company_name}", headers=headers
        )
        return response.json().get("Codebase")

    monkeypatch.setattr(ConnectWiseManageAPIClient, "_get_url", get_url)
    monkeypatch.setattr(ConnectWiseManageAPIClient, "_try_get_codebase_from_api", get_codebase)
    creds = state.credentials
    return ConnectWiseManageAPIClient(
        creds["companyId"], base_url, CLIENT_ID, creds["publicKey"], creds["privateKey"]
    )


def _all(endpoint, model, page_size=25) -> list:
    rows = list(endpoint.paginated(1, page_size).all())
    assert rows and all(isinstance(r, model) for r in rows)
    return rows


def _gl_ids(transaction) -> list[int]:
    header = [int(i) for i in (transaction.gl_entry_ids or "").split(",") if i]
    return sorted(set(header) | {d.id for d in transaction.detail or []})


def test_company_info_and_system_info(pcw):
    assert pcw.codebase == "v2025_1/"  # found through companyinfo
    info = pcw.system.info.get()
    assert isinstance(info, Info) and info.is_cloud is False and info.version


def test_reference_lists_parse_with_its_models(pcw):
    members = pcw.system.members.get(params={"pageSize": 1000})
    assert members and all(isinstance(m, Member) for m in members)
    currencies = pcw.finance.currencies.get()
    assert all(isinstance(c, FinanceCurrency) for c in currencies)
    assert {c.currency_code.name for c in currencies} == {"USD", "CAD"}


def test_unposted_lists_export_batches_and_a_payment(pcw):
    accounting = pcw.finance.accounting
    invoices = _all(accounting.unpostedinvoices, UnpostedInvoice)
    assert len(invoices) == 60  # three pages, followed through the Link header
    assert len(_all(accounting.unpostedexpenses, UnpostedExpense, 7)) == 20
    products = _all(accounting.unpostedprocurement, UnpostedProcurement)
    assert len(products) == 10

    invoice = next(i for i in invoices if i.invoice_number == "10012")
    export = accounting.export.post(
        data={
            "thruDate": "2030-12-31T23:59:59Z",
            "locationId": 0,
            "summarizeInvoices": "Detailed",
            "exportInvoicesFlag": True,
            "includedInvoiceIds": [invoice.billing_log_id],
        }
    )
    assert isinstance(export, GLExport)
    [transaction] = export.transactions
    assert transaction.document_number == "10012"
    purchases = accounting.export.post(
        data={
            "exportProductsFlag": True,
            "includedProductIds": [products[0].unposted_product_id],
        }
    )
    assert len(purchases.purchase_transactions) == 1

    ident = "2025-06-01-I10012-pcw"
    created = accounting.batches.post(
        data={
            "batchIdentifier": ident,
            "glInterfaceIdentifier": "0",
            "exportInvoicesFlag": True,
            "processedRecordIds": _gl_ids(transaction),
        }
    )
    assert isinstance(created, GLExport) and len(created.transactions) == 1
    [batch] = accounting.batches.get(params={"conditions": f'batchIdentifier="{ident}"'})
    assert isinstance(batch, AccountingBatch) and batch.batch_identifier == ident
    assert isinstance(accounting.batches.id(batch.id).get(), AccountingBatch)
    remaining = accounting.unpostedinvoices.get(params={"pageSize": 1000})
    assert "10012" not in {i.invoice_number for i in remaining}
    accounting.batches.id(batch.id).delete()
    assert len(accounting.unpostedinvoices.get(params={"pageSize": 1000})) == 60

    [paid] = pcw.finance.invoices.get(params={"conditions": 'invoiceNumber="10010"'})
    payments = pcw.finance.invoices.id(paid.id).payments
    payment = payments.post(
        data={"invoice": {"id": paid.id}, "amount": 40.0, "paymentDate": "2025-06-03T00:00:00Z"}
    )
    assert isinstance(payment, Payment) and payment.amount == 40.0
    assert [p.id for p in payments.get()] == [payment.id]
    assert pcw.finance.invoices.id(paid.id).get().balance == round(paid.balance - 40.0, 2)
    payments.id(payment.id).delete()
    assert payments.get() == []
