"""Item receipt mapping, table-driven over the Manage sample's receipts, US and CA realms.

Each case takes one exported receipt (GLExportPurchaseTransaction), optionally changes it or
the options, plans it against a sample QBO realm and checks the plan, the needs and the Bill
body; every body and every create body is validated against Intuit's XSD.
"""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from cwqbo.sandbox.connectwise.exporter import build_export
from cwqbo.transfer import ManageReference, TransferSettings
from cwqbo.transfer.kind import RunContext
from cwqbo.transfer.procurement import PROCUREMENT, ordinal_of, receipt_identifier
from cwqbo.transfer.procurement.mapping import RECEIPT_KEY
from tests.transfer.test_transfer_xsd import schema, validate  # noqa: F401 (the schema fixture)


@pytest.fixture(scope="module")
def receipts(cw_sample) -> dict:
    """{packing slip: exported receipt} and the export's vendors, from the Manage sample."""
    export = build_export(cw_sample, {"products": cw_sample["unpostedProcurement"]})
    return export


class Receipts:
    def __init__(self, export: dict, cw_sample: dict, make_ref) -> None:
        self.export = export
        self.manage = ManageReference(copy.deepcopy(cw_sample["glAccounts"]))
        self.make_ref = make_ref

    def doc(self, slip: str) -> dict:
        for doc in self.export["purchaseTransactions"]:
            if doc["packingSlip"] == slip:
                return copy.deepcopy(doc)
        raise KeyError(slip)

    def ctx(self, realm: str = "US", ref=None, **options) -> RunContext:
        ref = ref or self.make_ref(realm)
        ids = {a["FullyQualifiedName"]: a["Id"] for a in ref.rows("Account")}
        defaults = {
            "income_account_id": ids.get("Income:Products:Hardware"),
            "cogs_account_id": ids.get("Cost of Goods Sold:Hardware"),
            "asset_account_id": ids.get("Inventory Asset"),
            "track_quantity": True,
        }
        if not ref.us:
            defaults["exempt_tax_code_id"] = ref.find("TaxCode", "EXEMPT")["Id"]
            defaults["multi_currency"] = True
        defaults.update(options)
        parties = PROCUREMENT.parties_of(self.export)
        return RunContext(ref, self.manage, parties, TransferSettings(**defaults))

    def plan(self, doc: dict, ctx: RunContext):
        return PROCUREMENT.plan(doc, ctx)

    def body(self, doc: dict, ctx: RunContext) -> tuple:
        plan = PROCUREMENT.plan(doc, ctx)
        assert not plan.problems, [str(p) for p in plan.problems]
        for n, need in enumerate(plan.needs):
            ctx.qbo.add(need.entity, {"Id": f"new{n}", **need.body})
        return plan, PROCUREMENT.body(doc, ctx)


@pytest.fixture
def rc(receipts, cw_sample, make_ref) -> Receipts:
    return Receipts(receipts, cw_sample, make_ref)


def canadian(doc: dict) -> dict:
    """Turn a sample receipt into a CAD one from the CA realm's vendor, taxed GST/QST."""
    doc["currency"] = {"id": 2, "currencyCode": "CAD"}
    doc["company"] = {"id": 900, "identifier": "IngramCA", "name": "Ingram Micro Canada"}
    doc["taxCode"] = {"id": 5, "name": "QC-GST-QST"}
    return doc


def accounts(ref) -> dict[str, str]:
    return {a["Id"]: a["FullyQualifiedName"] for a in ref.rows("Account")}


