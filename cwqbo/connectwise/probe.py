"""Check a Manage connection for real and say, in Manage's words, what is wrong (spec B2).

Order: discover the API base (site reachable? company id known?), authenticate, then GET
each endpoint the product uses with ``pageSize=1``. A 403 is reported as the security-role
line an admin must change, worded like ``seeds/001`` (System > Security Roles).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from .client import ManageClient, ManageCredentials
from .credentials import credential_problems
from .errors import (
    ManageAuthError,
    ManageBadRequest,
    ManageConnectionError,
    ManageDiscoveryError,
    ManageError,
    ManagePermissionError,
    ManageUnknownCompany,
)
from .transport import RetryPolicy

# Endpoint the product reads -> (security-role area, level) from seeds/001. The one table.
ENDPOINT_ROLES: list[tuple[str, str, str]] = [
    ("/finance/accounting/unpostedinvoices", "Finance > Accounting Interface", "Inquire"),
    ("/finance/accounting/unpostedexpenses", "Finance > Accounting Interface", "Inquire"),
    ("/finance/accounting/unpostedprocurement", "Finance > Accounting Interface", "Inquire"),
    ("/finance/accounting/batches", "Finance > Accounting Interface", "Inquire"),
    ("/finance/invoices", "Finance > Invoicing", "Inquire"),
    ("/company/companies", "Companies > Company Maintenance", "Inquire"),
    ("/system/members", "System > Member Maintenance", "Inquire"),
    ("/system/locations", "System > Table Setup", "Inquire"),
    ("/finance/glAccounts", "System > Table Setup", "Inquire"),
    ("/finance/billingTerms", "System > Table Setup", "Inquire"),
    ("/finance/taxCodes", "System > Table Setup", "Inquire"),
    ("/procurement/types", "System > Table Setup", "Inquire"),
    ("/procurement/catalog", "Procurement > Product Catalog", "Inquire"),
    ("/procurement/purchaseorders", "Procurement > Purchase Orders", "Inquire"),
]

# Write levels the product needs but a read-only probe cannot test (seeds/001).
UNTESTED_ROLE_LINES = [
    "Finance > Accounting Interface: Add level must be All",
    "Finance > Accounting Interface: Delete level must be All",
    "Finance > Invoicing: Edit level must be All",
]


def role_line(area: str, level: str) -> str:
    """Return e.g. ``Finance > Accounting Interface: Inquire level must be All``."""
    return f"{area}: {level} level must be All"


def role_line_for(path: str) -> str | None:
    """Return the security-role line that grants GET on ``path``, if the product uses it."""
    for endpoint, area, level in ENDPOINT_ROLES:
        if path.rstrip("/") == endpoint:
            return role_line(area, level)
    return None


@dataclass
class ProbeResult:
    """What the connection check found; ``problems`` are plain sentences for the form."""

    ok: bool = False
    problems: list[str] = field(default_factory=list)
    api_base: str | None = None
    codebase: str | None = None
    company_name: str | None = None
    version: str | None = None
    checked: list[str] = field(default_factory=list)
    untested: list[str] = field(default_factory=lambda: list(UNTESTED_ROLE_LINES))


def check_connection(
    credentials: ManageCredentials,
    *,
    session_factory: Callable[[], requests.Session] | None = None,
    **client_kwargs: Any,
) -> ProbeResult:
    """Discover, authenticate and probe every endpoint; never raises for Manage failures."""
    client_kwargs.setdefault("timeout", (5.0, 20.0))
    client_kwargs.setdefault("retry", RetryPolicy(max_attempts=2, backoff_max=2.0))
    session = session_factory() if session_factory else None
    result = ProbeResult()
    unsendable = credential_problems(credentials)
    if unsendable:  # nothing is sent with them
        result.problems.extend(unsendable.values())
        return result
    try:
        client = ManageClient(credentials, session=session, **client_kwargs)
    except ManageDiscoveryError as exc:
        result.problems.append(f"The Site is not valid: {exc.message}.")
        return result
    with client:
        if not _discover(client, result) or not _authenticate(client, result):
            return result
        seen: set[str] = set()
        for endpoint, area, level in ENDPOINT_ROLES:
            problem = _probe(client, endpoint, area, level)
            result.checked.append(endpoint)
            if isinstance(problem, _Stop):
                result.problems.append(problem.text)
                return result
            if problem and problem not in seen:
                seen.add(problem)
                result.problems.append(problem)
    result.ok = not result.problems
    return result


class _Stop(str):
    @property
    def text(self) -> str:
        return str(self)


def _discover(client: ManageClient, result: ProbeResult) -> bool:
    host = client.host
    try:
        info = client.discover()
    except ManageUnknownCompany:
        result.problems.append(
            f'The Company ID "{client.credentials.company_id}" is not known at {host}. '
            "Use the company ID you type on the Manage login screen."
        )
        return False
    except ManageConnectionError as exc:
        result.problems.append(
            f"Could not reach {host} ({exc.message}). Check the Site: it is the address of "
            "your Manage server, e.g. na.myconnectwise.net."
        )
        return False
    except ManageError as exc:
        result.problems.append(
            f"{host} did not answer like a ConnectWise Manage site ({exc.message})."
        )
        return False
    result.api_base, result.codebase = info.api_base, info.codebase
    result.company_name = info.company_name
    return True


def _auth_problem(exc: ManageError) -> str:
    said = f" Manage said: {exc.message}." if exc.message else ""
    return (
        "ConnectWise Manage refused the API keys. Check the Company ID, Public Key, "
        f"Private Key and Client ID of the API member.{said}"
    )


def _authenticate(client: ManageClient, result: ProbeResult) -> bool:
    try:
        info = client.system_info()
    except ManageAuthError as exc:
        result.problems.append(_auth_problem(exc))
        return False
    except ManageConnectionError as exc:
        result.problems.append(f"Could not reach the Manage API at {client.host}: {exc.message}.")
        return False
    except ManageBadRequest as exc:
        if "clientid" not in f"{exc.message} {exc.code}".lower():
            return True  # as below: the endpoint probes tell what is wrong
        result.problems.append(
            f'ConnectWise Manage does not accept the Client ID "{client.credentials.client_id}": '
            "it is not registered. Register this integration at developer.connectwise.com "
            "(My Clients → new client) and type the GUID it gives you in Client ID."
        )
        return False
    except ManageError:
        # /system/info needs no special role on most tenants; the endpoint probes below
        # will still tell a key problem (401) from a permission problem (403).
        return True
    result.version = info.get("version")
    return True


def _probe(client: ManageClient, endpoint: str, area: str, level: str) -> str | None:
    try:
        client.get(endpoint, {"pageSize": 1})
    except ManagePermissionError:
        return role_line(area, level)
    except ManageAuthError as exc:
        return _Stop(_auth_problem(exc))
    except ManageConnectionError as exc:
        return _Stop(
            f"Lost the connection to {client.host} while checking {endpoint}: {exc.message}."
        )
    except ManageError as exc:
        return f"GET {endpoint} failed: {exc}"
    return None
