"""Fixtures for the Manage client and sandbox tests."""

from __future__ import annotations

import pytest

from cwqbo.connectwise import ManageClient, ManageCredentials, RetryPolicy
from cwqbo.sandbox.connectwise import sandbox_faults, serve_in_thread


class FakeSleep:
    """Stands in for time.sleep: records the waits, never waits."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def fake_sleep() -> FakeSleep:
    return FakeSleep()


@pytest.fixture(scope="session")
def cw_server():
    """One Manage sandbox on 127.0.0.1:<random> for the session."""
    base_url, server, state = serve_in_thread()
    yield base_url, server, state
    server.shutdown()


@pytest.fixture
def cw_sandbox(cw_server):
    """The sandbox, reset to the sample dataset and no faults for each test."""
    base_url, server, state = cw_server
    state.reset()
    faults = sandbox_faults(server)
    from cwqbo.sandbox.connectwise import Faults

    faults.configure(Faults())
    yield base_url, state, faults
    faults.configure(Faults())


@pytest.fixture
def cw_credentials(cw_sandbox) -> ManageCredentials:
    base_url, state, _ = cw_sandbox
    creds = state.credentials
    return ManageCredentials(
        site=base_url,
        company_id=creds["companyId"],
        public_key=creds["publicKey"],
        private_key=creds["privateKey"],
        client_id="0f9d1c5e-7a55-4a6e-9a3c-4b1b2d0c1e11",
    )


@pytest.fixture
def cw_client(cw_credentials, fake_sleep):
    client = ManageClient(
        cw_credentials,
        timeout=(2.0, 5.0),
        retry=RetryPolicy(max_attempts=4, sleep=fake_sleep),
    )
    yield client
    client.close()
