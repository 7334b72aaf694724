"""Web layer: one blueprint package per screen area, plus shared guards and headers."""

from __future__ import annotations

from flask import Flask, current_app, request, url_for
from flask_login import current_user

from cwqbo.extensions import db, login_manager
from cwqbo.models import User

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def register_web(app: Flask) -> None:
    """Attach blueprints, guards, headers, error pages and template helpers."""
    from cwqbo.web import errors
    from cwqbo.web.auth import bp as auth_bp
    from cwqbo.web.dashboard import bp as dashboard_bp
    from cwqbo.web.settings import bp as settings_bp
    from cwqbo.web.team import bp as team_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(team_bp)
    app.register_blueprint(settings_bp)
    errors.register(app)

    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"

    app.after_request(_security_headers)
    app.context_processor(_navigation)


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or not user.is_verified:
        return None
    return user


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if current_app.config["CWQBO_ENV"] == "production":
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if current_user.is_authenticated:
        response.headers.setdefault("Cache-Control", "no-store")
    return response


# The side navigation of the seeds. Entries appear once their pages exist: later
# features add theirs here (endpoint, label, admin only).
NAVIGATION: list[dict] = [
    {"endpoint": "dashboard.index", "label": "Dashboard", "admin": False},
    {"endpoint": "settings.connectwise", "label": "Set Up ConnectWise", "admin": True},
    {"endpoint": "settings.quickbooks", "label": "Set Up QuickBooks Online", "admin": True},
    {"endpoint": "team.users", "label": "Users", "admin": True},
    {"endpoint": "dashboard.system", "label": "System", "admin": True},
    {"endpoint": "team.account", "label": "Account", "admin": False},
]


def _is_active(endpoint: str) -> bool:
    """Say whether a navigation entry holds the current page (a configuration's pages
    belong to Set Up QuickBooks Online)."""
    current = request.endpoint or ""
    return current == endpoint or (
        endpoint == "settings.quickbooks" and current.startswith("settings.qbo")
    )


def _navigation():
    items = []
    if current_user.is_authenticated:
        for entry in NAVIGATION:
            if entry["admin"] and not current_user.is_admin:
                continue
            if entry["endpoint"] not in current_app.view_functions:
                continue
            items.append(
                {
                    "label": entry["label"],
                    "url": url_for(entry["endpoint"]),
                    "active": _is_active(entry["endpoint"]),
                    "children": entry.get("children", []),
                }
            )
    return {"nav_items": items}
