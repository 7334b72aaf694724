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
            abort(403, description="Only an admin can do that. Ask an admin of your team.")
        return view(*args, **kwargs)

    wrapped.admin_only = True  # read by cwqbo.web.hints: members are told to ask an admin
    return wrapped
