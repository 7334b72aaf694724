"""Manage's unposted transactions and billing locations for the selection page (spec D2).

Listing 5,000 unposted invoices takes several Manage pages, so the whole list is kept in
Redis for a couple of minutes per kind and location: paging, filtering and select-all
read the cached copy; "Refresh" (``refresh=True``) reads Manage again. Rows that a batch
has batched in Manage since the copy was taken are left out, so a finished batch never
leaves its transactions selectable.

Cold, the page waits for one Manage round trip whatever the size (``first_page``): the
first 100 rows, the count and the locations side by side; the page then asks for the rest,
which reads every page of the list at once on that count (``connectwise.paging``: the pages
are checked against the count and read again once, counted afresh, when they do not add up).
A list that still does not add up keeps the rows read and says so in ``Listing.problem``,
shown on the page.
"""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

import redis

from cwqbo.batches.rows import UnpostedRow, parse_row, shorten, shown
from cwqbo.connections import NotConnected, manage_client
from cwqbo.connectwise import ManageClient, ManageError
from cwqbo.connectwise.accounting import NOUNS, transaction_type
from cwqbo.extensions import db
from cwqbo.jobs import KEY_PREFIX, get_redis
from cwqbo.models import BatchTransaction, ManageConnection
from cwqbo.models.user import utcnow

log = logging.getLogger(__name__)

CACHE_SECONDS = 120
COUNT_SECONDS = 30  # how long a first page's count spares the rest a count of its own
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
    problem: str | None = None  # Manage's pages did not add up, twice (see the module doc)
    total: int | None = None  # set on a first page only: how many Manage counted in all

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


def _write_cache(key: str, value: dict | list | int, seconds: int = CACHE_SECONDS) -> None:
    try:
        get_redis().set(key, json.dumps(value), ex=seconds)
    except redis.RedisError as exc:
        log.warning("unposted cache unavailable: %s", exc)


def _take_count(key: str) -> int | None:
    """Return (and forget) the count a first page was read with, while it is recent."""
    try:
        raw = get_redis().getdel(key)
    except redis.RedisError as exc:
        log.warning("unposted cache unavailable: %s", exc)
        return None
    try:
        count = json.loads(raw) if raw else None
    except ValueError:
        return None
    usable = isinstance(count, int) and not isinstance(count, bool) and count >= 0
    return count if usable else None


@dataclass
class Loaded:
    """What the selection page reads from Manage: each part, or why it could not be read."""

    listing: Listing | None = None
    listing_error: Exception | None = None
    locations: list[dict] = field(default_factory=list)
    locations_error: Exception | None = None


def _read_first(
    client: ManageClient, kind: str, location_id: int | None, size: int
) -> Listing | None:
    """Return the first ``size`` rows (``total`` set), the whole list if it fits, or None.

    None: the first page did not add up; the whole list is read (and checked) instead.
    """
    fetched_at = utcnow()
    first = client.read_unposted_first(
        kind, page_size=size, location_id=location_id, fields=FIELDS.get(kind)
    )
    if first.count <= size and not first.complete:
        return None
    listing = Listing(_parse(kind, first.rows), fetched_at)
    if not first.complete:
        listing.total = first.count
    return listing


def _parse(kind: str, raws: list[dict]) -> list[UnpostedRow]:
    listed = [parse_row(kind, raw, n) for n, raw in enumerate(raws, start=1)]
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


def _read_rows(
    client: ManageClient, kind: str, location_id: int | None, count: int | None = None
) -> Listing:
    fetched_at = utcnow()  # before the read: batches that end meanwhile are left out after
    full = client.read_unposted(kind, location_id=location_id, fields=FIELDS.get(kind), count=count)
    listed = _parse(kind, full.rows)
    problem = None
    if full.problem:
        noun = NOUNS[transaction_type(kind)]
        problem = (
            f"ConnectWise Manage's list of unposted {noun} changed while cwqbo read it, twice "
            f"({full.problem}). The {len(listed):,} shown are the ones read, each once; some "
            "may be missing. Press Refresh to read the list again."
        )
    return Listing(listed, fetched_at, problem)


def _read_locations(client: ManageClient) -> list[dict]:
    locations = [loc for loc in map(_location, client.iter_locations(fields="id,name")) if loc]
    locations.sort(key=lambda loc: loc["name"].lower())
    return locations


