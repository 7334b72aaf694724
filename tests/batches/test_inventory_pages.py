"""Create Inventory Batch pages: navigation, the receipts list, submit, mark exported, review,
and who may use every batch route of the kind (the authorization matrix's rules)."""

from __future__ import annotations

import re

import pytest
import requests
from inventory_support import RECEIPTS, bills, manage_batches, set_products_tab, unposted
from pages_support import HX, text
from support import QBO_US_REALM

from cwqbo import create_app

SELECT_URL = "/batches/new/inventory"
MARK_URL = "/batches/mark-exported/inventory"


def picked(ids: list[str], **extra) -> dict:
    form = {"mode": "transfer", "config_id": "1", "location_id": "", "ids": ids, "shown": ids}
    return {**form, **extra}


def test_run_new_batch_offers_the_inventory_batch(connected, manage):
    html = connected.get("/").get_data(as_text=True)
    assert 'href="/batches/new/inventory"' in html and "Create Inventory Batch" in html
    assert 'href="/batches/mark-exported/inventory"' in html


def test_lists_the_unposted_receipts(connected, manage):
    response = connected.get(SELECT_URL)
    assert response.status_code == 200
    page = text(response.get_data(as_text=True))
    for po, vendor, invoice in (
        ("PO-000812", "TechDist Inc", "INV-81277"),
        ("PO-000817", "Amazon Business", "INV-81777"),
    ):
        assert po in page and vendor in page and invoice in page
    assert "Vendor invoice" in page and "Vendor" in page
    # Both parts of PO 813 are rows of their own.
    html = response.get_data(as_text=True)
    assert set(re.findall(r'name="ids" value="([^"]+)"', html)) == set(RECEIPTS)
    assert connected.get("/batches/new/products").status_code == 200  # the kind's own name


def test_submit_from_the_page_runs_the_batch(app, connected, manage, qbo_server, run_jobs):
    set_products_tab(app, qbo_server[0])
    response = connected.post(SELECT_URL, picked(["7001-purchase", "7002-purchase"]))
    assert response.status_code == 302, text(response.get_data(as_text=True))[:2000]
    match = re.fullmatch(r"/batches/(PRC-\d{6})", response.headers["Location"])
    assert match, response.headers["Location"]
    run_jobs()
    status = connected.get(response.headers["Location"]).get_data(as_text=True)
    assert "Bill INV-81277" in text(status)
    # The sections are collapsed to their counts; their rows load when opened (issue 17).
    section = connected.get(f"{response.headers['Location']}/sections/validation", headers=HX)
    assert "Item receipt PO-000812" in text(section.get_data(as_text=True))
    assert set(bills(qbo_server[0])) == {"INV-81277", "INV-81377"}
    review = connected.get("/batches/review?kind=products").get_data(as_text=True)
    assert match.group(1) in review
    assert match.group(1) not in connected.get("/batches/review?kind=invoices").get_data(
        as_text=True
    )


def test_mark_as_already_exported_sends_nothing(app, connected, manage, qbo_server, run_jobs):
    state = manage[1]
    page = connected.get(MARK_URL)
    assert page.status_code == 200
    form = picked(["7005-purchase"], mode="mark_exported")
    confirm = connected.post(MARK_URL, form)  # the confirmation step lists what is marked
    assert confirm.status_code == 200 and "PO-000815" in text(confirm.get_data(as_text=True))
    response = connected.post(MARK_URL, {**form, "step": "confirm"})
    assert response.status_code == 302, text(response.get_data(as_text=True))[:2000]
    run_jobs()
    assert "7005-purchase" not in unposted(state)
    assert len(manage_batches(state)) == 1
    url = f"{qbo_server[0]}/_sandbox/entities/{QBO_US_REALM}/Bill"
    assert requests.get(url, timeout=10).json() == []


# --- authorization: every batch route that takes a kind, for this kind --------------------


@pytest.fixture
def matrix_app(app_config, redis_conn):
    return create_app({**app_config, "WTF_CSRF_ENABLED": False})


def test_every_kind_route_for_inventory_is_for_logged_in_users(matrix_app, make_user):
    from flask import url_for

    from cwqbo.extensions import db
    from cwqbo.models import User

    member = make_user("member@example.com", role="member")
    rules = [r for r in matrix_app.url_map.iter_rules() if "kind" in r.arguments]
    assert {r.endpoint for r in rules} >= {"batches.select", "batches.mark_exported"}
    failures = []
    for rule in rules:
        for kind in ("inventory", "products"):
            with matrix_app.test_request_context():
                url = url_for(rule.endpoint, kind=kind)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                anonymous = matrix_app.test_client().open(url, method=method)
                if not (
                    anonymous.status_code == 302
                    and "/auth/login?next=" in anonymous.headers["Location"]
                ):
                    failures.append(f"{method} {url} anonymous: {anonymous.status_code}")
                client = matrix_app.test_client()
                with matrix_app.app_context():
                    user_id = db.session.get(User, member).get_id()
                with client.session_transaction() as session:
                    session["_user_id"], session["_fresh"] = user_id, True
                response = client.open(url, method=method)
                if response.status_code in (401, 403, 404, 500):
                    failures.append(f"{method} {url} member: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_preview_shows_the_bills_and_writes_nothing(app, connected, manage, qbo_server):
    from pages_support import HX

    set_products_tab(app, qbo_server[0])
    items_before = requests.get(
        f"{qbo_server[0]}/_sandbox/entities/{QBO_US_REALM}/Item", timeout=10
    ).json()
    response = connected.post(
        SELECT_URL + "/preview", picked(["7001-purchase", "7007-purchase"]), headers=HX
    )
    assert response.status_code == 200
    page = text(response.get_data(as_text=True))
    for shown in ("INV-81277", "INV-81777", "SSD-1TB", "Amazon Business", "Freight In"):
        assert shown in page, shown
    assert bills(qbo_server[0]) == {}
    items_after = requests.get(
        f"{qbo_server[0]}/_sandbox/entities/{QBO_US_REALM}/Item", timeout=10
    ).json()
    assert items_after == items_before, "a preview writes nothing"
    assert manage_batches(manage[1]) == {}


def test_preview_numbers_the_parts_of_one_po_as_the_batch_will(app, connected, manage, qbo_server):
    from pages_support import HX

    set_products_tab(app, qbo_server[0])
    response = connected.post(
        SELECT_URL + "/preview", picked(["7003-purchase", "7002-purchase"]), headers=HX
    )
    page = text(response.get_data(as_text=True))
    assert "INV-81377-2" in page and page.count("INV-81377") >= 2, page[:3000]
