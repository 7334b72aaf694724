"""Route guards: every view declares who may use it."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def admin_required(view):
    """Allow only logged-in admins; members get 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            from cwqbo.web.hints import ask_an_admin  # imports the models: not at import time

            abort(403, description=f"Only an admin can do that. Ask {ask_an_admin()}.")
        return view(*args, **kwargs)

    wrapped.admin_only = True  # read by cwqbo.web.hints: members are told to ask an admin
    return wrapped
