"""What mapping one exported invoice works with: its inputs, problems found, objects needed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from cwqbo.transfer import names as N
from cwqbo.transfer import problems as P
from cwqbo.transfer.problems import Problem
from cwqbo.transfer.reference import ManageReference, QBOReference
from cwqbo.transfer.settings import TransferSettings

CENT = Decimal("0.01")
NEED_ORDER = ("Term", "Class", "Department", "Customer", "Vendor", "Item")
MAX_ACCOUNT_LEVELS = 5


def dec(value: Any) -> Decimal:
    """Return a Manage number (float, int, str or None) as a Decimal, exactly as written.

    Not a number (or NaN, infinite) reads as 0 so mapping can go on; limits.check_amount
    records the problem for every amount that is sent.
    """
    try:
        out = Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except InvalidOperation:
        return Decimal(0)
    return out if out.is_finite() else Decimal(0)


def parse_date(value: Any) -> date | None:
    """Read a GLExport date: ISO ("2025-05-01T00:00:00Z") or US ("5/1/2014 5:21:58 AM")."""
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        pass
    try:
        return datetime.strptime(text.split()[0], "%m/%d/%Y").date()
    except ValueError:
        return None


def r2(value: Decimal) -> Decimal:
    """Round to the cent, half up, as QBO does."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def num(value: Decimal) -> int | float:
    """Render a Decimal as a JSON number, the way QBO writes amounts."""
    return int(value) if value == value.to_integral_value() else float(value)


class UnresolvedReference(LookupError):
    """A name the body refers to is not in the QBOReference (a Needed was not added)."""


def ref_to(qbo: QBOReference, entity: str, name: str | None, placeholders: bool) -> dict:
    """Return the QBO reference to ``name`` (a placeholder in previews)."""
    row = qbo.find(entity, name) if name else None
    if row is not None:
        label = row.get("DisplayName") or row.get("FullyQualifiedName") or row.get("Name")
        return {"value": str(row["Id"]), "name": label}
    if placeholders:
        return {"value": None, "name": name}
    raise UnresolvedReference(f'{entity} "{name}" is not in QBO: create and add it first.')


@dataclass
class Needed:
    """Something the document needs that may be created in QBO first."""

    entity: str  # "Term" | "Class" | "Department" | "Customer" | "Item"
    name: str  # the name the document refers to it by (DisplayName / Name)
    body: dict  # the QBO create body (account refs etc. already resolved to ids)
    label: str  # for the status page, e.g. 'Customer "Contoso Ltd"'


class Context:
    """Inputs of one mapping run plus the problems and needs it collects."""

    def __init__(
        self,
        tx: dict,
        customer: dict | None,
        qbo: QBOReference,
        manage: ManageReference,
        settings: TransferSettings,
        noun: str = "Invoice",
    ) -> None:
        self.noun = noun  # "Invoice", "Expense": how messages name the document
        self.tx = tx
        self.customer = customer
        self.qbo = qbo
        self.manage = manage
        self.settings = settings
        self.problems: list[Problem] = []
        # Every change made so QBO takes the document, said in the preview and the log.
        self.changes: list[str] = []
        self._needs: dict[tuple[str, str], Needed] = {}
        self.memo: dict[str, Any] = {}  # per-invoice results computed once (tax code, …)
        self.number = N.clean(tx.get("documentNumber"))
        self.txn_date = parse_date(tx.get("documentDate"))

    def problem(self, message: str, fix: str, where: str) -> None:
        """Record a problem (once)."""
        problem = Problem(message, fix, where)
        if problem not in self.problems:
            self.problems.append(problem)

    def changed(self, text: str) -> None:
        """Record a change made to satisfy QBO (once), e.g. a ':' replaced in a name."""
        if text not in self.changes:
            self.changes.append(text)

    def need(self, entity: str, name: str, body: dict, label: str) -> None:
        """Ask for ``name`` to be created before the document (once per document)."""
        self._needs.setdefault((entity, name.casefold()), Needed(entity, name, body, label))

    @property
    def needs(self) -> list[Needed]:
        """Return the needs in dependency order (NEED_ORDER)."""
        return sorted(self._needs.values(), key=lambda n: NEED_ORDER.index(n.entity))

    # --- shared lookups -------------------------------------------------------------------
    def account_id(self, full_name: str, purpose: str) -> str | None:
        """Return the QBO account id of a Manage GL account name, or record why not."""
        name = N.clean(full_name)
        if not name:
            self.problem(
                f"{self.noun} {self.number}: {purpose} has no GL account in Manage.",
                "Fill in the account on the Manage GL account setup of that account type.",
                P.MANAGE_GL,
            )
            return None
        levels = N.account_depth(name)
        if levels > MAX_ACCOUNT_LEVELS:
            self.problem(
                f'GL account "{name}" has {levels} levels; QBO allows sub-accounts up to '
                f"{MAX_ACCOUNT_LEVELS} levels (level1:level2:level3:level4:level5).",
                "Shorten the account in Manage to at most 5 colon-separated levels, matching "
                "the account in the QBO chart of accounts.",
                P.MANAGE_GL,
            )
            return None
        row = self.qbo.account(name)
        if row is None:
            self.problem(
                f'GL account "{name}" is not in the QBO chart of accounts'
                f"{' (it is inactive)' if self.qbo.inactive('Account', name) else ''}.",
                "Create (or make active) the account in QBO with exactly this name - as "
                'sub-accounts where the name has ":" - or correct the account in Manage so the '
                "names match. cwqbo never creates accounts.",
                P.either(P.QBO_ACCOUNTS, P.MANAGE_GL),
            )
            return None
        return str(row["Id"])

    def vendor_name_free(self, name: str, owner: str, rename: str, where: str) -> bool:
        """Check a vendor ``name`` to be created is free in QBO and in this batch, or say why.

        ``owner`` names the Manage object it is for; ``rename`` what to rename in Manage.
        """
        if self.qbo.inactive("Vendor", name):
            self.problem(
                f'Vendor "{name}" is inactive in QBO.',
                "Make the vendor active in QBO (an inactive vendor still holds its name).",
                P.QBO_VENDORS,
            )
            return False
        for other in ("Customer", "Employee"):
            if self.qbo.find(other, name) or self.qbo.inactive(other, name):
                self.problem(
                    f'"{name}" is already a QBO {other.lower()}; QBO display names are unique '
                    "across customers, vendors and employees (fault 6240).",
                    'Set a "Name collision suffix" on the Contacts tab (e.g. "(C)") so cwqbo '
                    f'creates the vendor as "{name} (C)" and remembers the pairing, or rename '
                    f"the {other.lower()} in QBO or {rename} in Manage.",
                    P.either(P.CWQBO_CONTACTS, where),
                )
                return False
        holder = self.qbo.claim("Vendor", name, owner)
        if holder != owner:
            self.problem(
                f'Vendor "{name}" would be created for both {holder} and {owner} in this batch.',
                f'Turn on "Append account name", or rename {rename} in Manage.',
                P.either(P.CWQBO_CONTACTS, where),
            )
            return False
        return True

    def currency(self) -> str:
        """Return the document's currency code (home currency when Manage names none)."""
        cur = self.tx.get("currency") or {}
        code = cur.get("currencyCode") or cur.get("currencyIdentifier") or cur.get("name")
        if isinstance(code, dict):  # some Manage versions nest {id, name}
            code = code.get("name")
        return str(code or self.qbo.home_currency).upper()
