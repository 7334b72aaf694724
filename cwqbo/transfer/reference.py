"""Reference data a batch maps against, loaded once per batch (QBO lists, Manage GL setup)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cwqbo.quickbooks.client import BATCH_MAX, BatchOp
from cwqbo.quickbooks.query import in_queries
from cwqbo.transfer import assumptions as A
from cwqbo.transfer import names as N
from cwqbo.transfer import shape
from cwqbo.transfer.settings import TransferSettings
from cwqbo.transfer.shape import company_id

LISTS = ("Account", "TaxCode", "TaxRate", "Term", "Class", "Department")
PEOPLE = ("Customer", "Vendor", "Employee")
NAME_FIELD = {"Customer": "DisplayName", "Vendor": "DisplayName", "Employee": "DisplayName"}
BY_FULL_NAME = ("Account", "Class", "Department")
WITH_INACTIVE = ("Account", "Term", "Class", "Department")
EVERY = "Active IN (true, false)"


def _key(name: object) -> str:
    return N.clean(name).casefold()


class QBOReference:
    """QBO reference data loaded once per batch; created objects are added as the batch goes."""

    def __init__(self, company_info: dict, preferences: dict, entities: dict[str, list[dict]]):
        self.company_info = company_info or {}
        self.preferences = preferences or {}
        prefs = self.preferences
        self.country = str(self.company_info.get("Country") or "US").upper()
        self.us = self.country == "US"
        currency = prefs.get("CurrencyPrefs") or {}
        self.home_currency = str((currency.get("HomeCurrency") or {}).get("value") or "USD")
        self.multi_currency_enabled = bool(currency.get("MultiCurrencyEnabled"))
        accounting = prefs.get("AccountingInfoPrefs") or {}
        self.class_per_line = bool(accounting.get("ClassTrackingPerTxnLine"))
        self.class_tracking = bool(accounting.get("ClassTrackingPerTxn")) or self.class_per_line
        self.department_tracking = bool(accounting.get("TrackDepartments"))
        self.using_sales_tax = bool((prefs.get("TaxPrefs") or {}).get("UsingSalesTax", True))
        products = prefs.get("ProductAndServicesPrefs") or {}
        self.quantity_on_hand = products.get("QuantityOnHand") is not False
        self.queries = 0
        self._rows: dict[str, dict[str, dict]] = {}
        self._active: dict[str, dict[str, dict]] = {}
        self._inactive: dict[str, dict[str, dict]] = {}
        self._numbers: dict[str, dict] = {}
        # (entity, name key) -> which Manage object a not-yet-created name is planned for.
        self.claims: dict[tuple[str, str], str] = {}
        for entity, rows in (entities or {}).items():
            for row in rows or []:
                self._rows.setdefault(entity, {})[str(row.get("Id"))] = row
        for entity, rows in self._rows.items():
            for row in rows.values():
                self._index(entity, row)

    # --- building -------------------------------------------------------------------------
    @classmethod
    def from_entities(
        cls, company_info: dict, preferences: dict, entities: dict[str, list[dict]]
    ) -> QBOReference:
        """Build without HTTP (tests, and load() uses it)."""
        return cls(company_info, preferences, entities)

    @classmethod
    def load(
        cls, client: Any, *, customer_names: Iterable[str] = (), item_names: Iterable[str] = ()
    ) -> QBOReference:
        """Read CompanyInfo, Preferences, whole lists and the named people/items in few calls."""
        before = getattr(client, "calls", 0)  # QBOClient counts its HTTP calls
        company_info = client.company_info()
        preferences = client.preferences()
        people = sorted({N.clean(n) for n in customer_names if N.clean(n)})
        items = sorted({N.clean(n) for n in item_names if N.clean(n)})
        page = f" MAXRESULTS {A.QUERY_PAGE}"
        sqls = [_list_query(entity) + page for entity in LISTS]
        for entity in PEOPLE:
            sqls += [s + page for s in in_queries(entity, "DisplayName", people, where=EVERY)]
        sqls += [s + page for s in in_queries("Item", "Name", items, where=EVERY)]
        ops = [BatchOp("query", body=sql) for sql in sqls]
        results = client.batch(ops, idempotency_key=f"reference-{uuid.uuid4().hex}")
        entities: dict[str, list[dict]] = {}
        calls = 2 + -(-len(ops) // BATCH_MAX)  # for clients that do not count their calls
        for sql, result in zip(sqls, results, strict=True):
            if result.error is not None:
                raise result.error
            entity = sql.split(" FROM ")[1].split()[0]
            rows = _rows_of(result.query_response or {}, entity)
            if entity in LISTS and len(rows) >= A.QUERY_PAGE:  # a full page: read them all
                rows = client.query_all(_list_query(entity))
                calls += len(rows) // A.QUERY_PAGE + 1
            entities.setdefault(entity, []).extend(rows)
        ref = cls.from_entities(company_info, preferences, entities)
        ref.queries = client.calls - before if hasattr(client, "calls") else calls
        return ref

    def add(self, entity: str, obj: dict) -> None:
        """Register an object created during the batch."""
        self._rows.setdefault(entity, {})[str(obj.get("Id"))] = obj
        self._index(entity, obj)

    def _index(self, entity: str, row: dict) -> None:
        if entity in BY_FULL_NAME and not row.get("FullyQualifiedName"):
            row["FullyQualifiedName"] = self._full_name(entity, row)
        keys = [_key(row.get(NAME_FIELD.get(entity, "Name")))]
        if entity in BY_FULL_NAME:
            keys.insert(0, _key(row.get("FullyQualifiedName")))
        target = self._inactive if row.get("Active") is False else self._active
        for key in keys:
            if key:
                target.setdefault(entity, {}).setdefault(key, row)
        if entity == "Account" and row.get("AcctNum") and row.get("Active") is not False:
            self._numbers.setdefault(_key(row["AcctNum"]), row)

    def _full_name(self, entity: str, row: dict, depth: int = 0) -> str:
        parent = self.get(entity, (row.get("ParentRef") or {}).get("value"))
        if parent is None or depth > 10:
            return str(row.get("Name") or "")
        return f"{self._full_name(entity, parent, depth + 1)}:{row.get('Name')}"

    # --- lookups --------------------------------------------------------------------------
    def get(self, entity: str, entity_id: object) -> dict | None:
        """Return the object of ``entity`` with this Id, active or not."""
        if entity_id in (None, ""):
            return None
        return self._rows.get(entity, {}).get(str(entity_id))

    def account(self, full_name: str) -> dict | None:
        """Return the active account with this FullyQualifiedName (case-insensitive) or AcctNum."""
        key = _key(full_name)
        return self._active.get("Account", {}).get(key) or self._numbers.get(key)

    def find(self, entity: str, name: str) -> dict | None:
        """Return the active Customer (DisplayName) or Item/Term/Class/Department/TaxCode (Name)."""
        if entity == "Account":
            return self.account(name)
        return self._active.get(entity, {}).get(_key(name))

    def inactive(self, entity: str, name: str) -> dict | None:
        """Return an inactive object of ``entity`` holding this name, if any."""
        return self._inactive.get(entity, {}).get(_key(name))

    def name_taken(self, display_name: str) -> str | None:
        """Return 'Vendor'/'Employee' when another entity type holds this display name."""
        key = _key(display_name)
        for entity in ("Vendor", "Employee"):
            if key in self._active.get(entity, {}) or key in self._inactive.get(entity, {}):
                return entity
        return None

    def rows(self, entity: str) -> list[dict]:
        """Return every loaded object of ``entity`` (active or not)."""
        return list(self._rows.get(entity, {}).values())

    def sales_rates(self, tax_code: dict) -> list[dict]:
        """Return the TaxRate rows of a tax code's sales rate list (unknown ids as stubs)."""
        out = []
        for detail in (tax_code.get("SalesTaxRateList") or {}).get("TaxRateDetail") or []:
            ref = detail.get("TaxRateRef") or {}
            out.append(self.get("TaxRate", ref.get("value")) or {"Name": ref.get("name", "")})
        return out

    def claim(self, entity: str, name: str, owner: str) -> str:
        """Record that a new ``name`` is planned for ``owner``; return the owner holding it."""
        return self.claims.setdefault((entity, _key(name)), owner)

    def claimed(self, entity: str, name: str) -> str | None:
        """Return who a new ``name`` is planned for in this batch, if anyone."""
        return self.claims.get((entity, _key(name)))


