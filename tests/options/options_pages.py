"""Helpers of the option tab tests: tab URLs, HTMX saves, reading form state from HTML."""

from __future__ import annotations

import re

HX = {"HX-Request": "true", "HX-Target": "tab-panel"}


def tab_url(slug: str, config_id: int = 1) -> str:
    return f"/settings/quickbooks/{config_id}/{slug}"


def save(web, slug: str, data: dict, config_id: int = 1):
    """Post a tab's form the way HTMX does."""
    return web.post(tab_url(slug, config_id), data, headers=HX)


def selected(html: str, name: str) -> str | None:
    """Return the value of the selected option of select ``name`` (None when nothing is)."""
    match = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert match, f"no select {name}"
    option = re.search(r'<option value="([^"]*)" selected>', match.group(1))
    return option.group(1) if option else None


def checked(html: str, name: str, value: str = "y") -> bool:
    return re.search(rf'name="{name}" value="{value}" checked', html) is not None
