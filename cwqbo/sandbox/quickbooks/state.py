"""The sandbox's whole state: companies, OAuth, Intuit's throttle, the fault injector, counters."""

from __future__ import annotations

import collections
import json
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from ..faults import FaultInjector, Faults, SlidingWindow
from .company import Company
from .oauth import OAuthServer

DEFAULT_DATASET = Path(__file__).resolve().parent.parent / "data" / "quickbooks_sample.json"

ENV_PREFIX = "QBO_SANDBOX_"  # fault knobs from the environment (cwqbo.sandbox.faults)
# QBO-only settings (``/_sandbox/knobs``); faults, latency and the generic rate limit are the
# shared knobs of cwqbo.sandbox.faults (``/_sandbox/faults``).
KNOBS: dict[str, Any] = {
    # Intuit's throttle (reference §6): per realm, answered with fault 3001 / HTTP 429.
    "throttle_per_minute": 500,  # requests per window
    "throttle_batch_per_minute": 40,  # batch requests per window
    "throttle_concurrency": 10,  # in-flight requests
    "throttle_window": 60.0,  # seconds; lower it in tests
    "access_ttl": 3600,
    "refresh_ttl": 8726400,
    "hard_ttl": 5 * 365 * 86400,
    "refresh_grace": 0.0,  # seconds a superseded refresh token keeps working (reference U2)
    "rotate_refresh_tokens": True,
    "cdc_max_days": 30,
}


class Throttle:
    """Intuit's per-realm windows (all calls, batch calls) and concurrency count."""

    def __init__(self) -> None:
        self.calls, self.batches = SlidingWindow(), SlidingWindow()
        self.inflight: dict[str, int] = collections.defaultdict(int)
        self.max_inflight: dict[str, int] = collections.defaultdict(int)
        self.throttled = 0

    def enter(self, knobs: dict[str, Any], realm: str, batch: bool) -> bool:
        now, window = time.monotonic(), float(knobs["throttle_window"])
        if (
            self.calls.wait(realm, knobs["throttle_per_minute"], window, now)
            or (batch and self.batches.wait(realm, knobs["throttle_batch_per_minute"], window, now))
            or self.inflight[realm] >= knobs["throttle_concurrency"]
        ):
            self.throttled += 1
            return False
        self.calls.record(realm, now)
        if batch:
            self.batches.record(realm, now)
        self.inflight[realm] += 1
        self.max_inflight[realm] = max(self.max_inflight[realm], self.inflight[realm])
        return True

    def leave(self, realm: str) -> None:
        self.inflight[realm] -= 1


def split_knobs(knobs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split keyword knobs into (QBO settings, shared fault knobs); unknown names raise."""
    faults = {k: v for k, v in knobs.items() if k in Faults.names()}
    settings = {k: v for k, v in knobs.items() if k not in faults}
    unknown = set(settings) - set(KNOBS)
    if unknown:
        raise TypeError(
            f"unknown sandbox knobs: {sorted(unknown)}; QBO settings: {sorted(KNOBS)}; "
            f"fault knobs: {list(Faults.names())}"
        )
    return settings, faults


class SandboxState:
    """Everything the sandbox knows; one re-entrant lock guards it."""

    def __init__(self, dataset_path: str | Path | None = None, **knobs: Any) -> None:
        settings, fault_knobs = split_knobs(knobs)
        self.dataset_path = Path(dataset_path or DEFAULT_DATASET)
        self.initial_knobs = {**KNOBS, **settings}
        self.faults = FaultInjector.from_settings(ENV_PREFIX, fault_knobs)
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        """Reload the dataset and forget tokens, counters and settings (faults stay, as in
        the Manage sandbox: ``POST /_sandbox/reset {"faults": {...}}`` sets them too)."""
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
            self.counts: collections.Counter[str] = collections.Counter()

    def now(self) -> datetime:
        return datetime.now().astimezone()

    def set_knobs(self, **knobs: Any) -> None:
        with self.lock:
            settings, fault_knobs = split_knobs(knobs)
            if fault_knobs:
                raise TypeError(
                    f"{sorted(fault_knobs)} are fault knobs: POST them to /_sandbox/faults"
                )
            self.knobs.update(settings)

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
                "faults": self.faults.faults.as_dict(),
                "faultCounts": dict(self.faults.counts),
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
