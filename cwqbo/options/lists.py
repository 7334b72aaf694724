"""The live lists option choices come from, cached per configuration (spec C7).

Each list is loaded through a client the caller supplies (a factory, so nothing is fetched
when the cache answers) and kept in Redis for ``ttl`` seconds. Renders read the cache; saves
validate against freshly loaded lists, so a reference that vanished from QBO a minute ago is
still caught.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

KEY = "cwqbo:options:{config_id}:list:{name}"
DEFAULT_TTL = 15 * 60

QBO_ACCOUNTS = "qbo_accounts"
QBO_TAX_CODES = "qbo_tax_codes"
QBO_ITEMS = "qbo_items"
MANAGE_LOCATIONS = "manage_locations"
MANAGE_TAX_CODES = "manage_tax_codes"

SYSTEM = {
    QBO_ACCOUNTS: "QuickBooks Online",
    QBO_TAX_CODES: "QuickBooks Online",
    QBO_ITEMS: "QuickBooks Online",
    MANAGE_LOCATIONS: "ConnectWise Manage",
    MANAGE_TAX_CODES: "ConnectWise Manage",
}
NOUN = {
    QBO_ACCOUNTS: "account",
    QBO_TAX_CODES: "tax code",
    QBO_ITEMS: "item",
    MANAGE_LOCATIONS: "location",
    MANAGE_TAX_CODES: "tax code",
}


class ListUnavailable(Exception):
    """A list cannot be loaded (not connected, connection lost, API down); says what to do."""


@dataclass(frozen=True)
class Choice:
    """One object of a live list: its id, display name and (accounts) type."""

    id: str
    name: str
    type: str = ""

    def as_ref(self) -> tuple[str, str]:
        return self.id, self.name


def _choices(rows: Iterable[Any], id_key: str, names: tuple[str, ...], noun: str) -> list[Choice]:
    """Read a live list once, sorted by name: a row without a usable id cannot be chosen and
    is left out (logged); one without a readable name is shown by its id."""
    out = []
    for row in rows:
        ident = row.get(id_key) if isinstance(row, dict) else None
        if isinstance(ident, bool) or not isinstance(ident, int | str) or not str(ident).strip():
            log.warning(
                "a %s without a usable %s was left out of the list: %.80r", noun, id_key, row
            )
            continue
        name = next((row[n] for n in names if isinstance(row.get(n), str) and row[n].strip()), "")
        kind = row.get("AccountType")
        kind = kind if isinstance(kind, str) else ""
        out.append(Choice(str(ident), name or f"{noun.capitalize()} {ident}", kind))
    return sorted(out, key=lambda c: c.name.lower())


def qbo_accounts(client) -> list[Choice]:
    """Load the active QBO accounts, named by their full ``a:b:c`` names."""
    rows = client.query("SELECT * FROM Account")
    return _choices(rows, "Id", ("FullyQualifiedName", "Name"), "account")


def qbo_tax_codes(client) -> list[Choice]:
    return _choices(client.query("SELECT * FROM TaxCode"), "Id", ("Name",), "tax code")


def qbo_items(client) -> list[Choice]:
    """Load the active QBO items that can stand on a sales line (not categories)."""
    rows = (r for r in client.query("SELECT * FROM Item") if r.get("Type") != "Category")
    return _choices(rows, "Id", ("FullyQualifiedName", "Name"), "item")


def manage_locations(client) -> list[Choice]:
    return _choices(client.iter_locations(), "id", ("name",), "location")


def manage_tax_codes(client) -> list[Choice]:
    return _choices(client.iter_tax_codes(), "id", ("identifier",), "tax code")


LOADERS: dict[str, tuple[str, Callable[[Any], list[Choice]]]] = {
    QBO_ACCOUNTS: ("qbo", qbo_accounts),
    QBO_TAX_CODES: ("qbo", qbo_tax_codes),
    QBO_ITEMS: ("qbo", qbo_items),
    MANAGE_LOCATIONS: ("manage", manage_locations),
    MANAGE_TAX_CODES: ("manage", manage_tax_codes),
}


class LiveLists:
    """The lists of one configuration, read through a Redis cache.

    ``clients`` maps "qbo" and "manage" to zero-argument factories that return a client or
    raise :class:`ListUnavailable`; ``fetch_errors`` are the client errors that mean "the
    system could not answer" and become :class:`ListUnavailable` too, worded by ``explain``
    when it has something better to say.
    """

    def __init__(
        self,
        redis,
        config_id: int,
        clients: dict[str, Callable[[], Any]],
        fetch_errors: tuple[type[BaseException], ...] = (),
        ttl: int = DEFAULT_TTL,
        explain: Callable[[BaseException], str | None] | None = None,
    ):
        self.redis = redis
        self.config_id = config_id
        self.clients = clients
        self.fetch_errors = fetch_errors
        self.ttl = ttl
        self.explain = explain or (lambda exc: None)
        self._client_cache: dict[str, Any] = {}

    def key(self, name: str) -> str:
        return KEY.format(config_id=self.config_id, name=name)

    def cached(self, name: str) -> list[Choice] | None:
        """Return the cached list, or None when it is not cached."""
        raw = self.redis.get(self.key(name))
        if raw is None:
            return None
        try:
            return [Choice(**c) for c in json.loads(raw)["choices"]]
        except (ValueError, TypeError, KeyError):
            # Written by an older release, or damaged: read it from the source again.
            log.warning(
                "cached %s list of configuration %s is unreadable; reloading", name, self.config_id
            )
            return None

    def loaded_at(self, names: Iterable[str]) -> float | None:
        """Return when the oldest of these cached lists was loaded (epoch seconds)."""
        times = []
        for name in names:
            raw = self.redis.get(self.key(name))
            if raw is None:
                return None
            times.append(json.loads(raw)["loaded_at"])
        return min(times) if times else None

    def get(self, name: str, fresh: bool = False) -> list[Choice]:
        """Return a list, from the cache unless ``fresh``; raise ListUnavailable."""
        if not fresh:
            found = self.cached(name)
            if found is not None:
                return found
        system, loader = LOADERS[name]
        try:
            client = self._client(system)
            choices = loader(client)
        except self.fetch_errors as exc:
            raise ListUnavailable(
                self.explain(exc)
                or f"{SYSTEM[name]} could not be reached for its {NOUN[name]}s ({exc}). "
                "Try again shortly."
            ) from exc
        payload = {"loaded_at": time.time(), "choices": [c.__dict__ for c in choices]}
        self.redis.set(self.key(name), json.dumps(payload), ex=self.ttl)
        return choices

    def get_many(self, names: Iterable[str], fresh: bool = False) -> dict[str, list[Choice]]:
        return {name: self.get(name, fresh) for name in names}

    def peek(self, names: Iterable[str]) -> tuple[dict[str, list[Choice]], str | None]:
        """Return what can be loaded of these lists (cache first) and the first problem."""
        lists, problem = {}, None
        for name in names:
            try:
                lists[name] = self.get(name)
            except ListUnavailable as exc:
                problem = problem or str(exc)
        return lists, problem

    def refresh(self) -> None:
        """Forget every cached list of this configuration."""
        self.redis.delete(*(self.key(name) for name in LOADERS))

    def _client(self, system: str):
        if system not in self._client_cache:
            self._client_cache[system] = self.clients[system]()
        return self._client_cache[system]
