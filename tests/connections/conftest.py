"""Fixtures for connection health: the QBO sandbox is the Intuit app, time can be moved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
import time_machine


@pytest.fixture
def app_config(app_config, qbo_server):
    from support import qbo_settings

    return {**app_config, **qbo_settings(qbo_server[0]), "PUBLIC_URL": "https://cwqbo.example"}


@pytest.fixture
def clock():
    """Frozen time that a test moves forward: ``clock.at(days=10, hours=1)`` from its start.

    The app, the token manager and the QBO sandbox (same process) all see the moved time, so
    tokens really expire at Intuit's end too.
    """

    class Clock:
        start = datetime.now(UTC).replace(microsecond=0)

        def __init__(self):
            self.traveller = time_machine.travel(self.start, tick=False)
            self.frozen = self.traveller.start()

        def at(self, **delta) -> datetime:
            self.frozen.move_to(self.start + timedelta(**delta))
            return (self.start + timedelta(**delta)).replace(tzinfo=None)

    clock = Clock()
    yield clock
    clock.traveller.stop()


def refreshes(qbo_server) -> dict:
    """The sandbox's count of refreshes per realm, over HTTP."""
    state = requests.get(f"{qbo_server[0]}/_sandbox/state", timeout=5).json()
    return state["oauth"]["refreshes_by_realm"]