# id, packing slip, realm, options, change of the receipt, expected
CASES = [
    (
        "us-items-and-freight",
        "PS-812",
        "US",
        {},
        None,
        {
            "doc": "INV-81277",
            "vendor": "TechDist Inc",
            "items": [("SSD-1TB", 10, 84.5, 845), ("DOCK-USB-C", 4, 150, 600)],
            "accounts": [("Freight In", 12.5)],
            "needs": {"SSD-1TB": "Inventory", "DOCK-USB-C": "Inventory"},
        },
    ),
    (
        "us-taxed-receipt-tax-as-cost",
        "PS-813-1",
        "US",
        {},
        None,
        {
            "doc": "INV-81377",
            "vendor": "TechDist Inc",
            "items": [("LAPTOP-14", 3, 1080, 3240)],
            "accounts": [("Freight In", 40), ("Purchase Tax", 243)],
            "needs": {"LAPTOP-14": "Inventory"},
        },
    ),
    (
        "us-second-receipt-suffix",
        "PS-813-2",
        "US",
        {},
        lambda d: d.update({RECEIPT_KEY: 2}),
        {
            "doc": "INV-81377-2",
            "vendor": "TechDist Inc",
            "items": [("LAPTOP-14", 3, 1080, 3240)],
            "accounts": [("Purchase Tax", 243)],
            "needs": {"LAPTOP-14": "Inventory"},
        },
    ),
    (
        "us-new-vendor-appended-other-charge",
        "PS-817",
        "US",
        {"append_account_name": True},
        None,
        {
            "doc": "INV-81777",
            "vendor": "Amazon Business (AMAZONBU09)",
            "items": [("DOCK-USB-C", 5, 150, 750), ("SHIP-GROUND", 1, 18, 18)],
            "accounts": [],
            "needs": {
                "Amazon Business (AMAZONBU09)": "Vendor",
                "DOCK-USB-C": "Inventory",
                "SHIP-GROUND": "Service",
            },
        },
    ),
    (
        "us-untracked-inventory-is-non-inventory",
        "PS-814",
        "US",
        {"track_quantity": False},
        None,
        {
            "doc": "INV-81477",
            "vendor": "Ingram Micro",
            "items": [("FW-TZ370", 2, 610, 1220)],
            "accounts": [],
            "needs": {"FW-TZ370": "NonInventory"},
        },
    ),
    (
        "us-no-vendor-invoice-uses-po-number",
        "PS-815",
        "US",
        {},
        lambda d: d.update(vendorInvoiceNumber=""),
        {
            "doc": "PO-000815",
            "vendor": "Pax8",
            "items": [("M365-BP", 25, 18.7, 467.5), ("M365-EXO", 10, 3.4, 34)],
            "accounts": [],
            "needs": {"M365-BP": "NonInventory", "M365-EXO": "NonInventory"},
        },
    ),
    (
        "ca-global-tax-codes-no-tax-lines",
        "PS-813-1",
        "CA",
        {},
        canadian,
        {
            "doc": "INV-81377",
            "vendor": "Ingram Micro Canada",
            "items": [("LAPTOP-14", 3, 1080, 3240)],
            "accounts": [("Freight In", 40)],
            "needs": {"LAPTOP-14": "Inventory"},
        },
    ),
]


