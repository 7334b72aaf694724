"""A batch's lock that dies with its holder: a short TTL renewed by a heartbeat thread.

While a worker runs a batch, a thread renews the Redis lock every third of its TTL and
another stamps ``batches.heartbeat_at``. A SIGKILL, OOM kill or dyno restart stops the heartbeat:
the lock expires within its TTL and the sweeper sees the stale heartbeat and resumes the
batch (STYLE habit 13).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid

import sqlalchemy as sa
from flask import current_app
from redis.exceptions import LockError, RedisError

from cwqbo.extensions import db
from cwqbo.jobs import KEY_PREFIX, get_redis
from cwqbo.models import Batch
from cwqbo.models.user import utcnow

log = logging.getLogger(__name__)


def lock_key(batch_id: int) -> str:
    return f"{KEY_PREFIX}lock:batch:{batch_id}"


def holder(batch_id: int) -> str | None:
    """Return who holds the batch's lock ("host:pid:…"), or None when nobody does."""
    value = get_redis().get(lock_key(batch_id))
    return value.decode() if value is not None else None


class BatchLease:
    """Hold one batch's lock while the run works; ``lost`` is set if it slipped away."""

    def __init__(self, batch_id: int) -> None:
        self.batch_id = batch_id
        self.ttl = current_app.config["BATCH_LOCK_TTL"]
        # thread_local=False: the heartbeat thread renews the token the run acquired.
        self._lock = get_redis().lock(
            lock_key(batch_id), timeout=self.ttl, blocking=False, thread_local=False
        )
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._engine = db.engine

    def acquire(self) -> bool:
        """Take the lock if nobody holds it; start the heartbeat."""
        if not self._lock.acquire(token=self.token):
            return False
        self._beat_db()
        # Two threads: a slow database (SQLite busy, a PostgreSQL row lock) must never
        # delay the lock's renewal past its TTL.
        self._threads = [
            threading.Thread(target=target, name=f"batch-{self.batch_id}-{name}", daemon=True)
            for name, target in (("lock", self._renew), ("heartbeat", self._stamp))
        ]
        for thread in self._threads:
            thread.start()
        return True

    def _every(self) -> float:
        return max(self.ttl / 3, 0.5)

    def _renew(self) -> None:
        while not self._stop.wait(self._every()):
            try:
                self._lock.reacquire()
            except LockError:
                log.error("batch %s: its lock expired or was taken over", self.batch_id)
                self.lost.set()
                return
            except RedisError as exc:  # Redis unreachable for a moment: try again next beat
                log.warning("batch %s: could not renew its lock: %s", self.batch_id, exc)

    def _stamp(self) -> None:
        while not self._stop.wait(self._every()):
            self._beat_db()

    def _beat_db(self) -> None:
        try:
            with self._engine.begin() as conn:
                conn.execute(
                    sa.update(Batch.__table__)
                    .where(Batch.__table__.c.id == self.batch_id)
                    .values(heartbeat_at=utcnow())
                )
        except sa.exc.SQLAlchemyError as exc:  # the lock is what guards the run
            log.warning("batch %s: could not record its heartbeat: %s", self.batch_id, exc)

    def release(self) -> None:
        """Stop the heartbeat and free the lock (if it is still ours)."""
        self._stop.set()
        for thread in self._threads:
            thread.join(self.ttl)
        try:
            self._lock.release()
        except LockError:
            log.warning("batch %s: its lock had already expired", self.batch_id)
        except RedisError as exc:
            log.warning("batch %s: could not free its lock: %s", self.batch_id, exc)
