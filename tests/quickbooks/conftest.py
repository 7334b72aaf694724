"""Fixtures for the QBO client tests: the sandbox served over real HTTP in a thread."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import requests

from cwqbo.quickbooks import IntuitOAuth, OAuthSettings, QBOClient
from cwqbo.sandbox.quickbooks import SandboxState, serve_in_thread

US_REALM = "9341453000000001"
CA_REALM = "9341453000000002"
CLIENT_ID, CLIENT_SECRET = "cwqbo-local", "cwqbo-local-secret"
REDIRECT = "http://127.0.0.1:9/callback"


@dataclass
class Sandbox:
    base_url: str
    server: Any
    state: SandboxState

    def settings(self) -> OAuthSettings:
        return OAuthSettings(CLIENT_ID, CLIENT_SECRET, REDIRECT, "local", self.base_url)

    def oauth(self) -> IntuitOAuth:
        return IntuitOAuth(self.settings())

    def client(self, realm: str = US_REALM, **kwargs: Any) -> QBOClient:
        """A client with a minted access token (no consent flow)."""
        token = self.state.add_token(realm)
        kwargs.setdefault("sleep", lambda s: None)
        return QBOClient(realm, f"{self.base_url}/v3", lambda: token, **kwargs)

    def sandbox_state(self) -> dict[str, Any]:
        return requests.get(f"{self.base_url}/_sandbox/state", timeout=5).json()


@pytest.fixture
def make_sandbox():
    """Start sandboxes with per-test knobs; all are shut down afterwards."""
    servers = []

    def start(**knobs: Any) -> Sandbox:
        base, server, state = serve_in_thread(**knobs)
        servers.append(server)
        return Sandbox(base, server, state)

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def qbo_sandbox(make_sandbox) -> Sandbox:
    return make_sandbox()


@pytest.fixture
def app_config(app_config, qbo_server):
    """Every app in this package uses the QBO sandbox as its Intuit app."""
    from support import qbo_settings

    return {**app_config, **qbo_settings(qbo_server[0])}
