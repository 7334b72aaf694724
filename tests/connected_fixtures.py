"""Fixtures shared by the test packages that run real batches against both sandboxes.

A package's conftest imports them (``from connected_fixtures import app_config, connected,
run_jobs``) rather than writing them again; tests/conftest.py provides what they build on.
"""

from __future__ import annotations

import pytest
from support import QBO_US_REALM, connect_qbo, qbo_settings


@pytest.fixture
def app_config(app_config, qbo_server):
    # Retries wait milliseconds, not Intuit's minute, so fault tests stay quick.
    fast = {"QBO_THROTTLE_WAIT": 0, "API_RETRY_BACKOFF": 0.01}
    return {**app_config, **qbo_settings(qbo_server[0]), **fast}


@pytest.fixture
def connected(admin, manage):
    """Manage connected and configuration 1 connected to the US QBO realm; return the client."""
    connect_qbo(admin, config_id=1, realm=QBO_US_REALM)
    return admin


@pytest.fixture
def run_jobs(app):
    """Run every queued job to the end in a burst worker (forking, like production)."""
    from cwqbo.jobs.worker import run_worker

    def do():
        return run_worker(app, burst=True)

    return do
