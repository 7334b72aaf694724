"""Unbound extensions; create_app binds them."""

from typing import Any

from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
htmx = HTMX()
limiter = Limiter(key_func=get_remote_address, headers_enabled=True)


# --- SQLite connection settings (issue 14) ---------------------------------------------------
SQLITE_BUSY_TIMEOUT_MS = 15_000  # a writer waits this long for another's commit, not failing


def tune_sqlite(engine: Any) -> None:
    """Set WAL, ``synchronous=NORMAL`` and a busy timeout on every SQLite connection.

    WAL lets the web pages read while the worker writes, and with ``synchronous=NORMAL`` a
    commit no longer waits for the disk (fsync only at checkpoints): ~10x fewer milliseconds
    per commit. Durability: a killed process (SIGKILL, OOM) loses nothing, the WAL is in the
    OS's hands; a power loss or OS crash may lose the last commits. That is safe for batches:
    a transaction whose "sending"/"in_qbo"/"batched" was lost is sent again only after the
    runner looks for it (QBO by DocNumber, Manage by batchIdentifier), so nothing is created
    twice. PostgreSQL (production) is not touched.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        finally:
            cursor.close()
