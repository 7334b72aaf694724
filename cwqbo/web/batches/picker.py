"""The selection page's state: which company, location, detail, and which rows are picked.

The page holds the state in its form, so every HTMX request carries it and the server
never keeps a selection of its own:

- ``select_all=1`` means every row matching the filter, except the ones unticked;
- ``ids`` are the ticked boxes, ``shown`` every box on the page (so shown minus ids are
  the unticked ones);
- ``keep`` / ``drop`` carry picks / unpicks of rows that are no longer on the page after
  the list was re-rendered (e.g. picked on page 3, then "Refresh").

The ids are resolved against Manage's list when the form is submitted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from werkzeug.datastructures import MultiDict

from cwqbo.batches import service, unposted
from cwqbo.batches.rows import UnpostedRow
from cwqbo.connections import NotConnected
from cwqbo.extensions import db
from cwqbo.models import Batch, ConfigurationOptions, ManageConnection, QBOConfiguration
from cwqbo.pglimits import parse_id
from cwqbo.web.batches import KindPage

PAGE_SIZE = 100
DETAILS = (("summary", "Summary"), ("detailed", "Detailed"))


@dataclass
class Selection:
    select_all: bool = False
    ids: set[str] = field(default_factory=set)
    shown: set[str] = field(default_factory=set)
    keep: set[str] = field(default_factory=set)
    drop: set[str] = field(default_factory=set)

    @classmethod
    def from_values(cls, values: MultiDict) -> Selection:
        action = values.get("action")
        if action == "select_all":
            return cls(select_all=True)
        if action == "deselect_all":
            return cls()
        return cls(
            select_all=values.get("select_all") == "1",
            ids=set(values.getlist("ids")),
            shown=set(values.getlist("shown")),
            keep=set(values.getlist("keep")),
            drop=set(values.getlist("drop")),
        )

    @cached_property
    def excluded(self) -> set[str]:
        """Select-all mode: the rows unticked by hand."""
        return (self.shown - self.ids) | (self.drop - self.shown)

    @cached_property
    def included(self) -> set[str]:
        """Pick-by-hand mode: the rows ticked."""
        return self.ids | (self.keep - self.shown)

    def picked(self, manage_id: str) -> bool:
        if self.select_all:
            return manage_id not in self.excluded
        return manage_id in self.included

    def explicit(self) -> set[str]:
        """Return the ids picked by hand (select-all picks only what is selectable)."""
        return set() if self.select_all else set(self.included)

    def resolve(self, rows: list[UnpostedRow], claims: dict[str, str]) -> list[str]:
        """Return the picked ids among ``rows``, in list order, leaving out the unselectable."""
        return [
            r.manage_id
            for r in rows
            if r.readable and r.manage_id not in claims and self.picked(r.manage_id)
        ]

    def carried(self, rendered: set[str]) -> tuple[list[str], list[str]]:
        """Return (keep, drop): the picks and unpicks of rows that are not rendered."""
        if self.select_all:
            return [], sorted(self.excluded - rendered)
        return sorted(self.included - rendered), []


@dataclass
class Rows:
    """The rows area: the filtered list, one page of it, and the selection's counts."""

    rows: list[UnpostedRow] = field(default_factory=list)
    claims: dict[str, str] = field(default_factory=dict)
    page: int = 1
    error: str | None = None
    warning: str | None = None  # Manage's list did not add up: the rows may be incomplete
    total: int | None = None  # a first page only (the rest loads next): Manage's count

    @property
    def partial(self) -> bool:
        """Only the first page is here; the page asks for the rest at once (HTMX)."""
        return self.total is not None

    @property
    def listed(self) -> int:
        """How many rows Manage lists for the filter."""
        return len(self.rows) if self.total is None else self.total

    @cached_property
    def held(self) -> int:
        """How many rows are in unfinished batches."""
        return sum(r.manage_id in self.claims for r in self.rows)

    @cached_property
    def unreadable(self) -> list[UnpostedRow]:
        """The other rows that cannot be selected: Manage sent fields that cannot be read."""
        return [r for r in self.rows if not r.readable and r.manage_id not in self.claims]

    @cached_property
    def selectable(self) -> int:
        return len(self.rows) - self.held - len(self.unreadable)

    def page_rows(self, page: int) -> list[UnpostedRow]:
        return self.rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]

    def has_more(self, page: int) -> bool:
        return len(self.rows) > page * PAGE_SIZE


def manage_ready() -> bool:
    connection = ManageConnection.current()
    return connection is not None and connection.is_connected


def configurations(mode: str) -> list[QBOConfiguration]:
    """Return the companies a batch can go to (marking needs no QuickBooks connection)."""
    configs = QBOConfiguration.ordered()
    if mode == Batch.MARK_EXPORTED:
        return configs
    return [c for c in configs if c.is_connected]


