"""Fixtures for batches: both sandboxes connected, a logged-in admin, a worker to run jobs."""

from __future__ import annotations

import requests
from connected_fixtures import app_config, connected, run_jobs  # noqa: F401 (fixtures)
from support import QBO_US_REALM


def qbo_entities(qbo_base_url: str, entity: str, realm: str = QBO_US_REALM) -> list[dict]:
    """Return every record of an entity in the QBO sandbox (its JSON dump endpoint)."""
    response = requests.get(f"{qbo_base_url}/_sandbox/entities/{realm}/{entity}", timeout=10)
    response.raise_for_status()
    return response.json()
