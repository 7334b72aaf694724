"""Items: products by Type Xref, service items by GL account / work role / work type, RD lines."""

from __future__ import annotations

import pytest

from cwqbo.transfer import TransferSettings, names_needed


class Acct(str):
    """An account named by full name in a table row; the test swaps in its QBO id."""


HW_INCOME = Acct("Income:Products:Hardware")
HW_COGS = Acct("Cost of Goods Sold:Hardware")
ASSET = Acct("Inventory Asset")


def set_line(index=0, **fields):
    def vary(tx, mapper):
        tx["detail"][index].update(fields)
        for key, value in fields.items():
            if value is None:
                del tx["detail"][index][key]

    return vary


def product(identifier, type_xref="InventoryPart"):
    return set_line(
        0, glItemId=identifier, item={"id": 1, "identifier": identifier}, itemTypeXref=type_xref
    )


def item_row(name, account, **extra):
    def edit(info, prefs, entities):
        for row in entities["Item"]:
            if row["Name"] == name:
                row.update(extra)
                if account:
                    acct = next(
                        a for a in entities["Account"] if a["FullyQualifiedName"] == account
                    )
                    row["IncomeAccountRef"] = {"value": acct["Id"]}
                return
        acct = next(a for a in entities["Account"] if a["FullyQualifiedName"] == account)
        entities["Item"].append(
            {
                "Id": "900",
                "Name": name,
                "Type": "Service",
                "IncomeAccountRef": {"value": acct["Id"]},
                **extra,
            }
        )

    return edit


def no_quantity(info, prefs, entities):
    prefs["ProductAndServicesPrefs"]["QuantityOnHand"] = False


def product_id(value):
    def vary(tx, mapper):
        for row in mapper.manage.gl_accounts:
            if row["segment1"] == "Deferred Revenue:Down Payments":
                row["productId"] = value

    return vary


