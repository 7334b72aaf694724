"""Helpers shared by the tests: the outbox, a CSRF-aware client, the test password."""

from __future__ import annotations

from pathlib import Path

PASSWORD = "correct horse battery staple"


class Outbox:
    """The .eml files the app wrote instead of sending mail."""

    def __init__(self, folder: Path):
        self.folder = folder

    def messages(self):
        from email import policy
        from email.parser import BytesParser

        if not self.folder.is_dir():
            return []
        parser = BytesParser(policy=policy.default)
        return [parser.parsebytes(p.read_bytes()) for p in sorted(self.folder.glob("*.eml"))]

    def last_to(self, address: str):
        found = [m for m in self.messages() if m["To"] == address]
        assert found, f"no mail to {address} in {self.folder}"
        return found[-1]

    def link_to(self, address: str, path_part: str) -> str:
        """Return the path of the first link in the last mail to address containing path_part."""
        import re

        body = self.last_to(address).get_body(preferencelist=("plain",)).get_content()
        for link in re.findall(r"https?://\S+", body):
            if path_part in link:
                return re.sub(r"^https?://[^/]+", "", link)
        raise AssertionError(f"no {path_part} link in mail to {address}: {body}")


def csrf_token_from(html: str) -> str:
    import re

    match = re.search(r'"X-CSRFToken": "([^"]+)"', html) or re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', html
    )
    assert match, "page has no CSRF token"
    return match.group(1)


class Browserish:
    """A test client that fills in the CSRF token the way the pages do."""

    def __init__(self, client):
        self.client = client
        self._token = None

    def get(self, url, **kw):
        response = self.client.get(url, **kw)
        if b"X-CSRFToken" in response.data:
            self._token = csrf_token_from(response.get_data(as_text=True))
        return response

    def post(self, url, data=None, **kw):
        if self._token is None:
            self.get("/auth/login", follow_redirects=True)
        data = dict(data or {})
        data.setdefault("csrf_token", self._token)
        return self.client.post(url, data=data, **kw)


QBO_CLIENT_ID, QBO_CLIENT_SECRET = "cwqbo-local", "cwqbo-local-secret"
QBO_US_REALM, QBO_CA_REALM = "9341453000000001", "9341453000000002"


def qbo_settings(sandbox_base_url: str) -> dict:
    """Config entries that make the QBO sandbox this install's Intuit app.

    A test package uses it by extending app_config in its conftest:
    ``def app_config(app_config, qbo_server): return {**app_config, **qbo_settings(qbo_server[0])}``
    """
    return {
        "QBO_ENVIRONMENT": "local",
        "QBO_LOCAL_BASE_URL": sandbox_base_url,
        "QBO_CLIENT_ID": QBO_CLIENT_ID,
        "QBO_CLIENT_SECRET": QBO_CLIENT_SECRET,
    }


def qbo_consent(authorize_url: str, realm: str = QBO_US_REALM, action: str = "authorize") -> str:
    """Act as the admin on the sandbox's Intuit consent page; return the callback path+query."""
    import re
    from urllib.parse import urlsplit

    import requests

    page = requests.get(authorize_url, timeout=10)
    assert page.status_code == 200, page.text
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.text))
    answer = requests.post(
        authorize_url.split("?")[0],
        data={**fields, "realm": realm, "action": action},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text
    parts = urlsplit(answer.headers["Location"])
    return f"{parts.path}?{parts.query}"


def connect_qbo(web, config_id: int = 1, realm: str = QBO_US_REALM):
    """Connect a configuration through the real pages and the sandbox's consent screen."""
    start = web.post(f"/settings/quickbooks/{config_id}/connect")
    assert start.status_code == 302, start.get_data(True)
    response = web.get(qbo_consent(start.headers["Location"], realm))
    assert response.status_code == 302, response.get_data(True)
    return response


def connect_manage(app, base_url: str, state) -> None:
    """Save a working Manage connection to the sandbox (as the settings page would)."""
    from cwqbo.connections import save_manage_connection
    from cwqbo.connectwise import ManageCredentials
    from cwqbo.connectwise.probe import check_connection

    creds = state.credentials
    credentials = ManageCredentials(
        base_url, creds["companyId"], creds["publicKey"], creds["privateKey"], "test-client-id"
    )
    result = check_connection(credentials)
    assert result.ok, result.problems
    with app.app_context():
        save_manage_connection(credentials, result, None)


# --- whole-process tests (launcher, demo) -----------------------------------------------


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def processes_with(marker: bytes) -> list[int]:
    """Return the pids whose environment holds ``marker`` (a run and all it started)."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if marker in (proc / "environ").read_bytes().split(b"\0"):
                    found.append(int(proc.name))
            except OSError:
                continue
    return found


def processes_naming(folder: Path) -> list[int]:
    """Return the pids whose command line names ``folder``: valkey-server overwrites its
    environment with its process title, so ``processes_with`` does not find it."""
    found = []
    needle = str(folder).encode()
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if needle in (proc / "cmdline").read_bytes():
                    found.append(int(proc.name))
            except OSError:
                continue
    return found


def wait_for(predicate, timeout: float, what: str):
    """Poll ``predicate`` until it returns something true; fail after ``timeout`` seconds."""
    import time

    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")


def stop_leftovers(proc, marker: bytes, instance: Path) -> None:
    """After a demo run: SIGKILL its process group if it still runs, then whatever a failed
    stop left behind (processes with ``marker`` in their environment or naming ``instance``)."""
    import os
    import signal

    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
    for pid in {*processes_with(marker), *processes_naming(instance)}:
        os.kill(pid, signal.SIGKILL)


def assert_ports_free(*ports: int) -> None:
    """Every port can be bound on 127.0.0.1 again (nothing of a stopped run listens)."""
    import socket

    for port in ports:
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port))
