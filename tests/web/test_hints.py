"""Where: hints fit the reader: links to cwqbo screens the user may open, "ask an admin
(names) to fix it in …" for a member facing an admin-only screen, Manage/QBO screens as text."""

from __future__ import annotations

import pytest
from flask_login import login_user
from support import PASSWORD

from cwqbo.extensions import db
from cwqbo.models import QBOConfiguration, User
from cwqbo.transfer import problems as P
from cwqbo.web.hints import where_hint


@pytest.fixture
def people(app, make_user):
    make_user("zoe@example.com", name="Zoë Admin")
    make_user("ann@example.com", name="Ann Admin")
    make_user("gone@example.com", name="Gone Admin", active=False)
    make_user("mia@example.com", role="member", name="Mia Member")
    with app.app_context():
        config = QBOConfiguration(name="Acme US", is_default=True)
        db.session.add(config)
        db.session.commit()
        return config.id


def hint(app, email: str, where: str, config=None) -> str:
    with app.test_request_context("/"):
        login_user(db.session.scalar(db.select(User).where(User.email == email)))
        return str(where_hint(where, config))


def test_admin_gets_a_link_to_the_configurations_tab(app, people):
    html = hint(app, "ann@example.com", P.CWQBO_SALES, people)
    assert html == f'<a href="/settings/quickbooks/{people}/sales">{P.CWQBO_SALES}</a>'


def test_without_a_configuration_the_link_opens_the_list(app, people):
    html = hint(app, "ann@example.com", P.CWQBO_TAXES)
    assert html == f'<a href="/settings/quickbooks">{P.CWQBO_TAXES}</a>'


def test_member_is_told_to_ask_the_active_admins_by_name(app, people):
    html = hint(app, "mia@example.com", P.CWQBO_SALES, people)
    assert html == (
        "ask an admin (Ann Admin, Zoë Admin) to fix it in "
        "cwqbo › QuickBooks configuration › Sales tab"
    )
    assert "<a" not in html and "Gone Admin" not in html


def test_either_keeps_manage_text_and_links_what_a_member_may_open(app, people):
    where = P.either(P.CWQBO_BATCH, P.CWQBO_SALES, P.MANAGE_INVOICE)
    html = hint(app, "mia@example.com", where, people)
    assert html == (
        f'<a href="/batches/new/invoices">{P.CWQBO_BATCH}</a>, or '
        "ask an admin (Ann Admin, Zoë Admin) to fix it in "
        f"{P.CWQBO_SALES}, or {P.MANAGE_INVOICE}"
    )


def test_text_is_escaped(app, people):
    html = hint(app, "ann@example.com", 'QBO › <b>"O\'Brien & Sons"</b>')
    assert "<b>" not in html and "&lt;b&gt;" in html and "&amp;" in html


def test_the_member_really_gets_403_where_the_hint_would_have_linked(web, login, people):
    """The premise: the admin's link is a page a member cannot open."""
    login("mia@example.com", PASSWORD)
    refused = web.get(f"/settings/quickbooks/{people}/sales")
    assert refused.status_code == 403
    assert "Ask an admin (Ann Admin, Zoë Admin)." in refused.get_data(as_text=True)
    assert web.get("/batches/new/invoices").status_code == 200


def test_member_pages_name_the_admins_to_ask(web, login, people):
    login("mia@example.com", PASSWORD)
    dashboard = web.get("/").get_data(as_text=True)
    assert "Ask an admin (Ann Admin, Zoë Admin) to connect cwqbo to ConnectWise Manage" in dashboard
    select = web.get("/batches/new/invoices").get_data(as_text=True)
    assert "Ask an admin (Ann Admin, Zoë Admin) to set it up on Set Up ConnectWise." in select
    payments = web.get("/payments/run").get_data(as_text=True)
    assert "Ask an admin (Ann Admin, Zoë Admin) to connect one." in payments
    assert 'href="/settings/' not in dashboard + select + payments


def test_an_admin_is_not_told_to_ask_themselves(admin, people):
    dashboard = admin.get("/").get_data(as_text=True)
    assert "Connect cwqbo to ConnectWise Manage" in dashboard
    assert "(Ann Admin" not in dashboard


def test_screens_a_member_may_not_open_are_named_once(app, people):
    where = P.either("cwqbo › Set Up QuickBooks Online › Add New Company", P.CWQBO_CURRENCY)
    html = hint(app, "mia@example.com", P.either(where, P.QBO_CURRENCY), people)
    assert html == (
        "ask an admin (Ann Admin, Zoë Admin) to fix it in cwqbo › Set Up QuickBooks Online › "
        f"Add New Company, or {P.CWQBO_CURRENCY}, or {P.QBO_CURRENCY}"
    )


def test_a_member_is_not_asked_to_reconnect_a_lost_connection(app, web, login, people):
    with app.app_context():
        config = db.session.get(QBOConfiguration, people)
        config.status = QBOConfiguration.LOST
        db.session.commit()
        assert config.is_lost
    login("mia@example.com", PASSWORD)
    dashboard = web.get("/").get_data(as_text=True)
    assert "Please reconnect" not in dashboard
    assert "Ask an admin (Ann Admin, Zoë Admin) to reconnect it." in dashboard


def cwqbo_screens() -> set[str]:
    """Every cwqbo screen the domain names in a Where: (constants and literals)."""
    from cwqbo import modules
    from cwqbo.transfer import expenses, header, pairing

    named = {v for k, v in vars(P).items() if k.startswith("CWQBO_") and isinstance(v, str)}
    named |= {pairing.PAIRINGS_PAGE, expenses.EXPENSES_TAB, header.ADD_COMPANY, modules.WHERE}
    named.add("cwqbo › Mark as already exported")  # procurement/mapping.py
    return named


def test_every_cwqbo_screen_a_problem_names_becomes_a_link(app, people):
    from cwqbo.web.hints import screen_of

    with app.test_request_context("/"):
        unknown = sorted(name for name in cwqbo_screens() if screen_of(name) is None)
    assert not unknown, f"add these to cwqbo.web.hints.SCREENS: {unknown}"
    for name in sorted(cwqbo_screens()):
        assert hint(app, "ann@example.com", name, people).startswith('<a href="/'), name
