"""The README's run command: embedded Redis, migrations, web, worker and scheduler; Ctrl-C,
SIGTERM and SIGHUP leave nothing behind, whether they reach make, the launcher or both."""

import json
import os
import signal
import subprocess
import sys
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from support import free_port, processes_naming, processes_with, wait_for

REPO = Path(__file__).resolve().parent.parent
# `make` as a service manager would run it; -o: never reinstall the venv during a test.
MAKE_RUN = ["make", "--no-print-directory", "-o", ".venv/.installed", "run"]
LAUNCHER = [sys.executable, "-m", "cwqbo.launcher"]
STOPPED_WITHIN = 40  # seconds: honcho's 5 s grace, gunicorn, RQ and valkey shutting down


def processes_of(instance: Path) -> list[int]:
    """Return the pids whose environment points at this instance (all the run's children),
    and the embedded Redis, found by its socket path."""
    marker = f"CWQBO_INSTANCE={instance}".encode()
    return sorted(set(processes_with(marker)) | set(processes_naming(instance)))


def health(port: int):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            body = json.load(response)
    except OSError:
        return None
    return body if body["worker"]["ok"] and body["scheduler"]["ok"] else None


def kill_leftovers(instance: Path) -> list[int]:
    """SIGKILL what a failed stop left running (only this test's processes name instance)."""
    left = processes_of(instance)
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return left


@contextmanager
def running(tmp_path, command: list[str], database_url: str | None = None):
    """Start ``command`` in a session of its own and wait until the app is healthy."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    instance = tmp_path / "instance"
    env.update(CWQBO_INSTANCE=str(instance), PORT=str(port))
    if database_url:  # the PostgreSQL pass: a fresh database, in Heroku's spelling
        env["DATABASE_URL"] = database_url.replace("postgresql://", "postgres://", 1)
    log_path = tmp_path / "run.log"
    log = open(log_path, "w")
    proc = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        body = wait_for(lambda: health(port), 90, "web, worker and scheduler to be healthy")
        yield proc, instance, body, log_path
    finally:
        try:
            proc.wait(timeout=STOPPED_WITHIN)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        finally:
            log.close()
            kill_leftovers(instance)


def migrated(database_url: str | None, instance: Path) -> bool:
    """Say whether the run's database (PostgreSQL, else instance/'s SQLite) is migrated."""
    if database_url is None:
        return (instance / "cwqbo.sqlite3").exists()
    import psycopg

    with psycopg.connect(database_url) as conn:
        version = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return version is not None and not (instance / "cwqbo.sqlite3").exists()


def assert_all_stopped(proc, instance: Path, log_path: Path) -> None:
    proc.wait(timeout=STOPPED_WITHIN)
    left = processes_of(instance)
    assert left == [], f"still running after the stop: {left}\n{log_path.read_text()[-3000:]}"
    assert "embedded Redis stopped" in log_path.read_text()


def test_run_command_starts_everything_and_ctrl_c_stops_everything(tmp_path, empty_database):
    with running(tmp_path, LAUNCHER, empty_database) as (proc, instance, body, log_path):
        # launcher, honcho and its helpers, gunicorn master + 2, worker, scheduler, valkey
        assert len(processes_of(instance)) >= 6
        assert body["database"]["ok"] and body["redis"]["ok"] and body["worker"]["count"] == 1
        socket_path = instance / "valkey" / "valkey.sock"
        assert socket_path.is_socket()  # the embedded server listens on a unix socket only
        assert migrated(empty_database, instance)  # migrated at start
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        assert_all_stopped(proc, instance, log_path)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_to_the_launcher_alone_stops_everything(tmp_path, signum):
    with running(tmp_path, LAUNCHER) as (proc, instance, _body, log_path):
        os.kill(proc.pid, signum)  # the launcher only, not its process group
        assert_all_stopped(proc, instance, log_path)
        assert proc.returncode == 128 + signum
        assert f"{signal.Signals(signum).name} received, stopping everything" in (
            log_path.read_text()
        )


def test_sigterm_to_make_run_stops_everything(tmp_path):
    """What a service manager does: SIGTERM to the process it started (make), nothing else."""
    with running(tmp_path, MAKE_RUN) as (proc, instance, _body, log_path):
        assert len(processes_of(instance)) >= 7  # make on top of the launcher's tree
        os.kill(proc.pid, signal.SIGTERM)
        assert_all_stopped(proc, instance, log_path)
