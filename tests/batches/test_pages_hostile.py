"""One malformed Manage row never breaks a page (issue 11 §3).

Hostile rows are written into the Manage sandbox's state (or, for rows the sandbox cannot
hold, injected by a proxy in front of it) and the pages are driven over the test client:
every page renders, the bad row is shown unreadable with the field named and cannot be
selected or submitted, and the other rows work as before.
"""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from markupsafe import escape
from pages_support import (
    HX,
    MARK_URL,
    SELECT_URL,
    batch_count,
    checked_ids,
    make_batch,
    row_ids,
    sample_invoices,
    selected_option,
    text,
)

from cwqbo.sandbox.connectwise.scale import scaled_dataset

ROWS_URL = SELECT_URL + "/rows"
SUMMARY_URL = SELECT_URL + "/summary"
PREVIEW_URL = SELECT_URL + "/preview"
MISSING = object()
LONG_NAME = "Contoso " * 625  # 5,000 characters

HOSTILE = [
    ("total", "abc", 'total is "abc", not a number'),
    ("total", None, "total is missing"),
    ("total", MISSING, "total is missing"),
    ("total", True, "total is true, not a number"),
    ("total", float("nan"), "total is NaN, not a number"),
    ("total", 1e15, "total is 1000000000000000.0, more than 999,999,999,999.99"),
    ("currency", "USD", 'currency is "USD", not an object'),
    ("company", "Contoso Ltd", 'company is "Contoso Ltd", not an object'),
    ("company", None, "company is missing"),
    ("company", {"id": 250, "name": LONG_NAME}, "company name is 5,000 characters long"),
    ("invoiceDate", "not a date", 'invoiceDate is "not a date", not a date'),
    ("invoiceDate", 20250501, "invoiceDate is 20250501, not a date"),
    ("invoiceNumber", None, "invoiceNumber is missing"),
    ("invoiceNumber", "9" * 100, "invoiceNumber is 100 characters long; at most 64 fit"),
    ("locationId", "x", 'locationId is "x", not a whole number'),
    ("location", ["Tampa"], 'location is ["Tampa"], not an object'),
    ("billingLogId", "abc", 'billingLogId is "abc", not a whole number'),
]


def words(html: str) -> str:
    """Return the visible text of HTML, entities decoded."""
    return unescape(text(html))


def form(**values) -> dict:
    return {"mode": "transfer", "config_id": "1", "location_id": "", **values}


def spoil(state, row_id: int, **fields) -> None:
    """Overwrite (or with MISSING, drop) fields of one unposted record in the sandbox."""
    with state.lock:
        record = state.docs["invoices"][row_id]["record"]
        for name, value in fields.items():
            if value is MISSING:
                record.pop(name, None)
            else:
                record[name] = value


def row_html(html: str, row_id: object) -> str:
    return html.split(f'<tr id="row-{row_id}"')[1].split("</tr>")[0]


def assert_unreadable(html: str, row_id: object, message: str) -> None:
    """The row is shown, marked unreadable with the field named, and has no live checkbox."""
    row = row_html(html, row_id)
    assert 'class="unposted-row unreadable"' in f'<tr id="row-{row_id}"' + row
    assert 'name="ids"' not in row and 'name="shown"' not in row
    assert "disabled" in row
    assert str(escape(message)) in row
    assert "fix the invoice in ConnectWise Manage" in text(row)


@pytest.mark.parametrize(("field", "value", "message"), HOSTILE, ids=[h[2][:40] for h in HOSTILE])
def test_a_hostile_row_is_shown_unreadable_and_the_rest_stay_selectable(
    connected, manage, field, value, message
):
    invoices = sample_invoices(manage[1])
    bad = invoices[2]["id"]
    spoil(manage[1], bad, **{field: value})

    response = connected.get(SELECT_URL)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert row_ids(html) == [str(r["id"]) for r in invoices]
    assert_unreadable(html, bad, message)
    good = [str(r["id"]) for r in invoices if r["id"] != bad]
    assert re.findall(r'name="ids" value="(\d+)"', html) == good
    assert "1 unreadable" in text(html)
    assert LONG_NAME not in html  # a huge value is shown shortened

    everything = connected.post(ROWS_URL, form(action="select_all"), headers=HX)
    assert everything.status_code == 200
    assert checked_ids(everything.get_data(as_text=True)) == good
    assert "All 59 matching invoices are selected." in text(everything.get_data(as_text=True))


