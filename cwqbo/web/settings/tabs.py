"""The tabs of a QBO configuration page: each a fragment, swapped with HTMX.

A tab registers a render function (and optionally a save function) here; the frame in
``quickbooks.py`` serves ``/settings/quickbooks/<id>/<slug>`` for every registered tab: the
fragment alone to HTMX, the whole page otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cwqbo.models import QBOConfiguration

Render = Callable[[QBOConfiguration], str]


@dataclass
class Tab:
    slug: str
    label: str
    order: int
    render: Render
    save: Callable[[QBOConfiguration], object] | None = None


TABS: dict[str, Tab] = {}


def tab(slug: str, label: str, order: int):
    """Register fn(config) -> HTML fragment as the tab ``slug``."""

    def register(fn: Render) -> Render:
        TABS[slug] = Tab(slug, label, order, fn, TABS[slug].save if slug in TABS else None)
        return fn

    return register


def tab_save(slug: str):
    """Register fn(config) -> response or fragment as the POST handler of tab ``slug``."""

    def register(fn):
        TABS[slug].save = fn
        return fn

    return register


def ordered_tabs() -> list[Tab]:
    return sorted(TABS.values(), key=lambda t: t.order)
