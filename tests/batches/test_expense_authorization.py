"""The authorization matrix for the expense routes: every batches route that takes a kind."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from cwqbo import create_app

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))
from test_authorization import (  # noqa: E402
    EXPECTATIONS,
    LOGGED_IN,
    allowed,
    client_as,
    matrix_users,
    sent_to_login,
)


@pytest.fixture
def matrix_app(app_config, redis_conn):
    return create_app({**app_config, "WTF_CSRF_ENABLED": False})


def test_every_expense_route_is_for_logged_in_users(matrix_app, make_user):
    from flask import url_for

    users = matrix_users(make_user)
    rules = [r for r in matrix_app.url_map.iter_rules() if "kind" in r.arguments]
    assert {r.endpoint for r in rules} >= {"batches.select", "batches.preview"}
    failures = []
    for rule in rules:
        who, _args = EXPECTATIONS[rule.endpoint]
        assert who == LOGGED_IN, rule.endpoint
        with matrix_app.test_request_context():
            url = url_for(rule.endpoint, kind="expenses")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for identity in ("anonymous", "member", "admin"):
                response = client_as(matrix_app, users, identity).open(url, method=method)
                ok = sent_to_login(response) if identity == "anonymous" else allowed(response)
                ok = ok and response.status_code != 404  # the expense pages exist
                if not ok:
                    failures.append(f"{method} {url} as {identity}: {response.status_code}")
    assert not failures, "\n".join(failures)
