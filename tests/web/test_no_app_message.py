"""Without an Intuit app, the Connection tab and Connect to QuickBooks name the README section
that says how to register one, exactly as README.md heads it."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
NAMED = re.compile(r"no Intuit app yet: .*?\(README, section “([^”]+)”\)", re.S)


def readme_headings() -> set[str]:
    text = README.read_text(encoding="utf-8")
    return {m.group(1).strip() for m in re.finditer(r"^#{1,6} +(.+?) *#*$", text, re.M)}


def named_sections(html: str) -> list[str]:
    found = NAMED.findall(unescape(re.sub(r"<[^>]+>", "", html)))
    assert found, "no README section named in the no-app message"
    return found


def test_the_readme_has_an_intuit_app_section():
    assert any("Intuit app" in heading for heading in readme_headings())


def test_connection_tab_and_connect_name_a_real_readme_heading(admin):
    response = admin.post("/settings/quickbooks", {"name": "Acme US"})
    assert response.status_code == 302
    tab = admin.get(response.headers["Location"])
    assert tab.status_code == 200
    assert named_sections(tab.get_data(as_text=True)) == ["Your Intuit app (QuickBooks Online)"]

    connect = response.headers["Location"].replace("/connection", "/connect")
    answer = admin.post(connect, {}, follow_redirects=True)
    assert answer.status_code == 200
    sections = named_sections(answer.get_data(as_text=True))  # the flash, then the tab
    assert len(sections) == 2 and set(sections) <= readme_headings()