def test_html_in_a_name_is_escaped_and_the_row_stays_usable(connected, manage):
    invoices = sample_invoices(manage[1])
    name = '<script>alert("x")</script><b>Evil & Co</b>'
    spoil(manage[1], invoices[0]["id"], company={"id": 250, "name": name})
    html = connected.get(SELECT_URL).get_data(as_text=True)
    row = row_html(html, invoices[0]["id"])
    assert str(escape(name)) in row
    assert "<script>alert" not in html and "<b>Evil" not in html
    assert f'name="ids" value="{invoices[0]["id"]}"' in row


def test_every_fragment_renders_with_bad_rows(connected, manage):
    manage[1].reset(scaled_dataset(250))
    invoices = sample_invoices(manage[1])
    ids = [str(r["id"]) for r in invoices]
    on_first, on_second = invoices[5]["id"], invoices[150]["id"]
    spoil(manage[1], on_first, total="abc")
    spoil(manage[1], on_second, currency="USD", company=None)

    first = connected.get(SELECT_URL)
    assert first.status_code == 200
    assert_unreadable(first.get_data(as_text=True), on_first, 'total is "abc", not a number')

    more = connected.post(SELECT_URL + "/more?page=2", form(select_all="1"), headers=HX)
    assert more.status_code == 200
    html = more.get_data(as_text=True)
    assert row_ids(html) == ids[100:200]
    assert_unreadable(html, on_second, 'currency is "USD", not an object')
    assert "company is missing" in row_html(html, on_second)
    assert str(on_second) not in checked_ids(html) and len(checked_ids(html)) == 99

    summary = connected.post(SUMMARY_URL, form(select_all="1"), headers=HX)
    assert summary.status_code == 200
    assert "All 248 matching invoices are selected." in text(summary.get_data(as_text=True))
    assert "2 unreadable" in text(summary.get_data(as_text=True))

    picked = connected.post(SUMMARY_URL, form(ids=ids[:10], shown=ids[:100]), headers=HX)
    assert "9 of 248 invoices selected." in text(picked.get_data(as_text=True))

    refreshed = connected.post(ROWS_URL, form(refresh="1", action="deselect_all"), headers=HX)
    assert refreshed.status_code == 200
    assert checked_ids(refreshed.get_data(as_text=True)) == []


def test_hostile_locations_never_break_the_company_picker(connected, manage):
    with manage[1].lock:
        manage[1].data["locations"] += [
            {"id": "x", "name": "Broken id"},
            {"id": 9, "name": None},
            {"id": 10, "name": {"text": "object"}},
            {"id": 11, "name": "<i>Odd</i> " + "o" * 300},
        ]
    picker = connected.get(SELECT_URL + "/options?mode=transfer&config_id=1", headers=HX)
    assert picker.status_code == 200
    html = picker.get_data(as_text=True)
    assert ">Tampa HQ</option>" in html and ">Denver Branch</option>" in html
    assert re.search(r'value="9"\s*>Location 9</option>', html)
    assert re.search(r'value="10"\s*>Location 10</option>', html)
    assert "&lt;i&gt;Odd&lt;/i&gt;" in html and "<i>Odd" not in html
    assert "Broken id" not in html
    page = connected.get(SELECT_URL)
    assert page.status_code == 200
    assert selected_option(page.get_data(as_text=True), "location_id") == ""


def test_hostile_locations_and_tax_codes_never_break_the_configuration_tabs(connected, manage):
    with manage[1].lock:
        manage[1].data["locations"] += [{"id": 9, "name": None}, {"id": "", "name": "No id"}]
        manage[1].data["taxCodes"] += [{"id": 99}, {"id": 98, "identifier": ["x"]}, "garbage"]
    company = connected.get("/settings/quickbooks/1/company")
    assert company.status_code == 200
    html = company.get_data(as_text=True)
    assert "Location 9" in html and "Tampa HQ" in html and "No id" not in html
    taxes = connected.get("/settings/quickbooks/1/taxes")
    assert taxes.status_code == 200


def test_catalog_items_without_a_usable_id_never_break_the_exempt_item_search(connected, manage):
    with manage[1].lock:
        manage[1].data["catalogItems"] += [
            {"id": "x", "identifier": "BADX", "inactiveFlag": False},
            {"identifier": "BADY", "inactiveFlag": False},
            {"id": 4242, "identifier": None, "description": "BADZ <b>", "inactiveFlag": False},
        ]
    for text_, shown_ in (("BADX", False), ("BADY", False), ("BADZ", True)):
        response = connected.get(f"/settings/quickbooks/1/taxes/items?q={text_}", headers=HX)
        assert response.status_code == 200, text_
        html = response.get_data(as_text=True)
        assert ("/taxes/items/4242?label=Item" in html) is shown_, html
        assert "<b>" not in html


