"""The README's run command: embedded Redis, migrations, web, worker and scheduler; Ctrl-C
leaves nothing behind."""

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from support import free_port, processes_with, wait_for

REPO = Path(__file__).resolve().parent.parent


def processes_of(instance: Path) -> list[int]:
    """Return the pids whose environment points at this instance (all the run's children)."""
    return processes_with(f"CWQBO_INSTANCE={instance}".encode())


def health(port: int):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            body = json.load(response)
    except OSError:
        return None
    return body if body["worker"]["ok"] and body["scheduler"]["ok"] else None


def test_run_command_starts_everything_and_ctrl_c_stops_everything(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    instance = tmp_path / "instance"
    env.update(CWQBO_INSTANCE=str(instance), PORT=str(port))
    log = open(tmp_path / "run.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "cwqbo.launcher"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        body = wait_for(lambda: health(port), 60, "web, worker and scheduler to be healthy")
        # launcher, honcho and its helpers, gunicorn master + 2, worker, scheduler, valkey
        assert len(processes_of(instance)) >= 6
        assert body["database"]["ok"] and body["redis"]["ok"] and body["worker"]["count"] == 1
        socket_path = tmp_path / "instance" / "valkey" / "valkey.sock"
        assert socket_path.is_socket()  # the embedded server listens on a unix socket only
        assert (tmp_path / "instance" / "cwqbo.sqlite3").exists()  # migrated at start
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        try:
            proc.wait(timeout=30)
        finally:
            log.close()
    assert processes_of(instance) == []
    assert "embedded Redis stopped" in (tmp_path / "run.log").read_text()
