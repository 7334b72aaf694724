"""Fixtures for the invoice mapping: the Manage sample's invoices, the QBO sample's realms."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cwqbo.connectwise import ManageClient, ManageCredentials
from cwqbo.sandbox.connectwise.exporter import build_export
from cwqbo.sandbox.quickbooks import SandboxState
from cwqbo.transfer import (
    InvoicePlan,
    ManageReference,
    QBOReference,
    TransferSettings,
    invoice_body,
    plan_invoice,
)

DATA = Path(__file__).resolve().parents[2] / "cwqbo" / "sandbox" / "data"
US, CA = "9341453000000001", "9341453000000002"
REALMS = {"US": US, "CA": CA}


def sandbox_manage_client(base_url: str, state) -> ManageClient:
    """A Manage client on the Manage sandbox's own credentials (client id "cwqbo-tests")."""
    creds = state.credentials
    return ManageClient(
        ManageCredentials(
            site=base_url,
            company_id=creds["companyId"],
            public_key=creds["publicKey"],
            private_key=creds["privateKey"],
            client_id="cwqbo-tests",
        )
    )


@pytest.fixture(scope="session")
def cw_sample() -> dict:
    return json.loads((DATA / "connectwise_sample.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def gl_export(cw_sample) -> dict:
    """The GLExport Manage would answer for all 60 unposted invoices (with customers[])."""
    return build_export(cw_sample, {"invoices": cw_sample["unpostedInvoices"]})


@pytest.fixture(scope="session")
def realm_rows() -> dict[str, tuple[dict, dict, dict]]:
    """(CompanyInfo, Preferences, entities) of each sample realm, as the sandbox holds them."""
    state = SandboxState()
    return {
        realm: (c.info, c.prefs, {e: list(rows.values()) for e, rows in c.rows.items()})
        for realm, c in state.companies.items()
    }


@pytest.fixture
def make_ref(realm_rows) -> Callable[..., QBOReference]:
    """Build a fresh QBOReference of a realm ("US"/"CA"), optionally edited first."""

    def make(realm: str = "US", edit: Callable[[dict, dict, dict], None] | None = None):
        info, prefs, entities = copy.deepcopy(realm_rows[REALMS[realm]])
        if edit:
            edit(info, prefs, entities)
        return QBOReference.from_entities(info, prefs, entities)

    return make


class Mapper:
    """Plan/body helpers over the sample: pick an invoice, vary it, map it."""

    def __init__(self, export: dict, cw_sample: dict, make_ref) -> None:
        self.export = export
        self.customers = {c["company"]["id"]: c for c in export["customers"]}
        self.manage = ManageReference(copy.deepcopy(cw_sample["glAccounts"]))
        self.make_ref = make_ref

    def tx(self, number: str | int) -> dict:
        """Return a copy of the exported invoice with this number."""
        for tx in self.export["transactions"]:
            if tx["documentNumber"] == str(number):
                return copy.deepcopy(tx)
        raise KeyError(number)

    def where(self, test: Callable[[dict], bool]) -> dict:
        """Return a copy of the first exported invoice passing ``test``."""
        return copy.deepcopy(next(tx for tx in self.export["transactions"] if test(tx)))

    def customer(self, tx: dict) -> dict | None:
        return copy.deepcopy(self.customers.get(tx["company"]["id"]))

    def settings(self, ref: QBOReference | None = None, **options: Any) -> TransferSettings:
        if ref is not None and not ref.us and "exempt_tax_code_id" not in options:
            options["exempt_tax_code_id"] = ref.find("TaxCode", "EXEMPT")["Id"]
        return TransferSettings(**options)

    def plan(
        self, tx: dict, realm: str = "US", ref=None, customer=..., **options: Any
    ) -> InvoicePlan:
        ref = ref or self.make_ref(realm)
        customer = self.customer(tx) if customer is ... else customer
        return plan_invoice(tx, customer, ref, self.manage, self.settings(ref, **options))

    def body(self, tx: dict, realm: str = "US", ref=None, customer=..., **options: Any) -> dict:
        """Return the body after creating the plan's needs as fake QBO objects."""
        ref = ref or self.make_ref(realm)
        customer = self.customer(tx) if customer is ... else customer
        settings = self.settings(ref, **options)
        plan = plan_invoice(tx, customer, ref, self.manage, settings)
        assert not plan.problems, [str(p) for p in plan.problems]
        for n, need in enumerate(plan.needs):
            ref.add(need.entity, {"Id": f"new{n}", **need.body})
        return invoice_body(tx, customer, ref, self.manage, settings)

    @staticmethod
    def lines(body: dict) -> list[dict]:
        return [ln for ln in body["Line"] if ln["DetailType"] == "SalesItemLineDetail"]

    @staticmethod
    def text(plan: InvoicePlan) -> str:
        """All problems of a plan as one string (message, fix and screen)."""
        return "\n".join(str(p) for p in plan.problems)


@pytest.fixture
def mapper(gl_export, cw_sample, make_ref) -> Mapper:
    return Mapper(gl_export, cw_sample, make_ref)
