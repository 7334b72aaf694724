"""Dashboard, health check and the admin System page."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)

from cwqbo.web.dashboard import routes  # noqa: E402,F401
