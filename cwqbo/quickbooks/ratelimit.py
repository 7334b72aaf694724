"""Per-realm request limiter shared by every process through Redis."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from .errors import QBORateLimitTimeout

# One atomic step: trim the windows, and either admit (record the slot) or say how long to wait.
# Scores are milliseconds of the Redis server clock so that hosts with skewed clocks agree.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local max_req = tonumber(ARGV[2])
local max_batch = tonumber(ARGV[3])
local is_batch = ARGV[4] == '1'
local max_conc = tonumber(ARGV[5])
local member = ARGV[6]
local hold = tonumber(ARGV[7])
local poll = tonumber(ARGV[8])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local wait = 0
if redis.call('ZCARD', KEYS[1]) >= max_req then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  wait = math.max(wait, tonumber(first[2]) + window - now + 1)
end
if is_batch and redis.call('ZCARD', KEYS[2]) >= max_batch then
  local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  wait = math.max(wait, tonumber(first[2]) + window - now + 1)
end
if redis.call('ZCARD', KEYS[3]) >= max_conc then
  wait = math.max(wait, poll)
end
if wait > 0 then
  return wait
end
redis.call('ZADD', KEYS[1], now, member)
if is_batch then
  redis.call('ZADD', KEYS[2], now, member)
end
redis.call('ZADD', KEYS[3], now + hold, member)
redis.call('PEXPIRE', KEYS[1], window + 1000)
redis.call('PEXPIRE', KEYS[2], window + 1000)
redis.call('PEXPIRE', KEYS[3], hold + 1000)
return 0
"""


class RealmRateLimiter:
    """Keep all workers together under QBO's per-realm limits.

    Defaults are Intuit's: 500 requests/min, 40 batch requests/min, 10 concurrent requests.
    ``margin`` widens the window a little because QBO counts arrivals, which lag our admissions.
    """

    def __init__(
        self,
        redis: Any,
        realm_id: str,
        *,
        per_minute: int = 500,
        batch_per_minute: int = 40,
        concurrency: int = 10,
        window: float = 60.0,
        margin: float = 1.0,
        hold: float = 180.0,
        max_wait: float = 300.0,
        poll: float = 0.02,
        key_prefix: str = "cwqbo:qbo:rl:",
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.redis = redis
        self.realm_id = str(realm_id)
        self.per_minute = per_minute
        self.batch_per_minute = batch_per_minute
        self.concurrency = concurrency
        self.window_ms = int((window + margin) * 1000)
        self.hold_ms = int(hold * 1000)
        self.poll_ms = max(1, int(poll * 1000))
        self.max_wait = max_wait
        self.sleep = sleep
        base = f"{key_prefix}{self.realm_id}"
        self.keys = [f"{base}:req", f"{base}:batch", f"{base}:inflight"]
        self._script = redis.register_script(_ACQUIRE)

    def try_acquire(self, batch: bool = False) -> tuple[str | None, float]:
        """Take a slot now if possible; return (token, 0) or (None, seconds to wait)."""
        member = uuid.uuid4().hex
        wait_ms = int(
            self._script(
                keys=self.keys,
                args=[
                    self.window_ms,
                    self.per_minute,
                    self.batch_per_minute,
                    "1" if batch else "0",
                    self.concurrency,
                    member,
                    self.hold_ms,
                    self.poll_ms,
                ],
            )
        )
        if wait_ms <= 0:
            return member, 0.0
        return None, wait_ms / 1000.0

    def release(self, token: str) -> None:
        """Give back a concurrency slot (the rate windows keep their record)."""
        self.redis.zrem(self.keys[2], token)

    @contextmanager
    def acquire(self, batch: bool = False) -> Iterator[None]:
        """Block until a slot is free, hold it for the duration of the ``with`` block."""
        deadline = time.monotonic() + self.max_wait
        while True:
            token, wait = self.try_acquire(batch)
            if token is not None:
                break
            if time.monotonic() + wait > deadline:
                raise QBORateLimitTimeout(f"no QBO request slot within {self.max_wait:.0f}s")
            self.sleep(wait)
        try:
            yield
        finally:
            self.release(token)

    def reset(self) -> None:
        """Forget all recorded requests for this realm (tests, admin)."""
        self.redis.delete(*self.keys)
