"""Every option round-trips through the pages: save, reload, same value (spec C7)."""

from __future__ import annotations

import re

import pytest
from options_pages import HX, checked, save, selected, tab_url

from cwqbo.extensions import db
from cwqbo.models import ConfigurationOptions, QBOConfiguration, TaxMapping

# US sandbox realm: accounts 9 Income:Services:Projects (Income), 24 Cost of Goods Sold,
# 27 Inventory Asset (Other Current Asset), 41 Checking / 42 Petty Cash (Bank), 43 Company
# Visa (Credit Card); tax codes 51 EXEMPT, 52 FL-HILLS, 53 CO-DENVER, 54 TX.
# Manage sandbox: locations 1 Tampa HQ, 2 Denver Branch; tax codes 1 EXEMPT … 4 TX.
CASES = {
    "sales": (
        {
            "sales_display_uom": "y",
            "invoice_detail": "detailed",
            "service_item_source": "work_role",
            "allow_epayments": "y",
            "allow_ipn": "y",
            "allow_ach": "y",
            "total_difference": "adjust",
            "adjustment_item": "2",
        },
        {
            "sales_display_uom": True,
            "invoice_detail": "detailed",
            "service_item_source": "work_role",
            "allow_epayments": True,
            "allow_ipn": True,
            "allow_online": False,
            "allow_credit_card": False,
            "allow_ach": True,
            "total_difference": "adjust",
            "adjustment_item_id": "2",
        },
    ),
    "purchases": (
        {"purchases_display_uom": "y", "bill_date_source": "vendor_invoice"},
        {"purchases_display_uom": True, "bill_date_source": "vendor_invoice"},
    ),
    "contacts": ({"append_account_name": "y"}, {"append_account_name": True}),
    "currency": ({"multi_currency": "y", "confirm": "y"}, {"multi_currency": True}),
    "categories": (
        {"use_classes": "y", "create_classes": "y", "use_locations": "y", "create_locations": "y"},
        {
            "use_classes": True,
            "create_classes": True,
            "use_locations": True,
            "create_locations": True,
        },
    ),
    "products": (
        {"income_account": "9", "cogs_account": "24", "asset_account": "27", "track_quantity": "y"},
        {
            "income_account_id": "9",
            "income_account_name": "Income:Services:Projects",
            "cogs_account_id": "24",
            "asset_account_id": "27",
            "asset_account_name": "Inventory Asset",
            "track_quantity": True,
            "products_as_services": False,
        },
    ),
    "expenses": (
        {
            "non_reimbursable_as_purchases": "y",
            "cash_account": "42",
            "check_account": "41",
            "credit_card_account": "43",
        },
        {
            "reimbursable_as_bills": False,
            "non_reimbursable_as_purchases": True,
            "cash_account_id": "42",
            "cash_account_name": "Petty Cash",
            "check_account_id": "41",
            "credit_card_account_id": "43",
            "credit_card_account_name": "Company Visa",
        },
    ),
}


def stored(app, config_id: int = 1) -> ConfigurationOptions:
    with app.app_context():
        options = db.session.get(ConfigurationOptions, config_id)
        db.session.expunge(options)
        return options


def assert_page_shows(html: str, data: dict) -> None:
    for name, value in data.items():
        if name == "confirm":
            continue
        if value == "y":
            assert checked(html, name), name
        elif re.search(rf'<select[^>]*name="{name}"', html):
            assert selected(html, name) == value, name
        else:
            assert checked(html, name, value), name


@pytest.mark.parametrize("slug", sorted(CASES))
def test_tab_round_trips(connected, app, slug):
    data, expected = CASES[slug]
    response = save(connected, slug, data)
    assert response.status_code == 200, response.get_data(True)
    assert f"{slug.title()} options saved." in response.get_data(True)

    options = stored(app)
    assert {k: getattr(options, k) for k in expected} == expected

    page = connected.get(tab_url(slug)).get_data(True)  # a direct load: the full page
    assert "<html" in page
    assert_page_shows(page, data)
    # Everything off again round-trips too (unchecked boxes are "off", not "unchanged").
    off = {k: v for k, v in data.items() if v != "y"}
    if slug == "sales":
        off["service_item_source"] = "gl_account"
    if slug == "expenses":
        off = {}
    assert save(connected, slug, off).status_code == 200
    page = connected.get(tab_url(slug), headers=HX).get_data(True)
    assert not any(checked(page, k) for k, v in data.items() if v == "y")


