"""QBO Accounting API client: one session per realm, typed errors, retries, paging, batch."""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import requests

from . import query as q
from .errors import (
    QBOAuthError,
    QBOError,
    QBOServerError,
    QBOThrottled,
    QBOTransportError,
    error_from_fault,
)

log = logging.getLogger(__name__)

MINOR_VERSION = 75  # Intuit serves anything lower as 75 since 2025-08 (reference §2).
BATCH_MAX = 30
THROTTLE_WAIT = 60.0
REQUEST_ID_NAMESPACE = uuid.UUID("5f1c3d4e-2b7a-4c9e-8f10-6a2d3c4b5e6f")


def request_id_for(realm_id: str, key: str) -> str:
    """Derive a stable 36-char requestid from a caller's idempotency key."""
    return str(uuid.uuid5(REQUEST_ID_NAMESPACE, f"{realm_id}:{key}"))


@dataclass
class BatchOp:
    """One batch item: a create/update/delete/void of ``entity`` with ``body``, or a query."""

    operation: str  # create | update | delete | void | query
    entity: str = ""
    body: dict[str, Any] | str = field(default_factory=dict)
    options: str | None = None

    def to_item(self, bid: str) -> dict[str, Any]:
        if self.operation == "query":
            return {"bId": bid, "Query": self.body}
        item: dict[str, Any] = {"bId": bid, self.entity: self.body}
        if self.operation == "void":
            item["operation"] = "update"
            item["optionsData"] = "void"
        else:
            item["operation"] = self.operation
        if self.options:
            item["optionsData"] = self.options
        return item


