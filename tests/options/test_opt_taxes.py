"""The Taxes tab's HTMX pieces and tax-exempt items, US versus non-US (spec C7)."""

from __future__ import annotations

import html as html_lib
import re

from options_pages import HX, save, tab_url
from support import QBO_CA_REALM

from cwqbo.extensions import db
from cwqbo.models import ConfigurationOptions


def item_ids(fragment: str) -> list[str]:
    return re.findall(r'<span class="item-id">([^<]+)</span>', fragment)


def test_exempt_items_hidden_for_a_us_company(connected):
    page = html_lib.unescape(connected.get(tab_url("taxes")).get_data(True))
    assert "Not used for this company: US QuickBooks Online (US)" in page
    assert 'id="exempt-search"' not in page
    # Submitted items are ignored for a US company: nothing to store, nothing to check.
    response = save(connected, "taxes", {"exempt_item": "743", "exempt_item_label": "SSD-1TB"})
    assert response.status_code == 200


def test_exempt_items_explained_before_connecting(admin):
    page = html_lib.unescape(admin.get(tab_url("taxes")).get_data(True))
    assert "Tax-exempt items are for non-US QuickBooks Online companies only." in page


def test_exempt_items_shown_searched_and_saved_for_a_non_us_company(connect, app):
    web = connect(QBO_CA_REALM)
    page = web.get(tab_url("taxes")).get_data(True)
    assert 'id="exempt-search"' in page and "Not used for this company" not in page

    search = "/settings/quickbooks/1/taxes/items"
    assert item_ids(web.get(search, query_string={"q": "m365"}).get_data(True)) == [
        "M365-BP",
        "M365-EXO",
    ]
    by_description = web.get(search, query_string={"q": "samsung"}).get_data(True)
    assert item_ids(by_description) == ["SSD-1TB"]
    assert "No active Manage product matches" in web.get(
        search, query_string={"q": "zz9"}
    ).get_data(True)
    assert item_ids(web.get(search, query_string={"q": "s"}).get_data(True)) == []  # too short

    # "Add" fetches a chip carrying the item as hidden inputs of the form.
    add = re.search(r'hx-get="([^"]+)"', by_description).group(1)
    chip = web.get(html_lib.unescape(add)).get_data(True)
    assert 'name="exempt_item" value="743"' in chip and "SSD-1TB" in chip

    data = {"exempt_item": ["743", "761", "743"], "exempt_item_label": ["SSD-1TB", "x", "SSD-1TB"]}
    response = save(web, "taxes", data)
    assert response.status_code == 200, response.get_data(True)
    with app.app_context():
        items = db.session.get(ConfigurationOptions, 1).tax_exempt_items
    assert items == [["743", "SSD-1TB"], ["761", "M365-EXO"]]  # names from Manage, deduplicated
    page = web.get(tab_url("taxes")).get_data(True)
    assert 'name="exempt_item" value="761"' in page


def test_exempt_item_gone_from_manage_is_refused(connect, app):
    web = connect(QBO_CA_REALM)
    response = save(
        web,
        "taxes",
        {"exempt_item": ["743", "99999"], "exempt_item_label": ["SSD-1TB", "OLD-PART"]},
    )
    assert response.status_code == 422
    assert "No longer in the Manage catalog: OLD-PART." in html_lib.unescape(
        response.get_data(True)
    )
    with app.app_context():
        options = db.session.get(ConfigurationOptions, 1)
        assert options is None or options.tax_exempt_items == []


def test_search_without_manage_says_so(admin):
    fragment = admin.get("/settings/quickbooks/1/taxes/items", query_string={"q": "ssd"})
    assert "ConnectWise Manage is not connected." in fragment.get_data(True)


def test_mapping_row_and_removal_fragments(connected):
    row = connected.get("/settings/quickbooks/1/taxes/mapping-row", headers=HX).get_data(True)
    assert row.strip().startswith('<tr class="mapping-row')
    assert '<option value="2">FL-HILLS</option>' in row  # Manage's codes
    assert '<option value="52">FL-HILLS</option>' in row  # QBO's codes
    assert "<html" not in row
    removed = connected.get("/settings/quickbooks/1/options/removed", headers=HX)
    assert removed.status_code == 200 and removed.get_data(True) == ""


def test_refresh_lists_shows_new_qbo_objects(connected, qbo_server):
    from support import QBO_US_REALM

    page = connected.get(tab_url("products")).get_data(True)
    assert "Income:Consulting" not in page and "loaded just now" in page
    state = qbo_server[1]
    with state.lock:
        state.companies[QBO_US_REALM].create(
            "Account", {"Name": "Consulting", "AccountType": "Income", "ParentRef": {"value": "3"}}
        )
    assert "Income:Consulting" not in connected.get(tab_url("products")).get_data(True)  # cached
    refreshed = connected.post(
        "/settings/quickbooks/1/lists/refresh",
        {"tab": "products"},
        headers=HX,
        follow_redirects=True,
    )
    assert refreshed.status_code == 200
    assert "Income:Consulting" in refreshed.get_data(True)
