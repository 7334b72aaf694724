"""Read-only HTML pages of the QBO sandbox: what each company holds and what just landed.

``GET /_sandbox/`` lists the realms with their entity counts; ``/_sandbox/view/<realm>/<Entity>``
tables one entity (newest first), ``/_sandbox/view/<realm>/<Entity>/<Id>`` shows one record's
JSON. Rows created or changed since the sandbox started are marked, so a demo user sees at a
glance what a batch sent.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from flask import Blueprint, abort, current_app, render_template_string

from cwqbo.sandbox import VIEWER_CSS

from .company import ENTITIES, Company

bp = Blueprint("qbo_viewer", __name__, url_prefix="/_sandbox")

FEATURED = ("Invoice", "CreditMemo", "Customer", "Item", "Payment", "Bill", "Purchase", "Vendor")
PARTY_REFS = ("CustomerRef", "VendorRef", "EntityRef", "EmployeeRef")
PARTY_NAMES = {"Customer": "DisplayName", "Vendor": "DisplayName", "Employee": "DisplayName"}

HEAD = (
    """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{{ title }} · QBO sandbox</title>
<style>
"""
    + VIEWER_CSS
    + """
.tag{display:inline-block;padding:0 .4rem;border-radius:.6rem;font-size:.8rem;margin-right:.2rem}
.new{background:#d8f3dc;color:#1b5e20}.changed{background:#fff3cd;color:#7a5b00}
.gone{background:#f8d7da;color:#842029}.muted{color:#5b6775}
pre{background:#fff;padding:1rem;box-shadow:0 1px 2px #0002;overflow:auto}
</style></head><body>
<nav>QuickBooks Online sandbox · read-only ·
<a href="{{ url_for('qbo_viewer.index') }}">all companies</a> ·
<a href="{{ url_for('qbo_control.state_dump') }}">state JSON</a></nav>
"""
)
FOOT = "</body></html>"

INDEX = (
    HEAD
    + """<h1>Companies</h1>
<p class="muted">OAuth: {{ oauth.exchanges }} code exchange(s), {{ oauth.refreshes }} refresh(es),
{{ oauth.active_grants }} active grant(s). {{ requests }} API request(s), {{ writes }} write(s)
since the sandbox started.</p>
{% for realm in realms %}
<h2>{{ realm.name }} <span class="muted">realm {{ realm.id }} · {{ realm.country }}</span></h2>
<table><tr><th>Entity</th><th>Records</th><th>New</th><th>Changed</th><th>Deleted</th></tr>
{% for e in realm.entities %}
<tr><td><a href="{{ url_for('qbo_viewer.entity', realm=realm.id, entity=e.name) }}">
{{- e.name }}</a></td><td class="num">{{ e.count }}</td>
<td class="num">{% if e.new %}<span class="tag new">{{ e.new }}</span>{% endif %}</td>
<td class="num">{% if e.changed %}<span class="tag changed">{{ e.changed }}</span>{% endif %}</td>
<td class="num">{% if e.deleted %}<span class="tag gone">{{ e.deleted }}</span>{% endif %}</td></tr>
{% endfor %}</table>
{% endfor %}"""
    + FOOT
)

ENTITY = (
    HEAD
    + """<h1>{{ entity }} <span class="muted">· {{ company_name }} (realm {{ realm }})</span></h1>
<p class="muted">{{ rows|length }} record(s), newest first.
<span class="tag new">new</span> created and <span class="tag changed">changed</span> updated
since the sandbox started (restarting it reloads the sample data).</p>
{% if rows %}<table>
<tr><th>Id</th><th>Number / name</th><th>Customer / vendor</th><th>Date</th><th>Total</th>
<th>Balance</th><th>Lines</th><th>Status</th><th>Updated</th></tr>
{% for r in rows %}<tr>
<td><a href="{{ url_for('qbo_viewer.record', realm=realm, entity=entity, entity_id=r.id) }}">
{{- r.id }}</a></td><td>{{ r.number }}</td><td>{{ r.party }}</td><td>{{ r.date }}</td>
<td class="num">{{ r.total }}</td><td class="num">{{ r.balance }}</td>
<td class="num">{{ r.lines }}</td>
<td>{% for tag, label in r.tags %}<span class="tag {{ tag }}">{{ label }}</span>{% endfor %}</td>
<td class="muted">{{ r.updated }}</td></tr>
{% endfor %}</table>{% else %}<p>None yet.</p>{% endif %}"""
    + FOOT
)

RECORD = (
    HEAD
    + """<h1>{{ entity }} {{ entity_id }} <span class="muted">· {{ company_name }}</span></h1>
<p><a href="{{ url_for('qbo_viewer.entity', realm=realm, entity=entity) }}">All {{ entity }}
records</a></p>
{% if lines %}<table><thead><tr><th>#</th><th>Line</th><th>Item or account</th><th>Qty</th>
<th>Unit price</th><th>Amount</th><th>Description</th></tr></thead><tbody>
{% for ln in lines %}<tr><td>{{ ln.n }}</td><td>{{ ln.kind }}</td><td>{{ ln.target }}</td>
<td>{{ ln.qty }}</td><td>{{ ln.price }}</td><td>{{ ln.amount }}</td><td>{{ ln.text }}</td></tr>
{% endfor %}</tbody></table>{% endif %}<pre>{{ body }}</pre>"""
    + FOOT
)


def _state():
    return current_app.config["QBO_SANDBOX_STATE"]


def _seeded_ids(state, realm: str, entity: str) -> set[str]:
    rows = state.data["realms"].get(realm, {}).get("entities", {}).get(entity, [])
    return {str(r.get("Id")) for r in rows}


def _money(value: Any) -> str:
    return f"{value:,.2f}" if isinstance(value, int | float) else ""


def _party(company: Company, row: dict) -> str:
    for key in PARTY_REFS:
        ref = row.get(key)
        if isinstance(ref, dict):
            if ref.get("name"):
                return str(ref["name"])
            target = company.get(key[:-3], str(ref.get("value")))
            field = PARTY_NAMES.get(key[:-3], "Name")
            return str((target or {}).get(field) or ref.get("value", ""))
    return ""


def _tags(row: dict, seeded: set[str]) -> list[tuple[str, str]]:
    tags = []
    if row["Id"] not in seeded:
        tags.append(("new", "new"))
    elif row.get("SyncToken", "0") != "0":
        tags.append(("changed", "changed"))
    if str(row.get("PrivateNote", "")).startswith("Voided"):
        tags.append(("gone", "voided"))
    if row.get("Active") is False:
        tags.append(("gone", "inactive"))
    return tags


def _table_row(company: Company, row: dict, seeded: set[str]) -> dict:
    meta = row.get("MetaData") or {}
    lines = row.get("Line")
    return {
        "id": row["Id"],
        "number": row.get("DocNumber")
        or row.get("FullyQualifiedName")
        or row.get("DisplayName")
        or row.get("Name")
        or "",
        "party": _party(company, row),
        "date": row.get("TxnDate", ""),
        "total": _money(row.get("TotalAmt")),
        "balance": _money(row.get("Balance")),
        "lines": len(lines) if isinstance(lines, list) else "",
        "tags": _tags(row, seeded),
        "updated": meta.get("LastUpdatedTime", ""),
        "_sort": meta.get("CreateTime", ""),
    }


def _company(realm: str) -> Company:
    company = _state().companies.get(realm)
    if company is None:
        abort(404)
    return company


def _entity_name(entity: str) -> str:
    name = ENTITIES.get(entity.lower())
    if name is None:
        abort(404)
    return name


@bp.get("/")
def index():
    state = _state()
    realms = []
    with state.lock:
        for realm_id, company in state.companies.items():
            names = [*FEATURED, *sorted(set(company.rows) - set(FEATURED))]
            entities = []
            for name in names:
                seeded = _seeded_ids(state, realm_id, name)
                rows = company.rows[name].values()
                entities.append(
                    {
                        "name": name,
                        "count": len(rows),
                        "new": sum(r["Id"] not in seeded for r in rows),
                        "changed": sum(
                            r["Id"] in seeded and r.get("SyncToken", "0") != "0" for r in rows
                        ),
                        "deleted": sum(d[0] == name for d in company.deleted),
                    }
                )
            realms.append(
                {
                    "id": realm_id,
                    "name": company.info.get("CompanyName", realm_id),
                    "country": company.info.get("Country", ""),
                    "entities": entities,
                }
            )
        oauth, counts = state.oauth.snapshot(), dict(state.counts)
    return render_template_string(
        INDEX,
        title="Companies",
        realms=realms,
        oauth=oauth,
        requests=counts.get("requests", 0),
        writes=counts.get("writes", 0),
    )


@bp.get("/view/<realm>/<entity>")
def entity(realm: str, entity: str):
    state, name = _state(), _entity_name(entity)
    with state.lock:
        company = _company(realm)
        seeded = _seeded_ids(state, realm, name)
        rows = [_table_row(company, r, seeded) for r in company.rows[name].values()]
        company_name = company.info.get("CompanyName", realm)
    rows.sort(key=lambda r: (r["_sort"], r["id"].zfill(12)), reverse=True)
    return render_template_string(
        ENTITY, title=name, entity=name, realm=realm, rows=rows, company_name=company_name
    )


def _lines(company: Company, row: dict) -> list[dict]:
    """Return a document's lines as a table: what each sells or buys, and for how much."""
    out = []
    for n, line in enumerate(row.get("Line") or [], start=1):
        kind = str(line.get("DetailType") or "")
        detail = line.get(kind) if isinstance(line.get(kind), dict) else {}
        ref, entity = detail.get("ItemRef"), "Item"
        if not isinstance(ref, dict):
            ref, entity = detail.get("AccountRef"), "Account"
        target = ""
        if isinstance(ref, dict):
            held = company.get(entity, str(ref.get("value"))) or {}
            target = ref.get("name") or held.get("FullyQualifiedName") or held.get("Name") or ""
        out.append(
            {
                "n": n,
                "kind": kind.removesuffix("LineDetail"),
                "target": target,
                "qty": detail.get("Qty", ""),
                "price": detail.get("UnitPrice", ""),
                "amount": _money(line.get("Amount")),
                "text": line.get("Description", ""),
            }
        )
    return out


@bp.get("/view/<realm>/<entity>/<entity_id>")
def record(realm: str, entity: str, entity_id: str):
    state, name = _state(), _entity_name(entity)
    with state.lock:
        company = _company(realm)
        row = company.get(name, entity_id)
        if row is None:
            abort(404)
        body = json.dumps(copy.deepcopy(row), indent=2, ensure_ascii=False)
        lines = _lines(company, row)
        company_name = company.info.get("CompanyName", realm)
    return render_template_string(
        RECORD,
        title=f"{name} {entity_id}",
        entity=name,
        entity_id=entity_id,
        realm=realm,
        body=body,
        lines=lines,
        company_name=company_name,
    )
