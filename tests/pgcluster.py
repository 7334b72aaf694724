"""A throw-away PostgreSQL cluster for a test run (CWQBO_TEST_DB=postgresql).

``initdb`` + ``pg_ctl`` from Debian's ``postgresql`` package, data in a fresh temporary
folder, listening on 127.0.0.1 on a free port only. PostgreSQL refuses to run as root, so as
root the server runs as the ``postgres`` system user the package creates. ``stop()`` stops it
and removes the folder; the session fixture in conftest.py calls it on every way out.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg
from psycopg import sql

SUPERUSER = "cwqbo"
# Durability is worthless for a throw-away cluster; these make it several times faster.
SERVER_OPTIONS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "300",
    "shared_buffers": "64MB",
    "log_min_messages": "warning",
    # Far from UTC: a timezone-aware value written to a naive column would visibly shift.
    "timezone": "Pacific/Chatham",
}


class ClusterError(RuntimeError):
    """The test cluster could not be found, created or started."""


def find_bindir() -> Path:
    """Return the folder holding initdb/pg_ctl (the newest /usr/lib/postgresql/N/bin)."""
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    found.sort(key=lambda p: int(re.search(r"/(\d+)/bin/", p).group(1)))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    raise ClusterError(
        "PostgreSQL is not installed: no initdb in /usr/lib/postgresql/*/bin or on PATH. "
        "Run `make postgres` (installs Debian's postgresql) or run only the SQLite pass "
        "with CWQBO_TEST_DB=sqlite."
    )


def _run_as() -> list[str]:
    """Return the command prefix that runs the server's programs as a non-root user."""
    if os.geteuid() != 0:
        return []
    if shutil.which("runuser") is None:
        raise ClusterError("running as root needs `runuser` (util-linux) to start PostgreSQL")
    try:
        import pwd

        pwd.getpwnam("postgres")
    except KeyError as exc:
        raise ClusterError(
            "running as root, PostgreSQL needs the `postgres` system user "
            "(Debian's postgresql package creates it): reinstall it with `make postgres`"
        ) from exc
    return ["runuser", "-u", "postgres", "--"]


class Cluster:
    """One running cluster: URLs, and databases made and dropped over a superuser connection."""

    def __init__(self, port: int, root: Path, bindir: Path, version: str):
        self.port, self.root, self.bindir, self.version = port, root, bindir, version

    def url(self, database: str = "postgres") -> str:
        """Return the SQLAlchemy URL of a database on this cluster (psycopg 3 driver)."""
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def libpq_url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def execute(self, statement, params=None) -> list[tuple]:
        """Run one statement in autocommit on the maintenance database; return its rows."""
        with psycopg.connect(self.libpq_url(), autocommit=True) as conn:
            cur = conn.execute(statement, params)
            return cur.fetchall() if cur.description else []

    def create_database(self, name: str, template: str | None = None) -> str:
        """Create a database (a copy of ``template`` if given); return its SQLAlchemy URL."""
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            statement += sql.SQL(" TEMPLATE {} STRATEGY FILE_COPY").format(sql.Identifier(template))
        self.execute(statement)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, ending whatever connections to it are still open."""
        self.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )

    def databases(self) -> set[str]:
        return {row[0] for row in self.execute("SELECT datname FROM pg_database")}

    def stop(self) -> None:
        """Stop the server (fast: open connections are ended) and remove its folder."""
        data = self.root / "data"
        try:
            if (data / "postmaster.pid").exists():
                subprocess.run(
                    [*_run_as(), str(self.bindir / "pg_ctl"), "-D", str(data), "-m", "fast"]
                    + ["-w", "-t", "60", "stop"],
                    capture_output=True,
                    timeout=90,
                    check=False,
                )
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def start_cluster(port: int) -> Cluster:
    """initdb a fresh cluster in a new temporary folder and start it on 127.0.0.1:port."""
    bindir = find_bindir()
    prefix = _run_as()
    # Not under pytest's basetemp: that is private to root, and the server may run as postgres.
    root = Path(tempfile.mkdtemp(prefix="cwqbo-pg-"))
    if prefix:
        shutil.chown(root, "postgres", "postgres")
    cluster = Cluster(port, root, bindir, "")
    try:
        data = root / "data"
        _checked(
            [*prefix, str(bindir / "initdb"), "-D", str(data), "-U", SUPERUSER, "-A", "trust"]
            + ["-E", "UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions"],
            "initdb",
        )
        options = " ".join(f"-c {k}={v}" for k, v in SERVER_OPTIONS.items())
        options += f" -p {port} -k {data}"
        _checked(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log")]
            + ["-o", options, "-w", "-t", "60", "start"],
            "pg_ctl start",
            log=root / "server.log",
        )
        cluster.version = cluster.execute("SHOW server_version")[0][0]
        return cluster
    except BaseException:
        cluster.stop()
        raise


def _checked(command: list[str], what: str, log: Path | None = None) -> None:
    # Its own session: a Ctrl-C reaches pytest, which stops the server in order.
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=120, check=False, start_new_session=True
    )
    if done.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
        raise ClusterError(
            f"{what} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}"
            + (f"\nserver log:\n{tail}" if tail else "")
        )