def choose_config(configs: list[QBOConfiguration], value: str | None) -> QBOConfiguration | None:
    """Return the configuration picked in the form, else the default, else the first."""
    by_id = {str(c.id): c for c in configs}
    if value and value in by_id:
        return by_id[value]
    default = next((c for c in configs if c.is_default), None)
    return default or (configs[0] if configs else None)


def config_defaults(config: QBOConfiguration | None) -> tuple[int | None, str]:
    """Return a configuration's default billing location id and invoice detail."""
    options = db.session.get(ConfigurationOptions, config.id) if config else None
    if options is None:
        return None, "summary"
    location = options.default_location_id
    location_id = int(location) if location and str(location).isdigit() else None
    return location_id, options.invoice_detail or "summary"


def parse_location(value: str | None) -> int | None:
    return parse_id(value)


def parse_detail(value: str | None, fallback: str = "summary") -> str:
    return value if value in dict(DETAILS) else fallback


def load(
    kind: str,
    location_id: int | None,
    *,
    refresh: bool,
    rows: bool,
    locations: bool,
    first_page: int | None = None,
) -> tuple[list[dict], str | None, Rows]:
    """Return (locations, what went wrong reading them, the rows area), Manage read at once.

    Only what is not cached is read (unless ``refresh``): the rows and the locations side
    by side; with ``first_page`` only the first rows when the list is not cached.
    """
    if not rows and not locations:
        return [], None, Rows()
    loaded = unposted.load(
        kind,
        location_id,
        refresh=refresh,
        rows=rows,
        locations=locations,
        first_page=first_page,
    )
    problem = manage_problem(loaded.locations_error) if loaded.locations_error else None
    if not rows:
        return loaded.locations, problem, Rows()
    if loaded.listing_error is not None:
        return loaded.locations, problem, Rows(error=manage_problem(loaded.listing_error))
    listing = loaded.listing
    area = Rows(
        rows=listing.rows,
        claims=service.claimed(kind),
        warning=listing.problem,
        total=listing.total,
    )
    return loaded.locations, problem, area


def manage_problem(exc: Exception) -> str:
    if isinstance(exc, NotConnected):
        return str(exc)
    retry = " Try Refresh in a minute." if getattr(exc, "retryable", False) else ""
    return f"ConnectWise Manage could not list the transactions: {exc}.{retry}"


def location_name(locations: list[dict], location_id: int | None) -> str | None:
    return next((loc["name"] for loc in locations if loc["id"] == location_id), None)


@dataclass
class Picker:
    """Everything the selection page renders."""

    kind: KindPage
    mode: str
    configs: list[QBOConfiguration]
    config: QBOConfiguration | None
    locations: list[dict]
    location_id: int | None
    invoice_detail: str
    selection: Selection
    listing: Rows
    problem: str | None = None  # a Manage error or a refused submission
    reload_rows: bool = False  # the options fragment asks for the rows after a company change

    @property
    def mark_only(self) -> bool:
        return self.mode == Batch.MARK_EXPORTED

    @property
    def location_name(self) -> str | None:
        return location_name(self.locations, self.location_id)

    def chosen(self) -> list[str]:
        return self.selection.resolve(self.listing.rows, self.listing.claims)

    def carried(self) -> tuple[list[str], list[str]]:
        """Return the picks and unpicks to carry in hidden fields beside the first page."""
        return self.selection.carried({r.manage_id for r in self.listing.page_rows(1)})


def build(
    kind: KindPage,
    mode: str,
    values: MultiDict,
    *,
    company_changed: bool = False,
    with_rows: bool = True,
    first_page: bool = False,
) -> Picker:
    """Read the page's state from request values (the defaults on a first visit).

    ``first_page``: the full page's first load; when the list is not cached, only its first
    page is read (one round trip) and the page asks for the rest at once.
    """
    configs = configurations(mode)
    config = choose_config(configs, values.get("config_id"))
    default_location, default_detail = config_defaults(config)
    if company_changed or "location_id" not in values:
        location_id, detail = default_location, default_detail
    else:
        location_id = parse_location(values.get("location_id"))
        detail = parse_detail(values.get("invoice_detail"), default_detail)
    refresh = values.get("refresh") == "1"
    if refresh:
        unposted.forget(kind.kind)
    # Without a company to send to, the page shows how to connect one instead of rows.
    with_rows = with_rows and (bool(configs) or mode == Batch.MARK_EXPORTED)
    selection = Selection.from_values(values)
    # A first page is enough only while nothing beyond it can be picked.
    first = first_page and not (selection.select_all or selection.ids or selection.keep)
    locations, problem, listing = load(
        kind.kind,
        location_id,
        refresh=refresh,
        rows=with_rows,
        locations=manage_ready(),
        first_page=PAGE_SIZE if first else None,
    )
    return Picker(
        kind=kind,
        mode=mode,
        configs=configs,
        config=config,
        locations=locations,
        location_id=location_id,
        invoice_detail=detail,
        selection=selection,
        listing=listing,
        problem=problem,  # the rows area shows a listing error itself
        reload_rows=company_changed,
    )
