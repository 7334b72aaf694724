"""The test databases: each test's app is on the run's database (SQLite or PostgreSQL), and
the PostgreSQL pass's throw-away cluster is gone after the run, even after Ctrl-C or SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import psycopg
import pytest
from pgcluster import Cluster, find_bindir, start_cluster
from support import free_port, wait_for

REPO = Path(__file__).resolve().parent.parent


def alive(pid: int) -> bool:
    """Say whether a process runs (a zombie nobody reaped has ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_each_test_app_has_its_own_migrated_database_on_the_run_database(app, database_kind):
    from alembic.script import ScriptDirectory
    from flask_migrate import Migrate

    from cwqbo.extensions import db
    from cwqbo.models import User

    with app.app_context():
        assert db.engine.dialect.name == database_kind
        script = ScriptDirectory.from_config(Migrate().get_config(str(REPO / "migrations")))
        version = db.session.execute(db.text("SELECT version_num FROM alembic_version")).scalar()
        assert version == script.get_current_head()
        assert db.session.scalar(db.select(db.func.count(User.id))) == 0  # a fresh copy
        db.session.add(User(email="only-here@example.com", name="Here", password_hash="x"))
        db.session.commit()


def test_a_started_cluster_serves_on_127_0_0_1_and_stop_removes_it():
    cluster = start_cluster(free_port())
    try:
        url = cluster.create_database("scratch")
        assert url.startswith(f"postgresql+psycopg://cwqbo@127.0.0.1:{cluster.port}/")
        with psycopg.connect(cluster.libpq_url("scratch")) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == ("scratch",)
            listen = conn.execute("SHOW listen_addresses").fetchone()[0]
        assert listen == "127.0.0.1"
        pid = int((cluster.root / "data" / "postmaster.pid").read_text().split()[0])
    finally:
        cluster.stop()
    assert not cluster.root.exists()
    wait_for(lambda: not alive(pid), 10, "the postmaster to end")
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(cluster.libpq_url(), connect_timeout=2)


HOLD = """
import os, signal
from pathlib import Path


def test_hold(pg_cluster):
    Path(os.environ["CWQBO_PG_MARK"]).write_text(str(pg_cluster.root))
    while True:
        signal.pause()  # until Ctrl-C or SIGTERM ends the run
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_an_interrupted_postgresql_run_leaves_no_cluster_behind(tmp_path, signum):
    (tmp_path / "test_hold.py").write_text(textwrap.dedent(HOLD))
    mark = tmp_path / "cluster-root"
    env = {**os.environ, "CWQBO_TEST_DB": "postgresql", "CWQBO_PG_MARK": str(mark)}
    env["PYTHONPATH"] = str(REPO / "tests")
    run = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "conftest", "-p", "no:cacheprovider"]
        + [str(tmp_path / "test_hold.py")],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for(lambda: mark.exists() and mark.read_text(), 60, "the inner run's cluster")
        root = Path(mark.read_text())
        pid = int((root / "data" / "postmaster.pid").read_text().split()[0])
        assert alive(pid)
        os.killpg(run.pid, signum)  # what a terminal's Ctrl-C / a CI timeout does
        output = run.communicate(timeout=60)[0].decode(errors="replace")
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait(10)
    try:
        assert not root.exists(), output
        wait_for(lambda: not alive(pid), 10, "the postmaster to end")
    finally:
        if root.exists():  # the test failed: do not leave its cluster running
            Cluster(0, root, find_bindir(), "").stop()
