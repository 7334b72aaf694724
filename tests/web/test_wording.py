"""Wording rules checked mechanically on every rendered page of the navigation list, a
batch with failures (its page and its log) and the pages of a first install: no "(s)",
no doubled period, "Credit memo" not "CreditMemo", no "Default (default)", no nested
quotes. Plus the plural helper the pages use."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from pagelist import batch_with_failures, navigation_pages, public_pages
from support import PASSWORD, Browserish, connect_manage, connect_qbo, qbo_settings

from cwqbo.wording import entity_label, plural

RULES = [
    (
        re.compile(r"\w\(s\)"),
        'a count with "(s)": use the plural filter ("1 invoice", "10 invoices")',
    ),
    (re.compile(r"(?<!\.)\.\.(?!\.)"), "a doubled period"),
    (re.compile(r"\b(CreditMemo|SalesReceipt|JournalEntry|VendorCredit)\b"), "a QBO entity name"),
    (re.compile(r"\bDefault \(default\)", re.I), '"Default (default)"'),
    # An inner quotation closing with the outer one: Customer "O'Brien & Sons "IT"".
    (re.compile(r'\w""'), "nested quotes: use typographic quotes or none"),
]


class _Text(HTMLParser):
    """The text a reader sees (and the titles they hover), without scripts and styles."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("title", "aria-label", "placeholder") and value:
                self.parts.append(f" {value} ")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1
        elif tag in ("p", "li", "td", "th", "div", "h1", "h2", "h3", "option", "dd", "dt"):
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"[ \t\r\f\v]+", " ", "".join(parser.parts))


def broken_rules(name: str, text: str) -> list[str]:
    found = []
    for pattern, what in RULES:
        for match in pattern.finditer(text):
            start, end = max(0, match.start() - 50), match.end() + 30
            context = text[start:end].replace("\n", " ")
            found.append(f"{name}: {what}: …{context}…")
    return found


@pytest.mark.parametrize(
    ("count", "noun", "expected"),
    [
        (1, "invoice", "1 invoice"),
        (10, "invoice", "10 invoices"),
        (0, "invoice", "0 invoices"),
        (2, "journal entry", "2 journal entries"),
        (3, "batch", "3 batches"),
        (1200, "transaction", "1,200 transactions"),
    ],
)
def test_plural(count, noun, expected):
    assert plural(count, noun) == expected


def test_entity_label():
    assert entity_label("CreditMemo") == "Credit memo"
    assert entity_label("Invoice") == "Invoice"
    assert entity_label(None) == ""


def test_the_rules_catch_what_they_name():
    text = 'Manage said: failed.. 3 invoice(s); CreditMemo 10006; Default (default); "A "B""'
    assert len(broken_rules("sample", text)) == 5
    assert broken_rules("sample", "Wait… 3 invoices; Credit memo 10006; “A ‘B’”") == []


@pytest.fixture
def app_config(app_config, qbo_server):
    return {**app_config, **qbo_settings(qbo_server[0]), "API_RETRY_BACKOFF": 0.01}


def test_first_install_pages_follow_the_wording_rules(web):
    problems = []
    for path in ("/", "/auth/signup"):
        response = web.get(path, follow_redirects=True)
        assert response.status_code == 200, path
        problems += broken_rules(path, visible_text(response.get_data(True)))
    assert not problems, "\n".join(problems)


def test_every_page_follows_the_wording_rules(app, make_user, cw_sandbox):
    make_user("admin@example.com")
    connect_manage(app, cw_sandbox[0], cw_sandbox[1])
    anonymous = Browserish(app.test_client())
    problems = []
    for name, path in public_pages(app):
        response = anonymous.get(path)
        problems += broken_rules(name, visible_text(response.get_data(True)))
    admin = Browserish(app.test_client())
    admin.post("/auth/login", {"email": "admin@example.com", "password": PASSWORD})
    connect_qbo(admin)
    identifier, _ = batch_with_failures(app, cw_sandbox[1])
    pages = navigation_pages(app, batch=identifier)
    pages.append(("batch-log", f"/batches/{identifier}/log.txt"))
    for name, path in pages:
        response = admin.get(path)
        assert response.status_code == 200, (name, path, response.status_code)
        body = response.get_data(True)
        text = visible_text(body) if response.mimetype == "text/html" else body
        problems += broken_rules(name, text)
    assert not problems, "\n".join(problems)
    assert "Credit memo" in visible_text(admin.get(f"/batches/{identifier}").get_data(True))


def test_ago_says_how_long_ago_in_words():
    from datetime import UTC, datetime, timedelta

    from cwqbo.wording import ago

    now = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
    assert ago(now - timedelta(seconds=10), now) == "just now"
    assert ago(now - timedelta(seconds=60), now) == "1 minute ago"
    assert ago(now - timedelta(minutes=2, seconds=5), now) == "2 minutes ago"
    assert ago(now - timedelta(hours=3), now) == "3 hours ago"
    assert ago((now - timedelta(days=1)).replace(tzinfo=None), now) == "1 day ago"
    assert ago(now + timedelta(minutes=5), now) == "in 5 minutes"


def test_system_page_shows_times_ago_with_the_exact_time_on_hover(admin, app):
    from datetime import timedelta

    from cwqbo.extensions import db
    from cwqbo.models import TaskRun
    from cwqbo.models.user import utcnow

    started = utcnow() - timedelta(minutes=2, seconds=10)
    with app.app_context():
        db.session.add(
            TaskRun(name="housekeeping", status="completed", started_at=started, ended_at=started)
        )
        db.session.commit()
    html = admin.get("/system").get_data(True)
    exact = started.strftime("%Y-%m-%d %H:%M:%S UTC")
    assert f'title="{exact}">2 minutes ago</time>' in html


@pytest.mark.parametrize("kind", ["invoices", "expenses", "inventory"])
def test_the_preview_of_everything_unposted_follows_the_wording_rules(
    kind, app, make_user, cw_sandbox
):
    """The dry run names every customer, vendor and problem, O'Brien & Sons "IT" included."""
    make_user("admin@example.com")
    connect_manage(app, cw_sandbox[0], cw_sandbox[1])
    admin = Browserish(app.test_client())
    admin.post("/auth/login", {"email": "admin@example.com", "password": PASSWORD})
    connect_qbo(admin)
    url = f"/batches/new/{kind}"
    listing = admin.get(url).get_data(True)
    ids = list(dict.fromkeys(re.findall(r'name="ids" value="([^"]+)"', listing)))
    assert ids, f"nothing unposted listed on {url}"
    form = {"mode": "transfer", "config_id": "1", "location_id": "", "invoice_detail": "detailed"}
    response = admin.post(
        f"{url}/preview", {**form, "ids": ids, "shown": ids}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200, response.get_data(True)[:2000]
    text = visible_text(response.get_data(True))
    assert "Nothing was written." in text and "Fix:" in text
    if kind == "invoices":
        assert 'O\'Brien & Sons "IT"' in text
    problems = broken_rules(f"{kind} preview", text)
    assert not problems, "\n".join(problems)