def load(
    kind: str,
    location_id: int | None = None,
    *,
    refresh: bool = False,
    rows: bool = True,
    locations: bool = True,
    first_page: int | None = None,
) -> Loaded:
    """Return the unposted rows and the billing locations, from the cache unless ``refresh``.

    What is not cached is read from Manage, the rows and the locations side by side. A part
    that Manage could not give carries its ``NotConnected`` or ``ManageError``.
    ``first_page=100``: when the rows are not cached, read only the first 100 and the count
    (``Listing.total``), one round trip, unless they are the whole list; the page loads the
    rest with a second request.
    """
    scope = _scope()
    rows_key = _key("unposted", scope, kind, location_id or "all")
    count_key = _key("unposted-count", scope, kind, location_id or "all")
    locations_key = _key("manage-locations", scope)
    loaded = Loaded()
    if rows and not refresh:
        loaded.listing = _cached_listing(rows_key)
    cached_locations = None if refresh or not locations else _read_cache(locations_key)
    if isinstance(cached_locations, list):
        loaded.locations = cached_locations
    jobs = {}
    if rows and loaded.listing is None and first_page:
        jobs["rows"] = lambda client: (
            _read_first(client, kind, location_id, first_page)
            or _read_rows(client, kind, location_id)
        )
    elif rows and loaded.listing is None:
        # The count a first page was read with moments ago: the rest reads its pages at once.
        counted = None if refresh else _take_count(count_key)
        jobs["rows"] = lambda client: _read_rows(client, kind, location_id, counted)
    if locations and not isinstance(cached_locations, list):
        jobs["locations"] = _read_locations
    if jobs:
        results = _run(jobs)
        if "rows" in results:
            loaded.listing, loaded.listing_error = _split(results["rows"])
            if loaded.listing is not None and loaded.listing.total is None:
                _write_cache(rows_key, _listing_json(loaded.listing))
            elif loaded.listing is not None:
                _write_cache(count_key, loaded.listing.total, COUNT_SECONDS)
        if "locations" in results:
            found, loaded.locations_error = _split(results["locations"])
            if found is not None:
                loaded.locations = found
                _write_cache(locations_key, found)
    if loaded.listing is not None:
        gone = _batched_since(kind, loaded.listing.fetched_at)
        if gone:
            loaded.listing.rows = [r for r in loaded.listing.rows if r.manage_id not in gone]
    return loaded


def _run(jobs: dict) -> dict[str, object]:
    """Run each job on one Manage client, side by side; return {name: result or error}."""
    try:
        client = manage_client()
    except NotConnected as exc:
        return {name: exc for name in jobs}

    def attempt(job):
        try:
            return job(client)
        except ManageError as exc:
            return exc

    with client:
        if len(jobs) == 1:
            return {name: attempt(job) for name, job in jobs.items()}
        with ThreadPoolExecutor(max_workers=len(jobs), thread_name_prefix="cw-load") as pool:
            futures = {name: pool.submit(attempt, job) for name, job in jobs.items()}
            return {name: future.result() for name, future in futures.items()}


def _split(result: object) -> tuple[object, Exception | None]:
    return (None, result) if isinstance(result, Exception) else (result, None)


def _listing_json(listing: Listing) -> dict:
    return {
        "fetched_at": listing.fetched_at.isoformat(),
        "problem": listing.problem,
        "rows": [dict(vars(row)) for row in listing.rows],
    }


def list_unposted(kind: str, location_id: int | None = None, *, refresh: bool = False) -> Listing:
    """Return Manage's unposted rows of a kind, from the cache unless ``refresh``.

    Raises ``NotConnected`` or a ``ManageError`` when Manage cannot be read.
    """
    loaded = load(kind, location_id, refresh=refresh, locations=False)
    if loaded.listing_error is not None:
        raise loaded.listing_error
    assert loaded.listing is not None
    return loaded.listing


def _cached_listing(key: str) -> Listing | None:
    """Return the cached listing, or None when there is none that this code can read."""
    cached = _read_cache(key)
    try:
        return Listing(
            [UnpostedRow(**row) for row in cached["rows"]],
            datetime.fromisoformat(cached["fetched_at"]),
            cached.get("problem"),
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
    loaded = load("invoices", refresh=refresh, rows=False)
    if loaded.locations_error is not None:
        raise loaded.locations_error
    return loaded.locations


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
    patterns = [_key(name, "*", kind or "*", "*") for name in ("unposted", "unposted-count")]
    try:
        conn = get_redis()
        keys = [key for pattern in patterns for key in conn.scan_iter(match=pattern, count=500)]
        if kind is None:
            keys += list(conn.scan_iter(match=_key("manage-locations", "*"), count=500))
        if keys:
            conn.delete(*keys)
    except redis.RedisError as exc:
        log.warning("unposted cache unavailable: %s", exc)
