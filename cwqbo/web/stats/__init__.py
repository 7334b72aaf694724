"""Sync Statistics (spec F1): actions by transaction type, then the actions of one type."""

from flask import Blueprint

bp = Blueprint("stats", __name__, url_prefix="/stats")

from cwqbo.web.stats import routes  # noqa: E402,F401
