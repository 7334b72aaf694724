"""Real RQ worker and scheduler processes for the recovery and soak tests, and a WSGI hook
that SIGKILLs the work-horse at an exact moment of a sandbox request."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from support import wait_for

REPO = Path(__file__).resolve().parents[2]
CONFIG_ENV = "CWQBO_TEST_APP_CONFIG"
_BOOT = (
    "import json, os; from cwqbo import create_app; "
    f"app = create_app(json.loads(os.environ[{CONFIG_ENV!r}])); "
)
WORKER = _BOOT + "from cwqbo.jobs.worker import run_worker; run_worker(app)"
SCHEDULER = _BOOT + "from cwqbo.jobs.worker import run_scheduler; run_scheduler(app, interval=1)"

# Seconds, small so a dead worker is noticed quickly: lock TTL 3 s (renewed every second),
# a batch is stale after 6 s without a heartbeat, the sweeper runs every second.
FAST_RECOVERY = {"BATCH_LOCK_TTL": 3, "BATCH_STALE_AFTER": 6, "BATCH_SWEEP_INTERVAL": 1}


def process_config(app_config: dict, app) -> dict:
    """The config a worker process is built from: the test app's (app_config fixture), with
    the database URL the app uses spelled out (SQLite or PostgreSQL alike)."""
    return {**app_config, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]}


def children(pid: int) -> list[int]:
    """Return the pids whose parent is pid (an RQ worker's work-horse)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(proc.name))
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


class Processes:
    """Worker and scheduler processes of one test; all SIGKILLed (with horses) at the end."""

    def __init__(self, app_config: dict, app, folder: Path) -> None:
        self.env = {**os.environ, CONFIG_ENV: json.dumps(process_config(app_config, app))}
        self.folder = folder
        self.started: list[subprocess.Popen] = []

    def _start(self, name: str, code: str) -> subprocess.Popen:
        log = open(self.folder / f"{name}-{len(self.started)}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "-c", code], cwd=REPO, env=self.env, stdout=log, stderr=log
        )
        log.close()
        self.started.append(proc)
        return proc

    def worker(self) -> subprocess.Popen:
        return self._start("worker", WORKER)

    def scheduler(self) -> subprocess.Popen:
        return self._start("scheduler", SCHEDULER)

    def wait_for(self, predicate, timeout: float, what: str):
        """support.wait_for, adding the processes' logs (read then) when it times out."""
        try:
            return wait_for(predicate, timeout, what)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{self.logs()}") from None

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-4000:]}"
            for p in sorted(self.folder.glob("*.log"))
        )

    def stop(self) -> None:
        for proc in self.started:
            for pid in children(proc.pid):
                _kill(pid)
            _kill(proc.pid)
            proc.wait(10)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class KillAfter:
    """WSGI middleware for a sandbox: once the n-th matching request has been fully handled
    (the sandbox did the work), call ``kill(environ)`` (it SIGKILLs the sender and returns
    the pids) before the sender hears back."""

    def __init__(self, app, match, kill, nth: int = 1) -> None:
        self.app, self.match, self.kill, self.nth = app, match, kill, nth
        self.seen = 0
        self.killed: list[int] = []
        self.errors: list[str] = []
        self._lock = threading.Lock()
        # Held while kill() runs (finding the sender takes a while): a matching request that
        # arrives meanwhile waits, and is not done if it came from the process just killed.
        self._killing = threading.Lock()

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        with self._lock:
            candidate = not (self.killed or self.errors) and self.match(environ, body)
        if not candidate:
            return self.app(environ, start_response)
        waited = not self._killing.acquire(blocking=False)
        if waited:
            self._killing.acquire()
        self._killing.release()
        if waited and self.killed:  # its sender is dead: it never hears back
            start_response("503 Service Unavailable", [("Content-Length", "0")])
            return [b""]
        captured = {}

        def keep(status, headers, exc_info=None):
            captured["args"] = (status, headers)
            return lambda data: None

        answer = b"".join(self.app(environ, keep))
        # Only an answer that did the work counts: after an injected 429/500 or a dropped
        # connection the sender has nothing to lose (and a dropped one has already gone).
        with self._lock:
            hit = captured["args"][0].startswith("2") and not (self.killed or self.errors)
            if hit:
                self.seen += 1
                hit = self.seen == self.nth
                if hit:
                    self._killing.acquire()
        if not hit:
            start_response(*captured["args"])
            return [answer]
        try:
            self.killed.extend(self.kill(environ))
        except Exception as exc:  # noqa: BLE001  (reported by the test, not lost in a thread)
            self.errors.append(repr(exc))
        finally:
            self._killing.release()
        start_response(*captured["args"])
        return [answer]


@pytest.fixture
def qbo_stack():
    """A QBO sandbox whose server object a test can hook (the shared fixture hides it).

    A test module overrides ``qbo_server`` with ``qbo_server_of_stack`` to use it.
    """
    from cwqbo.sandbox.quickbooks import serve_in_thread as serve_qbo

    base_url, server, state = serve_qbo()
    yield base_url, server, state
    server.shutdown()
    server.server_close()


def sender_pid(environ) -> int | None:
    """Return the pid of the local process on the other end of this request's connection."""
    port = int(environ.get("REMOTE_PORT") or 0)
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{fields[9]}]")
    me = os.getpid()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == me:
            continue
        try:
            for fd in (proc / "fd").iterdir():
                if os.readlink(fd) in inodes:
                    return int(proc.name)
        except OSError:
            continue
    return None