def _list_query(entity: str) -> str:
    # Inactive names still block a create of the same name, so read them too where QBO lets
    # us filter on Active (TaxCode/TaxRate are read-only lists, read as they come).
    where = f" WHERE {EVERY}" if entity in WITH_INACTIVE else ""
    return f"SELECT * FROM {entity}{where}"


def _rows_of(response: dict, entity: str) -> list[dict]:
    for key, value in response.items():
        if key.lower() == entity.lower() and isinstance(value, list):
            return value
    return []


@dataclass
class ManageReference:
    """Manage setup the mapping needs beyond the export: the GL account rows."""

    gl_accounts: list[dict] = field(default_factory=list)

    @classmethod
    def load(cls, client: Any) -> ManageReference:
        """Read every Manage GL account (one paged list)."""
        return cls(list(client.iter_gl_accounts()))

    def product_id(self, account_name: str, gl_type: str = "RD") -> str:
        """Return the productId of the GL mapping for this account name ('' if none)."""
        wanted = _key(account_name)
        for row in sorted(self.gl_accounts, key=lambda r: r.get("glType") != gl_type):
            segments = [str(row.get(f"segment{n}") or "") for n in range(1, 11)]
            segments = [s for s in segments if s]
            if any(_key(j.join(segments)) == wanted for j in A.SEGMENT_JOINERS):
                return N.clean(row.get("productId") or "")
        return ""


def names_needed(
    export: dict, settings: TransferSettings, manage: ManageReference | None = None
) -> tuple[set[str], set[str]]:
    """(customer display names, item names) the invoices of a GLExport may need."""
    from cwqbo.transfer.header import customer_party  # both need this module: import late
    from cwqbo.transfer.items import item_names
    from cwqbo.transfer.pairing import forms

    customers = {company_id(c): c for c in export.get("customers") or []}
    people: set[str] = set()
    items: set[str] = set()
    for tx in export.get("transactions") or []:
        customer = customers.get(company_id(tx))
        if shape.problems(tx, customer):  # unreadable: its plan says why, nothing to load
            continue
        party = customer_party(tx, customer)
        people.update(forms(party, settings.collision_suffix))
        paired = settings.pairings.get(party.kind, party.manage_id)
        if paired is not None:  # a paired customer may have any name
            people.add(paired.name)
        items.update(item_names(tx, settings, manage or ManageReference()))
    return people, items
