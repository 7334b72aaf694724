"""One fault, latency and rate-limit mechanism for both local simulators (Manage and QBO).

Knobs (the same names on both sandboxes):

=================  =======  ===============================================================
``latency_ms``     0        milliseconds added to every API request
``rate_429``       0.0      share of requests answered 429 (with ``Retry-After``)
``rate_500``       0.0      share answered 500
``rate_drop``      0.0      share whose connection is closed without an answer
``rate_slow``      0.0      share answered only after ``slow_ms``
``slow_ms``        5000     delay of a "slow" answer
``retry_after``    1.0      seconds sent in ``Retry-After`` on injected 429s
``rate_limit``     0        requests allowed per ``rate_limit_window`` (0 = no limit); more
                            get 429 with ``Retry-After`` = seconds until a slot frees
``rate_limit_window`` 60.0  seconds of the rate-limit window
``deny``           []       API paths (prefixes) answered 403, e.g. ``/system/members``
``script``         []       faults for the next requests in order (``"429"``, ``"500"``,
                            ``"drop"``, ``"slow"``, ``"ok"``); wins over the rates
``seed``           0        seed of the random draws, so runs repeat
=================  =======  ===============================================================

Set them with ``create_sandbox_app(**knobs)`` / ``serve_in_thread(**knobs)``, with
environment variables ``SANDBOX_<KNOB>`` (both sandboxes) overridden by ``CW_SANDBOX_<KNOB>``
or ``QBO_SANDBOX_<KNOB>`` (one of them; lists comma-separated), or at run time with
``POST /_sandbox/faults`` whose JSON body holds knobs and replaces the whole set (omitted
knobs take their defaults; ``{}`` clears every fault). ``GET /_sandbox/faults`` shows them;
``/_sandbox/state`` adds ``faultCounts``. Each sandbox renders a fault its own way: Manage
answers Cloudflare/Manage-style JSON, QBO its ``Fault`` bodies (3001 throttle, 10000 system
failure, 3100 forbidden). A Manage "drop" closes the connection before any work; a QBO
"drop" does the work and then closes it, so the client cannot know the outcome.
"""

from __future__ import annotations

import collections
import math
import os
import random
import threading
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

FAULT_NAMES = ("ok", "429", "500", "drop", "slow")
SHARED_PREFIX = "SANDBOX_"


