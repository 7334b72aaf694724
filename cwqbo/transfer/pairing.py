"""Which QBO customer or vendor a Manage company, member or vendor lands on (issue 13 §1).

Matching order for one Manage object: its pairing (remembered per configuration) → the
exact display name (case- and space-insensitive) → the appended form "<name> (<account>)"
→ the collision-suffixed forms → create. More than one QBO record that could match is a
problem listing them, never a guess. Naming options only shape the records cwqbo creates.
A name owned by another kind of QBO record (fault 6240) gets the Contacts tab's collision
suffix when one is set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cwqbo.transfer import names as N
from cwqbo.transfer import problems as P
from cwqbo.wording import quoted

if TYPE_CHECKING:
    from cwqbo.transfer.context import Context

COMPANY, MEMBER, VENDOR = "company", "member", "vendor"
KIND_LABEL = {COMPANY: "company", MEMBER: "member", VENDOR: "vendor"}
PAIRINGS_PAGE = P.CWQBO + "Pairings"
# The other kinds of QBO record whose display names a new customer / vendor may not take.
OTHERS = {"Customer": ("Vendor", "Employee"), "Vendor": ("Customer", "Employee")}


def _key(name: object) -> str:
    return N.clean(name).casefold()


@dataclass(frozen=True)
class Paired:
    """The QBO record a Manage object is paired with."""

    entity: str  # "Customer" | "Vendor"
    qbo_id: str
    name: str  # its DisplayName when the pairing was last set


class Pairings:
    """The pairings of one configuration, read once per batch (no database here)."""

    def __init__(self) -> None:
        self._rows: dict[tuple[str, str], Paired] = {}
        self._holders: dict[tuple[str, str], tuple[str, str]] = {}

    def put(self, kind: str, manage_id: object, entity: str, qbo_id: object, name: str) -> None:
        """Pair a Manage object (kind, id) with a QBO record."""
        paired = Paired(entity, str(qbo_id), name or "")
        self._rows[(kind, str(manage_id))] = paired
        self._holders[(entity, str(qbo_id))] = (kind, str(manage_id))

    def get(self, kind: str, manage_id: object) -> Paired | None:
        """Return the pairing of a Manage object, if any."""
        return self._rows.get((kind, str(manage_id)))

    def holder(self, entity: str, qbo_id: object) -> tuple[str, str] | None:
        """Return the Manage object (kind, id) a QBO record is paired with, if any."""
        return self._holders.get((entity, str(qbo_id)))

    def names(self) -> set[str]:
        """Return the display names of every paired record (what the batch must load)."""
        return {p.name for p in self._rows.values() if p.name}

    def __len__(self) -> int:
        return len(self._rows)


@dataclass(frozen=True)
class Party:
    """The Manage object a document is for or from, and the names it may go by in QBO."""

    kind: str  # COMPANY | MEMBER | VENDOR
    manage_id: str
    label: str  # how messages name it: 'Manage company "Contoso Ltd" (id 250)'
    plain: str  # the plain display name
    appended: str  # "<name> (<account>)", or "" without an account


def suffixed(name: str, suffix: str) -> str:
    """Return ``name`` with the collision suffix (" (C)") added, or "" without a suffix."""
    suffix = N.clean(suffix)
    return f"{name} {suffix}" if name and suffix else ""


def forms(party: Party, suffix: str) -> list[str]:
    """Return every name the party's QBO record may have, in matching order."""
    names = [party.plain, party.appended, suffixed(party.plain, suffix)]
    names.append(suffixed(party.appended, suffix))
    return list(dict.fromkeys(n for n in names if n))


@dataclass
class Match:
    """Where a party lands: an existing QBO record, or one to create under ``name``."""

    name: str  # the DisplayName the document refers to
    how: str  # "paired" | "matched" | "create" | "suffix"
    note: str  # one sentence for the preview and the batch log
    row: dict | None = None  # the existing QBO record (None when it is created)

    @property
    def create(self) -> bool:
        return self.row is None


def match(
    ctx: Context,
    entity: str,
    party: Party,
    create_as: str,
    rename: str,
    where: str = P.MANAGE_COMPANY,
) -> Match | None:
    """Decide which QBO ``entity`` the party lands on, or record why not (None).

    ``create_as`` is the name the naming options give a new record; ``rename`` says what to
    rename in Manage and ``where`` on which Manage screen (for fixes).
    """
    pairings, suffix = ctx.settings.pairings, ctx.settings.collision_suffix
    noun = entity.lower()
    # A party without a Manage id (never seen in a valid export) is matched, never paired.
    paired = pairings.get(party.kind, party.manage_id) if party.manage_id else None
    if paired is not None and paired.entity == entity:
        return _paired(ctx, entity, party, paired)
    wanted = {_key(n) for n in forms(party, suffix)}
    found = [
        r
        for r in ctx.qbo.rows(entity)
        if r.get("Active") is not False and _key(r.get("DisplayName")) in wanted
    ]
    free = [r for r in found if pairings.holder(entity, r.get("Id")) is None]
    if len(free) > 1:
        listed = ", ".join(f"{quoted(r.get('DisplayName'))} (id {r.get('Id')})" for r in free)
        ctx.problem(
            f"{party.label} could be any of {len(free)} QBO {noun}s: {listed}; cwqbo does not "
            "guess which one.",
            f"Pair it with the right {noun} on the Pairings page (or make the others inactive "
            f"in QBO), then run the {ctx.noun.lower()} again.",
            P.either(PAIRINGS_PAGE, P.QBO_CUSTOMERS if entity == "Customer" else P.QBO_VENDORS),
        )
        return None
    if free:
        return _matched(ctx, entity, party, free[0])
    return _create(ctx, entity, party, create_as, found, rename, where)


