"""A quiet console: the scheduler starts without rq-scheduler's crontab FutureWarning, and
``make setup``'s editable install of cwqbo prints no setuptools banner."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def scheduler_env(tmp_path: Path, database_url: str, redis_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CWQBO_", "PYTHONWARN"))}
    env.update(
        CWQBO_INSTANCE=str(tmp_path / "instance"),
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
    )
    return env


def test_scheduler_start_prints_no_future_warning(tmp_path, database_url, redis_url, redis_conn):
    """``flask scheduler`` registers the cron entries and enqueues what is due, once."""
    command = [sys.executable, "-W", "default", "-m", "flask", "--app", "wsgi", "scheduler"]
    done = subprocess.run(
        [*command, "--burst"],
        cwd=REPO,
        env=scheduler_env(tmp_path, database_url, redis_url),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "registered periodic cwqbo-periodic-connection-health" in done.stderr
    assert "FutureWarning" not in done.stderr, done.stderr


def test_cron_lines_are_read_in_utc_whatever_the_local_zone(tmp_path, redis_url, redis_conn):
    """The next run of "23 6 * * *" is 06:23 UTC, also on a host in New York."""
    code = (
        "from cwqbo.jobs.schedule import make_scheduler, register_schedule\n"
        "from redis import Redis\n"
        f"s = make_scheduler(Redis.from_url({redis_url!r}))\n"
        "register_schedule(s, config={'BATCH_SWEEP_INTERVAL': 60})\n"
        "for job, at in s.get_jobs(with_times=True):\n"
        "    print(job.id, at.isoformat())\n"
    )
    env = {**os.environ, "TZ": "America/New_York"}
    done = subprocess.run(
        [sys.executable, "-W", "error::FutureWarning", "-c", code],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    times = dict(line.split() for line in done.stdout.splitlines())
    health = datetime.fromisoformat(times["cwqbo-periodic-connection-health"])
    assert (health.hour, health.minute) == (6, 23), health
    now = datetime.now(UTC).replace(tzinfo=None)
    assert 0 < (health - now).total_seconds() <= 24 * 3600


def project_copy(tmp_path: Path) -> Path:
    """What ``pip install -e .`` reads, copied away from the work tree (the build writes
    cwqbo.egg-info beside pyproject.toml)."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, project / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO / "cwqbo", project / "cwqbo", ignore=ignore)
    return project


def this_machines_index_notes(line: str) -> bool:
    """pip's notes about this machine's index configuration (not about cwqbo)."""
    return line.startswith("WARNING: Location 'file:") and line.endswith(
        "is ignored: it is neither a file nor a directory."
    )


def test_editable_install_prints_no_setuptools_banner(tmp_path):
    """``make setup`` runs ``pip install --quiet -e '.[test]'``: the same editable build of
    cwqbo (isolated, with the [build-system] setuptools), into a throw-away environment."""
    target = tmp_path / "env"
    venv.create(target, with_pip=False)
    pip = [sys.executable, "-m", "pip", "--python", str(target / "bin" / "python")]
    done = subprocess.run(
        [*pip, "install", "--quiet", "--no-deps", "-e", str(project_copy(tmp_path))],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    said = [
        line
        for line in (done.stdout + done.stderr).splitlines()
        if line.strip() and not this_machines_index_notes(line)
    ]
    assert said == [], "\n".join(said)
    check = [
        str(target / "bin" / "python"),
        "-c",
        "import importlib.util as u; print(u.find_spec('cwqbo').origin)",
    ]
    found = subprocess.run(check, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert found.stdout.strip() == str(tmp_path / "project" / "cwqbo" / "__init__.py")
