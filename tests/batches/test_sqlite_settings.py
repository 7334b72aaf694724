"""SQLite runs in WAL mode with synchronous=NORMAL and a busy timeout (issue 14).

Every connection the app opens gets them (a commit no longer waits for the disk; pages read
while the worker writes). PostgreSQL engines are left as they are.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import create_engine

from cwqbo.extensions import SQLITE_BUSY_TIMEOUT_MS, db, tune_sqlite


def pragmas(connection) -> tuple[str, int, int]:
    return tuple(
        connection.exec_driver_sql(f"PRAGMA {name}").scalar()
        for name in ("journal_mode", "synchronous", "busy_timeout")
    )


def test_every_sqlite_connection_of_the_app_is_tuned(app, database_kind):
    with app.app_context():
        engine = db.engine
        listeners = [getattr(fn, "__name__", "") for fn in engine.pool.dispatch.connect]
        if database_kind != "sqlite":  # PostgreSQL: nothing added to its connections
            assert engine.dialect.name == "postgresql" and "_on_connect" not in listeners
            return
        assert "_on_connect" in listeners
        with engine.connect() as first, engine.connect() as second:  # two pooled connections
            for connection in (first, second):
                assert pragmas(connection) == ("wal", 1, SQLITE_BUSY_TIMEOUT_MS)  # 1 = NORMAL
        # WAL: a reader is not blocked while another connection holds a write open.
        path = engine.url.database
        writer = sqlite3.connect(path, isolation_level=None)
        try:
            writer.execute("BEGIN IMMEDIATE")
            writer.execute("UPDATE alembic_version SET version_num = version_num")
            with engine.connect() as reader:
                assert reader.exec_driver_sql("SELECT count(*) FROM alembic_version").scalar() == 1
        finally:
            writer.execute("ROLLBACK")
            writer.close()


def test_a_postgresql_engine_is_left_alone():
    engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    before = len(engine.pool.dispatch.connect)
    tune_sqlite(engine)
    assert len(engine.pool.dispatch.connect) == before
    sqlite = create_engine("sqlite://")
    before = len(sqlite.pool.dispatch.connect)
    tune_sqlite(sqlite)
    assert len(sqlite.pool.dispatch.connect) == before + 1
