"""Fixtures for the Manage client and sandbox tests."""

from __future__ import annotations

import pytest

from cwqbo.connectwise import ManageClient, ManageCredentials, RetryPolicy


class FakeSleep:
    """Stands in for time.sleep: records the waits, never waits."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def fake_sleep() -> FakeSleep:
    return FakeSleep()


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