def _paired(ctx: Context, entity: str, party: Party, paired: Paired) -> Match | None:
    row = ctx.qbo.get(entity, paired.qbo_id)
    if row is None or row.get("Active") is False:
        # The batch loads the paired record by the name it had when paired: a record renamed
        # or deleted in QBO since is not found.
        state = (
            "is inactive in QBO"
            if row is not None
            else "QBO no longer has under that name (renamed or deleted there)"
        )
        ctx.problem(
            f"{party.label} is paired with QBO {entity.lower()} {quoted(paired.name)} (id "
            f"{paired.qbo_id}), which {state}.",
            f"Make the {entity.lower()} active in QBO, or re-pair (or unpair) it on the "
            "Pairings page.",
            PAIRINGS_PAGE,
        )
        return None
    name = str(row.get("DisplayName") or paired.name)
    note = f"{party.label} is paired with QBO {entity.lower()} {quoted(name)} (id {row.get('Id')})."
    return Match(name, "paired", note, row)


def _matched(ctx: Context, entity: str, party: Party, row: dict) -> Match | None:
    name = str(row.get("DisplayName"))
    holder = ctx.qbo.claim(f"{entity} match", str(row.get("Id")), party.label)
    if holder != party.label:
        ctx.problem(
            f"Both {holder} and {party.label} would land on QBO {entity.lower()} {quoted(name)} "
            f"(id {row.get('Id')}) in this batch.",
            "Pair each with its own QBO record on the Pairings page, or rename one in Manage.",
            PAIRINGS_PAGE,
        )
        return None
    note = (
        f"{party.label} matches the existing QBO {entity.lower()} {quoted(name)} "
        f"(id {row.get('Id')}) by name; it is used and the pairing remembered."
    )
    return Match(name, "matched", note, row)


def _create(
    ctx: Context, entity: str, party: Party, name: str, found: list[dict], rename: str, where: str
) -> Match | None:
    noun = entity.lower()
    for row in found:  # only records paired with other Manage objects are left
        if _key(row.get("DisplayName")) == _key(name):
            kind, manage_id = ctx.settings.pairings.holder(entity, row.get("Id"))
            ctx.problem(
                f"QBO {noun} {quoted(name)} (id {row.get('Id')}) is paired with Manage "
                f"{KIND_LABEL.get(kind, kind)} id {manage_id}, not with {party.label}.",
                f"Pair {party.label} with its own QBO {noun} on the Pairings page, or rename "
                f"{rename} in Manage.",
                PAIRINGS_PAGE,
            )
            return None
    taken = _taken(ctx, entity, name)
    if taken is None:
        return Match(name, "create", f"New QBO {noun} {quoted(name)} for {party.label}.")
    suffix = ctx.settings.collision_suffix
    other = suffixed(name, suffix)
    if not other:
        ctx.problem(
            f"{quoted(name)} is already a QBO {taken.lower()}; QBO display names are unique across "
            "customers, vendors and employees (fault 6240).",
            f'Set a "Name collision suffix" on the Contacts tab (e.g. "(C)") so cwqbo creates '
            f"the {noun} as {quoted(name + ' (C)')} and remembers the pairing, or rename the "
            f"{taken.lower()} in QBO or {rename} in Manage.",
            P.either(P.CWQBO_CONTACTS, where),
        )
        return None
    still = _taken(ctx, entity, other) or (entity if ctx.qbo.inactive(entity, other) else None)
    if still:
        ctx.problem(
            f"{quoted(name)} is already a QBO {taken.lower()}, and {quoted(other)} (with the "
            f"collision suffix) is taken by a QBO {still.lower()} too.",
            f"Change the collision suffix on the Contacts tab, or rename {rename} in Manage.",
            P.either(P.CWQBO_CONTACTS, where),
        )
        return None
    note = (
        f"{quoted(name)} is already a QBO {taken.lower()}: the {noun} for {party.label} is "
        f"created as {quoted(other)} (Contacts tab: name collision suffix) and the pairing "
        "remembered."
    )
    return Match(other, "suffix", note)


def _taken(ctx: Context, entity: str, name: str) -> str | None:
    """Return the other kind of QBO record holding ``name`` (fault 6240), if any."""
    for other in OTHERS.get(entity, ()):
        if ctx.qbo.find(other, name) or ctx.qbo.inactive(other, name):
            return other
    return None