# Expected create bodies name accounts by full name (Acct); the test swaps in their ids.
# id, invoice, options, vary, edit(qbo), item the line uses, expected create body (None =
# the item exists), problem texts
CASES = [
    (
        "inventory-part-tracked",
        "10013",
        {"track_quantity": True},
        None,
        None,
        "SSD-1TB",
        {
            "Type": "Inventory",
            "TrackQtyOnHand": True,
            "QtyOnHand": 0,
            "InvStartDate": "2025-05-07",
            "IncomeAccountRef": HW_INCOME,
            "ExpenseAccountRef": HW_COGS,
            "AssetAccountRef": ASSET,
            "Sku": "SSD-1TB",
            "Description": "Samsung 1TB SSD",
        },
        None,
    ),
    (
        "inventory-part-untracked-is-non-inventory",
        "10013",
        {},
        None,
        None,
        "SSD-1TB",
        {"Type": "NonInventory", "IncomeAccountRef": HW_INCOME, "ExpenseAccountRef": HW_COGS},
        None,
    ),
    (
        "products-as-services",
        "10013",
        {"products_as_services": True},
        None,
        None,
        "SSD-1TB",
        {"Type": "Service", "IncomeAccountRef": HW_INCOME},
        None,
    ),
    (
        "non-inventory-part",
        "10018",
        {},
        None,
        None,
        "BACKUP-SVR",
        {"Type": "NonInventory", "IncomeAccountRef": Acct("Income:Products:Software")},
        None,
    ),
    (
        "non-inventory-part-with-products-tab-cogs",
        "10018",
        {"cogs_account_id": Acct("Cost of Goods Sold:Software")},
        None,
        None,
        "BACKUP-SVR",
        {"Type": "NonInventory", "ExpenseAccountRef": Acct("Cost of Goods Sold:Software")},
        None,
    ),
    (
        "service-product",
        "10033",
        {},
        None,
        None,
        "ONSITE-SETUP",
        {"Type": "Service", "IncomeAccountRef": Acct("Income:Products:Services")},
        None,
    ),
    (
        "other-charge-is-service",
        "10012",
        {},
        None,
        None,
        "SHIP-OVERNIGHT",
        {"Type": "Service", "IncomeAccountRef": Acct("Income:Products:Shipping")},
        None,
    ),
    (
        "spelled-out-type-xref",
        "10013",
        {},
        set_line(0, itemTypeXref="Non-Inventory Part"),
        None,
        "SSD-1TB",
        {"Type": "NonInventory"},
        None,
    ),
    (
        "unknown-type-xref",
        "10013",
        {},
        set_line(0, itemTypeXref="Bundle"),
        None,
        None,
        None,
        ('Product "SSD-1TB" has Type Xref "Bundle"', "Product Type"),
    ),
    (
        "empty-type-xref",
        "10013",
        {},
        set_line(0, itemTypeXref=None),
        None,
        None,
        None,
        ('Type Xref ""', 'Set the "Type Xref"', "Manage › System › Setup Tables › Product Type"),
    ),
    (
        "existing-item-needs-no-type-xref",
        "10013",
        {},
        product("Labor", ""),
        None,
        "Labor",
        None,
        None,
    ),
    (
        "category-holds-the-name",
        "10013",
        {},
        product("Hardware"),
        None,
        None,
        None,
        ('QBO has a product category named "Hardware"',),
    ),
    (
        "colon-in-identifier",
        "10013",
        {},
        product("SSD:1TB"),
        None,
        "SSD-1TB",
        {"Sku": "SSD:1TB"},
        None,
    ),
    (
        "identifier-longer-than-100",
        "10013",
        {},
        product("X" * 101),
        None,
        None,
        None,
        ("longer than QBO's 100 characters",),
    ),
    (
        "inventory-without-cost-accounts",
        "10013",
        {"track_quantity": True},
        set_line(0, costAccountNumber=None, inventoryAccountNumber=None),
        None,
        None,
        None,
        ("its cost of goods sold account", "its inventory asset account", "Products tab"),
    ),
    (
        "inventory-accounts-from-products-tab",
        "10013",
        {"track_quantity": True, "cogs_account_id": HW_COGS, "asset_account_id": ASSET},
        set_line(0, costAccountNumber=None, inventoryAccountNumber=None),
        None,
        "SSD-1TB",
        {"Type": "Inventory", "ExpenseAccountRef": HW_COGS, "AssetAccountRef": ASSET},
        None,
    ),
    (
        "inventory-cost-account-not-in-qbo",
        "10013",
        {"track_quantity": True},
        set_line(0, costAccountNumber="COGS:Gone"),
        None,
        None,
        None,
        ('GL account "COGS:Gone" is not in the QBO chart of accounts.',),
    ),
    (
        "qbo-without-quantity-on-hand",
        "10013",
        {"track_quantity": True},
        None,
        no_quantity,
        None,
        None,
        ("QBO does not track quantity on hand",),
    ),
    (
        "gl-account-service-item-by-leaf-name",
        "10002",
        {},
        None,
        None,
        "Projects",
        {"Type": "Service", "IncomeAccountRef": Acct("Income:Services:Projects")},
        None,
    ),
    (
        "gl-account-existing-item-with-that-account",
        "10008",
        {},
        None,
        None,
        "Managed Services",
        None,
        None,
    ),
    (
        "gl-account-leaf-taken-by-another-account",
        "10002",
        {},
        None,
        item_row("Projects", "Income:Products:Services"),
        "Income - Services - Projects",
        {"Type": "Service", "IncomeAccountRef": Acct("Income:Services:Projects")},
        None,
    ),
    (
        "gl-account-both-names-taken",
        "10002",
        {},
        None,
        lambda *a: (
            item_row("Projects", "Income:Products:Services")(*a),
            item_row("Income - Services - Projects", "Income:Products:Services", Id="901")(*a),
        ),
        None,
        None,
        ('No service item can be named for GL account "Income:Services:Projects"',),
    ),
    (
        "work-role-item",
        "10002",
        {"service_item_source": "work_role", "invoice_detail": "detailed"},
        None,
        None,
        "Project Engineer",
        {"Type": "Service", "IncomeAccountRef": Acct("Income:Services:Projects")},
        None,
    ),
    (
        "work-type-item",
        "10002",
        {"service_item_source": "work_type", "invoice_detail": "detailed"},
        None,
        None,
        "Project Work",
        {"Type": "Service"},
        None,
    ),
    (
        "work-role-missing-in-summary",
        "10002",
        {"service_item_source": "work_role"},
        set_line(0, workRole=None),
        None,
        None,
        None,
        (
            "has no work role; the work role service item source needs Detailed invoices",
            "Choose Detailed invoice detail for this batch",
            "cwqbo › Create Invoice Batch › Invoice detail",
        ),
    ),
    (
        "work-role-missing-in-detailed",
        "10002",
        {"service_item_source": "work_role", "invoice_detail": "detailed"},
        set_line(0, workRole=None),
        None,
        None,
        None,
        ("has no work role.", "Give the time entry a work role in Manage"),
    ),
    (
        "work-role-source-leaves-agreement-lines-to-gl-account",
        "10008",
        {"service_item_source": "work_role", "invoice_detail": "detailed"},
        None,
        None,
        "Managed Services",
        None,
        None,
    ),
    (
        "deferred-revenue-down-payment-item",
        "10003",
        {},
        None,
        None,
        "Down Payment",
        None,
        None,
    ),
    (
        "deferred-revenue-gl-mapping-product-id",
        "10003",
        {},
        product_id("DP-APPLIED"),
        None,
        "DP-APPLIED",
        {"Type": "Service", "IncomeAccountRef": Acct("Deferred Revenue:Down Payments")},
        None,
    ),
    (
        "inactive-item",
        "10003",
        {},
        None,
        item_row("Down Payment", None, Active=False),
        None,
        None,
        ('Item "Down Payment" is inactive in QBO.',),
    ),
]


