"""Demo mode (spec I2): ``make demo`` runs cwqbo wired to the two local sandboxes.

The Manage and QBO sandboxes run in this process (threads, on 127.0.0.1) with their sample
data; then everything ``make run`` does happens in a data folder of its own (``instance/demo``:
SQLite, secrets, embedded Redis, outbox), the database is seeded (``cwqbo.demo.seed``), and
web, worker and scheduler start. A banner with the URL and the demo login is printed once the
app answers. Ctrl-C stops everything, sandboxes included.

Settings: ``DEMO_PORT`` (web, 5000), ``DEMO_MANAGE_PORT`` (5555), ``DEMO_QBO_PORT`` (5556),
``DEMO_INSTANCE`` (``instance/demo``), ``DEMO_LATENCY_MS`` (150: milliseconds both sandboxes
add to every API call, as a real cloud API takes, so a batch visibly progresses; 0 = none).
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from cwqbo import create_app, launcher
from cwqbo.demo.seed import DEMO_EMAIL, DEMO_PASSWORD, DemoError, SeedResult, seed_demo
from cwqbo.extensions import db
from cwqbo.jobs import redis_for
from cwqbo.sandbox.connectwise import create_sandbox_app as create_manage_sandbox
from cwqbo.sandbox.quickbooks import create_sandbox_app as create_qbo_sandbox
from cwqbo.wording import plural

ROOT = launcher.ROOT
QBO_CLIENT_ID, QBO_CLIENT_SECRET = "cwqbo-local", "cwqbo-local-secret"
# The demo keeps to its own folder: none of the user's real settings may leak into it.
CLEARED = (
    "REDIS_URL",
    "DATABASE_URL",
    "SECRET_KEY",
    "ENCRYPTION_KEY",
    "CWQBO_ENV",
    "PUBLIC_URL",
    "PORT",
    "BIND",
    "MAIL_SERVER",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "QBO_REDIRECT_URI",
)
READY_TIMEOUT = 120  # seconds to wait for a healthy app before printing the banner anyway
DEFAULT_LATENCY_MS = 150  # about what a call to Manage or QBO in the cloud takes
MAX_LATENCY_MS = 10_000


@dataclass(frozen=True)
class DemoSettings:
    port: int
    manage_port: int
    qbo_port: int
    instance: Path
    latency_ms: int = DEFAULT_LATENCY_MS

    @classmethod
    def from_env(cls, env: dict[str, str]) -> DemoSettings:
        def port(name: str, default: int) -> int:
            raw = env.get(name) or str(default)
            if not raw.isdigit() or not 0 < int(raw) < 65536:
                raise DemoError(f"{name} must be a TCP port number, got {raw!r}")
            return int(raw)

        instance = Path(env.get("DEMO_INSTANCE") or ROOT / "instance" / "demo").resolve()
        latency = (env.get("DEMO_LATENCY_MS") or str(DEFAULT_LATENCY_MS)).strip()
        if not latency.isdigit() or int(latency) > MAX_LATENCY_MS:
            raise DemoError(
                f"DEMO_LATENCY_MS must be a whole number of milliseconds from 0 to "
                f"{MAX_LATENCY_MS:,}, got {latency!r} (0 turns the added latency off)"
            )
        return cls(
            port("DEMO_PORT", 5000),
            port("DEMO_MANAGE_PORT", 5555),
            port("DEMO_QBO_PORT", 5556),
            instance,
            int(latency),
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def manage_url(self) -> str:
        return f"http://127.0.0.1:{self.manage_port}"

    @property
    def qbo_url(self) -> str:
        return f"http://127.0.0.1:{self.qbo_port}"


def check_ports(settings: DemoSettings) -> None:
    """Refuse to start when a port is taken, naming the setting that moves it."""
    wanted = (
        (settings.port, "the cwqbo web app", "DEMO_PORT"),
        (settings.manage_port, "the Manage sandbox", "DEMO_MANAGE_PORT"),
        (settings.qbo_port, "the QBO sandbox", "DEMO_QBO_PORT"),
    )
    if len({p for p, _, _ in wanted}) < len(wanted):
        raise DemoError("DEMO_PORT, DEMO_MANAGE_PORT and DEMO_QBO_PORT must differ")
    for port, what, name in wanted:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                raise DemoError(
                    f"port {port} for {what} is already in use (another cwqbo, `make run` or "
                    f"demo?). Stop it, or pick another port: {name}=<port> make demo"
                ) from None


class _SandboxLog(WSGIRequestHandler):
    """Print the sandbox calls worth seeing (writes and errors), prefixed like honcho."""

    label = "sandbox"

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        try:
            status = int(getattr(code, "value", code))
        except (TypeError, ValueError):
            status = 0
        if self.command != "GET" or status >= 400:
            path = self.path.split("?")[0]
            stamp = time.strftime("%H:%M:%S")
            print(f"{stamp} {self.label:<13}| {self.command} {path} {status}", flush=True)


def create_sandboxes(settings: DemoSettings) -> tuple[Any, Any]:
    """Return the Manage and QBO sandbox apps, each adding the demo's latency to API calls."""
    knobs = {"latency_ms": settings.latency_ms}
    return create_manage_sandbox(**knobs), create_qbo_sandbox(**knobs)


