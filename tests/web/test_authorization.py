"""Every route, as anonymous, member and admin, against a declared expectation.

A route added without an entry here fails the test, so nobody forgets to decide
who may use it.
"""

import pytest

from cwqbo import create_app

PUBLIC = "public"  # anyone, logged in or not
LOGGED_IN = "logged-in"  # members and admins; anonymous users are sent to log in
ADMIN = "admin"  # admins; members get 403; anonymous users are sent to log in

# endpoint -> (who, sample URL arguments)
EXPECTATIONS = {
    "static": (PUBLIC, {"filename": "css/cwqbo.css"}),
    "auth.signup": (PUBLIC, {}),
    "auth.verify": (PUBLIC, {"token": "not-a-token"}),
    "auth.login": (PUBLIC, {}),
    "auth.logout": (LOGGED_IN, {}),
    "auth.forgot": (PUBLIC, {}),
    "auth.reset": (PUBLIC, {"token": "not-a-token"}),
    "auth.accept": (PUBLIC, {"token": "not-a-token"}),
    "dashboard.index": (LOGGED_IN, {}),
    "dashboard.healthz": (PUBLIC, {}),
    "dashboard.system": (ADMIN, {}),
    "dashboard.run_housekeeping": (ADMIN, {}),
    "team.users": (ADMIN, {}),
    "team.change_role": (ADMIN, {"user_id": "TARGET"}),
    "team.deactivate": (ADMIN, {"user_id": "TARGET"}),
    "team.reactivate": (ADMIN, {"user_id": "TARGET"}),
    "team.withdraw": (ADMIN, {"invitation_id": 999}),
    "team.account": (LOGGED_IN, {}),
    "settings.connectwise": (ADMIN, {}),
    "settings.connectwise_check": (ADMIN, {}),
    "settings.quickbooks": (ADMIN, {}),
    "settings.qbo_config": (ADMIN, {"config_id": 1}),
    "settings.qbo_tab": (ADMIN, {"config_id": 1, "tab": "connection"}),
    "settings.qbo_rename": (ADMIN, {"config_id": 1}),
    "settings.qbo_make_default": (ADMIN, {"config_id": 1}),
    "settings.qbo_delete": (ADMIN, {"config_id": 1}),
    "settings.qbo_connect": (ADMIN, {"config_id": 1}),
    "settings.qbo_callback": (ADMIN, {}),
    "settings.qbo_check": (ADMIN, {"config_id": 1}),
    "settings.qbo_disconnect": (ADMIN, {"config_id": 1}),
    "settings.qbo_refresh_lists": (ADMIN, {"config_id": 1}),
    "settings.qbo_option_removed": (ADMIN, {"config_id": 1}),
    "settings.qbo_tax_mapping_row": (ADMIN, {"config_id": 1}),
    "settings.qbo_exempt_item_search": (ADMIN, {"config_id": 1}),
    "settings.qbo_exempt_item_chip": (ADMIN, {"config_id": 1, "item_id": 743}),
    "settings.pairing_search": (ADMIN, {"config_id": 1, "pairing_id": 999}),
    "settings.pairing_repair": (ADMIN, {"config_id": 1, "pairing_id": 999}),
    "settings.pairing_unpair": (ADMIN, {"config_id": 1, "pairing_id": 999}),
    # Members run and review batches, unbatch, retry and mark transactions exported.
    "batches.select": (LOGGED_IN, {"kind": "invoices"}),
    "batches.mark_exported": (LOGGED_IN, {"kind": "invoices"}),
    "batches.options": (LOGGED_IN, {"kind": "invoices"}),
    "batches.rows": (LOGGED_IN, {"kind": "invoices"}),
    "batches.more": (LOGGED_IN, {"kind": "invoices"}),
    "batches.summary": (LOGGED_IN, {"kind": "invoices"}),
    "batches.preview": (LOGGED_IN, {"kind": "invoices"}),
    "batches.review": (LOGGED_IN, {}),
    "batches.status": (LOGGED_IN, {"identifier": "INV-000001"}),
    "batches.progress": (LOGGED_IN, {"identifier": "INV-000001"}),
    "batches.section": (LOGGED_IN, {"identifier": "INV-000001", "key": "transactions"}),
    "batches.unbatch": (LOGGED_IN, {"identifier": "INV-000001", "tx_id": 1}),
    "batches.retry": (LOGGED_IN, {"identifier": "INV-000001"}),
    "batches.log_text": (LOGGED_IN, {"identifier": "INV-000001"}),
    "batches.log_json": (LOGGED_IN, {"identifier": "INV-000001"}),
    # Members use Sync Statistics and Contact Support (the Users page says so).
    "stats.index": (LOGGED_IN, {}),
    # Members run payment sync; only admins change its time of day.
    "payments.run": (LOGGED_IN, {}),
    "payments.start": (LOGGED_IN, {}),
    "payments.index": (LOGGED_IN, {}),
    "payments.set_time": (ADMIN, {"config_id": 1}),
    "support.index": (LOGGED_IN, {}),
    "support.batch_field": (LOGGED_IN, {}),
    "support.requests": (ADMIN, {}),
    # Members reconcile what was sent (read-only: both systems as they are now).
    "reconcile.index": (LOGGED_IN, {}),
    "audit.index": (ADMIN, {}),
    "audit.export": (ADMIN, {}),
    "audit.purge": (ADMIN, {}),
}


