"""Audit log (spec J8): admins read, filter, export and purge it; members get 403."""

from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/audit")

from cwqbo.web.audit import routes  # noqa: E402,F401