def test_a_bad_row_cannot_be_submitted_but_the_rest_can(app, connected, manage):
    invoices = sample_invoices(manage[1])
    bad = invoices[3]
    spoil(manage[1], bad["id"], total="abc")
    before = batch_count(app)

    # A hand-made form that ticks the bad row anyway is refused, naming the row and field.
    for url in (SELECT_URL, PREVIEW_URL, MARK_URL):
        values = form(ids=[str(bad["id"])], shown=[str(bad["id"])])
        if url == MARK_URL:
            values["mode"] = "mark_exported"
        response = connected.post(url, values)
        assert response.status_code == 422, url
        page = words(response.get_data(as_text=True))
        assert f'Invoice {bad["invoiceNumber"]} cannot be used: total is "abc", not a number' in (
            page
        ), url
        assert "Untick it, or fix the invoice in ConnectWise Manage" in page
    assert batch_count(app) == before

    # Marking as exported with select all confirms every readable row, not the bad one.
    confirm = connected.post(MARK_URL, {**form(select_all="1"), "mode": "mark_exported"})
    assert confirm.status_code == 200
    assert "59 invoices will be marked batched" in words(confirm.get_data(as_text=True))
    assert f'name="ids" value="{bad["id"]}"' not in confirm.get_data(as_text=True)

    # Select all submits every readable row and leaves the bad one out.
    response = connected.post(SELECT_URL, form(select_all="1"))
    assert response.status_code == 302, text(response.get_data(as_text=True))
    status = connected.get(response.headers["Location"])
    assert status.status_code == 200
    assert "59 invoices to transfer" in text(status.get_data(as_text=True))
    with app.app_context():
        from cwqbo.extensions import db
        from cwqbo.models import BatchTransaction

        held = set(db.session.scalars(db.select(BatchTransaction.manage_id)))
    assert str(bad["id"]) not in held and len(held) == 59

    # The pages that show batches keep rendering while the bad row is still in Manage.
    assert connected.get("/batches/review").status_code == 200
    again = connected.get(SELECT_URL)
    assert again.status_code == 200
    assert_unreadable(again.get_data(as_text=True), bad["id"], 'total is "abc", not a number')


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("currency", "USD", 'currency is "USD", not an object'),
        ("company", "Contoso Ltd", 'company is "Contoso Ltd", not an object'),
        ("total", "abc", 'total is "abc", not a number'),
    ],
)
def test_a_row_spoiled_after_it_was_listed_is_refused_at_create_batch(
    app, connected, manage, field, value, message
):
    invoices = sample_invoices(manage[1])
    target = invoices[1]
    page = connected.get(SELECT_URL)  # listed (and cached) while still readable
    assert f'name="ids" value="{target["id"]}"' in page.get_data(as_text=True)
    spoil(manage[1], target["id"], **{field: value})

    picked = [str(invoices[0]["id"]), str(target["id"])]
    response = connected.post(SELECT_URL, form(ids=picked, shown=picked))
    assert response.status_code == 422
    html = words(response.get_data(as_text=True))
    assert f"Invoice {target['invoiceNumber']} cannot be used: {message}" in html
    assert batch_count(app) == 0

    # Unticking it lets the other one through.
    response = connected.post(SELECT_URL, form(ids=picked[:1], shown=picked))
    assert response.status_code == 302
    assert batch_count(app) == 1


def test_preview_of_a_selection_next_to_bad_rows(connected, manage):
    invoices = sample_invoices(manage[1])
    spoil(manage[1], invoices[0]["id"], total="abc", company="Contoso Ltd")
    good = str(invoices[1]["id"])
    response = connected.post(PREVIEW_URL, form(ids=[good], shown=[good]), headers=HX)
    assert response.status_code == 200, text(response.get_data(as_text=True))
    assert f"Invoice {invoices[1]['invoiceNumber']}" in text(response.get_data(as_text=True))


def test_status_page_renders_a_batch_of_the_good_rows(app, connected, manage):
    invoices = sample_invoices(manage[1])
    spoil(manage[1], invoices[0]["id"], total="abc")
    identifier = make_batch(
        app,
        transactions=[{"manage_id": str(invoices[1]["id"]), "number": "10002"}],
    )
    assert connected.get(f"/batches/{identifier}").status_code == 200
    assert connected.get(SELECT_URL).status_code == 200


# --- rows the sandbox cannot hold: a proxy in front of it spoils the list -----------------


