"""One simulated QBO company: entity store, validation, create/update/void/delete, queries."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from . import faults, inventory, limits
from . import query as ql
from .transactions import TXNS, TransactionRules

NAMES = ("Customer", "Vendor", "Employee")
LISTS = ("Account", "TaxRate", "TaxCode", "Term", "Class", "Department", *NAMES, "Item")
ENTITIES = {e.lower(): e for e in (*LISTS, *TXNS)}
READ_ONLY = {"TaxCode", "TaxRate"}
NAMED_BY = {
    "Account": "Name",
    "Term": "Name",
    "Class": "Name",
    "Department": "Name",
    "Item": "Name",
    "TaxCode": "Name",
    "TaxRate": "Name",
}
HIERARCHICAL = ("Account", "Class", "Department", "Item", "Customer")
SERVER_FIELDS = (
    "Id",
    "SyncToken",
    "MetaData",
    "TotalAmt",
    "Balance",
    "FullyQualifiedName",
    "domain",
    "sparse",
    "status",
    "UnappliedAmt",
    "RemainingCredit",
    "HomeTotalAmt",
)
REFS = {
    "CustomerRef": "Customer",
    "VendorRef": "Vendor",
    "EmployeeRef": "Employee",
    "ItemRef": "Item",
    "AccountRef": "Account",
    "IncomeAccountRef": "Account",
    "ExpenseAccountRef": "Account",
    "AssetAccountRef": "Account",
    "APAccountRef": "Account",
    "ARAccountRef": "Account",
    "DepositToAccountRef": "Account",
    "ItemAccountRef": "Account",
    "SalesTermRef": "Term",
    "TermRef": "Term",
    "ClassRef": "Class",
    "DepartmentRef": "Department",
    "TaxCodeRef": "TaxCode",
    "TxnTaxCodeRef": "TaxCode",
    "SalesTaxCodeRef": "TaxCode",
    "PurchaseTaxCodeRef": "TaxCode",
    "DefaultTaxCodeRef": "TaxCode",
    "TaxRateRef": "TaxRate",
}


def stamp(dt: datetime) -> str:
    return dt.astimezone().isoformat(timespec="seconds")


class Company(TransactionRules):
    """State of one realm. Callers hold the sandbox lock."""

    def __init__(self, realm_id: str, data: dict[str, Any], clock: Callable[[], datetime]):
        self.realm_id = realm_id
        self.clock = clock
        self.info = copy.deepcopy(data.get("CompanyInfo", {}))
        self.info.update({"Id": realm_id, "SyncToken": self.info.get("SyncToken", "0")})
        self.prefs = copy.deepcopy(data.get("Preferences", {}))
        self.prefs.setdefault("Id", "1")
        self.prefs.setdefault("SyncToken", "0")
        self.rows: dict[str, dict[str, dict[str, Any]]] = {e: {} for e in ENTITIES.values()}
        self.deleted: list[tuple[str, str, datetime]] = []
        self.next_id = int(data.get("nextId", 1000))
        self.requests: dict[str, tuple[int, dict[str, Any]]] = {}
        seed = data.get("entities", {})
        for entity in (*LISTS, *TXNS):
            for row in seed.get(entity, []):
                self.create(entity, row, seed=True)

    @property
    def us(self) -> bool:
        return self.info.get("Country", "US") == "US"

    def pref(self, path: str, default: Any = None) -> Any:
        value = ql.lookup(self.prefs, path)
        if value is None:
            for nv in (self.prefs.get("OtherPrefs") or {}).get("NameValue", []):
                if nv.get("Name") == path:
                    return str(nv.get("Value")).lower() == "true"
        return default if value is None else value

    def get(self, entity: str, entity_id: str) -> dict[str, Any] | None:
        return self.rows[entity].get(str(entity_id))

    def read(self, entity: str, entity_id: str) -> dict[str, Any]:
        row = self.get(entity, entity_id)
        if row is None:
            raise faults.not_found(entity, entity_id)
        return copy.deepcopy(row)

    # --- writes ---------------------------------------------------------------------------
    def create(
        self, entity: str, body: dict[str, Any], *, seed: bool = False, options: str = ""
    ) -> dict[str, Any]:
        if entity in READ_ONLY and not seed:
            raise faults.unsupported(f"Operation create is not supported for {entity}")
        row = _clean(body, entity, keep_id=seed)
        self._validate(entity, row, None, options)
        row.setdefault("Id", self._new_id())
        row["SyncToken"] = "0"
        # Seeded records are old news: outside the CDC window unless the dataset says otherwise.
        now = stamp(self.clock() - timedelta(days=60) if seed else self.clock())
        row["MetaData"] = (
            body.get("MetaData")
            if seed and body.get("MetaData")
            else {"CreateTime": now, "LastUpdatedTime": now}
        )
        row["domain"], row["sparse"] = "QBO", False
        if entity == "Payment":
            self._apply_payment(row, +1, bump=not seed)
        inventory.receive(self, entity, row, +1)
        self.rows[entity][row["Id"]] = row
        if seed and row["Id"].isdigit():
            self.next_id = max(self.next_id, int(row["Id"]) + 1)
        return copy.deepcopy(row)

    def update(self, entity: str, body: dict[str, Any], options: str = "") -> dict[str, Any]:
        if entity in READ_ONLY:
            raise faults.unsupported(f"Operation update is not supported for {entity}")
        current = self._current(entity, body)
        sparse = str(body.get("sparse", "false")).lower() == "true"
        merged = (
            {**current, **_clean(body, entity)}
            if sparse
            else {**{k: current[k] for k in SERVER_FIELDS if k in current}, **_clean(body, entity)}
        )
        merged["Id"] = current["Id"]
        if entity == "Payment":
            self._apply_payment(current, -1)
        try:
            self._validate(entity, merged, current, options)
        except faults.Fault:
            if entity == "Payment":
                self._apply_payment(current, +1)
            raise
        if entity == "Payment":
            self._apply_payment(merged, +1)
        inventory.receive(self, entity, current, -1)
        inventory.receive(self, entity, merged, +1)
        self._bump(merged, current)
        self.rows[entity][merged["Id"]] = merged
        return copy.deepcopy(merged)

    def void(self, entity: str, body: dict[str, Any]) -> dict[str, Any]:
        if entity not in ("Invoice", "Payment", "CreditMemo"):
            raise faults.unsupported(f"Operation void is not supported for {entity}")
        row = self._current(entity, body)
        if entity == "Payment":
            self._apply_payment(row, -1)
        for line in row.get("Line", []):
            if "Amount" in line:
                line["Amount"] = 0
            detail = line.get("SalesItemLineDetail")
            if detail and "Qty" in detail:
                detail["Qty"] = 0
        for key in ("TotalAmt", "Balance", "UnappliedAmt", "RemainingCredit"):
            if key in row:
                row[key] = 0
        if "TxnTaxDetail" in row:
            row["TxnTaxDetail"] = {"TotalTax": 0}
        note = row.get("PrivateNote")
        row["PrivateNote"] = f"Voided - {note}" if note else "Voided"
        self._bump(row, row)
        return copy.deepcopy(row)

    def delete(self, entity: str, body: dict[str, Any]) -> dict[str, Any]:
        if entity not in TXNS:
            raise faults.unsupported(f"Operation delete is not supported for {entity}")
        row = self._current(entity, body)
        if entity == "Payment":
            self._apply_payment(row, -1)
        inventory.receive(self, entity, row, -1)
        del self.rows[entity][row["Id"]]
        self.deleted.append((entity, row["Id"], self.clock()))
        return {"domain": "QBO", "status": "Deleted", "Id": row["Id"]}

    def _current(self, entity: str, body: dict[str, Any]) -> dict[str, Any]:
        if not body.get("Id"):
            raise faults.missing("Id")
        row = self.get(entity, str(body["Id"]))
        if row is None:
            raise faults.not_found(entity, str(body["Id"]))
        if str(body.get("SyncToken")) != row["SyncToken"]:
            raise faults.stale(entity)
        return row

    def _bump(self, row: dict[str, Any], current: dict[str, Any]) -> None:
        row["SyncToken"] = str(int(current["SyncToken"]) + 1)
        row["MetaData"] = {**current.get("MetaData", {}), "LastUpdatedTime": stamp(self.clock())}

    def _new_id(self) -> str:
        self.next_id += 1
        return str(self.next_id - 1)

    # --- validation -----------------------------------------------------------------------
    def _validate(self, entity: str, row: dict[str, Any], current: dict | None, options: str):
        self._check_refs(entity, row)
        limits.check_lengths(entity, row)
        if entity in NAMES:
            self._name(entity, row, current)
        elif entity in NAMED_BY:
            self._list(entity, row, current)
        if entity in HIERARCHICAL and entity not in NAMES:
            row[
                "SubAccount"
                if entity == "Account"
                else "SubItem"
                if entity == "Item"
                else "SubClass"
                if entity == "Class"
                else "SubDepartment"
            ] = bool(row.get("ParentRef"))
        if entity in TXNS:
            limits.check_lines(self, entity, row)
            limits.check_accounts(self, entity, row)
            limits.check_currency(self, entity, row)
            self._txn(entity, row, current, options)

    def _check_refs(self, entity: str, node: Any, key: str = "") -> None:
        if isinstance(node, list):
            for item in node:
                self._check_refs(entity, item, key)
            return
        if not isinstance(node, dict):
            return
        for k, v in node.items():
            if k == "LinkedTxn":
                continue
            target = (
                entity
                if k == "ParentRef"
                else (v.get("type") if k == "EntityRef" and isinstance(v, dict) else REFS.get(k))
            )
            if target and isinstance(v, dict) and v.get("value") not in (None, ""):
                ref_id = str(v["value"])
                if target == "TaxCode" and self.us and ref_id.upper() in ("TAX", "NON"):
                    continue
                row = self.rows.get(target, {}).get(ref_id)
                if row is None:
                    raise faults.invalid_ref(target, ref_id, k)
                if row.get("Active") is False:
                    raise faults.not_found(target, ref_id)
            else:
                self._check_refs(entity, v, k)

    def _others(self, entities: tuple[str, ...], current: dict | None):
        for e in entities:
            for row in self.rows[e].values():
                if current is None or row is not current:
                    yield e, row

    def _name(self, entity: str, row: dict[str, Any], current: dict | None) -> None:
        if not row.get("DisplayName"):
            parts = [
                row.get(k)
                for k in ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")
                if row.get(k)
            ]
            if not parts and not row.get("CompanyName"):
                raise faults.missing("DisplayName")
            row["DisplayName"] = " ".join(parts) if parts else row["CompanyName"]
        name = str(row["DisplayName"]).strip()
        if any(ch in name for ch in ":\t\n"):
            raise faults.Fault(
                "2010",
                "Request has invalid or unsupported property",
                "DisplayName cannot contain a colon, tab or newline",
                element="DisplayName",
            )
        row["DisplayName"] = name
        for _e, other in self._others(NAMES, current):
            if str(other.get("DisplayName", "")).casefold() == name.casefold():
                raise faults.duplicate_name()
        row.setdefault("Active", True)
        if entity == "Customer":
            self._fqn(entity, row, "DisplayName")
            row.setdefault("Balance", 0)
            row["Job"] = bool(row.get("ParentRef"))

    def _list(self, entity: str, row: dict[str, Any], current: dict | None) -> None:
        if not row.get("Name"):
            raise faults.missing("Name")
        if entity == "Account" and not row.get("AccountType"):
            raise faults.missing("AccountType")
        if entity == "Item":
            row.setdefault("Type", "Service")
            if row["Type"] in ("Service", "Inventory") and not row.get("IncomeAccountRef"):
                raise faults.missing("IncomeAccountRef")
            if row["Type"] == "Inventory":
                for need in ("AssetAccountRef", "ExpenseAccountRef", "InvStartDate"):
                    if not row.get(need):
                        raise faults.missing(need)
                row["TrackQtyOnHand"] = True
                row.setdefault("QtyOnHand", 0)
        if entity == "Term":
            row.setdefault("Type", "DATE_DRIVEN" if row.get("DayOfMonthDue") else "STANDARD")
        row.setdefault("Active", True)
        if entity in HIERARCHICAL:
            self._fqn(entity, row, "Name")
        key = "FullyQualifiedName" if entity in HIERARCHICAL else "Name"
        for _e, other in self._others((entity,), current):
            if str(other.get(key, "")).casefold() == str(row[key]).casefold():
                raise faults.duplicate_list_name(entity)

    def _fqn(self, entity: str, row: dict[str, Any], field: str) -> None:
        parent_ref = row.get("ParentRef")
        if not parent_ref:
            row["FullyQualifiedName"] = row[field]
            return
        parent = self.rows[entity][str(parent_ref["value"])]
        fqn = f"{parent.get('FullyQualifiedName', parent[field])}:{row[field]}"
        if fqn.count(":") >= 5:
            raise faults.business("Sub-levels are limited to 5.")
        row["FullyQualifiedName"] = fqn

    # --- queries --------------------------------------------------------------------------
    def query(self, text: str) -> dict[str, Any]:
        q = ql.parse(text)
        singles = {
            "companyinfo": ("CompanyInfo", self.info),
            "preferences": ("Preferences", self.prefs),
        }
        entity, single = singles.get(q.entity.lower(), (ENTITIES.get(q.entity.lower()), None))
        if entity is None:
            raise ql.QueryError("4000", f"QueryParserError: Invalid entity {q.entity}")
        if entity in LISTS and not any(c.field.lower() == "active" for c in q.where):
            q.where.append(ql.Cond("Active", "=", [True]))
        rows = [single] if single is not None else list(self.rows[entity].values())
        if q.count:
            return {"totalCount": sum(1 for r in rows if ql.matches(r, q.where))}
        page = ql.run(q, rows)
        if not page:
            return {}
        return {entity: copy.deepcopy(page), "startPosition": q.start, "maxResults": len(page)}

    def changed_since(self, entity: str, since: datetime) -> list[dict[str, Any]]:
        out = [
            copy.deepcopy(r)
            for r in self.rows[entity].values()
            if datetime.fromisoformat(r["MetaData"]["LastUpdatedTime"]) > since
        ]
        out.sort(key=lambda r: r["MetaData"]["LastUpdatedTime"])
        out += [
            {
                "domain": "QBO",
                "status": "Deleted",
                "Id": i,
                "MetaData": {"LastUpdatedTime": stamp(t)},
            }
            for e, i, t in self.deleted
            if e == entity and t > since
        ]
        return out


def _clean(body: dict[str, Any], entity: str, keep_id: bool = False) -> dict[str, Any]:
    """Copy a request body, dropping server-owned fields and empty strings."""
    row = {k: copy.deepcopy(v) for k, v in body.items() if v != "" and v is not None}
    for k in SERVER_FIELDS:
        if not (keep_id and k == "Id") and not (entity == "Payment" and k == "TotalAmt"):
            row.pop(k, None)
    if keep_id and "Id" in row:
        row["Id"] = str(row["Id"])
    return row