@dataclass
class Faults:
    latency_ms: int = 0
    rate_429: float = 0.0
    retry_after: float = 1.0
    rate_500: float = 0.0
    rate_drop: float = 0.0
    rate_slow: float = 0.0
    slow_ms: int = 5000
    rate_limit: int = 0
    rate_limit_window: float = 60.0
    deny: list[str] = field(default_factory=list)
    script: list[str] = field(default_factory=list)
    seed: int = 0

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Faults:
        """Build knobs from a dict, ignoring ``None``; unknown names or bad values raise."""
        defaults = cls()
        kwargs: dict[str, Any] = {}
        for key, value in values.items():
            if value is None:
                continue
            if key not in cls.names():
                raise ValueError(f"unknown sandbox knob {key!r}; known: {', '.join(cls.names())}")
            default = getattr(defaults, key)
            if isinstance(default, list):
                value = (
                    [v.strip() for v in value.split(",") if v.strip()]
                    if isinstance(value, str)
                    else [str(v) for v in value]
                )
            else:
                try:
                    value = type(default)(value)
                except (TypeError, ValueError):
                    raise ValueError(
                        f"sandbox knob {key!r} needs a {type(default).__name__}, got {value!r}"
                    ) from None
                if value < 0:
                    raise ValueError(f"sandbox knob {key!r} cannot be negative")
            kwargs[key] = value
        faults = cls(**kwargs)
        for name in faults.script:
            if name not in FAULT_NAMES:
                raise ValueError(f"unknown fault {name!r} in script; known: {FAULT_NAMES}")
        return faults

    @classmethod
    def from_env(cls, prefix: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
        """Return knobs set as ``SANDBOX_<KNOB>``, overridden by ``<prefix><KNOB>``."""
        env = os.environ if environ is None else environ
        found: dict[str, str] = {}
        for pre in (SHARED_PREFIX, prefix):
            for name in cls.names():
                if f"{pre}{name.upper()}" in env:
                    found[name] = env[f"{pre}{name.upper()}"]
        return found

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class SlidingWindow:
    """At most ``limit`` events per ``window`` seconds per key; callers hold their own lock."""

    def __init__(self) -> None:
        self.events: dict[str, collections.deque[float]] = collections.defaultdict(
            collections.deque
        )

    def wait(self, key: str, limit: int, window: float, now: float | None = None) -> float:
        """Seconds until ``key`` may have another event (0 = now); nothing is recorded."""
        now = time.monotonic() if now is None else now
        dq = self.events[key]
        while dq and dq[0] <= now - window:
            dq.popleft()
        if len(dq) < limit:
            return 0.0
        return max(dq[0] + window - now, 0.001)

    def record(self, key: str, now: float | None = None) -> None:
        self.events[key].append(time.monotonic() if now is None else now)


class FaultInjector:
    """Decide, per API request, the latency, rate limit and fault to play."""

    def __init__(self, faults: Faults | None = None) -> None:
        self._lock = threading.Lock()
        self.counts: dict[str, int] = {}
        self.configure(faults or Faults())

    @classmethod
    def from_settings(cls, env_prefix: str, knobs: Mapping[str, Any]) -> FaultInjector:
        """Build from the environment (``SANDBOX_*``, ``<env_prefix>*``), then ``knobs``."""
        return cls(Faults.from_mapping({**Faults.from_env(env_prefix), **knobs}))

    def configure(self, faults: Faults) -> None:
        with self._lock:
            self.faults = faults
            self.rng = random.Random(faults.seed)
            self.script = list(faults.script)
            self.window = SlidingWindow()
            self.counts = {}

    def control(self, method: str, body: Any) -> tuple[dict[str, Any], int]:
        """Serve ``GET``/``POST /_sandbox/faults``: (JSON body, status) alike on both sandboxes."""
        if method == "POST":
            if not isinstance(body, dict):
                return {"error": "the body must be a JSON object of knobs"}, 400
            try:
                self.configure(Faults.from_mapping(body))
            except ValueError as exc:
                return {"error": str(exc)}, 400
        return self.faults.as_dict(), 200

    def sleep_latency(self) -> None:
        if self.faults.latency_ms:
            time.sleep(self.faults.latency_ms / 1000)

    def admit(self, key: str = "") -> float:
        """Count a request against ``rate_limit``; return 0 or the Retry-After seconds."""
        f = self.faults
        if not f.rate_limit:
            return 0.0
        with self._lock:
            wait = self.window.wait(key, f.rate_limit, f.rate_limit_window)
            if wait:
                self.counts["rate_limited"] = self.counts.get("rate_limited", 0) + 1
                return float(max(1, math.ceil(wait)))
            self.window.record(key)
            return 0.0

    def denied(self, api_path: str) -> bool:
        """True when ``api_path`` starts with a denied endpoint (case-insensitive)."""
        path = "/" + api_path.strip("/").lower()
        for prefix in self.faults.deny:
            want = "/" + prefix.strip("/").lower()
            if path == want or path.startswith(want + "/"):
                return True
        return False

    def draw(self) -> str:
        """Return the fault for the next request: one of FAULT_NAMES."""
        with self._lock:
            if self.script:
                fault = self.script.pop(0)
            else:
                f, roll = self.faults, self.rng.random()
                fault = "ok"
                for name, rate in (
                    ("drop", f.rate_drop),
                    ("429", f.rate_429),
                    ("500", f.rate_500),
                    ("slow", f.rate_slow),
                ):
                    if roll < rate:
                        fault = name
                        break
                    roll -= rate
            self.counts[fault] = self.counts.get(fault, 0) + 1
            return fault

    def slow(self) -> None:
        time.sleep(self.faults.slow_ms / 1000)
