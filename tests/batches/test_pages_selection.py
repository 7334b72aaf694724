"""Select Invoices against the real Manage sandbox: list, filter, pages, selection (spec D2)."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape
from pages_support import (
    HX,
    MARK_URL,
    SELECT_URL,
    batch_count,
    checked_ids,
    checked_radio,
    hidden,
    make_batch,
    row_ids,
    sample_invoices,
    selected_option,
    text,
)
from support import PASSWORD, QBO_CA_REALM, Browserish, connect_qbo

from cwqbo.sandbox.connectwise import Faults
from cwqbo.sandbox.connectwise.scale import scaled_dataset

ROWS_URL = SELECT_URL + "/rows"
SUMMARY_URL = SELECT_URL + "/summary"


def form(**values) -> dict:
    """A selection form as the page posts it (config 1, all locations, nothing picked)."""
    return {"mode": "transfer", "config_id": "1", "location_id": "", **values}


def test_lists_every_unposted_invoice_with_number_date_company_total(connected, manage):
    response = connected.get(SELECT_URL)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    invoices = sample_invoices(manage[1])
    assert len(invoices) == 60
    assert row_ids(html) == [str(r["id"]) for r in invoices]
    for record in invoices:
        row = html.split(f'<tr id="row-{record["id"]}"')[1].split("</tr>")[0]
        assert f"<td>{record['invoiceNumber']}" in row
        assert str(escape(record["company"]["name"])) in row
        assert "{:,.2f}".format(record["total"]) in row
        assert record["invoiceDate"][:10] in row
        assert record["currency"]["currencyCode"] in row
    assert "No invoices selected." in text(html)
    assert "60 unposted" in text(html)
    assert checked_ids(html) == []


def test_credit_memo_and_cad_invoices_show_as_manage_lists_them(connected, manage):
    html = connected.get(SELECT_URL).get_data(as_text=True)
    credit = next(r for r in sample_invoices(manage[1]) if r["invoiceType"] == "CreditMemo")
    row = html.split(f'<tr id="row-{credit["id"]}"')[1].split("</tr>")[0]
    assert "{:,.2f}".format(credit["total"]) in row
    assert "CAD" in html


def test_location_filter_lists_only_that_locations_invoices(connected, manage):
    invoices = sample_invoices(manage[1])
    denver = [str(r["id"]) for r in invoices if r["locationId"] == 2]
    assert 0 < len(denver) < len(invoices)

    response = connected.post(ROWS_URL, form(location_id="2"), headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert row_ids(html) == denver
    assert f"{len(denver)} unposted at Denver Branch" in text(html)

    page = connected.get(SELECT_URL + "?location_id=2").get_data(as_text=True)
    assert row_ids(page) == denver
    assert selected_option(page, "location_id") == "2"
    assert all(f">{name}</option>" in page for name in ("Tampa HQ", "Denver Branch"))


def test_rows_come_a_page_at_a_time(connected, manage):
    manage[1].reset(scaled_dataset(250))
    ids = [str(r["id"]) for r in sample_invoices(manage[1])]
    assert len(ids) == 250

    # Cold, the page reads only the first page and asks for the rest at once (HTMX).
    first = connected.get(SELECT_URL).get_data(as_text=True)
    assert row_ids(first) == ids[:100]
    assert "Loading the rest…" in first and "100 of 250 shown" in first
    assert f'hx-post="{ROWS_URL}" hx-trigger="load"' in first
    assert "250 unposted" in text(first)

    rest = connected.post(ROWS_URL, form(shown=ids[:100]), headers=HX).get_data(as_text=True)
    assert row_ids(rest) == ids[:100]
    assert "Load 100 more" in rest and "100 of 250 shown" in rest
    assert "Loading the rest" not in rest
    cached = connected.get(SELECT_URL).get_data(as_text=True)  # the whole list is cached now
    assert "Load 100 more" in cached and "Loading the rest" not in cached

    second = connected.post(SELECT_URL + "/more?page=2", form(), headers=HX)
    assert second.status_code == 200
    html = second.get_data(as_text=True)
    assert row_ids(html) == ids[100:200]
    assert "/batches/new/invoices/more?page=3" in html and "200 of 250 shown" in html

    last = connected.post(SELECT_URL + "/more?page=3", form(), headers=HX).get_data(as_text=True)
    assert row_ids(last) == ids[200:]
    assert "Load" not in last


def test_select_all_means_every_matching_row_except_the_unticked(connected, manage):
    ids = [str(r["id"]) for r in sample_invoices(manage[1])]

    response = connected.post(ROWS_URL, form(action="select_all"), headers=HX)
    html = response.get_data(as_text=True)
    assert hidden(html, "select_all") == ["1"]
    assert checked_ids(html) == ids
    assert "All 60 matching invoices are selected." in text(html)

    # Two boxes unticked: the server counts what the page shows minus those two.
    unticked = {ids[3], ids[7]}
    state = form(select_all="1", shown=ids, ids=[i for i in ids if i not in unticked])
    summary = connected.post(SUMMARY_URL, state, headers=HX).get_data(as_text=True)
    assert "58 of 60 invoices selected." in text(summary)

    # The ids are resolved at submit time: the confirmation lists exactly those 58.
    confirm = connected.post(MARK_URL, {**state, "mode": "mark_exported"})
    assert confirm.status_code == 200
    page = confirm.get_data(as_text=True)
    assert (
        "58 invoices will be marked batched in ConnectWise without being sent to QuickBooks. "
        "This cannot be undone except by unbatching each." in text(page)
    )
    assert sorted(hidden(page, "ids")) == sorted(i for i in ids if i not in unticked)

    cleared = connected.post(ROWS_URL, {**state, "action": "deselect_all"}, headers=HX)
    assert checked_ids(cleared.get_data(as_text=True)) == []
    assert "No invoices selected." in text(cleared.get_data(as_text=True))


def test_select_all_covers_rows_not_loaded_yet_and_follows_the_filter(connected, manage):
    manage[1].reset(scaled_dataset(250))
    invoices = sample_invoices(manage[1])
    html = connected.post(ROWS_URL, form(action="select_all"), headers=HX).get_data(as_text=True)
    assert "All 250 matching invoices are selected." in text(html)
    assert len(checked_ids(html)) == 100

    # An untick on page 1 survives a re-render (Refresh) as a carried "drop".
    first_page = row_ids(html)
    state = form(select_all="1", shown=first_page, ids=first_page[1:], refresh="1")
    again = connected.post(ROWS_URL, state, headers=HX).get_data(as_text=True)
    assert first_page[0] not in checked_ids(again)
    assert "249 of 250 invoices selected." in text(again)

    # With a location filter, select all means that location's rows only.
    tampa = [r for r in invoices if r["locationId"] == 1]
    state = form(select_all="1", location_id="1")
    summary = connected.post(SUMMARY_URL, state, headers=HX).get_data(as_text=True)
    assert f"All {len(tampa)} matching invoices are selected." in text(summary)


def test_hand_picked_rows_beyond_the_first_page_are_kept(connected, manage):
    manage[1].reset(scaled_dataset(250))
    ids = [str(r["id"]) for r in sample_invoices(manage[1])]
    picked = [ids[2], ids[150]]
    state = form(shown=ids[:200], ids=picked, refresh="1")
    html = connected.post(ROWS_URL, state, headers=HX).get_data(as_text=True)
    assert checked_ids(html) == [ids[2]]
    assert hidden(html, "keep") == [ids[150]]
    assert "2 of 250 invoices selected." in text(html)
    # When page 2 is loaded again, the kept row shows ticked.
    more = connected.post(SELECT_URL + "/more?page=2", form(ids=[ids[2]], keep=[ids[150]]))
    assert checked_ids(more.get_data(as_text=True)) == [ids[150]]


def test_changing_company_swaps_in_its_default_location_and_detail(app, connected, manage):
    from cwqbo.extensions import db
    from cwqbo.models import ConfigurationOptions, QBOConfiguration

    with app.app_context():
        db.session.add(QBOConfiguration(name="Canada"))
        db.session.commit()
    connect_qbo(connected, config_id=2, realm=QBO_CA_REALM)
    with app.app_context():
        one = ConfigurationOptions.for_config(db.session.get(QBOConfiguration, 1))
        one.set_ref("default_location", ("1", "Tampa HQ"))
        one.invoice_detail = "summary"
        two = ConfigurationOptions.for_config(db.session.get(QBOConfiguration, 2))
        two.set_ref("default_location", ("3", "Montréal Office"))
        two.invoice_detail = "detailed"
        db.session.commit()

    page = connected.get(SELECT_URL).get_data(as_text=True)
    assert selected_option(page, "config_id") == "1"
    assert selected_option(page, "location_id") == "1"
    assert checked_radio(page, "invoice_detail") == "summary"
    tampa = [str(r["id"]) for r in sample_invoices(manage[1]) if r["locationId"] == 1]
    assert row_ids(page) == tampa
    assert 'hx-get="/batches/new/invoices/options?mode=transfer"' in page

    fragment = connected.get(SELECT_URL + "/options?mode=transfer&config_id=2", headers=HX)
    assert fragment.status_code == 200
    html = fragment.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="selection-options"')
    assert selected_option(html, "location_id") == "3"
    assert checked_radio(html, "invoice_detail") == "detailed"
    # The swapped-in location picker reloads the rows for its location at once.
    assert 'hx-trigger="change, load"' in html
    assert "<html" not in html

    back = connected.get(SELECT_URL + "/options?mode=transfer&config_id=1", headers=HX)
    assert selected_option(back.get_data(as_text=True), "location_id") == "1"
    assert checked_radio(back.get_data(as_text=True), "invoice_detail") == "summary"


def test_a_claimed_invoice_shows_its_batch_and_is_refused(app, connected, manage):
    held = sample_invoices(manage[1])[4]
    identifier = make_batch(
        app,
        status="running",
        transactions=[{"manage_id": str(held["id"]), "number": held["invoiceNumber"]}],
    )
    html = connected.get(SELECT_URL).get_data(as_text=True)
    row = html.split(f'<tr id="row-{held["id"]}"')[1].split("</tr>")[0]
    assert f'In batch <a href="/batches/{identifier}">{identifier}</a>' in row
    assert 'name="ids"' not in row and "disabled" in row
    assert "1 in unfinished batches" in text(html)

    everything = connected.post(SUMMARY_URL, form(select_all="1"), headers=HX)
    assert "All 59 matching invoices are selected." in text(everything.get_data(as_text=True))

    before = batch_count(app)
    response = connected.post(SELECT_URL, form(ids=[str(held["id"])], shown=[str(held["id"])]))
    assert response.status_code == 422
    page = text(response.get_data(as_text=True))
    assert f"invoice {held['invoiceNumber']} (batch {identifier})" in page
    assert batch_count(app) == before


def test_submitting_nothing_keeps_the_page(app, connected, manage):
    response = connected.post(SELECT_URL, form(location_id="2"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Select at least one invoice." in html
    assert selected_option(html, "location_id") == "2"
    assert batch_count(app) == 0


def test_without_manage_the_page_says_how_to_connect(app, web, make_user, login):
    make_user("admin@example.com")
    login("admin@example.com")
    html = web.get(SELECT_URL).get_data(as_text=True)
    assert "ConnectWise Manage is not connected" in html
    assert 'href="/settings/connectwise"' in html

    make_user("member@example.com", role="member")
    member = Browserish(app.test_client())
    member.post("/auth/login", {"email": "member@example.com", "password": PASSWORD})
    page = member.get(SELECT_URL).get_data(as_text=True)
    assert "ConnectWise Manage is not connected" in page
    assert "Ask an admin (Admin) to set it up on Set Up ConnectWise" in page  # issue 17 hints


def test_without_a_connected_company_the_page_says_how_to_connect(admin, manage):
    html = admin.get(SELECT_URL).get_data(as_text=True)
    assert "No QuickBooks Online company is connected" in html
    assert 'href="/settings/quickbooks"' in html
    # Marking as exported sends nothing to QuickBooks, so it needs no connection.
    mark = admin.get(MARK_URL).get_data(as_text=True)
    assert "No QuickBooks Online company is connected" not in mark
    assert len(row_ids(mark)) == 60


def test_a_manage_error_is_a_clear_message_not_a_500(connected, manage):
    manage[2].configure(Faults(deny=["finance/accounting/unpostedinvoices"]))
    response = connected.get(SELECT_URL)
    assert response.status_code == 502
    html = text(response.get_data(as_text=True))
    assert "ConnectWise Manage could not list the transactions" in html
    assert "permission" in html.lower()

    fragment = connected.post(ROWS_URL, form(refresh="1"), headers=HX)
    assert fragment.status_code == 502
    assert "could not list the transactions" in fragment.get_data(as_text=True)


def test_refresh_reads_manage_again(app, connected, manage):
    first = row_ids(connected.get(SELECT_URL).get_data(as_text=True))
    manage[1].reset(scaled_dataset(70))
    cached = connected.post(ROWS_URL, form(), headers=HX).get_data(as_text=True)
    assert row_ids(cached) == first  # the two-minute copy
    fresh = connected.post(ROWS_URL, form(refresh="1"), headers=HX).get_data(as_text=True)
    assert len(row_ids(fresh)) == 70


@pytest.mark.parametrize("kind", ["nonsense", "inventories"])
def test_unknown_kinds_are_not_there(connected, kind):
    assert connected.get(f"/batches/new/{kind}").status_code == 404
    assert connected.get(f"/batches/mark-exported/{kind}").status_code == 404


def test_the_menu_has_run_new_batch_and_review(connected, manage):
    html = connected.get(SELECT_URL).get_data(as_text=True)
    assert '<span class="nav-group">Run New Batch</span>' in html
    current = (
        r'<a href="/batches/new/invoices" aria-current="page">(?:(?!</a>).)*'
        r"Create Invoice Batch</a>"
    )
    assert re.search(current, html, re.S)  # the link may carry its icon before the label
    assert 'href="/batches/review"' in html and "Review Existing Batch" in html


def test_mark_exported_uses_the_same_selection_without_invoice_detail(connected, manage):
    html = connected.get(MARK_URL).get_data(as_text=True)
    assert "Mark Invoices as Already Exported" in html
    assert 'name="invoice_detail"' not in html
    assert len(row_ids(html)) == 60
    assert ">Continue</button>" in html
