"""Fixtures for the option tabs: the QBO sandbox as the Intuit app, an admin, connections."""

from __future__ import annotations

import pytest
from support import QBO_US_REALM, connect_qbo, qbo_settings


@pytest.fixture
def app_config(app_config, qbo_server):
    return {**app_config, **qbo_settings(qbo_server[0])}


@pytest.fixture
def connect(admin, manage):
    """Connect configuration 1 to a QBO sandbox realm (US unless told)."""

    def do(realm: str = QBO_US_REALM, config_id: int = 1):
        connect_qbo(admin, config_id=config_id, realm=realm)
        return admin

    return do


@pytest.fixture
def connected(connect):
    return connect()