@dataclass
class BatchResult:
    index: int
    op: BatchOp
    entity: dict[str, Any] | None = None
    query_response: dict[str, Any] | None = None
    error: QBOError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class QBOClient:
    """Call one QBO company (realm). Tokens come from callables; nothing global."""

    def __init__(
        self,
        realm_id: str,
        base_url: str,
        get_token: Callable[[], str],
        force_refresh: Callable[[str], str] | None = None,
        *,
        rate_limiter: Any = None,
        timeout: float = 60.0,
        minorversion: int = MINOR_VERSION,
        sleep: Callable[[float], None] = time.sleep,
        max_retries: int = 4,
        backoff: float = 1.0,
        throttle_wait: float = THROTTLE_WAIT,
        session: requests.Session | None = None,
    ) -> None:
        self.realm_id = str(realm_id)
        self.base_url = base_url.rstrip("/")
        self.get_token = get_token
        self.force_refresh = force_refresh
        self.rate_limiter = rate_limiter
        self.timeout = timeout
        self.minorversion = minorversion
        self.sleep = sleep
        self.max_retries = max_retries
        self.backoff = backoff
        self.throttle_wait = throttle_wait
        self.session = session or requests.Session()
        self.session.headers.update({"Accept": "application/json", "Accept-Encoding": "gzip"})
        self.calls = 0

    # --- transport ------------------------------------------------------------------------
    def url(self, path: str) -> str:
        return f"{self.base_url}/company/{self.realm_id}/{path.lstrip('/')}"

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        text: str | None = None,
        idempotency_key: str | None = None,
        batch: bool = False,
    ) -> dict[str, Any]:
        """Send one call with retries; return the decoded body or raise a typed QBOError."""
        params = {**(params or {}), "minorversion": self.minorversion}
        if method == "POST" and text is None:
            # Every write carries a requestid so a retry cannot create a second record.
            params["requestid"] = request_id_for(self.realm_id, idempotency_key or uuid.uuid4().hex)
        headers = {"Content-Type": "application/text" if text is not None else "application/json"}
        refreshed = False
        attempt = 0
        while True:
            token = self.get_token()
            try:
                return self._send(method, path, params, headers, token, json, text, batch)
            except QBOAuthError:
                if refreshed or self.force_refresh is None:
                    raise
                refreshed = True
                self.force_refresh(token)
                continue
            except QBOError as exc:
                if not exc.retryable or attempt >= self.max_retries:
                    raise
                attempt += 1
                self.sleep(self._delay(exc, attempt))

    def _delay(self, exc: QBOError, attempt: int) -> float:
        if exc.retry_after is not None:
            return exc.retry_after
        if isinstance(exc, QBOThrottled):
            return self.throttle_wait
        return self.backoff * (2 ** (attempt - 1)) * (0.5 + random.random())

    def _send(self, method, path, params, headers, token, json, text, batch) -> dict[str, Any]:
        headers = {**headers, "Authorization": f"Bearer {token}"}
        url = self.url(path)
        limiter = self.rate_limiter
        try:
            if limiter is not None:
                with limiter.acquire(batch=batch):
                    resp = self._http(method, url, params, headers, json, text)
            else:
                resp = self._http(method, url, params, headers, json, text)
        except requests.RequestException as exc:
            log.warning("QBO %s %s failed: %s", method, path, type(exc).__name__)
            raise QBOTransportError(f"QBO {method} {path}: {type(exc).__name__}") from None
        tid = resp.headers.get("intuit_tid")
        log.info("QBO %s %s -> %s (intuit_tid=%s)", method, path, resp.status_code, tid)
        return self._decode(resp, tid)

    def _http(self, method, url, params, headers, json, text) -> requests.Response:
        self.calls += 1
        return self.session.request(
            method,
            url,
            params=params,
            headers=headers,
            json=json,
            data=text.encode("utf-8") if text is not None else None,
            timeout=self.timeout,
        )

    @staticmethod
    def _decode(resp: requests.Response, tid: str | None) -> dict[str, Any]:
        try:
            body = resp.json()
        except ValueError:
            body = None
        retry_after = _retry_after(resp)
        fault = None
        if isinstance(body, dict):
            fault = body.get("Fault") or body.get("fault")
        if fault:
            raise error_from_fault(
                fault, status=resp.status_code, intuit_tid=tid, retry_after=retry_after
            )
        if resp.status_code == 401:
            raise QBOAuthError("AuthenticationFailed", code="3200", status=401, intuit_tid=tid)
        if resp.status_code == 429:
            raise QBOThrottled("ThrottleExceeded", code="3001", status=429, retry_after=retry_after)
        if resp.status_code >= 500:
            raise QBOServerError(
                f"HTTP {resp.status_code}",
                status=resp.status_code,
                intuit_tid=tid,
                retry_after=retry_after,
            )
        if resp.status_code >= 400 or not isinstance(body, dict):
            raise error_from_fault({}, status=resp.status_code, intuit_tid=tid)
        return body

    # --- reads ----------------------------------------------------------------------------
    def query(self, sql: str, page_size: int = q.MAX_PAGE) -> Iterator[dict[str, Any]]:
        """Yield every entity matched by ``sql``, fetching pages of up to 1000."""
        entity = q.entity_of(sql)
        if q.has_paging(sql):
            yield from self._query_page(sql, entity)
            return
        start = 1
        while True:
            rows = self._query_page(q.page(sql, start, page_size), entity)
            yield from rows
            if len(rows) < page_size:
                return
            start += page_size

    def query_all(self, sql: str, page_size: int = q.MAX_PAGE) -> list[dict[str, Any]]:
        return list(self.query(sql, page_size))

    def count(self, sql: str) -> int:
        """Run a ``SELECT count(*)`` statement."""
        body = self.request("POST", "query", text=sql)
        return int(body.get("QueryResponse", {}).get("totalCount", 0))

    def _query_page(self, sql: str, entity: str) -> list[dict[str, Any]]:
        body = self.request("POST", "query", text=sql)
        resp = body.get("QueryResponse", {})
        for key, value in resp.items():
            if key.lower() == entity.lower() and isinstance(value, list):
                return value
        return []

    def read(self, entity: str, entity_id: str) -> dict[str, Any]:
        return self._unwrap(self.request("GET", f"{entity.lower()}/{entity_id}"), entity)

    def company_info(self) -> dict[str, Any]:
        return self._unwrap(self.request("GET", f"companyinfo/{self.realm_id}"), "CompanyInfo")

    def preferences(self) -> dict[str, Any]:
        return self._unwrap(self.request("GET", "preferences"), "Preferences")

    # --- writes ---------------------------------------------------------------------------
    def create(self, entity: str, body: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        resp = self.request("POST", entity.lower(), json=body, idempotency_key=idempotency_key)
        return self._unwrap(resp, entity)

    def update(
        self, entity: str, body: dict[str, Any], idempotency_key: str, *, sparse: bool = True
    ) -> dict[str, Any]:
        """Update; ``body`` needs Id and SyncToken. Sparse by default."""
        payload = {**body, "sparse": True} if sparse else dict(body)
        resp = self.request("POST", entity.lower(), json=payload, idempotency_key=idempotency_key)
        return self._unwrap(resp, entity)

    def void(
        self, entity: str, entity_id: str, sync_token: str, idempotency_key: str
    ) -> dict[str, Any]:
        resp = self.request(
            "POST",
            entity.lower(),
            params={"operation": "void"},
            json={"Id": entity_id, "SyncToken": sync_token},
            idempotency_key=idempotency_key,
        )
        return self._unwrap(resp, entity)

    def delete(
        self, entity: str, entity_id: str, sync_token: str, idempotency_key: str
    ) -> dict[str, Any]:
        resp = self.request(
            "POST",
            entity.lower(),
            params={"operation": "delete"},
            json={"Id": entity_id, "SyncToken": sync_token},
            idempotency_key=idempotency_key,
        )
        return self._unwrap(resp, entity)

    def batch(self, ops: Sequence[BatchOp], idempotency_key: str) -> list[BatchResult]:
        """Run ops in requests of at most 30; results come back in input order."""
        results: list[BatchResult] = []
        for n, start in enumerate(range(0, len(ops), BATCH_MAX)):
            chunk = ops[start : start + BATCH_MAX]
            items = [op.to_item(str(i)) for i, op in enumerate(chunk)]
            body = self.request(
                "POST",
                "batch",
                json={"BatchItemRequest": items},
                idempotency_key=f"{idempotency_key}#{n}",
                batch=True,
            )
            by_bid = {str(r.get("bId")): r for r in body.get("BatchItemResponse", [])}
            for i, op in enumerate(chunk):
                results.append(_batch_result(start + i, op, by_bid.get(str(i))))
        return results

    def cdc(
        self, entities: Iterable[str], changed_since: datetime | str
    ) -> dict[str, list[dict[str, Any]]]:
        """Return changed objects per entity since ``changed_since`` (deleted ones included)."""
        since = changed_since.isoformat() if isinstance(changed_since, datetime) else changed_since
        body = self.request(
            "GET", "cdc", params={"entities": ",".join(entities), "changedSince": since}
        )
        out: dict[str, list[dict[str, Any]]] = {}
        for cdc in body.get("CDCResponse", []):
            for qr in cdc.get("QueryResponse", []):
                for key, value in qr.items():
                    if isinstance(value, list):
                        out.setdefault(key, []).extend(value)
        return out

    @staticmethod
    def _unwrap(body: dict[str, Any], entity: str) -> dict[str, Any]:
        for key, value in body.items():
            if key.lower() == entity.lower() and isinstance(value, dict):
                return value
        raise QBOError(f"response has no {entity}")


def _batch_result(index: int, op: BatchOp, item: dict[str, Any] | None) -> BatchResult:
    if item is None:
        return BatchResult(index, op, error=QBOServerError("batch item missing from response"))
    if "Fault" in item:
        return BatchResult(index, op, error=error_from_fault(item["Fault"]))
    if "QueryResponse" in item:
        return BatchResult(index, op, query_response=item["QueryResponse"])
    for key, value in item.items():
        if key != "bId" and isinstance(value, dict):
            return BatchResult(index, op, entity=value)
    return BatchResult(index, op, error=QBOError("empty batch item response"))


def _retry_after(resp: requests.Response) -> float | None:
    value = resp.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
