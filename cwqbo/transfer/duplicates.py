"""Document numbers already used in QBO, found in bulk during validation (issue 13 §2).

QBO refuses an invoice or credit memo whose DocNumber another one of its kind holds
(fault 6140), and a bookkeeper treats a second bill with the same vendor invoice number
for the same vendor as a duplicate. Asking QBO once per chunk of numbers
(``SELECT * FROM Invoice WHERE DocNumber IN (...)``) before anything is written lets the
preview show the problem and keeps the run from creating even that transaction's new
customer. The queries go out as items of one batch request (30 queries, 900 numbers a
request), not one request each: 1,000 invoices cost 2 QBO calls, not 34 (issue 14).

A document cwqbo itself created for the same transaction is no duplicate: its QBO id is
the transaction's own (``own`` ids: a resumed run's document, or the copy kept or voided
when it was unbatched), and a transaction already "sending" is left to the adopt-by-
DocNumber step of documents.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cwqbo.quickbooks.client import BatchOp
from cwqbo.quickbooks.query import entity_of, in_queries
from cwqbo.transfer.assumptions import QUERY_PAGE
from cwqbo.transfer.kind import PARTY_REF, Plan
from cwqbo.transfer.problems import Problem

# The QBO entities whose numbers are checked; bills only against the same vendor.
CHECKED = ("Invoice", "CreditMemo", "Bill")
PER_PARTY = ("Bill",)
PAGE = f" MAXRESULTS {QUERY_PAGE}"
SCREENS = {
    "Invoice": "QuickBooks › Sales › Invoices",
    "CreditMemo": "QuickBooks › Sales › All sales (Credit memos)",
    "Bill": "QuickBooks › Expenses › Bills",
}


@dataclass
class Candidate:
    """One planned document whose number is to be checked."""

    plan: Plan
    own: set[str] = field(default_factory=set)  # QBO ids that are this transaction's own
    # Its earlier copy was voided when unbatched: the re-send may reuse a voided number.
    reuse_voided: bool = False


def candidate(plan: Plan, qbo_id: str | None, previous: dict | None) -> Candidate:
    """Return the candidate of a transaction's plan, its own QBO ids taken from its rows."""
    own = {str(i) for i in (qbo_id, (previous or {}).get("id")) if i}
    return Candidate(plan, own, bool(previous and previous.get("voided")))


def duplicate_problems(qbo: Any, candidates: Sequence[Candidate]) -> list[Problem | None]:
    """Return, per candidate, the problem of its number already used in QBO, or None."""
    out: list[Problem | None] = [None] * len(candidates)
    wanted: dict[str, dict[str, list[int]]] = {}  # entity -> casefolded number -> candidates
    sqls: list[str] = []
    for entity in CHECKED:
        mine: dict[str, list[int]] = {}
        for index, cand in enumerate(candidates):
            plan = cand.plan
            if plan.entity == entity and plan.doc_number and not plan.skip_reason:
                mine.setdefault(plan.doc_number.casefold(), []).append(index)
        if mine:
            wanted[entity] = mine
            numbers = sorted({candidates[i[0]].plan.doc_number for i in mine.values()})
            sqls += [s + PAGE for s in in_queries(entity, "DocNumber", numbers)]
    for sql, docs in _run_queries(qbo, sqls):
        entity = entity_of(sql)
        for doc in docs:
            for index in wanted[entity].get(str(doc.get("DocNumber", "")).casefold(), []):
                if out[index] is None and _clashes(entity, doc, candidates[index]):
                    out[index] = _problem(entity, doc, candidates[index].plan)
    return out


def _run_queries(qbo: Any, sqls: list[str]) -> list[tuple[str, list[dict]]]:
    """Run the queries as batch items, 30 a request (one request per 900 numbers).

    A query whose answer fills a whole page is read again page by page.
    """
    if not sqls:
        return []
    results = qbo.batch([BatchOp("query", body=sql) for sql in sqls], f"numbers-{uuid.uuid4()}")
    out = []
    for sql, result in zip(sqls, results, strict=True):
        if result.error is not None:
            raise result.error
        entity = entity_of(sql)
        docs = next(
            (v for k, v in (result.query_response or {}).items() if k.lower() == entity.lower()),
            [],
        )
        if len(docs) >= QUERY_PAGE:
            docs = qbo.query_all(sql[: -len(PAGE)])
        out.append((sql, docs))
    return out


def _clashes(entity: str, doc: dict, cand: Candidate) -> bool:
    if str(doc.get("Id")) in cand.own:
        return False
    if cand.reuse_voided and _voided(doc):
        return False
    if entity in PER_PARTY:
        party = (doc.get(PARTY_REF[entity]) or {}).get("name", "")
        return party.casefold() == cand.plan.party_name.casefold()
    return True


def _voided(doc: dict) -> bool:
    return str(doc.get("TotalAmt", "")) in ("0", "0.0", "0.00") and "Voided" in str(
        doc.get("PrivateNote", "")
    )


def _problem(entity: str, doc: dict, plan: Plan) -> Problem:
    party = (doc.get(PARTY_REF.get(entity, "")) or {}).get("name", "")
    noun = "bill" if entity == "Bill" else "document"
    whose = f" for {party}" if party else ""
    what = (
        f"vendor invoice number {plan.doc_number} is already used by QuickBooks bill id "
        f"{doc.get('Id')}{whose}"
        if entity == "Bill"
        else f"number {plan.doc_number} is already used by QuickBooks {entity} id "
        f"{doc.get('Id')}{whose}"
    )
    dated = f" dated {doc['TxnDate']}" if doc.get("TxnDate") else ""
    total = f", total {doc['TotalAmt']}" if doc.get("TotalAmt") is not None else ""
    return Problem(
        f"The {what}{dated}{total}; QuickBooks would refuse (or double) this {noun}, so "
        "nothing of it is sent.",
        f"If that {noun} is this transaction, use Mark as already exported; otherwise void or "
        "renumber the one in QuickBooks (or the number in ConnectWise), then send it again.",
        SCREENS[entity],
    )
