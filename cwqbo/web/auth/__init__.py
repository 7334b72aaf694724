"""Sign-up, verification, log in/out, password reset, invitation acceptance."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from cwqbo.web.auth import routes, sessions  # noqa: E402,F401
