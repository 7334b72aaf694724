"""Where a problem is fixed, told to the reader: a link to a cwqbo screen they may open, or
"ask an admin (names) to fix it in …" for a member facing an admin-only screen.

The transfer layer names screens as text (``cwqbo/transfer/problems.py``: MANAGE_*, QBO_*,
CWQBO_*, joined by ``either`` with ", or "); this module turns the cwqbo ones into links for
the current user. Manage and QBO screens stay text.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, url_for
from flask_login import current_user
from markupsafe import Markup, escape

from cwqbo.extensions import db
from cwqbo.models import QBOConfiguration, User
from cwqbo.models.user import Role
from cwqbo.transfer.problems import CWQBO

SEPARATOR = ", or "
MAX_NAMES = 3


@dataclass(frozen=True)
class Screen:
    """A cwqbo screen: its endpoint and URL arguments (``config`` filled in when known)."""

    endpoint: str
    args: tuple[tuple[str, str], ...] = ()
    per_config: bool = False


# cwqbo screens named outside the QuickBooks configuration tabs (those are found by label).
SCREENS: dict[str, Screen] = {
    "cwqbo › Create Invoice Batch › Invoice detail": Screen(
        "batches.select", (("kind", "invoices"),)
    ),
    # Named by item receipts only (transfer/procurement/mapping.py).
    "cwqbo › Mark as already exported": Screen("batches.mark_exported", (("kind", "inventory"),)),
    "cwqbo › System › Custom modules": Screen("dashboard.system"),
    "cwqbo › Set Up ConnectWise": Screen("settings.connectwise"),
    "cwqbo › Set Up QuickBooks Online": Screen("settings.quickbooks"),
    "cwqbo › Set Up QuickBooks Online › Add New Company": Screen("settings.quickbooks"),
    "cwqbo › Users": Screen("team.users"),
}


def _tab_screen(name: str) -> Screen | None:
    """The QuickBooks configuration tab named "… › Sales tab" (or "… › Pairings")."""
    from cwqbo.web.settings.tabs import TABS

    label = name.removeprefix(CWQBO).removesuffix(" tab").strip().casefold()
    for slug, tab in TABS.items():
        if tab.label.casefold() == label:
            return Screen("settings.qbo_tab", (("tab", slug),), per_config=True)
    return None


def screen_of(name: str) -> Screen | None:
    """Return the cwqbo screen a "Where:" part names, or None (Manage, QBO, unknown)."""
    name = name.strip()
    if name in SCREENS:
        return SCREENS[name]
    if name.startswith(CWQBO):
        return _tab_screen(name)
    return None


def admin_only(endpoint: str) -> bool:
    """Say whether the view answers 403 to members (guards.admin_required marks it)."""
    view = current_app.view_functions.get(endpoint)
    return bool(getattr(view, "admin_only", False))


def may_open(endpoint: str) -> bool:
    """Say whether the current user may open the page of ``endpoint``."""
    if not current_user.is_authenticated or endpoint not in current_app.view_functions:
        return False
    return current_user.is_admin or not admin_only(endpoint)


def admin_names() -> list[str]:
    """Return the active admins' names, alphabetically."""
    query = (
        db.select(User.name)
        .where(User.role == Role.ADMIN.value, User.deactivated_at.is_(None))
        .order_by(User.name)
    )
    return [name for name in db.session.scalars(query) if name and name.strip()]


def ask_an_admin() -> str:
    """Return "an admin (Ann, Bob)" with the real admins' names (at most three shown)."""
    names = admin_names()
    if not names:
        return "an admin"
    shown = ", ".join(names[:MAX_NAMES])
    if len(names) > MAX_NAMES:
        shown += f" and {len(names) - MAX_NAMES} more"
    return f"an admin ({shown})"


def to_do(action: str) -> str:
    """Say an admin's task to the reader: "Connect it …" to an admin, "Ask an admin (Ann, Bob)
    to connect it …" to a member (``action`` starts with its verb, in lower case)."""
    if current_user.is_authenticated and current_user.is_admin:
        return sentence(action)
    return f"Ask {ask_an_admin()} to {action}"


def sentence(text: str) -> str:
    """Return ``text`` with its first letter capitalised (the rest, names too, kept)."""
    return text[:1].upper() + text[1:]


def _config_id(config) -> int | None:
    if config is None:
        return None
    if isinstance(config, QBOConfiguration):
        return config.id
    try:
        return int(config)
    except (TypeError, ValueError):
        return None


def _url(screen: Screen, config) -> str | None:
    args = dict(screen.args)
    if screen.per_config:
        config_id = _config_id(config)
        if config_id is None:
            return url_for("settings.quickbooks")  # the list: the user picks the configuration
        args["config_id"] = config_id
    return url_for(screen.endpoint, **args)


def _part(name: str, config) -> Markup | None:
    """A link or the escaped text; None for a cwqbo screen the user may not open."""
    screen = screen_of(name)
    if screen is None or screen.endpoint not in current_app.view_functions:
        return Markup(escape(name))
    if may_open(screen.endpoint):
        return Markup('<a href="{}">{}</a>').format(_url(screen, config), name)
    return None


def where_hint(where: str | None, config=None) -> Markup:
    """``{{ where_hint(problem.where, batch.config_id) }}``: the "Where:" text with each cwqbo
    screen a link the current user may follow; the screens they may not open are named once,
    as "ask an admin (names) to fix it in A, or B", where the first of them stood."""
    if not where:
        return Markup("")
    names = str(where).split(SEPARATOR)
    parts = [_part(name, config) for name in names]
    closed = [name for name, part in zip(names, parts, strict=True) if part is None]
    if closed:
        ask = Markup("ask {} to fix it in {}").format(ask_an_admin(), SEPARATOR.join(closed))
        parts[parts.index(None)] = ask
    return Markup(SEPARATOR).join(part for part in parts if part is not None)


def register_hints(app: Flask) -> None:
    """Make ``where_hint`` and ``ask_an_admin`` Jinja globals."""
    app.add_template_global(where_hint, "where_hint")
    app.add_template_global(ask_an_admin, "ask_an_admin")
