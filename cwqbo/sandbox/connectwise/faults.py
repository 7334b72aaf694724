"""Fault knobs of the Manage sandbox: latency, 429/500, dropped and slow responses, 403s.

Set from the environment (``CW_SANDBOX_*``), the CLI, ``create_sandbox_app(**knobs)`` or
``POST /_sandbox/faults``. Random faults draw from a seeded generator so runs repeat;
``script`` lists faults for the next requests in order (``"429"``, ``"500"``, ``"drop"``,
``"slow"``, ``"ok"``) and wins over the rates.
"""

from __future__ import annotations

import os
import random
import threading
from dataclasses import asdict, dataclass, field, fields
from typing import Any

FAULT_NAMES = ("ok", "429", "500", "drop", "slow")


@dataclass
class Faults:
    latency_ms: int = 0
    rate_429: float = 0.0
    retry_after: float = 1.0
    rate_500: float = 0.0
    rate_drop: float = 0.0
    rate_slow: float = 0.0
    slow_ms: int = 5000
    deny: list[str] = field(default_factory=list)
    script: list[str] = field(default_factory=list)
    seed: int = 0

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> Faults:
        """Build knobs from a dict, ignoring ``None`` and rejecting unknown names."""
        known = {f.name: f for f in fields(cls)}
        kwargs: dict[str, Any] = {}
        for key, value in values.items():
            if value is None:
                continue
            if key not in known:
                raise ValueError(f"unknown sandbox knob {key!r}")
            default = getattr(cls(), key)
            if isinstance(default, list):
                value = (
                    [v.strip() for v in value.split(",") if v.strip()]
                    if isinstance(value, str)
                    else list(value)
                )
            else:
                value = type(default)(value)
            kwargs[key] = value
        faults = cls(**kwargs)
        for name in faults.script:
            if name not in FAULT_NAMES:
                raise ValueError(f"unknown fault {name!r} in script")
        return faults

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> dict[str, str]:
        """Return the knobs found in ``CW_SANDBOX_<KNOB>`` environment variables."""
        env = os.environ if environ is None else environ
        return {
            f.name: env[f"CW_SANDBOX_{f.name.upper()}"]
            for f in fields(cls)
            if f"CW_SANDBOX_{f.name.upper()}" in env
        }

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class FaultInjector:
    """Decide, per API request, which fault (if any) to play."""

    def __init__(self, faults: Faults | None = None):
        self._lock = threading.Lock()
        self.configure(faults or Faults())
        self.counts: dict[str, int] = {}

    def configure(self, faults: Faults) -> None:
        with self._lock:
            self.faults = faults
            self.rng = random.Random(faults.seed)
            self.script = list(faults.script)
            self.counts = {}

    def denied(self, api_path: str) -> bool:
        """True when ``api_path`` (under /apis/3.0) starts with a denied endpoint."""
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
