"""Refused saves: each error beside its field, status 422, and nothing changed (spec C7)."""

from __future__ import annotations

import html as html_lib

import pytest
from options_pages import HX, save, tab_url
from support import QBO_US_REALM

from cwqbo.extensions import db
from cwqbo.models import ConfigurationOptions, QBOConfiguration, TaxMapping


def snapshot(app, config_id: int = 1) -> tuple[dict, list]:
    with app.app_context():
        options = db.session.get(ConfigurationOptions, config_id)
        columns = ConfigurationOptions.__table__.columns
        values = {c.key: getattr(options, c.key) for c in columns} if options else {}
        values.pop("updated_at", None)
        mappings = [
            (m.manage_tax_code_id, m.qbo_tax_code_id)
            for m in TaxMapping.for_config(db.session.get(QBOConfiguration, config_id))
        ]
        return values, mappings


def refused(response, *messages: str) -> str:
    text = html_lib.unescape(response.get_data(True))
    assert response.status_code == 422, text
    assert "Nothing was saved" in text or messages
    for message in messages:
        assert message in text, (message, text)
    return text


def test_duplicate_manage_tax_code_is_refused(connected, app):
    good = {"manage_tax_code": ["2"], "qbo_tax_code": ["52"], "exempt_tax_code": ""}
    assert save(connected, "taxes", good).status_code == 200
    before = snapshot(app)
    bad = {
        "manage_tax_code": ["3", "2", "3"],
        "qbo_tax_code": ["53", "52", "54"],
        "exempt_tax_code": "51",
    }
    page = refused(
        save(connected, "taxes", bad),
        "CO-DENVER is mapped already (row 1); each Manage tax code can be mapped once.",
    )
    assert page.count('class="mapping-row') == 3  # the rows as submitted, to fix in place
    assert snapshot(app) == before


def test_half_filled_mapping_row_is_refused(connected, app):
    before = snapshot(app)
    refused(
        save(connected, "taxes", {"manage_tax_code": ["2"], "qbo_tax_code": [""]}),
        "Choose a tax code.",
    )
    assert snapshot(app) == before


def test_account_of_the_wrong_type_is_refused(connected, app):
    before = snapshot(app)
    data = {"income_account": "41", "cogs_account": "27", "track_quantity": "y"}
    refused(
        save(connected, "products", data),
        "Checking is a Bank account; choose an Income or Other Income account.",
        "Inventory Asset is an Other Current Asset account; choose a Cost of Goods Sold account.",
        "Tracking quantity on hand needs an inventory asset account.",
    )
    assert snapshot(app) == before
    refused(
        save(
            connected,
            "expenses",
            {
                "non_reimbursable_as_purchases": "y",
                "cash_account": "43",
                "check_account": "41",
                "credit_card_account": "41",
            },
        ),
        "Company Visa is a Credit Card account; choose a Bank account.",
        "Checking is a Bank account; choose a Credit Card account.",
    )
    assert snapshot(app) == before


def vanish(qbo_server, entity: str, entity_id: str) -> None:
    """Make a QBO record inactive, as a user deleting it in QuickBooks Online does."""
    state = qbo_server[1]
    with state.lock:
        state.companies[QBO_US_REALM].rows[entity][entity_id]["Active"] = False


def test_reference_that_vanished_from_qbo(connected, app, qbo_server):
    data = {"income_account": "9"}
    assert save(connected, "products", data).status_code == 200
    connected.get(tab_url("products"))  # the lists are cached now
    vanish(qbo_server, "Account", "9")

    # The save checks fresh lists, not the cache.
    before = snapshot(app)
    refused(
        save(connected, "products", {**data, "products_as_services": "y"}),
        "Income:Services:Projects no longer exists in QuickBooks Online (or is inactive). "
        "Choose another account.",
    )
    assert snapshot(app) == before

    # After a refresh the tab itself shows the saved reference as an error.
    refresh = connected.post("/settings/quickbooks/1/lists/refresh", {"tab": "products"})
    assert refresh.status_code == 302
    page = html_lib.unescape(connected.get(tab_url("products")).get_data(True))
    assert "Saved earlier: Income:Services:Projects no longer exists in QuickBooks Online" in page
    assert "Income:Services:Projects (not available)</option>" in page


