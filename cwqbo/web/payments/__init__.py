"""Payment sync pages: Run Payment Sync (pick a configuration, OK) and the daily schedule."""

from flask import Blueprint

bp = Blueprint("payments", __name__, url_prefix="/payments")

from cwqbo.web.payments import routes  # noqa: E402,F401