@pytest.fixture
def matrix_app(app_config, redis_conn):
    # Authorization is what is tested here; CSRF has its own tests.
    return create_app({**app_config, "WTF_CSRF_ENABLED": False})


def sent_to_login(response) -> bool:
    return response.status_code == 302 and "/auth/login?next=" in response.headers["Location"]


def allowed(response) -> bool:
    return response.status_code not in (401, 403, 500) and not sent_to_login(response)


def matrix_users(make_user) -> dict[str, int]:
    """The identities the matrices log in as, other than anonymous: {identity: user id}."""
    return {
        "admin": make_user("admin@example.com", role="admin"),
        "member": make_user("member@example.com", role="member"),
    }


def client_as(app, users: dict[str, int], identity: str):
    """A new test client with a fresh session of ``identity`` ("anonymous": none)."""
    client = app.test_client()
    if identity != "anonymous":
        # Read each time: logging out (one of the routes) ends every session of its user.
        from cwqbo.extensions import db
        from cwqbo.models import User

        with app.app_context():
            session_id = db.session.get(User, users[identity]).get_id()
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = session_id, True
    return client


def test_every_route_has_an_expectation(matrix_app):
    endpoints = {rule.endpoint for rule in matrix_app.url_map.iter_rules()}
    missing = sorted(endpoints - EXPECTATIONS.keys())
    assert not missing, f"declare who may use these routes in EXPECTATIONS: {missing}"
    stale = sorted(EXPECTATIONS.keys() - endpoints)
    assert not stale, f"EXPECTATIONS names routes that no longer exist: {stale}"


def test_authorization_matrix(matrix_app, make_user):
    from flask import url_for

    ids = matrix_users(make_user)
    target = make_user("target@example.com", role="member")

    failures = []
    for rule in matrix_app.url_map.iter_rules():
        who, args = EXPECTATIONS[rule.endpoint]
        args = {k: (target if v == "TARGET" else v) for k, v in args.items()}
        with matrix_app.test_request_context():
            url = url_for(rule.endpoint, **args)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for identity in ("anonymous", "member", "admin"):
                response = client_as(matrix_app, ids, identity).open(url, method=method)
                if who == PUBLIC:
                    ok = allowed(response)
                elif identity == "anonymous":
                    ok = sent_to_login(response)
                elif who == ADMIN and identity == "member":
                    ok = response.status_code == 403
                else:
                    ok = allowed(response)
                if not ok:
                    failures.append(f"{method} {url} as {identity}: {response.status_code} ({who})")
    assert not failures, "\n".join(failures)
