"""Credentials as typed on Set Up ConnectWise: what can be sent, and whether a Site changed."""

from __future__ import annotations

import re

from .client import ManageCredentials, split_site
from .errors import ManageDiscoveryError

COMPANY_ID_RULE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
KEY_RULE = re.compile(r"[\x21-\x7e]{1,100}")  # visible ASCII: what Manage's keys are made of
LABELS = {
    "company_id": "Company ID",
    "public_key": "Public Key",
    "private_key": "Private Key",
    "client_id": "Client ID",
}


def credential_problems(credentials: ManageCredentials) -> dict[str, str]:
    """Return {field: problem} for credentials that cannot be sent to Manage as they are.

    Checked before any request: a Company ID with ``/``, ``..`` or ``?`` would change the
    discovery URL, and text outside visible ASCII cannot go into the Basic auth and clientId
    headers (it used to raise deep inside requests).
    """
    problems: dict[str, str] = {}
    company = credentials.company_id
    if not COMPANY_ID_RULE.fullmatch(company) or ".." in company:
        problems["company_id"] = (
            'The Company ID can only hold letters, digits, "-", "_" and "." (no "/", "..", '
            '"?", spaces or accents): it is the company you type on the Manage login screen.'
        )
    for name in ("public_key", "private_key", "client_id"):
        if not KEY_RULE.fullmatch(getattr(credentials, name)):
            problems[name] = (
                f"The {LABELS[name]} can only hold the letters A-Z, digits and symbols, with "
                "no spaces, accents or other scripts: copy it again from "
                + ("developer.connectwise.com." if name == "client_id" else "Manage.")
            )
    return problems


def same_site(a: str, b: str) -> bool:
    """Say whether two typed Sites name the same scheme, host and port."""
    try:
        (scheme_a, host_a), (scheme_b, host_b) = split_site(a), split_site(b)
    except ManageDiscoveryError:
        return False
    return scheme_a == scheme_b and host_a.lower() == host_b.lower()
