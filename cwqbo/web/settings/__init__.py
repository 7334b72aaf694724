"""Admin settings: the Manage connection and the QBO configurations."""

from flask import Blueprint

bp = Blueprint("settings", __name__, url_prefix="/settings")

from cwqbo.web.settings import connectwise, options, qbo_connection, quickbooks  # noqa: E402,F401