def _ids(ref, value):
    """Swap an Acct in an expected body for its {"value": id} reference."""
    return {"value": ref.account(value)["Id"]} if isinstance(value, Acct) else value


@pytest.mark.parametrize(
    ("number", "opts", "vary", "edit", "item", "body", "problem"),
    [pytest.param(*c[1:], id=c[0]) for c in CASES],
)
def test_item_mapping(mapper, number, opts, vary, edit, item, body, problem):
    ref = mapper.make_ref("US", edit)
    opts = {k: ref.account(v)["Id"] if isinstance(v, Acct) else v for k, v in opts.items()}
    tx = mapper.tx(number)
    if vary:
        vary(tx, mapper)
    plan = mapper.plan(tx, ref=ref, **opts)
    if problem is not None:
        assert plan.entity is None
        for text in problem:
            assert text in mapper.text(plan)
        return
    assert plan.problems == [], mapper.text(plan)
    assert item in [ln["item"] for ln in plan.lines]
    items = {n.name: n for n in plan.needs if n.entity == "Item"}
    if body is None:
        assert item not in items
        return
    need = items[item]
    assert need.label == f'Item "{item}" ({need.body["Type"]})'
    for key, value in body.items():
        assert need.body[key] == _ids(ref, value), key
    if need.body["Type"] != "Inventory":
        assert "AssetAccountRef" not in need.body and "TrackQtyOnHand" not in need.body
    if need.body["Type"] == "Service":
        assert "ExpenseAccountRef" not in need.body


def test_gl_account_items_stay_apart_within_a_batch(mapper):
    """Two accounts ending in the same name get two items, even before either exists."""

    def income_projects(info, prefs, entities):
        income = next(a for a in entities["Account"] if a["FullyQualifiedName"] == "Income")
        entities["Account"].append(
            {
                "Id": "500",
                "Name": "Projects",
                "AccountType": "Income",
                "ParentRef": {"value": income["Id"]},
            }
        )

    ref = mapper.make_ref("US", income_projects)
    first = mapper.plan(mapper.tx("10002"), ref=ref)
    assert [n.name for n in first.needs if n.entity == "Item"] == ["Projects"]
    tx = mapper.tx("10002")
    for line in tx["detail"][:2]:
        line["accountNumber"] = "Income:Projects"
    second = mapper.plan(tx, ref=ref)
    [need] = [n for n in second.needs if n.entity == "Item"]
    assert need.name == "Income - Projects"
    assert need.body["IncomeAccountRef"] == {"value": "500"}
    # The first invoice planned again (the body step) still gets its own item.
    assert mapper.plan(mapper.tx("10002"), ref=ref).lines[0]["item"] == "Projects"


@pytest.mark.parametrize(
    ("options", "mapped", "expected"),
    [
        pytest.param(
            {},
            "",
            {"Projects", "Income - Services - Projects", "Down Payment"},
            id="gl-account-both-candidates",
        ),
        pytest.param(
            {"service_item_source": "work_role", "invoice_detail": "detailed"},
            "DP-APPLIED",
            {"Project Engineer", "DP-APPLIED"},
            id="work-role-and-gl-mapping-product",
        ),
    ],
)
def test_names_needed_lists_every_name_a_plan_may_look_up(mapper, options, mapped, expected):
    product_id(mapped)(None, mapper)  # the RD account's GL mapping product id
    tx = mapper.tx("10002")
    customer = mapper.customer(tx)
    people, items = names_needed(
        {"transactions": [tx], "customers": [customer]}, TransferSettings(**options), mapper.manage
    )
    # Both names the company may have in QBO (issue 13 matching order: plain, appended).
    assert people == {"Café Müller & Söhne", "Café Müller & Söhne (CAFEMULL52)"}
    assert items == expected
