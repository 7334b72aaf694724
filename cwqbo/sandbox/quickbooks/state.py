"""The sandbox's whole state: companies, OAuth, throttles, injected faults and counters."""

from __future__ import annotations

import collections
import json
import random
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from .company import Company
from .oauth import OAuthServer

DEFAULT_DATASET = Path(__file__).resolve().parent.parent / "data" / "quickbooks_sample.json"

KNOBS: dict[str, Any] = {
    "rate_per_minute": 500,  # requests per window per realm
    "rate_batch_per_minute": 40,  # batch requests per window per realm
    "rate_concurrency": 10,  # in-flight requests per realm
    "rate_window": 60.0,  # seconds; lower it in tests
    "access_ttl": 3600,
    "refresh_ttl": 8726400,
    "hard_ttl": 5 * 365 * 86400,
    "refresh_grace": 0.0,  # seconds a superseded refresh token keeps working (reference U2)
    "rotate_refresh_tokens": True,
    "latency": 0.0,  # seconds added to every API call
    "fault_seed": 0,
    "fault_rates": {"429": 0.0, "500": 0.0, "drop": 0.0, "slow": 0.0},
    "slow_seconds": 2.0,
    "cdc_max_days": 30,
}


class Throttle:
    """Per-realm sliding windows and a concurrency count, as QBO enforces them."""

    def __init__(self) -> None:
        self.calls: dict[str, collections.deque[float]] = collections.defaultdict(collections.deque)
        self.batches: dict[str, collections.deque[float]] = collections.defaultdict(
            collections.deque
        )
        self.inflight: dict[str, int] = collections.defaultdict(int)
        self.max_inflight: dict[str, int] = collections.defaultdict(int)
        self.throttled = 0

    def enter(self, knobs: dict[str, Any], realm: str, batch: bool) -> bool:
        now, window = time.monotonic(), float(knobs["rate_window"])
        for dq in (self.calls[realm], self.batches[realm]):
            while dq and dq[0] <= now - window:
                dq.popleft()
        if (
            len(self.calls[realm]) >= knobs["rate_per_minute"]
            or (batch and len(self.batches[realm]) >= knobs["rate_batch_per_minute"])
            or self.inflight[realm] >= knobs["rate_concurrency"]
        ):
            self.throttled += 1
            return False
        self.calls[realm].append(now)
        if batch:
            self.batches[realm].append(now)
        self.inflight[realm] += 1
        self.max_inflight[realm] = max(self.max_inflight[realm], self.inflight[realm])
        return True

    def leave(self, realm: str) -> None:
        self.inflight[realm] -= 1


class SandboxState:
    """Everything the sandbox knows; one re-entrant lock guards it."""

    def __init__(self, dataset_path: str | Path | None = None, **knobs: Any) -> None:
        unknown = set(knobs) - set(KNOBS)
        if unknown:
            raise TypeError(f"unknown sandbox knobs: {sorted(unknown)}")
        self.dataset_path = Path(dataset_path or DEFAULT_DATASET)
        self.initial_knobs = {**KNOBS, **knobs}
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        """Reload the dataset and forget tokens, counters and faults."""
        with self.lock:
            data = json.loads(self.dataset_path.read_text(encoding="utf-8"))
            self.knobs = json.loads(json.dumps(self.initial_knobs))
            self.data = data
            self.companies = {
                str(realm_id): Company(str(realm_id), realm, self.now)
                for realm_id, realm in data["realms"].items()
            }
            self.oauth = OAuthServer(self.knobs, data.get("clients", []))
            self.throttle = Throttle()
            self.rng = random.Random(self.knobs["fault_seed"])
            self.fault_script: list[str] = []
            self.counts: collections.Counter[str] = collections.Counter()

    def now(self) -> datetime:
        return datetime.now().astimezone()

    def set_knobs(self, **knobs: Any) -> None:
        with self.lock:
            unknown = set(knobs) - set(KNOBS)
            if unknown:
                raise TypeError(f"unknown sandbox knobs: {sorted(unknown)}")
            self.knobs.update(knobs)
            if "fault_seed" in knobs:
                self.rng = random.Random(knobs["fault_seed"])

    def next_fault(self) -> str | None:
        """Pick the injected fault for this API call: the script first, then the seeded rates."""
        with self.lock:
            if self.fault_script:
                fault = self.fault_script.pop(0)
                if fault in ("", "ok"):
                    return None
                self.counts[f"fault_{fault}"] += 1
                return fault
            for fault, rate in self.knobs["fault_rates"].items():
                if rate and self.rng.random() < rate:
                    self.counts[f"fault_{fault}"] += 1
                    return fault
        return None

    def add_token(self, realm_id: str, access_ttl: float | None = None) -> str:
        """Mint an access token for a realm without the consent flow (tests, demo)."""
        with self.lock:
            from .oauth import Grant

            grant = Grant("_sandbox", realm_id, time.time())
            self.oauth.grants.append(grant)
            body = self.oauth._tokens(grant, time.time(), rotate=True, hard=False)
            if access_ttl is not None:
                self.oauth.access[body["access_token"]] = (grant, time.time() + access_ttl)
            return body["access_token"]

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "oauth": self.oauth.snapshot(),
                "counts": dict(self.counts),
                "throttled": self.throttle.throttled,
                "max_inflight": dict(self.throttle.max_inflight),
                "knobs": self.knobs,
                "fault_script": list(self.fault_script),
                "realms": {
                    rid: {
                        "CompanyName": c.info.get("CompanyName"),
                        "Country": c.info.get("Country"),
                        "entities": {e: len(rows) for e, rows in c.rows.items()},
                        "requestids": len(c.requests),
                    }
                    for rid, c in self.companies.items()
                },
            }
