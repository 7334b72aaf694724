"""Contact Support (spec G1): a message to SUPPORT_EMAIL, optionally with a batch's log."""

from flask import Blueprint

bp = Blueprint("support", __name__, url_prefix="/support")

from cwqbo.web.support import routes  # noqa: E402,F401
