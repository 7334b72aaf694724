"""Read-only HTML pages of the Manage sandbox: unposted documents, accounting batches, payments.

``GET /_sandbox/`` summarises the tenant; ``/_sandbox/view/<kind>`` (invoices, expenses,
products) tables that kind's documents with the batch that holds each one, if any.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template_string

from cwqbo.sandbox import VIEWER_CSS

from .state import KINDS, ManageState

bp = Blueprint("cw_viewer", __name__, url_prefix="/_sandbox")

LABELS = {"invoices": "Invoices", "expenses": "Expenses", "products": "Item receipts"}
COLUMNS = {  # number, party, date, type: where each kind keeps them
    "invoices": (("invoiceNumber",), ("company", "name"), ("invoiceDate",), ("invoiceType",)),
    "expenses": (("id",), ("member", "name"), ("dateExpense",), ("classification",)),
    "products": (
        ("purchaseOrder", "name"),
        ("vendor", "name"),
        ("purchaseDate",),
        ("procurementType",),
    ),
}

HEAD = (
    """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{{ title }} · Manage sandbox</title>
<style>
"""
    + VIEWER_CSS
    + """
.tag{display:inline-block;padding:0 .4rem;border-radius:.6rem;font-size:.8rem}
.open{background:#fff3cd;color:#7a5b00}.done{background:#d8f3dc;color:#1b5e20}
.muted{color:#5b6775}
</style></head><body>
<nav>ConnectWise Manage sandbox · read-only ·
<a href="{{ url_for('cw_viewer.index') }}">summary</a> ·
<a href="{{ url_for('dump') }}">state JSON</a></nav>
"""
)
FOOT = "</body></html>"

INDEX = (
    HEAD
    + """<h1>{{ company }} <span class="muted">company id {{ company_id }}</span></h1>
<h2>Accounting interface</h2>
<table><tr><th>Kind</th><th>Unposted</th><th>Batched</th></tr>
{% for k in kinds %}<tr><td><a href="{{ url_for('cw_viewer.documents', kind=k.kind) }}">
{{- k.label }}</a></td><td class="num">{{ k.unposted }}</td><td class="num">{{ k.batched }}</td>
</tr>{% endfor %}</table>
<h2>Batches ({{ batches|length }})</h2>
{% if batches %}<table><tr><th>Id</th><th>Batch identifier</th><th>Kinds</th>
<th>GL records</th><th>Created</th></tr>
{% for b in batches %}<tr><td>{{ b.id }}</td><td>{{ b.batchIdentifier }}</td>
<td>{{ b.kinds }}</td><td class="num">{{ b.records }}</td>
<td class="muted">{{ b.created }}</td></tr>{% endfor %}</table>
{% else %}<p>None yet: a cwqbo batch marks each transferred document batched here.</p>{% endif %}
<h2>Invoice payments ({{ payments|length }})</h2>
{% if payments %}<table><tr><th>Invoice</th><th>Payment</th><th>Date</th><th>Amount</th></tr>
{% for p in payments %}<tr><td>{{ p.invoice }}</td><td>{{ p.id }}</td><td>{{ p.date }}</td>
<td class="num">{{ p.amount }}</td></tr>{% endfor %}</table>
{% else %}<p>None yet: payment sync posts QuickBooks payments here.</p>{% endif %}"""
    + FOOT
)

DOCUMENTS = (
    HEAD
    + """<h1>{{ label }}
<span class="muted">{{ unposted }} unposted of {{ rows|length }}</span></h1>
<table><tr><th>Id</th><th>Number</th><th>Company / member / vendor</th><th>Date</th><th>Type</th>
<th>Location</th><th>Total</th><th>Currency</th><th>State</th></tr>
{% for r in rows %}<tr><td>{{ r.id }}</td><td>{{ r.number }}</td><td>{{ r.party }}</td>
<td>{{ r.date }}</td><td>{{ r.type }}</td><td>{{ r.location }}</td>
<td class="num">{{ r.total }}</td><td>{{ r.currency }}</td>
<td>{% if r.batch %}<span class="tag done">batched {{ r.batch }}</span>
{%- else %}<span class="tag open">unposted</span>{% endif %}</td></tr>
{% endfor %}</table>"""
    + FOOT
)


def _state() -> ManageState:
    return current_app.extensions["cw_sandbox"]["state"]


def _dig(record: dict, path: tuple[str, ...]) -> str:
    value = record
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return "" if value is None else str(value)


def _batch_of(state: ManageState, doc: dict) -> str | None:
    """Return the identifier of the batch holding a document, or None while it is unposted."""
    if any(gl not in state.batched for gl in doc["glIds"]):
        return None
    ids = sorted({state.batched[gl] for gl in doc["glIds"]})
    return ", ".join(state.batches[i]["batchIdentifier"] for i in ids if i in state.batches)


@bp.get("/")
def index():
    state = _state()
    with state.lock:
        kinds = []
        for kind in KINDS:
            docs = state.docs[kind].values()
            unposted = sum(_batch_of(state, d) is None for d in docs)
            kinds.append(
                {
                    "kind": kind,
                    "label": LABELS[kind],
                    "unposted": unposted,
                    "batched": len(docs) - unposted,
                }
            )
        batches = [
            {
                **b,
                "kinds": ", ".join(
                    LABELS[k].lower() for k in KINDS if b.get(f"export{k.capitalize()}Flag")
                ),
                "records": len(b.get("processedRecordIds", [])),
                "created": b.get("created", ""),
            }
            for b in sorted(state.batches.values(), key=lambda b: b["id"], reverse=True)
        ]
        payments = [
            {
                "invoice": invoice_id,
                "id": p.get("id"),
                "date": str(p.get("paymentDate", ""))[:10],
                "amount": f"{p.get('amount', 0):,.2f}",
            }
            for invoice_id, rows in sorted(state.payments.items())
            for p in rows
        ]
        company = state.company_info.get("CompanyName", "")
        company_id = state.company_info.get("CompanyID", "")
    return render_template_string(
        INDEX,
        title="Summary",
        company=company,
        company_id=company_id,
        kinds=kinds,
        batches=batches,
        payments=payments,
    )


@bp.get("/view/<kind>")
def documents(kind: str):
    if kind not in KINDS:
        abort(404)
    state = _state()
    number, party, date, kind_type = COLUMNS[kind]
    rows = []
    with state.lock:
        for doc in state.docs[kind].values():
            record = doc["record"]
            rows.append(
                {
                    "id": record.get("id"),
                    "number": _dig(record, number),
                    "party": _dig(record, party),
                    "date": _dig(record, date)[:10],
                    "type": _dig(record, kind_type),
                    "location": _dig(record, ("location", "name")) or record.get("locationId", ""),
                    "total": f"{record.get('total', 0):,.2f}",
                    "currency": _dig(record, ("currency", "currencyCode")),
                    "batch": _batch_of(state, doc),
                }
            )
    return render_template_string(
        DOCUMENTS,
        title=LABELS[kind],
        label=LABELS[kind],
        rows=rows,
        unposted=sum(r["batch"] is None for r in rows),
    )
