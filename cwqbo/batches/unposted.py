"""Manage's unposted transactions and billing locations for the selection page (spec D2).

Listing 5,000 unposted invoices takes several Manage pages, so the whole list is kept in
Redis for a couple of minutes per kind and location: paging, filtering and select-all
read the cached copy; "Refresh" (``refresh=True``) reads Manage again. Rows that a batch
has batched in Manage since the copy was taken are left out, so a finished batch never
leaves its transactions selectable.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import datetime

import redis

from cwqbo.batches.rows import UnpostedRow, parse_row, shorten, shown
from cwqbo.connections import manage_client
from cwqbo.extensions import db
from cwqbo.jobs import KEY_PREFIX, get_redis
from cwqbo.models import BatchTransaction, ManageConnection
from cwqbo.models.user import utcnow

log = logging.getLogger(__name__)

CACHE_SECONDS = 120
# Only the fields the page shows: a 5,000-row list stays a few hundred kilobytes. The
# references come whole, so one that is not an object is seen as such (rows.py).
FIELDS = {
    "invoices": (
        "id,billingLogId,invoiceNumber,invoiceDate,company,locationId,location,total,currency"
    ),
    "expenses": (
        "id,expenseDetailId,dateExpense,member,locationId,location,total,currency,"
        "expenseType,classification,paymentMethod,billableAmount"
    ),
}
# Once a transaction is in one of these states, Manage no longer lists it as unposted.
GONE_STATES = (BatchTransaction.BATCHED, BatchTransaction.SKIPPED)


@dataclass
class Listing:
    """The unposted rows of one kind (and location), and when Manage was read."""

    rows: list[UnpostedRow]
    fetched_at: datetime

    def by_id(self) -> dict[str, UnpostedRow]:
        return {row.manage_id: row for row in self.rows}


def _scope() -> str:
    """Name the Manage tenant in cache keys, so a new connection never sees old rows."""
    connection = ManageConnection.current()
    if connection is None:
        return "none"
    return f"{connection.id}-{connection.company_id}".lower()


def _key(*parts: object) -> str:
    return KEY_PREFIX + ":".join(str(p) for p in parts)


def _read_cache(key: str) -> dict | list | None:
    try:
        raw = get_redis().get(key)
    except redis.RedisError as exc:
        log.warning("unposted cache unavailable: %s", exc)
        return None
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        log.warning("unposted cache entry %s is not JSON; reading ConnectWise again", key)
        return None


def _write_cache(key: str, value: dict | list) -> None:
    try:
        get_redis().set(key, json.dumps(value), ex=CACHE_SECONDS)
    except redis.RedisError as exc:
        log.warning("unposted cache unavailable: %s", exc)


def _fetch(kind: str, location_id: int | None) -> list[UnpostedRow]:
    with manage_client() as client:
        rows = client.iter_unposted(kind, location_id=location_id, fields=FIELDS.get(kind))
        listed = [parse_row(kind, raw, n) for n, raw in enumerate(rows, start=1)]
    bad = [row for row in listed if row.problems]
    if bad:  # shown on the page too; the log says it happened
        first = bad[0]
        log.warning(
            "ConnectWise listed %d unreadable %s row(s), e.g. %s: %s",
            len(bad),
            kind,
            first.number or first.manage_id,
            "; ".join(first.problems),
        )
    return listed


def list_unposted(kind: str, location_id: int | None = None, *, refresh: bool = False) -> Listing:
    """Return Manage's unposted rows of a kind, from the cache unless ``refresh``.

    Raises ``NotConnected`` or a ``ManageError`` when Manage cannot be read.
    """
    key = _key("unposted", _scope(), kind, location_id or "all")
    listing = None if refresh else _cached_listing(key)
    if listing is None:
        fetched_at = utcnow()
        listing = Listing(_fetch(kind, location_id), fetched_at)
        _write_cache(
            key,
            {
                "fetched_at": fetched_at.isoformat(),
                "rows": [asdict(row) for row in listing.rows],
            },
        )
    gone = _batched_since(kind, listing.fetched_at)
    if gone:
        listing.rows = [row for row in listing.rows if row.manage_id not in gone]
    return listing


def _cached_listing(key: str) -> Listing | None:
    """Return the cached listing, or None when there is none that this code can read."""
    cached = _read_cache(key)
    try:
        return Listing(
            [UnpostedRow(**row) for row in cached["rows"]],
            datetime.fromisoformat(cached["fetched_at"]),
        )
    except (TypeError, KeyError, ValueError):  # none, or written by another version
        return None


def _batched_since(kind: str, moment: datetime) -> set[str]:
    """Return the ids that batches have taken out of Manage's unposted list since ``moment``."""
    query = db.select(BatchTransaction.manage_id).where(
        BatchTransaction.kind == kind,
        BatchTransaction.state.in_(GONE_STATES),
        BatchTransaction.updated_at >= moment,
    )
    return set(db.session.scalars(query))


def list_locations(*, refresh: bool = False) -> list[dict]:
    """Return Manage's billing locations as ``[{"id": 1, "name": "Tampa HQ"}, …]``."""
    key = _key("manage-locations", _scope())
    cached = None if refresh else _read_cache(key)
    if isinstance(cached, list):
        return cached
    with manage_client() as client:
        locations = [loc for loc in map(_location, client.iter_locations(fields="id,name")) if loc]
    locations.sort(key=lambda loc: loc["name"].lower())
    _write_cache(key, locations)
    return locations


def _location(row: object) -> dict | None:
    """Read one billing location; one without a usable id cannot be picked, so it is left out."""
    ident = row.get("id") if isinstance(row, dict) else None
    if isinstance(ident, bool) or not isinstance(ident, int) or ident <= 0:
        log.warning("ConnectWise listed a location without a usable id: %s", shown(row))
        return None
    name = row.get("name")
    name = shorten(name.strip()) if isinstance(name, str) and name.strip() else ""
    return {"id": ident, "name": name or f"Location {ident}"}


def forget(kind: str | None = None) -> None:
    """Drop the cached lists (of one kind, or all), so the next listing reads Manage."""
    pattern = _key("unposted", "*", kind or "*", "*")
    try:
        conn = get_redis()
        keys = list(conn.scan_iter(match=pattern, count=500))
        if kind is None:
            keys += list(conn.scan_iter(match=_key("manage-locations", "*"), count=500))
        if keys:
            conn.delete(*keys)
    except redis.RedisError as exc:
        log.warning("unposted cache unavailable: %s", exc)
