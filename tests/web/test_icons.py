"""The icon sprite (issue 17): every icon a page of the navigation uses (``<use
href="…sprite.svg#i-name">``) and every sprite view the stylesheet uses (``url(…#v-tone)``,
the badges' icons) exists in the sprite, which is served as SVG beside its license."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pagelist import batch_with_failures, navigation_pages, public_pages
from support import PASSWORD, Browserish, connect_manage, connect_qbo, qbo_settings

STATIC = Path(__file__).resolve().parents[2] / "cwqbo" / "static"
SVG = "{http://www.w3.org/2000/svg}"
SPRITE_URL = "/static/icons/sprite.svg"
USE = re.compile(r'<use\s+href="([^"#]*)#([^"]+)"')


def sprite_ids() -> dict[str, set[str]]:
    """The ids of the sprite's symbols and views, parsed from the file."""
    root = ET.parse(STATIC / "icons" / "sprite.svg").getroot()
    return {kind: {el.get("id") for el in root.iter(f"{SVG}{kind}")} for kind in ("symbol", "view")}


def uses_in(html: str) -> list[tuple[str, str]]:
    return USE.findall(html)


def test_the_parser_finds_what_it_checks():
    html = '<svg class="icon"><use href="/static/icons/sprite.svg#i-inbox"></use></svg>'
    assert uses_in(html) == [(SPRITE_URL, "i-inbox")]
    ids = sprite_ids()
    assert "i-inbox" in ids["symbol"] and "i-nowhere" not in ids["symbol"]
    assert {"v-ok", "v-warn", "v-bad", "v-muted"} <= ids["view"]


def test_every_symbol_is_a_drawable_24px_icon():
    root = ET.parse(STATIC / "icons" / "sprite.svg").getroot()
    symbols = list(root.iter(f"{SVG}symbol"))
    assert len(symbols) >= 30
    for symbol in symbols:
        assert symbol.get("id").startswith("i-")
        assert symbol.get("viewBox") == "0 0 24 24", symbol.get("id")
        assert symbol.get("stroke") == "currentColor", symbol.get("id")
        assert len(symbol), f"{symbol.get('id')} draws nothing"
    license_text = (STATIC / "icons" / "LICENSE-lucide.txt").read_text()
    assert "ISC License" in license_text and "lucide-static 1." in license_text


def test_the_stylesheet_uses_only_views_the_sprite_has():
    css = (STATIC / "css" / "cwqbo.css").read_text()
    used = set(re.findall(r'url\("\.\./icons/sprite\.svg#([^"]+)"\)', css))
    assert {"v-ok", "v-warn", "v-bad", "v-muted"} <= used
    assert used <= sprite_ids()["view"]


def test_the_sprite_is_served_as_svg(web):
    response = web.get(SPRITE_URL)
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.fixture
def app_config(app_config, qbo_server):
    return {**app_config, **qbo_settings(qbo_server[0]), "API_RETRY_BACKOFF": 0.01}


def test_every_icon_on_every_page_is_in_the_sprite(app, make_user, cw_sandbox):
    make_user("admin@example.com")
    connect_manage(app, cw_sandbox[0], cw_sandbox[1])
    anonymous = Browserish(app.test_client())
    pages = {name: anonymous.get(path) for name, path in public_pages(app)}
    admin = Browserish(app.test_client())
    admin.post("/auth/login", {"email": "admin@example.com", "password": PASSWORD})
    connect_qbo(admin)
    identifier, _ = batch_with_failures(app, cw_sandbox[1])
    for name, path in navigation_pages(app, batch=identifier):
        pages[name] = admin.get(path)
    symbols = sprite_ids()["symbol"]
    problems, seen = [], set()
    for name, response in pages.items():
        assert response.status_code == 200, (name, response.status_code)
        for url, fragment in uses_in(response.get_data(True)):
            seen.add(fragment)
            if url != SPRITE_URL:
                problems.append(f"{name}: an icon from {url!r}, not the sprite")
            elif fragment not in symbols:
                problems.append(f"{name}: #{fragment} is not in the sprite")
    assert not problems, "\n".join(problems)
    # The navigation's icons are on every signed-in page, and more than a handful are used.
    assert "i-layout-dashboard" in seen and len(seen) >= 15, sorted(seen)
