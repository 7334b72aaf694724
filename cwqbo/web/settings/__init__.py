"""Admin settings: the Manage connection and the QBO configurations."""

from flask import Blueprint

bp = Blueprint("settings", __name__, url_prefix="/settings")

from cwqbo.web.settings import (  # noqa: E402,F401
    connectwise,
    options,
    pairings,
    qbo_connection,
    quickbooks,
)
