"""The Redis-backed limiter keeps a burst from many workers under the sandbox's throttles."""

from __future__ import annotations

import threading
import time

import pytest
import redis as redis_lib

from cwqbo.quickbooks import BatchOp, QBOThrottled, RealmRateLimiter

US_REALM = "9341453000000001"
LIMITS = {
    "throttle_per_minute": 10,
    "throttle_batch_per_minute": 3,
    "throttle_concurrency": 3,
    "throttle_window": 1.0,
}


def limiter_for(conn, prefix: str, **kw) -> RealmRateLimiter:
    return RealmRateLimiter(
        conn,
        US_REALM,
        per_minute=10,
        batch_per_minute=3,
        concurrency=3,
        window=1.0,
        margin=0.15,
        key_prefix=prefix,
        **kw,
    )


def test_sandbox_throttles_an_unlimited_burst(make_sandbox):
    sandbox = make_sandbox(**LIMITS)
    client = sandbox.client(max_retries=0)
    with pytest.raises(QBOThrottled) as err:
        for _ in range(15):
            client.preferences()
    assert err.value.code == "3001" and err.value.status == 429


def test_burst_from_many_threads_never_sees_429(make_sandbox, redis_url, redis_conn):
    sandbox = make_sandbox(**LIMITS)
    failures: list[BaseException] = []
    done: list[int] = []
    barrier = threading.Barrier(5)

    def worker(n: int):
        conn = redis_lib.Redis.from_url(redis_url)  # one connection per "process"
        client = sandbox.client(max_retries=0, rate_limiter=limiter_for(conn, "t:burst:"))
        barrier.wait()
        try:
            for i in range(4):
                if n == 0 and i < 3:
                    ops = [BatchOp("query", body="SELECT * FROM Term")]
                    assert client.batch(ops, f"b{n}{i}")[0].ok
                else:
                    client.query_all("SELECT * FROM Term")
                done.append(1)
        except BaseException as exc:  # noqa: BLE001 - asserted below
            failures.append(exc)
        finally:
            conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not failures, failures
    assert len(done) == 20
    state = sandbox.sandbox_state()
    assert state["throttled"] == 0
    assert state["max_inflight"][US_REALM] <= 3
    assert time.monotonic() - started >= 1.0  # 20 requests at 10/s cannot finish sooner


def test_concurrency_slots_are_released(redis_conn):
    limiter = limiter_for(redis_conn, "t:conc:", max_wait=0.05)
    with limiter.acquire(), limiter.acquire(), limiter.acquire():
        token, wait = limiter.try_acquire()
        assert token is None and wait > 0
    token, _ = limiter.try_acquire()
    assert token is not None
    limiter.release(token)


def test_batch_window_is_separate(redis_conn):
    limiter = limiter_for(redis_conn, "t:batch:")
    for _ in range(3):
        token, _ = limiter.try_acquire(batch=True)
        limiter.release(token)
    token, wait = limiter.try_acquire(batch=True)
    assert token is None and 0 < wait <= 1.2
    token, _ = limiter.try_acquire(batch=False)  # plain calls still have room
    assert token is not None