def test_company_round_trips_and_moves_the_default(connected, app):
    connected.post("/settings/quickbooks", {"name": "Canada"})  # configuration 2
    response = save(
        connected,
        "company",
        {"name": "Canada books", "is_default": "y", "default_location": "2"},
        config_id=2,
    )
    # The title and badges show these: HTMX is told to reload the page.
    assert response.status_code == 200 and response.headers["HX-Redirect"].endswith("/2/company")
    page = connected.get(tab_url("company", 2)).get_data(True)
    assert "Company options saved." in page
    assert 'name="name" value="Canada books"' in page
    assert checked(page, "is_default")
    assert selected(page, "default_location") == "2"
    with app.app_context():
        configs = {c.id: c for c in db.session.scalars(db.select(QBOConfiguration))}
        assert (configs[1].is_default, configs[2].is_default) == (False, True)
        assert configs[2].name == "Canada books"
    options = stored(app, 2)
    assert (options.default_location_id, options.default_location_name) == ("2", "Denver Branch")


def test_tax_mappings_round_trip_many_to_one(connected, app):
    data = {
        "manage_tax_code": ["2", "4", "1", ""],
        "qbo_tax_code": ["52", "52", "51", ""],  # the last row was added and left blank
        "exempt_tax_code": "51",
    }
    response = save(connected, "taxes", data)
    assert response.status_code == 200, response.get_data(True)
    with app.app_context():
        rows = TaxMapping.for_config(db.session.get(QBOConfiguration, 1))
        assert [(r.manage_tax_code_name, r.qbo_tax_code_name) for r in rows] == [
            ("FL-HILLS", "FL-HILLS"),
            ("TX", "FL-HILLS"),
            ("EXEMPT", "EXEMPT"),
        ]
    page = connected.get(tab_url("taxes")).get_data(True)
    assert selected(page, "exempt_tax_code") == "51"
    assert page.count('class="mapping-row') == 3
    # Saving again with one row removed keeps the rest (and may keep the same Manage codes).
    data = {"manage_tax_code": ["4", "1"], "qbo_tax_code": ["54", "51"], "exempt_tax_code": ""}
    assert save(connected, "taxes", data).status_code == 200
    with app.app_context():
        rows = TaxMapping.for_config(db.session.get(QBOConfiguration, 1))
        assert [(r.manage_tax_code_id, r.qbo_tax_code_id) for r in rows] == [
            ("4", "54"),
            ("1", "51"),
        ]
    assert stored(app).exempt_tax_code_id is None


def test_plain_form_post_redirects_with_a_flash(connected):
    response = connected.post(tab_url("contacts"), {"append_account_name": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/1/contacts")
    assert "Contacts options saved." in connected.get(response.headers["Location"]).get_data(True)


def test_deleting_a_configuration_deletes_its_options(connected, app):
    connected.post("/settings/quickbooks", {"name": "Spare"})  # configuration 2
    assert save(connected, "contacts", {"append_account_name": "y"}, config_id=2).status_code == 200
    with app.app_context():
        db.session.add(
            TaxMapping(
                config_id=2,
                manage_tax_code_id="2",
                manage_tax_code_name="FL-HILLS",
                qbo_tax_code_id="52",
                qbo_tax_code_name="FL-HILLS",
            )
        )
        db.session.commit()
    response = connected.post("/settings/quickbooks/2/delete", {"confirm": "y"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(ConfigurationOptions, 2) is None
        assert db.session.scalars(db.select(TaxMapping)).all() == []
