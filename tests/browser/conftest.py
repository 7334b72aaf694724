"""Playwright driving Debian's Chromium (a browser download is not possible here), and a
worker process the browser tests start when they mean to watch a run live."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

# RQ installs signal handlers, which only the main thread may do: the worker runs in a
# process of its own, on the same database and Redis as the live server.
WORKER = """
import json, sys, time
from cwqbo import create_app
from cwqbo.jobs.worker import run_worker
app = create_app(json.loads(sys.argv[1]))
while True:
    run_worker(app, burst=True)
    time.sleep(0.2)
"""
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def start_worker(live_server, app_config, tmp_path):
    """Start, when the test says so, a worker process that keeps running queued jobs."""
    started = []

    def start():
        log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115  (closed at teardown)
        process = subprocess.Popen(
            [sys.executable, "-c", WORKER, json.dumps(app_config)],
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append((process, log))

    yield start
    for process, log in started:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        log.close()


@pytest.fixture
def both_connected(live_server, make_user, cw_sandbox):
    """An admin and a member, Manage and configuration 1's QBO connected; (app, base URL)."""
    from browser_support import connect_both

    app, base = live_server
    connect_both(app, make_user, cw_sandbox)
    return app, base