def serve(app: Any, port: int, label: str) -> BaseWSGIServer:
    """Serve a sandbox app on 127.0.0.1:port in a daemon thread."""
    handler = type(f"{label}Log", (_SandboxLog,), {"label": label})
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=handler)
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.2}, name=label, daemon=True
    ).start()
    return server


def demo_environ(settings: DemoSettings) -> dict[str, str]:
    """Return the environment of the demo's processes: its own folder, the sandboxes."""
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(
        CWQBO_ENV="development",
        CWQBO_INSTANCE=str(settings.instance),
        DATABASE_URL=f"sqlite:///{settings.instance / 'cwqbo.sqlite3'}",
        PORT=str(settings.port),
        BIND="127.0.0.1",
        PUBLIC_URL=settings.url,
        QBO_ENVIRONMENT="local",
        QBO_LOCAL_BASE_URL=settings.qbo_url,
        QBO_CLIENT_ID=QBO_CLIENT_ID,
        QBO_CLIENT_SECRET=QBO_CLIENT_SECRET,
        CW_CLIENT_ID="cwqbo-demo",
    )
    return env


def seed(env: dict[str, str], settings: DemoSettings, manage_keys: dict[str, str]) -> SeedResult:
    """Empty the demo's Redis and seed its database (runs once migrations are done)."""
    app = create_app({"ENV_VARS": env})
    with app.app_context():
        # The sandboxes start afresh, so queued jobs, locks and cached lists go too.
        redis_for(app).flushdb()
        try:
            return seed_demo(settings.manage_url, manage_keys)
        finally:
            db.session.remove()
            db.engine.dispose()
            redis_for(app).close()


def banner(settings: DemoSettings, result: SeedResult) -> str:
    realm = result.default_realm
    rule = "=" * 78
    lines = [
        rule,
        f" cwqbo demo is running: {settings.url}",
        f"   log in as  {DEMO_EMAIL}",
        f"   password   {DEMO_PASSWORD}   (demo only: never use it anywhere else)",
        f" ConnectWise Manage sandbox: {settings.manage_url}/_sandbox/  "
        f"({result.manage_company}, connected)",
        f" QuickBooks Online sandbox:  {settings.qbo_url}/_sandbox/",
        *(f"   connected: {c}" for c in result.connected),
        f" Try it: Create Invoice Batch at {settings.url}/batches/new/invoices, then see the",
        f"   invoices land at {settings.qbo_url}/_sandbox/view/{realm}/Invoice",
        f" The sandboxes add {settings.latency_ms} ms to every API call, as the cloud does "
        "(DEMO_LATENCY_MS=0 make demo: none).",
        " Both sandboxes start with fresh sample data, so the demo's batch history was cleared",
        f"   ({plural(result.batches_wiped, 'batch')} removed). Demo data: {settings.instance}",
        "   (delete that folder to start from scratch).",
    ]
    if result.options_filled:
        lines.append(" Options of Default pre-filled: tax codes mapped by name, accounts chosen.")
    lines += [" Ctrl-C stops everything.", rule]
    return "\n".join(lines)


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
            body = json.load(response)
    except (OSError, ValueError):
        return False
    return bool(body.get("worker", {}).get("ok") and body.get("scheduler", {}).get("ok"))


def announce_when_ready(url: str, text: str, stop: threading.Event) -> None:
    """Print ``text`` once web, worker and scheduler answer (after their start-up noise)."""
    deadline = time.monotonic() + READY_TIMEOUT
    while not stop.is_set() and time.monotonic() < deadline:
        if _ready(url):
            print(text, flush=True)
            return
        stop.wait(0.5)
    if not stop.is_set():
        print(text + "\n (the app has not reported healthy yet: see the log above)", flush=True)


def main() -> int:
    sys.stdout.reconfigure(line_buffering=True)
    try:
        settings = DemoSettings.from_env(dict(os.environ))
        check_ports(settings)
    except DemoError as exc:
        print(f"cwqbo demo: {exc}", file=sys.stderr)
        return 2
    settings.instance.mkdir(parents=True, exist_ok=True)
    manage_app, qbo_app = create_sandboxes(settings)
    manage_keys = dict(manage_app.extensions["cw_sandbox"]["state"].credentials)
    servers = [
        serve(manage_app, settings.manage_port, "manage-sandbox"),
        serve(qbo_app, settings.qbo_port, "qbo-sandbox"),
    ]
    print(f"cwqbo demo: Manage sandbox on {settings.manage_url}, QBO sandbox on {settings.qbo_url}")
    stop = threading.Event()

    def prepare(env: dict[str, str]) -> None:
        result = seed(env, settings, manage_keys)
        print("cwqbo demo: demo data ready; starting web, worker and scheduler")
        threading.Thread(
            target=announce_when_ready,
            args=(settings.url, banner(settings, result), stop),
            name="banner",
            daemon=True,
        ).start()

    try:
        return launcher.main(demo_environ(settings), prepare=prepare)
    except DemoError as exc:
        print(f"cwqbo demo: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        stop.set()
        for server in servers:
            server.shutdown()
            server.server_close()
        print("cwqbo demo: sandboxes stopped")
