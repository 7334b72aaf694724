"""The Manage endpoints the sandbox serves, as a small path router over ManageState.

Collections support ``conditions``, ``orderBy``, ``fields``, ``page``/``pageSize`` and a
navigable ``Link`` header (reference §2.1, §2.2); ``/count`` and ``/{id}`` come for free.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from .conditions import ConditionError, compile_conditions, lookup
from .state import ManageState, SandboxError

DEFAULT_PAGE_SIZE = 25
FORWARD = "\0forward-only"  # set by dispatch when the pagination-type header asks for it
MAX_PAGE_SIZE = 1000

Lister = Callable[[ManageState], list[dict]]

COLLECTIONS: dict[str, Lister] = {
    "company/companies": lambda s: s.collection("companies"),
    "system/members": lambda s: s.collection("members"),
    "system/locations": lambda s: s.collection("locations"),
    "system/departments": lambda s: s.collection("departments"),
    "finance/glaccounts": lambda s: s.collection("glAccounts"),
    "finance/billingterms": lambda s: s.collection("billingTerms"),
    "finance/taxcodes": lambda s: s.collection("taxCodes"),
    "finance/currencies": lambda s: s.collection("currencies"),
    "procurement/types": lambda s: s.collection("productTypes"),
    "procurement/catalog": lambda s: s.collection("catalogItems"),
    "procurement/purchaseorders": lambda s: s.collection("purchaseOrders"),
    "finance/invoices": lambda s: s.collection("invoices"),
    # Read-only views (no copy of every row per request): only the page sent is serialised.
    "finance/accounting/unpostedinvoices": lambda s: s.unposted("invoices", view=True),
    "finance/accounting/unpostedexpenses": lambda s: s.unposted("expenses", view=True),
    "finance/accounting/unpostedprocurement": lambda s: s.unposted("products", view=True),
    "finance/accounting/batches": lambda s: s.collection("batches"),
}
UNPOSTED_KIND = {
    "finance/accounting/unpostedinvoices": "invoices",
    "finance/accounting/unpostedexpenses": "expenses",
    "finance/accounting/unpostedprocurement": "products",
}


def not_found(what: str, record_id: Any = None) -> SandboxError:
    text = f"{what} recId {record_id} not found." if record_id is not None else f"{what} not found"
    return SandboxError(404, "NotFound", text)


def _sort(rows: list[dict], order_by: str | None) -> list[dict]:
    if not order_by:
        return sorted(rows, key=lambda r: r.get("id") or 0)
    for clause in reversed([c.strip() for c in order_by.split(",") if c.strip()]):
        field, _, direction = clause.partition(" ")
        reverse = direction.strip().lower() == "desc"
        rows = sorted(rows, key=lambda r, f=field: _sort_key(lookup(r, f)), reverse=reverse)
    return rows


def _sort_key(value: Any) -> tuple:
    if value is None:
        return (0, "")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (1, value)
    return (2, str(value).lower())


def _project(row: dict, fields: list[list[str]]) -> dict:
    out: dict = {}
    for path in fields:
        src, dst = row, out
        for i, part in enumerate(path):
            if not isinstance(src, dict) or part not in src:
                break
            if i == len(path) - 1:
                dst[part] = copy.deepcopy(src[part])
            else:
                src = src[part]
                dst = dst.setdefault(part, {})
    return out


def _fields(chunk: list[dict], args: dict) -> list[dict]:
    if not args.get("fields"):
        return chunk
    wanted = [f.strip().split("/") for f in args["fields"].split(",") if f.strip()]
    return [_project(r, wanted) for r in chunk]


def _int_arg(args: dict, name: str, default: int) -> int:
    raw = args.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise SandboxError(400, "InvalidObject", f"{name} must be an integer") from None


def _forward_only(rows: list[dict], args: dict, base_url: str, size: int):
    """Forward-only paging (reference §2.1): ``pageId`` means ``id > pageId``, by id."""
    if args.get("orderBy"):
        raise SandboxError(
            400, "InvalidObject", "orderBy cannot be used with forward-only pagination."
        )
    after = _int_arg(args, "pageId", 0)
    rows = [r for r in _sort(rows, None) if (r.get("id") or 0) > after]
    chunk = rows[:size]
    if len(rows) <= size or not chunk:
        return chunk, {}
    query = {k: v for k, v in args.items() if k not in ("page", "pageSize", "pageId", FORWARD)}
    query.update({"pageSize": size, "pageId": chunk[-1]["id"]})
    return chunk, {"Link": f'<{base_url}?{urlencode(query)}>; rel="next"'}


def _predicate(args: dict):
    try:
        return compile_conditions(args.get("conditions"))
    except ConditionError as exc:
        raise SandboxError(
            400,
            "InvalidObject",
            "conditions is invalid",
            [{"code": "InvalidConditions", "message": str(exc), "field": "conditions"}],
        ) from None


def count_matching(rows: list[dict], args: dict) -> int:
    """``/count``: every row matching ``conditions`` (not capped at a page)."""
    predicate = _predicate(args)
    return sum(1 for r in rows if predicate(r))


def list_response(rows: list[dict], args: dict, base_url: str) -> tuple[list[dict], dict]:
    """Filter, sort, page and project ``rows``; return (page, headers)."""
    predicate = _predicate(args)
    size = min(max(_int_arg(args, "pageSize", DEFAULT_PAGE_SIZE), 1), MAX_PAGE_SIZE)
    if args.get(FORWARD):
        chunk, headers = _forward_only([r for r in rows if predicate(r)], args, base_url, size)
        return _fields(chunk, args), headers
    rows = _sort([r for r in rows if predicate(r)], args.get("orderBy"))
    page = max(_int_arg(args, "page", 1), 1)
    last = max((len(rows) + size - 1) // size, 1)
    chunk = _fields(rows[(page - 1) * size : page * size], args)
    links = []

    def link(n: int, rel: str) -> None:
        query = {k: v for k, v in args.items() if k not in ("page", "pageSize")}
        query.update({"pageSize": size, "page": n})
        links.append(f'<{base_url}?{urlencode(query)}>; rel="{rel}"')

    if page > 1:
        link(1, "first")
        link(page - 1, "prev")
    if page < last:
        link(page + 1, "next")
        link(last, "last")
    return chunk, ({"Link": ", ".join(links)} if links else {})


def dispatch(
    state: ManageState,
    method: str,
    api_path: str,
    args: dict,
    body: Any,
    base_url: str,
    *,
    forward_only: bool = False,
) -> tuple[int, Any, dict]:
    """Answer one API request; return (status, JSON payload or None, headers)."""
    args = {k: v for k, v in args.items() if k != FORWARD}
    if forward_only:
        args[FORWARD] = "1"
    parts = [p for p in api_path.strip("/").split("/") if p]
    lower = [p.lower() for p in parts]
    path = "/".join(lower)
    if path == "system/info" and method == "GET":
        return (
            200,
            {
                "version": state.company_info.get("VersionNumber", "v2025.1"),
                "isCloud": str(state.company_info.get("IsCloud")).lower() == "true",
                "serverTimeZone": "Eastern Standard Time",
                "cloudRegion": "NA",
            },
            {},
        )
    if path == "finance/accounting/export":
        _method(method, "POST")
        return 200, state.export(body), {}
    if path == "finance/accounting/batches" and method == "POST":
        export, _batch = state.create_batch(body)
        return 201, export, {}
    if (
        len(lower) == 5
        and path.startswith("finance/accounting/batches/")
        and lower[4] == "export"
        and lower[3].isdigit()
    ):
        _method(method, "POST")
        export = state.batch_export(int(lower[3]))
        if export is None:
            raise not_found("AccountingBatch", lower[3])
        return 200, export, {}
    # longest collection prefix wins
    for n in range(len(lower), 0, -1):
        base = "/".join(lower[:n])
        if base in COLLECTIONS:
            return _collection(state, method, base, parts[n:], args, body, base_url)
    raise not_found(f"/{api_path}")


def _method(method: str, *allowed: str) -> None:
    if method not in allowed:
        raise SandboxError(
            405,
            "MethodNotAllowed",
            f"The requested resource does not support http method '{method}'.",
        )


def _collection(state, method, base, rest, args, body, base_url):
    if not rest:
        _method(method, "GET")
        page, headers = list_response(COLLECTIONS[base](state), args, base_url)
        return 200, page, headers
    if rest == ["count"]:
        _method(method, "GET")
        return 200, {"count": count_matching(COLLECTIONS[base](state), args)}, {}
    try:
        record_id = int(rest[0])
    except ValueError:
        raise not_found(f"/{base}/{'/'.join(rest)}") from None
    child = [r.lower() for r in rest[1:]]
    if not child:
        if base == "finance/accounting/batches" and method == "DELETE":
            if not state.delete_batch(record_id):
                raise not_found("AccountingBatch", record_id)
            return 204, None, {}
        _method(method, "GET")
        row = next((r for r in COLLECTIONS[base](state) if r.get("id") == record_id), None)
        if row is None:
            raise not_found(base.split("/")[-1], record_id)
        return 200, row, {}
    return _child(state, method, base, record_id, child, args, body, base_url)


def _child(state, method, base, record_id, child, args, body, base_url):
    name = child[0]
    rows: list[dict] | None
    if base == "finance/taxcodes" and name == "taxcodelevels":
        rows = state.child_collection("taxCodes", record_id, "taxCodeLevels")
    elif base == "procurement/purchaseorders" and name == "lineitems":
        rows = state.child_collection("purchaseOrders", record_id, "lineItems")
    elif base in UNPOSTED_KIND and name == "taxablelevels":
        rows = state.taxable_levels(UNPOSTED_KIND[base], record_id)
    elif base == "finance/accounting/batches" and name == "entries":
        rows = state.batch_entries(record_id)
    elif base == "finance/invoices" and name == "payments":
        return _payments(state, method, record_id, child[1:], args, body, base_url)
    else:
        raise not_found(f"/{base}/{record_id}/{'/'.join(child)}")
    if rows is None:
        raise not_found(base.split("/")[-1], record_id)
    return _sub_list(method, rows, child[1:], args, base_url)


def _sub_list(method, rows, rest, args, base_url):
    _method(method, "GET")
    if not rest:
        page, headers = list_response(rows, args, base_url)
        return 200, page, headers
    if rest == ["count"]:
        return 200, {"count": count_matching(rows, args)}, {}
    row = next((r for r in rows if str(r.get("id")) == rest[0]), None)
    if row is None:
        raise not_found("record", rest[0])
    return 200, row, {}


def _payments(state, method, invoice_id, rest, args, body, base_url):
    if not rest and method == "POST":
        return 201, state.add_payment(invoice_id, body), {}
    if len(rest) == 1 and method == "DELETE" and rest[0].isdigit():
        if not state.delete_payment(invoice_id, int(rest[0])):
            raise not_found("Payment", rest[0])
        return 204, None, {}
    rows = state.list_payments(invoice_id)
    if rows is None:
        raise not_found("Invoice", invoice_id)
    return _sub_list(method, rows, rest, args, base_url)
