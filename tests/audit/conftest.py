"""Fixtures for the audit log: both sandboxes connected and a worker, as for batches."""

from __future__ import annotations

import pytest
from support import QBO_US_REALM, connect_qbo, qbo_settings


@pytest.fixture
def app_config(app_config, qbo_server):
    fast = {"QBO_THROTTLE_WAIT": 0, "API_RETRY_BACKOFF": 0.01}
    return {**app_config, **qbo_settings(qbo_server[0]), **fast}


@pytest.fixture
def connected(admin, manage):
    """Manage connected and configuration 1 connected to the US QBO realm; return the client."""
    connect_qbo(admin, config_id=1, realm=QBO_US_REALM)
    return admin


@pytest.fixture
def run_jobs(app):
    from cwqbo.jobs.worker import run_worker

    return lambda: run_worker(app, burst=True)