class SpoilList:
    """WSGI middleware: prepend hostile entries to the first page of unposted invoices."""

    def __init__(self, app, entries: list):
        self.app, self.entries = app, entries

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        query = environ.get("QUERY_STRING", "")
        if not path.endswith("finance/accounting/unpostedinvoices") or "page=2" in query:
            return self.app(environ, start_response)
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers

        body = b"".join(self.app(environ, capture))
        if captured["status"].startswith("200"):
            body = json.dumps(self.entries + json.loads(body)).encode()
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        start_response(captured["status"], [*headers, ("Content-Length", str(len(body)))])
        return [body]


@pytest.fixture
def spoiled_list(cw_server):
    server = cw_server[1]
    original = server.app.wsgi_app
    entries: list = []
    server.app.wsgi_app = SpoilList(original, entries)
    yield entries
    server.app.wsgi_app = original


def test_rows_that_are_not_objects_or_have_no_id_are_shown_unreadable(
    app, connected, manage, spoiled_list
):
    invoices = sample_invoices(manage[1])
    spoiled_list += ["garbage", None, [1, 2], {"invoiceNumber": "77777", "total": 5}]
    response = connected.get(SELECT_URL)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert row_ids(html) == [str(r["id"]) for r in invoices]
    bad = re.findall(r'<tr id="row-(unreadable-\d+)"', html)
    assert len(bad) == 4
    assert 'row is "garbage", not an object' in unescape(row_html(html, bad[0]))
    assert "row is null, not an object" in row_html(html, bad[1])
    assert "row is [1, 2], not an object" in row_html(html, bad[2])
    assert "id is missing" in row_html(html, bad[3]) and "77777" in row_html(html, bad[3])
    for key in bad:
        assert 'name="ids"' not in row_html(html, key)
    assert "4 unreadable" in text(html)

    everything = connected.post(SUMMARY_URL, form(select_all="1"), headers=HX)
    assert "All 60 matching invoices are selected." in text(everything.get_data(as_text=True))
    forged = connected.post(SELECT_URL, form(ids=bad, shown=bad))
    assert forged.status_code == 422
    assert batch_count(app) == 0


def test_a_cached_list_in_an_old_shape_is_read_again(app, connected, manage, redis_conn):
    from cwqbo.batches import unposted

    assert connected.get(SELECT_URL).status_code == 200
    with app.test_request_context():
        key = unposted._key("unposted", unposted._scope(), "invoices", "all")
    assert redis_conn.get(key)
    old = {"fetched_at": "2025-01-01T00:00:00", "rows": [{"manage_id": "1", "colour": "red"}]}
    redis_conn.set(key, json.dumps(old))
    response = connected.get(SELECT_URL)
    assert response.status_code == 200
    assert len(row_ids(response.get_data(as_text=True))) == 60
    redis_conn.set(key, b"{not json")
    assert connected.get(SELECT_URL).status_code == 200


# --- the parser itself, for every kind ---------------------------------------------------


def test_the_parser_reads_good_rows_of_every_kind_and_names_what_it_cannot():
    from cwqbo.batches.rows import parse_row

    invoice = parse_row(
        "invoices",
        {
            "id": 7,
            "billingLogId": 4107,
            "invoiceNumber": 10045,
            "invoiceDate": "2025-04-25T00:00:00Z",
            "company": {"id": 1, "name": "Contoso"},
            "total": "1299.50",
            "currency": {"currencyIdentifier": "CAD"},
        },
    )
    assert (invoice.manage_id, invoice.number, invoice.date) == ("7", "10045", "2025-04-25")
    assert (invoice.total, invoice.currency, invoice.record_id) == (1299.5, "CAD", "4107")
    assert invoice.readable

    expense = parse_row(
        "expenses",
        {"id": 55120, "dateExpense": "2025-05-02", "member": {"name": "Jane"}, "total": 42.5},
    )
    assert (expense.number, expense.party, expense.problems) == ("55120", "Jane", [])

    product = parse_row(
        "products",
        {
            "unpostedProductId": "7001-purchase",
            "purchaseOrder": {"id": "812", "name": "PO-000812"},
            "purchaseDate": "2025-05-01T00:00:00Z",
            "vendor": "TechDist",
            "total": 512.5,
        },
        position=4,
    )
    assert product.manage_id == "7001-purchase" and product.number == "PO-000812"
    assert product.problems == [
        'vendor is "TechDist", not an object',
        'purchaseOrder id is "812", not a whole number',
    ]
    long_key = parse_row("products", {"unpostedProductId": "p" * 65}, position=4)
    assert long_key.manage_id == "unreadable-4"
    assert long_key.problems[0].startswith('unpostedProductId is "ppp')
    assert long_key.refusal("item receipt").startswith(
        "One item receipt cannot be used: unpostedProductId is"
    )
