"""Web layer: one blueprint package per screen area, plus shared guards and headers."""

from __future__ import annotations

import re

from flask import Flask, current_app, g, request, url_for
from flask_login import current_user

from cwqbo.extensions import login_manager

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action {form_action}; frame-ancestors 'none'"
)
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")


def content_security_policy(form_action: tuple[str, ...] = ()) -> str:
    """Return the policy of every page; ``form_action`` adds origins forms may go to."""
    return CSP.format(form_action=" ".join(("'self'", *form_action)))


def allow_form_action(origin: str) -> None:
    """Let this response's page send a form to ``origin`` (form-action also governs where the
    form's answer redirects, so a same-origin form that redirects off-site needs this)."""
    if not _ORIGIN.fullmatch(origin):
        raise ValueError(f"not an origin for form-action: {origin!r}")
    g.csp_form_action = (*g.get("csp_form_action", ()), origin)


def register_web(app: Flask) -> None:
    """Attach blueprints, guards, headers, error pages and template helpers."""
    from cwqbo.web import errors
    from cwqbo.web.audit import bp as audit_bp
    from cwqbo.web.auth import bp as auth_bp
    from cwqbo.web.batches import bp as batches_bp
    from cwqbo.web.dashboard import bp as dashboard_bp
    from cwqbo.web.filters import register_filters
    from cwqbo.web.payments import bp as payments_bp
    from cwqbo.web.reconcile import bp as reconcile_bp
    from cwqbo.web.settings import bp as settings_bp
    from cwqbo.web.stats import bp as stats_bp
    from cwqbo.web.support import bp as support_bp
    from cwqbo.web.team import bp as team_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(team_bp)
    app.register_blueprint(settings_bp)
    app.register_blueprint(batches_bp)
    app.register_blueprint(payments_bp)
    app.register_blueprint(stats_bp)
    app.register_blueprint(support_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(reconcile_bp)
    errors.register(app)
    register_filters(app)

    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"

    app.after_request(_security_headers)
    app.context_processor(_navigation)


def _security_headers(response):
    response.headers.setdefault(
        "Content-Security-Policy", content_security_policy(g.get("csp_form_action", ()))
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if current_app.config["CWQBO_ENV"] == "production":
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if current_user.is_authenticated:
        response.headers.setdefault("Cache-Control", "no-store")
    return response


# The side navigation of the seeds. Entries appear once their pages exist: later
# features add theirs here (endpoint, label, admin only). An entry without an endpoint is
# a group heading; it shows when one of its children (endpoint, args, label) does.
NAVIGATION: list[dict] = [
    {"endpoint": "dashboard.index", "label": "Dashboard", "admin": False},
    {
        "label": "Run New Batch",
        "admin": False,
        "children": [
            {
                "endpoint": "batches.select",
                "args": {"kind": "invoices"},
                "label": "Create Invoice Batch",
            },
            {
                "endpoint": "batches.mark_exported",
                "args": {"kind": "invoices"},
                "label": "Mark Invoices as Exported",
            },
            {
                "endpoint": "batches.select",
                "args": {"kind": "expenses"},
                "label": "Create Expense Batch",
            },
            {
                "endpoint": "batches.mark_exported",
                "args": {"kind": "expenses"},
                "label": "Mark Expenses as Exported",
            },
            {
                "endpoint": "batches.select",
                "args": {"kind": "inventory"},
                "label": "Create Inventory Batch",
            },
            {
                "endpoint": "batches.mark_exported",
                "args": {"kind": "inventory"},
                "label": "Mark Item Receipts as Exported",
            },
            {"endpoint": "payments.run", "label": "Run Payment Sync"},
        ],
    },
    {"endpoint": "batches.review", "label": "Review Existing Batch", "admin": False},
    {"endpoint": "stats.index", "label": "Sync Statistics", "admin": False},
    {"endpoint": "reconcile.index", "label": "Reconciliation", "admin": False},
    {"endpoint": "support.index", "label": "Contact Support", "admin": False},
    {"endpoint": "settings.connectwise", "label": "Set Up ConnectWise", "admin": True},
    {"endpoint": "settings.quickbooks", "label": "Set Up QuickBooks Online", "admin": True},
    {"endpoint": "team.users", "label": "Users", "admin": True},
    {"endpoint": "audit.index", "label": "Audit log", "admin": True},
    {"endpoint": "dashboard.system", "label": "System", "admin": True},
    {"endpoint": "team.account", "label": "Account", "admin": False},
]

# Pages that belong to a navigation entry without being it.
_OWNED_BY = {
    "settings.quickbooks": ("settings.qbo",),
    "batches.review": ("batches.status", "batches.unbatch"),
    "support.index": ("support.requests",),
}


def _is_active(endpoint: str, args: dict | None = None) -> bool:
    """Say whether a navigation entry holds the current page (a configuration's pages
    belong to Set Up QuickBooks Online, a batch's to Review Existing Batch)."""
    current = request.endpoint or ""
    if args and any(str((request.view_args or {}).get(k)) != str(v) for k, v in args.items()):
        return False
    return current == endpoint or any(
        current.startswith(prefix) for prefix in _OWNED_BY.get(endpoint, ())
    )


def _link(entry: dict) -> dict | None:
    """Return a visible entry's label, URL and state, or None when it does not show."""
    if entry.get("admin") and not current_user.is_admin:
        return None
    endpoint = entry.get("endpoint")
    children = [c for c in map(_link, entry.get("children", [])) if c is not None]
    if endpoint is None:
        if not children:
            return None
        url, active = None, False
    elif endpoint not in current_app.view_functions:
        return None
    else:
        url = url_for(endpoint, **entry.get("args", {}))
        active = _is_active(endpoint, entry.get("args"))
    return {"label": entry["label"], "url": url, "active": active, "children": children}


def _navigation():
    items = []
    if current_user.is_authenticated:
        items = [item for item in map(_link, NAVIGATION) if item is not None]
    return {"nav_items": items}
