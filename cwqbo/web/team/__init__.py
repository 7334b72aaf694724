"""Team management (admins) and each person's own account page."""

from flask import Blueprint

bp = Blueprint("team", __name__)

from cwqbo.web.team import routes  # noqa: E402,F401