@pytest.mark.parametrize(
    ("slip", "realm", "opts", "change", "want"), [pytest.param(*c[1:], id=c[0]) for c in CASES]
)
def test_receipt_becomes_a_bill(schema, rc, slip, realm, opts, change, want):  # noqa: F811
    doc = rc.doc(slip)
    if change:
        change(doc)
    ctx = rc.ctx(realm, **opts)
    plan, body = rc.body(doc, ctx)
    assert plan.entity == "Bill" and plan.doc_number == want["doc"]
    assert plan.expected_total == Decimal(str(doc["total"]))
    assert {n.name: n.body.get("Type", n.entity) for n in plan.needs} == want["needs"]
    for need in plan.needs:
        assert validate(schema, need.entity, need.body) == [], need.label
    assert validate(schema, "Bill", body) == []

    assert body["DocNumber"] == want["doc"]
    assert body["VendorRef"]["name"] == want["vendor"]
    assert body["APAccountRef"]["value"] == ctx.qbo.account("Accounts Payable")["Id"]
    item_lines = [ln for ln in body["Line"] if ln["DetailType"] == "ItemBasedExpenseLineDetail"]
    got = [
        (
            ln["ItemBasedExpenseLineDetail"]["ItemRef"]["name"],
            ln["ItemBasedExpenseLineDetail"]["Qty"],
            ln["ItemBasedExpenseLineDetail"]["UnitPrice"],
            ln["Amount"],
        )
        for ln in item_lines
    ]
    assert got == want["items"]
    names = accounts(ctx.qbo)
    got_accounts = [
        (names[ln["AccountBasedExpenseLineDetail"]["AccountRef"]["value"]], ln["Amount"])
        for ln in body["Line"]
        if ln["DetailType"] == "AccountBasedExpenseLineDetail"
    ]
    assert got_accounts == want["accounts"]
    total = sum(Decimal(str(ln["Amount"])) for ln in body["Line"])
    if ctx.qbo.us:  # the bill is the Manage total; with global tax QBO adds its own tax
        assert total == Decimal(str(doc["total"]))
        assert "GlobalTaxCalculation" not in body
        assert all("TaxCodeRef" not in ln[ln["DetailType"]] for ln in body["Line"])
    else:
        assert body["GlobalTaxCalculation"] == "TaxExcluded"
        codes = {ln[ln["DetailType"]]["TaxCodeRef"]["value"] for ln in body["Line"]}
        taxed = ctx.qbo.find("TaxCode", "QC-GST-QST")["Id"]
        exempt = ctx.qbo.find("TaxCode", "EXEMPT")["Id"]
        assert codes == {taxed, exempt}  # the laptops taxed, the untaxed freight exempt


def test_new_items_take_their_accounts_from_the_receipt(rc):
    ctx = rc.ctx()
    doc = rc.doc("PS-815")  # software: non-inventory, bought to COGS:Software
    plan = rc.plan(doc, ctx)
    names = accounts(ctx.qbo)
    (bp, exo) = [n.body for n in plan.needs]
    assert names[bp["ExpenseAccountRef"]["value"]] == "Cost of Goods Sold:Software"
    assert names[bp["IncomeAccountRef"]["value"]] == "Income:Products:Hardware"  # Products tab
    received = rc.doc("PS-812")
    inventory = rc.plan(received, rc.ctx()).needs[0].body
    assert names[inventory["AssetAccountRef"]["value"]] == "Inventory Asset"
    assert names[inventory["ExpenseAccountRef"]["value"]] == "Cost of Goods Sold:Hardware"
    assert inventory["TrackQtyOnHand"] is True and inventory["QtyOnHand"] == 0
    assert inventory["InvStartDate"] == received["documentDate"][:10]
    assert inventory["Sku"] == "SSD-1TB"


@pytest.mark.parametrize(
    ("source", "field"),
    [("document", "documentDate"), ("vendor_invoice", "vendorInvoiceDate"), ("po", "purchaseDate")],
)
def test_bill_date_follows_the_purchases_tab(rc, source, field):
    doc = rc.doc("PS-812")
    doc.update(documentDate="2025-06-01T00:00:00Z", vendorInvoiceDate="2025-06-03T00:00:00Z")
    doc["purchaseDate"] = "2025-05-28T00:00:00Z"
    _plan, body = rc.body(doc, rc.ctx(bill_date_source=source))
    assert body["TxnDate"] == doc[field][:10]
    due = {"documentDate": "2025-06-11", "vendorInvoiceDate": "2025-06-13"}
    assert body["DueDate"] == due.get(field, "2025-06-07")  # Net 10 from the bill date


