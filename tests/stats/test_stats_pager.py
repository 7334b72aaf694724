"""The listed actions' pager (templates/_pager.html): links keep the filters and swap in place."""

from __future__ import annotations

import re
from html import unescape

from stats_seed import seed

from cwqbo.web.stats import query


def test_stats_pager_links_keep_filters_anchor_and_htmx_swap(app, admin, monkeypatch):
    _, actions = seed(app)
    invoices = [a for a in actions if a.kind == "invoices"]
    monkeypatch.setattr(query, "PER_PAGE", 3)
    pages = -(-len(invoices) // 3)
    assert pages > 2
    html = admin.get("/stats?type=invoices&page=2").get_data(as_text=True)
    nav = re.search(
        r'<nav class="pager actions" aria-label="Pages of actions">(.*?)</nav>', html, re.S
    )
    assert nav is not None
    assert f"Page 2 of {pages}" in nav.group(1)
    found = re.findall(
        r'<a href="([^"]+)" hx-get="([^"]+)" hx-target="#stats-results" '
        r'hx-swap="outerHTML" hx-push-url="true">([^<]+)</a>',
        nav.group(1),
    )
    assert [unescape(text) for *_, text in found] == ["‹ Newer", "Older ›"]
    for (href, hx_get, _), page in zip(found, (1, 3), strict=True):
        href, hx_get = unescape(href), unescape(hx_get)
        assert href == f"{hx_get}#stats-actions"
        assert f"page={page}" in hx_get and "type=invoices" in hx_get
