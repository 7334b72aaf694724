"""The connection check used by the settings page (spec B2)."""

from __future__ import annotations

import socket

from cwqbo.connectwise import ManageCredentials, RetryPolicy
from cwqbo.connectwise.probe import ENDPOINT_ROLES, check_connection, role_line_for
from cwqbo.sandbox.connectwise import Faults


def _check(creds, fake_sleep):
    return check_connection(creds, retry=RetryPolicy(max_attempts=2, sleep=fake_sleep))


def _with(creds, **changes):
    values = {**creds.__dict__, **changes}
    return ManageCredentials(**values)


def test_good_credentials_are_ok(cw_credentials, fake_sleep):
    result = _check(cw_credentials, fake_sleep)
    assert result.ok and result.problems == []
    assert result.codebase == "v2025_1/"
    assert result.api_base == f"{cw_credentials.site}/v2025_1/apis/3.0"
    assert result.checked == [e for e, _a, _l in ENDPOINT_ROLES]


def test_unreachable_site(fake_sleep):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    creds = ManageCredentials(f"http://127.0.0.1:{port}", "cwqbo", "p", "k", "c")
    result = _check(creds, fake_sleep)
    assert not result.ok
    assert result.problems[0].startswith(f"Could not reach 127.0.0.1:{port}")


def test_unknown_company_id(cw_credentials, fake_sleep):
    result = _check(_with(cw_credentials, company_id="nosuchco"), fake_sleep)
    assert not result.ok and len(result.problems) == 1
    assert 'The Company ID "nosuchco" is not known' in result.problems[0]


def test_wrong_keys(cw_credentials, fake_sleep):
    result = _check(_with(cw_credentials, private_key="wrong-key"), fake_sleep)
    assert not result.ok and len(result.problems) == 1
    assert result.problems[0].startswith("ConnectWise Manage refused the API keys")
    assert "wrong-key" not in result.problems[0]


def test_denied_endpoint_reports_the_security_role_line(cw_credentials, cw_sandbox, fake_sleep):
    _, _, faults = cw_sandbox
    faults.configure(
        Faults(
            deny=[
                "/finance/accounting/unpostedexpenses",
                "/finance/accounting/batches",
                "/procurement/catalog",
            ]
        )
    )
    result = _check(cw_credentials, fake_sleep)
    assert not result.ok
    assert result.problems == [
        "Finance > Accounting Interface: Inquire level must be All",
        "Procurement > Product Catalog: Inquire level must be All",
    ]


def test_role_table_lookup():
    assert (
        role_line_for("/system/members") == "System > Member Maintenance: Inquire level must be All"
    )
    assert role_line_for("/nope") is None
