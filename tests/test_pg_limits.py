"""What PostgreSQL refuses but SQLite takes, on both databases: a NUL character (what people
type gets a clear 400, what the APIs send is stored), ids past 32 bits (not found, never a
500); and a failed flush never breaks the 500 page."""

from __future__ import annotations

import pytest

NUL = "\x00"


@pytest.mark.parametrize(
    "method, url, data, named",
    [
        ("post", "/settings/quickbooks", {"name": f"Acme{NUL}"}, "“name”"),
        ("get", f"/batches/review?batch_id=INV-{NUL}", None, "“batch_id”"),
        ("get", f"/batches/INV-000001{NUL}", None, "The address"),
        ("post", "/account", {"name": f"Ada{NUL}"}, "“name”"),
    ],
    ids=["configuration-name", "review-search", "batch-address", "account-name"],
)
def test_a_nul_in_a_form_or_an_address_is_refused_naming_it(admin, app, method, url, data, named):
    from cwqbo.extensions import db
    from cwqbo.models import QBOConfiguration

    response = admin.get(url) if method == "get" else admin.post(url, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page
    assert "contains a NUL character" in page and named in page
    with app.app_context():
        names = db.session.scalars(db.select(QBOConfiguration.name)).all()
    assert not any(NUL in n for n in names)


def test_a_nul_in_a_log_in_form_is_refused_too(web, make_user):
    make_user("admin@example.com")
    response = web.post("/auth/login", {"email": f"admin{NUL}@example.com", "password": "x"})
    assert response.status_code == 400
    assert "contains a NUL character" in response.get_data(as_text=True)


def test_text_with_a_nul_from_the_apis_is_stored_and_looked_up_on_both(app, database_kind):
    """What Manage or QBO send (a company name, a fault) reaches batch rows and logs as is."""
    from cwqbo.batches.store import DatabaseStore
    from cwqbo.extensions import db
    from cwqbo.models import Batch, BatchAction, BatchLog

    with app.app_context():
        batch = Batch(kind="invoices")
        db.session.add(batch)
        db.session.commit()
        store = DatabaseStore(batch)
        store.log(f"Customer Acme{NUL} Ltd created")
        store.action("customers", f"acme{NUL} ltd", f"Customer Acme{NUL} Ltd", "succeeded")
        message = db.session.scalar(db.select(BatchLog.message))
        label = db.session.scalar(db.select(BatchAction.label))
        # A lookup by the value as the API sent it works on both.
        sent = f"Customer Acme{NUL} Ltd created"
        found = db.session.scalar(db.select(BatchLog).where(BatchLog.message == sent))
    shown = NUL if database_kind == "sqlite" else "\ufffd"
    assert message == f"Customer Acme{shown} Ltd created"
    assert label == f"Customer Acme{shown} Ltd"
    assert found is not None


@pytest.fixture
def broken_route(app):
    """A page whose flush fails (a NOT NULL column left empty), added before any request."""
    from cwqbo.extensions import db
    from cwqbo.models import User

    def broken():
        db.session.add(User(email=None, name="x", password_hash="x"))
        db.session.flush()

    app.add_url_rule("/_broken", "broken", broken)


def test_a_failed_flush_still_gets_the_500_page(broken_route, admin):
    response = admin.get("/_broken")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.get_data(as_text=True)


@pytest.mark.parametrize("number", ["3000000000", "99999999999999999999"], ids=["33-bit", "67-bit"])
def test_an_id_too_large_for_postgresql_is_not_found(admin, number):
    for method, url in [
        ("get", f"/settings/quickbooks/{number}"),
        ("post", f"/settings/quickbooks/{number}/rename"),
        ("post", f"/users/{number}/role"),
        ("get", f"/batches/INV-000001/transactions/{number}/unbatch"),
    ]:
        response = admin.get(url) if method == "get" else admin.post(url, {"role": "admin"})
        assert response.status_code == 404, (url, response.status_code)
    for query in [f"config_id={number}", f"page={number}", "date_to=9999-12-31"]:
        response = admin.get(f"/batches/review?{query}")
        assert response.status_code == 200, (query, response.status_code)
    response = admin.get(f"/batches/new/invoices?location_id={number}")
    assert response.status_code == 200, response.status_code


@pytest.mark.parametrize(
    "query",
    ["page=99999999999999999999", "date_to=9999-12-31", "date_from=9999-12-31&date_to=0001-01-01"],
)
@pytest.mark.parametrize("page", ["/batches/review", "/stats?type=invoices"])
def test_page_numbers_and_dates_at_the_limits_are_no_500(admin, page, query):
    response = admin.get(f"{page}{'&' if '?' in page else '?'}{query}")
    assert response.status_code in (200, 404), response.status_code
