"""Reconciliation (spec J5): sent transactions in Manage beside QBO, differences flagged."""

from flask import Blueprint

bp = Blueprint("reconcile", __name__, url_prefix="/reconcile")

from cwqbo.web.reconcile import routes  # noqa: E402,F401
