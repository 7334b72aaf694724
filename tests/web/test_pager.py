"""The shared Newer/Older pager (templates/_pager.html) on the audit log and support requests."""

from __future__ import annotations

import re
from html import unescape

from cwqbo import audit
from cwqbo.extensions import db
from cwqbo.models import SupportRequest
from cwqbo.web.audit.routes import PER_PAGE as AUDIT_PER_PAGE
from cwqbo.web.support.routes import PER_PAGE as SUPPORT_PER_PAGE


def links(html: str) -> dict[str, str]:
    nav = re.search(r'<nav class="pager actions" aria-label="Pages">(.*?)</nav>', html, re.S)
    assert nav is not None, "no pager on the page"
    found = re.findall(r'<a href="([^"]+)">([^<]+)</a>', nav.group(1))
    return {unescape(text): unescape(href) for href, text in found}


def test_audit_pager_keeps_the_filters_and_walks_both_ways(app, admin):
    with app.app_context():
        for n in range(AUDIT_PER_PAGE + 1):
            audit.record("settings_changed", f"pager target {n}")
    first = admin.get("/audit?action=settings_changed&q=pager")
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    assert "Page 1 of 2" in html
    older = links(html)
    assert list(older) == ["Older ›"]
    assert "page=2" in older["Older ›"] and "action=settings_changed" in older["Older ›"]
    assert "q=pager" in older["Older ›"]
    second = admin.get(older["Older ›"]).get_data(as_text=True)
    assert "Page 2 of 2" in second and list(links(second)) == ["‹ Newer"]
    assert "page=1" in links(second)["‹ Newer"]


def test_support_pager_only_with_a_second_page(app, admin):
    def add(count: int) -> None:
        with app.app_context():
            for n in range(count):
                db.session.add(SupportRequest(to="a@example.com", subject=f"s{n}", message="m"))
            db.session.commit()

    add(SUPPORT_PER_PAGE)
    html = admin.get("/support/requests").get_data(as_text=True)
    assert 'class="pager' not in html  # one page: no pager
    add(1)
    html = admin.get("/support/requests").get_data(as_text=True)
    assert "Page 1 of 2" in html
    older = links(html)["Older ›"]
    assert older.endswith("/support/requests?page=2")
    assert "Page 2 of 2" in admin.get(older).get_data(as_text=True)
