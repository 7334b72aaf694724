"""In-memory Manage tenant for the sandbox: data, unposted lists, batches, payments.

Loaded from a dataset (format in cwqbo/sandbox/data/CONNECTWISE_DATASET.md). A document is
unposted while any of its GL record ids is not in a batch; creating a batch takes ids out,
deleting it gives them back (reference §3.8). All access goes through one lock.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import json
import threading
from pathlib import Path
from typing import Any

from cwqbo.connectwise import assumptions

from .exporter import build_export, money
from .records import DOCUMENT_DATE, EXPORT_ID_FIELD, gl_entries

DEFAULT_DATASET = Path(__file__).resolve().parent.parent / "data" / "connectwise_sample.json"

KINDS = ("invoices", "expenses", "products")
DATASET_KEYS = {
    "invoices": "unpostedInvoices",
    "expenses": "unpostedExpenses",
    "products": "unpostedProcurement",
}
# Client ids registered for the sandbox tenant when a dataset lists none (the sample lists
# these): the demo's and the README's "cwqbo-demo", and the ones the tests use.
DEMO_CLIENT_IDS = ("cwqbo-demo",)


class SandboxError(Exception):
    """An error Manage would answer with ``status`` and an ErrorResponseMessage body."""

    def __init__(self, status: int, code: str, message: str, errors: list[dict] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.errors = status, code, message, errors or []

    def body(self) -> dict:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.errors:
            body["errors"] = self.errors
        return body


def invalid(message: str, field: str, code: str = "InvalidObject", resource: str = "") -> None:
    raise SandboxError(
        400,
        "InvalidObject",
        message,
        [{"code": code, "message": message, "resource": resource, "field": field}],
    )


def load_dataset(source: str | Path | dict | None) -> dict:
    """Return a deep copy of a dataset given as a path, a dict or ``None`` (the sample)."""
    if isinstance(source, dict):
        return copy.deepcopy(source)
    path = Path(source) if source else DEFAULT_DATASET
    return json.loads(path.read_text(encoding="utf-8"))


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ManageState:
    """The tenant's data and what the API has done to it."""

    def __init__(self, dataset: str | Path | dict | None = None):
        self.lock = threading.RLock()
        self.reset(dataset)

    def reset(self, dataset: str | Path | dict | None = None) -> None:
        """Forget every change and load ``dataset`` (default: the packaged sample)."""
        data = load_dataset(dataset)
        with self.lock:
            self.data = data
            self.company_info = data["companyInfo"]
            self.credentials = data["credentials"]
            self.client_ids = set(self.credentials.get("clientIds") or DEMO_CLIENT_IDS)
            self.export_id_fields = {**EXPORT_ID_FIELD, **(data.get("exportIdFields") or {})}
            self.docs: dict[str, dict[int, dict]] = {}
            self.gl_owner: dict[int, tuple[str, int]] = {}
            for kind in KINDS:
                self.docs[kind] = {}
                for doc in data.get(DATASET_KEYS[kind], []):
                    row_id = doc["record"]["id"]
                    doc["glIds"] = gl_entries(kind, doc["export"])
                    self.docs[kind][row_id] = doc
                    for gl_id in doc["glIds"]:
                        self.gl_owner[gl_id] = (kind, row_id)
            self.batches: dict[int, dict] = {b["id"]: b for b in data.get("batches", [])}
            self.batched: dict[int, int] = {
                gl: b["id"] for b in self.batches.values() for gl in b.get("processedRecordIds", [])
            }
            self.invoices = {inv["id"]: inv for inv in data.get("invoices", [])}
            self.payments: dict[int, list[dict]] = {}
            for pay in data.get("invoicePayments", []):
                self.payments.setdefault(pay["invoice"]["id"], []).append(pay)
            self.ids = itertools.count(max([*self.batches, 1]) + 1)
            # A Manage that keeps one payment per invoice (older versions, reference §4.2)
            # refuses a second; None follows assumptions.MULTIPLE_PAYMENTS_PER_INVOICE.
            self.single_payment_per_invoice: bool | None = None
            self.payment_ids = itertools.count(
                1 + max([p["id"] for ps in self.payments.values() for p in ps] or [500])
            )

    def set_export_id_fields(self, fields: dict) -> None:
        """Make the export select by other row fields (a tenant that expects other ids)."""
        with self.lock:
            for kind, name in (fields or {}).items():
                if kind not in KINDS or not isinstance(name, str) or not name:
                    invalid(f"exportIdFields: unknown kind or field {kind!r}", "exportIdFields")
                self.export_id_fields[kind] = name

    # -- plain collections ---------------------------------------------------------------

    def collection(self, name: str) -> list[dict]:
        with self.lock:
            if name == "invoices":
                return [copy.deepcopy(i) for i in self.invoices.values()]
            if name == "batches":
                return [self._batch_record(b) for b in self.batches.values()]
            rows = self.data.get(name, [])
            return copy.deepcopy(
                [
                    {k: v for k, v in r.items() if k != "taxCodeLevels" and k != "lineItems"}
                    for r in rows
                ]
            )

    def child_collection(self, name: str, parent_id: int, key: str) -> list[dict] | None:
        with self.lock:
            parent = next((r for r in self.data.get(name, []) if r["id"] == parent_id), None)
            return None if parent is None else copy.deepcopy(parent.get(key, []))

    # -- unposted lists ------------------------------------------------------------------

    def _is_unposted(self, doc: dict) -> bool:
        return any(gl not in self.batched for gl in doc["glIds"])

    def unposted(self, kind: str, *, view: bool = False) -> list[dict]:
        """The unposted rows of a kind (copies; ``view=True``: the stored records, read only)."""
        with self.lock:
            rows = [d["record"] for d in self.docs[kind].values() if self._is_unposted(d)]
            return rows if view else [copy.deepcopy(r) for r in rows]

    def taxable_levels(self, kind: str, row_id: int) -> list[dict] | None:
        with self.lock:
            doc = self.docs[kind].get(row_id)
            if doc is None or not self._is_unposted(doc):
                return None
            levels = doc["export"].get("taxLevels") or []
            return [
                {
                    "id": row_id * 10 + n,
                    "taxLevel": lv["taxLevel"],
                    "taxCodeXref": lv.get("taxCodeXref", ""),
                    "taxAmount": lv.get("taxAmount", 0.0),
                }
                for n, lv in enumerate(levels, start=1)
            ]

    # -- GL export and batches -----------------------------------------------------------

    def _select(self, kind: str, body: dict) -> list[dict]:
        field = self.export_id_fields[kind]
        cap = kind[:-1].capitalize()
        included = body.get(f"included{cap}Ids") or []
        excluded = {str(i) for i in body.get(f"excluded{cap}Ids") or []}
        wanted = {str(i) for i in included}
        location = body.get("locationId") or 0
        thru = str(body.get("thruDate") or "")[:19]
        out = []
        for doc in self.docs[kind].values():
            key = str(doc["record"].get(field))
            if not self._is_unposted(doc) or key in excluded:
                continue
            if wanted and key not in wanted:
                continue
            if location and doc["record"].get("locationId") != location:
                continue
            if thru and str(doc["export"].get(DOCUMENT_DATE[kind]) or "")[:19] > thru:
                continue  # only records up to thruDate are exported (reference §3.6)
            out.append(doc)
        return out

    def export(self, body: dict) -> dict:
        """Answer POST /finance/accounting/export (changes nothing)."""
        if not isinstance(body, dict):
            invalid("request body must be an object", "body")
        flags = {k: bool(body.get(f"export{k.capitalize()}Flag")) for k in KINDS}
        if not any(flags.values()):
            invalid("At least one export flag must be true.", "exportInvoicesFlag")
        with self.lock:
            chosen = {k: self._select(k, body) if flags[k] else [] for k in KINDS}
            return build_export(self.data, chosen)

    def create_batch(self, body: dict) -> tuple[dict, dict]:
        """Answer POST /finance/accounting/batches: returns (GLExport, AccountingBatch)."""
        if not isinstance(body, dict):
            invalid("request body must be an object", "body")
        ids = body.get("processedRecordIds")
        if not isinstance(ids, list) or not ids or not all(isinstance(i, int) for i in ids):
            invalid(
                "processedRecordIds is required.",
                "processedRecordIds",
                "Required",
                "accountingBatch",
            )
        ident = body.get("batchIdentifier") or ""
        if not ident or len(ident) > 50:
            invalid(
                "batchIdentifier must be 1 to 50 characters.",
                "batchIdentifier",
                "OutOfRange",
                "accountingBatch",
            )
        with self.lock:
            if any(b["batchIdentifier"].lower() == ident.lower() for b in self.batches.values()):
                invalid(
                    f"A batch with identifier {ident} already exists.",
                    "batchIdentifier",
                    "ObjectExists",
                    "accountingBatch",
                )
            unknown = [i for i in ids if i not in self.gl_owner]
            taken = [i for i in ids if i in self.batched]
            if unknown or taken:
                invalid(
                    f"Records not available for batching: {sorted(unknown + taken)}",
                    "processedRecordIds",
                    "InvalidRecords",
                    "accountingBatch",
                )
            batch_id = next(self.ids)
            batch = {
                "id": batch_id,
                "batchIdentifier": ident,
                "exportInvoicesFlag": bool(body.get("exportInvoicesFlag")),
                "exportExpensesFlag": bool(body.get("exportExpensesFlag")),
                "exportProductsFlag": bool(body.get("exportProductsFlag")),
                "closedFlag": False,
                "processedRecordIds": sorted(set(ids)),
                "created": _now(),
            }
            touched: dict[str, dict[int, dict]] = {k: {} for k in KINDS}
            for gl in batch["processedRecordIds"]:
                self.batched[gl] = batch_id
                kind, row_id = self.gl_owner[gl]
                touched[kind][row_id] = self.docs[kind][row_id]
            self.batches[batch_id] = batch
            export = build_export(self.data, {k: list(v.values()) for k, v in touched.items()})
            return export, self._batch_record(batch)

    def _batch_record(self, batch: dict) -> dict:
        keys = (
            "id",
            "batchIdentifier",
            "exportInvoicesFlag",
            "exportExpensesFlag",
            "exportProductsFlag",
            "closedFlag",
        )
        record = {k: batch[k] for k in keys if k in batch}
        record["_info"] = {
            "lastUpdated": batch.get("created", "2025-04-30T00:00:00Z"),
            "updatedBy": "cwqbo-api",
        }
        return record

    def get_batch(self, batch_id: int) -> dict | None:
        with self.lock:
            batch = self.batches.get(batch_id)
            return None if batch is None else self._batch_record(batch)

    def delete_batch(self, batch_id: int) -> bool:
        """Delete a batch and return its records to the unposted lists."""
        with self.lock:
            batch = self.batches.pop(batch_id, None)
            if batch is None:
                return False
            if assumptions.DELETE_BATCH_RETURNS_RECORDS:
                for gl in batch.get("processedRecordIds", []):
                    if self.batched.get(gl) == batch_id:
                        del self.batched[gl]
            return True

    def batch_export(self, batch_id: int) -> dict | None:
        """Re-export the documents of an existing batch (POST batches/{id}/export)."""
        with self.lock:
            batch = self.batches.get(batch_id)
            if batch is None:
                return None
            touched: dict[str, dict[int, dict]] = {k: {} for k in KINDS}
            for gl in batch.get("processedRecordIds", []):
                if gl in self.gl_owner:
                    kind, row_id = self.gl_owner[gl]
                    touched[kind][row_id] = self.docs[kind][row_id]
            return build_export(self.data, {k: list(v.values()) for k, v in touched.items()})

    def batch_entries(self, batch_id: int) -> list[dict] | None:
        from .exporter import batch_entry

        with self.lock:
            batch = self.batches.get(batch_id)
            if batch is None:
                return None
            return [
                batch_entry(
                    gl, self.docs[self.gl_owner[gl][0]][self.gl_owner[gl][1]], self.gl_owner[gl][0]
                )
                for gl in batch.get("processedRecordIds", [])
                if gl in self.gl_owner
            ]

    # -- invoice payments ----------------------------------------------------------------

    def list_payments(self, invoice_id: int) -> list[dict] | None:
        with self.lock:
            if invoice_id not in self.invoices:
                return None
            return copy.deepcopy(self.payments.get(invoice_id, []))

    def _rebalance(self, invoice: dict) -> None:
        paid = money(sum(p["amount"] for p in self.payments.get(invoice["id"], [])))
        invoice["payments"] = paid
        invoice["balance"] = money(invoice["total"] - paid - invoice.get("credits", 0.0))

    def add_payment(self, invoice_id: int, body: dict) -> dict:
        with self.lock:
            invoice = self.invoices.get(invoice_id)
            if invoice is None:
                raise SandboxError(404, "NotFound", f"Invoice recId {invoice_id} not found.")
            amount = body.get("amount") if isinstance(body, dict) else None
            if not isinstance(amount, int | float) or isinstance(amount, bool) or amount <= 0:
                invalid("amount is required and must be positive.", "amount", "Required", "payment")
            if money(amount) > money(invoice["balance"]) + 0.001:
                invalid(
                    "Payment amount exceeds the invoice balance.", "amount", "OutOfRange", "payment"
                )
            single = self.single_payment_per_invoice
            if single is None:
                single = not assumptions.MULTIPLE_PAYMENTS_PER_INVOICE
            if single and self.payments.get(invoice_id):
                invalid("Invoice already has a payment.", "invoice", "ObjectExists", "payment")
            payment = {
                "id": next(self.payment_ids),
                "type": body.get("type", "Payment"),
                "source": "Default",
                "invoice": {
                    "id": invoice_id,
                    "identifier": invoice["invoiceNumber"],
                    "billingType": invoice.get("type"),
                },
                "amount": money(amount),
                "paymentDate": body.get("paymentDate") or _now(),
                "appliedBy": "cwqbo-api",
                "paymentSyncStatus": "Applied",
            }
            self.payments.setdefault(invoice_id, []).append(payment)
            self._rebalance(invoice)
            payment["invoiceBalance"] = invoice["balance"]
            payment["invoiceTotal"] = invoice["total"]
            return copy.deepcopy(payment)

    def delete_payment(self, invoice_id: int, payment_id: int) -> bool:
        with self.lock:
            payments = self.payments.get(invoice_id, [])
            keep = [p for p in payments if p["id"] != payment_id]
            if len(keep) == len(payments):
                return False
            self.payments[invoice_id] = keep
            self._rebalance(self.invoices[invoice_id])
            return True

    # -- control -------------------------------------------------------------------------

    def dump(self) -> dict:
        """Return a summary of the state for GET /_sandbox/state."""
        with self.lock:
            return {
                "companyId": self.company_info.get("CompanyID"),
                "unposted": {
                    k: sorted(
                        d["record"]["id"] for d in self.docs[k].values() if self._is_unposted(d)
                    )
                    for k in KINDS
                },
                "batches": [
                    self._batch_record(b) | {"processedRecordIds": b.get("processedRecordIds", [])}
                    for b in self.batches.values()
                ],
                "payments": {str(k): copy.deepcopy(v) for k, v in self.payments.items() if v},
            }
