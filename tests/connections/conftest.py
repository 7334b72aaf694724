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
    """Time that a test moves forward: ``clock.at(days=10, hours=1)`` from its start.

    The app, the token manager and the QBO sandbox (same process) all see the moved time, so
    tokens really expire at Intuit's end too. It ticks on from each move (mail files in the
    outbox are named by the microsecond), so compare times with ``clock.near``.
    """

    class Clock:
        # The next whole minute: never before now (signed CSRF tokens refuse the future).
        start = (datetime.now(UTC) + timedelta(minutes=1)).replace(second=0, microsecond=0)

        def __init__(self):
            self.traveller = time_machine.travel(self.start, tick=True)
            self.frozen = self.traveller.start()

        def at(self, **delta) -> datetime:
            self.frozen.move_to(self.start + timedelta(**delta))
            return (self.start + timedelta(**delta)).replace(tzinfo=None)

        @staticmethod
        def near(value: datetime | None, expected: datetime) -> bool:
            return value is not None and abs(value - expected) < timedelta(seconds=30)

    clock = Clock()
    yield clock
    clock.traveller.stop()


def refreshes(qbo_server) -> dict:
    """The sandbox's count of refreshes per realm, over HTTP."""
    state = requests.get(f"{qbo_server[0]}/_sandbox/state", timeout=5).json()
    return state["oauth"]["refreshes_by_realm"]
