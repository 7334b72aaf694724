"""Read a whole Manage list at once: the count, then every numbered page concurrently.

Navigable paging (``page=`` with ``orderBy=id asc``, reference §2.1; forward-only paging is
unconfirmed on the accounting endpoints) lets the pages be read side by side once
``{collection}/count`` has said how many there are: 5,000 unposted invoices cost two round
trips (the count, then five pages of 1,000 at once) instead of five one after the other.

Reading pages side by side opens a window: a transaction batched (or unbatched) between
the count and a page read shifts the later pages, so a row is read twice or not at all. The
pages are therefore checked against the count and each other: the rows must add up to the
count, no row may appear twice, ids must rise (the order asked for) and the last page must
be the last one. A read that fails a check is done once more from the count; when the second
does not add up either, the result carries a ``problem`` that says what did not add up, with
the rows read (each once) so the page can still show them and say so.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import ManageDiscoveryError
from .transport import read_json

if TYPE_CHECKING:
    from .client import ManageClient

log = logging.getLogger(__name__)

DEFAULT_WORKERS = 8  # pages read at once; the requests session's pool holds 10 connections
ATTEMPTS = 2  # a read that does not add up is done once more, then said to be unreliable


@dataclass
class FullList:
    """Every row of a list, the count Manage gave, and what did not add up (if anything)."""

    rows: list[dict]
    count: int
    problem: str | None = None  # e.g. "it counted 5,000 but its pages held 4,999"
    attempts: int = 1


def read_all(
    client: ManageClient,
    path: str,
    *,
    conditions: str | None = None,
    fields: str | None = None,
    page_size: int,
    workers: int = DEFAULT_WORKERS,
    key: str = "id",
    count: int | None = None,
    before_pages: Callable[[int], None] | None = None,
) -> FullList:
    """Return every row of ``path`` (``orderBy=id asc``), read ``workers`` pages at a time.

    ``count``: a count read moments ago (with a first page, :func:`read_first`), so the
    first read goes straight to the pages; a read again counts afresh.
    ``before_pages(count)`` runs between the count and the page reads.
    """
    params: dict[str, Any] = {"pageSize": page_size, "orderBy": "id asc"}
    if conditions:
        params["conditions"] = conditions
    if fields:
        params["fields"] = fields
    problem = None
    for attempt in range(1, ATTEMPTS + 1):
        if attempt > 1 or count is None:
            count = client.count(path, conditions)
        if before_pages is not None:
            before_pages(count)
        pages = _read_pages(client, path, params, max(1, math.ceil(count / page_size)), workers)
        rows, problem = _check(pages, count, page_size, key)
        if problem is None:
            return FullList(rows, count, None, attempt)
        log.warning("Manage %s, read %d of %d: %s", path, attempt, ATTEMPTS, problem)
    return FullList(rows, count, problem, ATTEMPTS)


def _read_pages(
    client: ManageClient, path: str, params: dict, pages: int, workers: int
) -> list[tuple[list[dict], bool]]:
    """Return [(rows, there is a next page)] of pages 1..``pages``, in page order."""
    url = client.url(path)

    def one(number: int) -> tuple[list[dict], bool]:
        response = client.transport.send("GET", url, params={**params, "page": number})
        rows = read_json(response, method="GET", url=url) or []
        if not isinstance(rows, list):
            raise ManageDiscoveryError(f"expected a list from {path}", url=url)
        if "Link" in response.headers:
            more = "next" in response.links
        else:  # no Link header at all: a full page means there may be more
            more = len(rows) == params["pageSize"]
        return rows, more

    if pages == 1:
        return [one(1)]
    with ThreadPoolExecutor(max_workers=min(workers, pages), thread_name_prefix="cw-page") as pool:
        return list(pool.map(one, range(1, pages + 1)))


def _check(
    pages: list[tuple[list[dict], bool]], count: int, page_size: int, key: str
) -> tuple[list[dict], str | None]:
    """Return (the rows, each once, in order; what does not add up or None)."""
    rows: list[dict] = []
    seen: set = set()
    repeated = falling = 0
    last = None
    for page, _more in pages:
        for row in page:
            ident = row.get(key) if isinstance(row, dict) else None
            if ident is not None:
                if ident in seen:
                    repeated += 1
                    continue
                seen.add(ident)
                if isinstance(ident, int) and last is not None and ident <= last:
                    falling += 1
                last = ident if isinstance(ident, int) else last
            rows.append(row)
    short = [n for n, (page, _) in enumerate(pages[:-1], start=1) if len(page) != page_size]
    more_after = pages[-1][1]
    read = sum(len(page) for page, _ in pages)
    if read == count and not (repeated or falling or short or more_after):
        return rows, None
    parts = [f"it counted {count:,} but its pages held {read:,}"]
    if repeated:
        parts.append(f"{repeated:,} twice")
    if short:
        parts.append(f"page {short[0]} was not full")
    if more_after:
        parts.append(f"page {len(pages)} was not the last")
    if falling:
        parts.append("the rows came out of order")
    return rows, "; ".join(parts)


@dataclass
class FirstPage:
    """The first page of a list and the count; ``complete`` when it holds the whole list."""

    rows: list[dict]
    count: int
    complete: bool


def read_first(
    client: ManageClient,
    path: str,
    *,
    conditions: str | None = None,
    fields: str | None = None,
    page_size: int,
    key: str = "id",
) -> FirstPage:
    """Return the first ``page_size`` rows (``orderBy=id asc``) and the count, read at once.

    ``complete`` says the page is the whole list and adds up (the same checks as
    :func:`read_all`); otherwise the rest is for :func:`read_all` to read.
    """
    params: dict[str, Any] = {"pageSize": page_size, "orderBy": "id asc"}
    if conditions:
        params["conditions"] = conditions
    if fields:
        params["fields"] = fields
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="cw-first") as pool:
        counted = pool.submit(client.count, path, conditions)
        page = pool.submit(_read_pages, client, path, params, 1, 1)
        count, pages = counted.result(), page.result()
    rows, problem = _check(pages, count, page_size, key)
    return FirstPage(rows, count, problem is None)