def test_vanished_tax_code_in_a_mapping_is_shown_and_refused(connected, app, qbo_server):
    assert (
        save(connected, "taxes", {"manage_tax_code": ["4"], "qbo_tax_code": ["54"]}).status_code
        == 200
    )
    vanish(qbo_server, "TaxCode", "54")
    connected.post("/settings/quickbooks/1/lists/refresh", {"tab": "taxes"})
    page = html_lib.unescape(connected.get(tab_url("taxes")).get_data(True))
    assert "Saved earlier: TX no longer exists in QuickBooks Online" in page
    refused(
        save(connected, "taxes", {"manage_tax_code": ["4"], "qbo_tax_code": ["54"]}),
        "TX no longer exists in QuickBooks Online",
    )
    assert snapshot(app)[1] == [("4", "54")]


@pytest.mark.parametrize(
    "slug, data, message",
    [
        (
            "sales",
            {"invoice_detail": "summary", "service_item_source": "work_type"},
            "Work role and work type service items need Detailed invoices",
        ),
        (
            "sales",
            {"invoice_detail": "summary", "service_item_source": "gl_account", "allow_ach": "y"},
            "Allow e-payments to offer IPN, online, credit card or ACH payments on invoices.",
        ),
        (
            "sales",
            {"invoice_detail": "weekly", "service_item_source": "gl_account"},
            "Choose one of: Summary, Detailed.",
        ),
        (
            "currency",
            {"multi_currency": "y"},
            "Tick this to confirm: QuickBooks Online cannot turn multi-currency off again",
        ),
        ("categories", {"create_classes": "y"}, "Creating classes needs Use classes too."),
        (
            "products",
            {
                "income_account": "9",
                "track_quantity": "y",
                "cogs_account": "24",
                "asset_account": "27",
                "products_as_services": "y",
            },
            "Service items have no quantity on hand: turn off one of the two.",
        ),
        ("products", {}, "Choose an account."),
        (
            "expenses",
            {"non_reimbursable_as_purchases": "y"},
            "Choose the account that pays credit card expenses.",
        ),
        ("company", {"name": "", "is_default": "y"}, "Give the name."),
        ("company", {"name": "Default"}, "One configuration is always the default"),
    ],
)
def test_rules_refuse_and_change_nothing(connected, app, slug, data, message):
    before = snapshot(app)
    refused(save(connected, slug, data), message)
    assert snapshot(app) == before


def test_company_name_must_be_unique(connected, app):
    connected.post("/settings/quickbooks", {"name": "Canada"})
    refused(
        save(connected, "company", {"name": "canada", "is_default": "y"}),
        "A configuration named canada already exists.",
    )
    with app.app_context():
        assert db.session.get(QBOConfiguration, 1).name == "Default"


def test_class_tracking_off_in_qbo_refuses_use_classes(connected, app):
    with app.app_context():
        db.session.get(QBOConfiguration, 1).class_tracking = False
        db.session.commit()
    page = refused(save(connected, "categories", {"use_classes": "y"}), "Track classes turned off")
    assert "Settings › Account and settings › Advanced › Categories" in page


def test_disconnected_configuration_stays_readable(connected, app):
    assert save(connected, "products", {"income_account": "9"}).status_code == 200
    connected.post("/settings/quickbooks/1/disconnect", {"confirm": "yes"})

    page = connected.get(tab_url("products"), headers=HX)
    assert page.status_code == 200
    text = html_lib.unescape(page.get_data(True))
    assert "Default is not connected to QuickBooks Online yet." in text
    assert '<option value="9" selected>Income:Services:Projects</option>' in text

    # A new choice from QBO's list cannot be checked: refused with the reconnect message.
    before = snapshot(app)
    refused(
        save(connected, "products", {"income_account": "10"}),
        "Default is not connected to QuickBooks Online yet.",
    )
    assert snapshot(app) == before
    # What needs no list still saves, and so does an unchanged saved choice.
    assert (
        save(
            connected, "sales", {"invoice_detail": "detailed", "service_item_source": "gl_account"}
        ).status_code
        == 200
    )
    ok = save(connected, "products", {"income_account": "9", "products_as_services": "y"})
    assert ok.status_code == 200
    assert snapshot(app)[0]["products_as_services"] is True


def test_lost_connection_names_the_reconnect_message(connected, app):
    from cwqbo.connections import mark_lost

    with app.app_context():
        mark_lost(db.session.get(QBOConfiguration, 1), "invalid_grant")
        db.session.commit()
    refused(
        save(connected, "taxes", {"manage_tax_code": ["2"], "qbo_tax_code": ["52"]}),
        "Your Default connection to QuickBooks Online has been lost. Please reconnect.",
    )
    assert snapshot(app)[1] == []