PROBLEMS = [
    # id, slip, options, change, words the problem text must hold
    (
        "product-type-without-xref",
        "PS-814",
        {},
        lambda d: d["purchaseDetail"][0].update(itemTypeXref=""),
        ['Product "FW-TZ370" has Type Xref ""', "Setup Tables › Product Type"],
    ),
    (
        "inventory-without-cogs",
        "PS-812",
        {"cogs_account_id": None},
        lambda d: [ln.pop("costAccountNumber", None) for ln in d["purchaseDetail"]],
        ["cost of goods sold account", "Products tab"],
    ),
    (
        "inventory-without-asset",
        "PS-812",
        {"asset_account_id": None},
        lambda d: [
            ln.update(inventoryAccountNumber="", accountNumber="") for ln in d["purchaseDetail"]
        ],
        ["inventory asset account"],
    ),
    (
        "no-income-account-for-new-products",
        "PS-814",
        {"income_account_id": None},
        None,
        ["no income account is chosen", "Products tab"],
    ),
    (
        "ap-account-not-payable",
        "PS-814",
        {},
        lambda d: d.update(apAccountNumber="Inventory Asset"),
        ["not Accounts Payable"],
    ),
    (
        "freight-account-missing-in-qbo",
        "PS-812",
        {},
        lambda d: d["purchaseDetail"][-1].update(accountNumber="Freight Out"),
        ['GL account "Freight Out" is not in the QBO chart of accounts'],
    ),
    (
        "vendor-invoice-number-too-long",
        "PS-814",
        {},
        lambda d: d.update(vendorInvoiceNumber="V" * 22),
        ["(DocNumber)", "vendor invoice number"],
    ),
    (
        "negative-receipt",
        "PS-814",
        {},
        lambda d: d.update(total=-10),
        ["vendor credit"],
    ),
]


@pytest.mark.parametrize(
    ("slip", "opts", "change", "words"), [pytest.param(*c[1:], id=c[0]) for c in PROBLEMS]
)
def test_problems_name_their_fix(rc, slip, opts, change, words):
    doc = rc.doc(slip)
    if change:
        change(doc)
    plan = rc.plan(doc, rc.ctx(**opts))
    assert plan.entity is None, "nothing is sent"
    text = "\n".join(str(p) for p in plan.problems)
    for word in words:
        assert word in text, text
    for problem in plan.problems:
        assert problem.message and problem.fix and problem.where


def test_ca_problems(rc):
    doc = canadian(rc.doc("PS-813-1"))
    doc["taxCode"] = {"id": 77, "name": "ON-HST"}
    text = "\n".join(str(p) for p in rc.plan(doc, rc.ctx("CA")).problems)
    assert 'Manage tax code "ON-HST", which has no QBO tax code' in text
    ctx = rc.ctx("CA", exempt_tax_code_id=None)
    text = "\n".join(str(p) for p in rc.plan(canadian(rc.doc("PS-813-1")), ctx).problems)
    assert "Choose the exempt tax code on the Taxes tab" in text
    usd = rc.doc("PS-812")  # a USD receipt into a CAD company without multi-currency
    text = "\n".join(str(p) for p in rc.plan(usd, rc.ctx("CA", multi_currency=False)).problems)
    assert "is in USD, the QBO home currency is CAD" in text


def test_a_vendor_name_held_by_a_customer_is_a_problem(rc):
    doc = rc.doc("PS-817")
    doc["company"] = {"id": 9, "identifier": "Contoso", "name": "Contoso Ltd"}
    parties = {}
    ctx = rc.ctx()
    ctx.parties = parties
    text = "\n".join(str(p) for p in rc.plan(doc, ctx).problems)
    assert '"Contoso Ltd" is already a QBO customer' in text


@pytest.mark.parametrize(
    ("ordinal", "ident"),
    [
        (1, "2026-12-01-PPO-000813"),
        (2, "2026-12-01-PPO-000813-2"),
        (12, "2026-12-01-PPO-000813-12"),
    ],
)
def test_receipt_batch_ids_read_back(ordinal, ident):
    assert receipt_identifier("2026-12-01-PPO-000813", ordinal) == ident
    assert ordinal_of(ident, "PO-000813") == ordinal
    long = receipt_identifier("2026-12-01-P" + "9" * 45, 3)
    assert len(long) == 50 and long.endswith("-3")


def test_the_xsd_check_catches_a_misspelt_bill_field(schema, rc):  # noqa: F811
    _plan, body = rc.body(rc.doc("PS-812"), rc.ctx())
    body["Line"][0]["ItemBasedExpenseLineDetail"]["Quantity"] = 2
    assert any("Quantity" in e for e in validate(schema, "Bill", body))
