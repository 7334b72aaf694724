"""Dry run (spec J2): everything a batch would create in QBO, and every problem; no writes."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from cwqbo import modules as custom_modules
from cwqbo.modules import WHERE
from cwqbo.transfer.context import NEED_ORDER
from cwqbo.transfer.duplicates import candidate, duplicate_problems
from cwqbo.transfer.invoices import INVOICES
from cwqbo.transfer.kind import Kind, Plan
from cwqbo.transfer.problems import Problem
from cwqbo.transfer.settings import TransferSettings
from cwqbo.transfer.steps import Shortfall, load_references, read_export
from cwqbo.transfer.totals import preview_note

log = logging.getLogger(__name__)


def dry_run(
    manage: Any,
    qbo: Any,
    manage_ids: Sequence[str],
    settings: TransferSettings,
    kind: Kind = INVOICES,
    previous: dict[str, dict] | None = None,
) -> dict:
    """Plan every selected transaction against live data; only reads are sent to either API.

    ``previous`` is {row key: QBO document} kept by earlier, since unbatched, transfers:
    a re-send uses that copy (or its voided number) again, so its number is no duplicate.
    """
    found, parties, shortfall = read_export(manage, kind, manage_ids)
    keys, exported = list(found), list(found.values())
    previous = previous or {}
    ctx = load_references(manage, qbo, kind, exported, parties, settings)
    documents, creates, seen, after_fix = [], [], set(), {}
    plans = [_plan(kind, doc, ctx) for doc in exported]
    numbers = [i for i, plan in enumerate(plans) if not plan.problems]
    # As the run does: a number QBO already holds is a problem (issue 13 §2).
    clashes = duplicate_problems(
        qbo, [candidate(plans[i], None, previous.get(keys[i])) for i in numbers]
    )
    for index, problem in zip(numbers, clashes, strict=True):
        if problem is not None:
            plans[index].problems = [*plans[index].problems, problem]
    for doc, plan in zip(exported, plans, strict=True):
        body = None
        if not plan.problems and plan.skip_reason is None:
            for need in plan.needs:
                key = (need.entity, need.name.lower())
                if key not in seen:
                    seen.add(key)
                    creates.append(_created(need))
            body = kind.body(doc, ctx, placeholders=True)
            try:  # what the custom modules would change, as the run sends it
                body = custom_modules.installed().payload(kind.name, plan.entity, body, doc)
            except custom_modules.HookFailed as exc:
                plan.problems.append(Problem(f"{exc}.", "Fix or remove that module.", WHERE))
        elif plan.problems:  # what it would create once fixed: never "nothing" (issue 17)
            for need in plan.needs:
                after_fix.setdefault((need.entity, need.name.lower()), _created(need))
        documents.append(
            {
                "number": kind.shown_number(doc, plan),
                "party": kind.party(doc),
                "entity": kind.qbo_entity(plan),
                "customer": plan.party_name,
                "lines": plan.lines,
                "total": plan.expected_total,
                "currency": kind.currency(doc),
                "problems": [p.as_dict() for p in plan.problems],
                "skip_reason": plan.skip_reason,
                "note": getattr(plan, "note", None),  # how its customer/vendor was matched
                "changes": [] if plan.problems else list(plan.changes),  # said, never silent
                # QBO's expected total against Manage's, and the option's answer (§3)
                "total_note": preview_note(
                    plan.entity, body, plan.expected_total, ctx.qbo, settings
                ),
                "body": body,
            }
        )
    if shortfall:  # name every transaction the export left out, never skip it silently
        documents += _missing(kind, shortfall)
    after = [c for key, c in after_fix.items() if key not in seen]
    for listed in (creates, after):
        listed.sort(key=lambda c: (NEED_ORDER.index(c["entity"]), c["name"].lower()))
    return {
        "documents": documents,
        "creates": creates,
        "after_fix": after,  # needed by transactions with problems, once those are fixed
        "problems": sum(bool(d["problems"]) for d in documents),
        "skipped": sum(bool(d["skip_reason"]) for d in documents),
    }


def _created(need: Any) -> dict:
    return {"entity": need.entity, "name": need.name, "label": need.label}


def _plan(kind: Kind, doc: dict, ctx: Any) -> Plan:
    try:
        plan = kind.plan(doc, ctx)
    except Exception as exc:  # as the run does: one unreadable document, not a broken page
        log.exception("planning %s %s for the preview failed", kind.noun, doc.get("id"))
        plan = _unreadable(kind, doc, exc)
    plan.problems = plan.problems + custom_modules.installed().problems(kind.name, doc, plan)
    return plan


def _missing(kind: Kind, shortfall: Shortfall) -> list[dict]:
    problem = Problem(
        f"{shortfall}.",
        f"Check that the {kind.noun.lower()} is still unposted (it may have been batched "
        "elsewhere or reopened); it is not sent.",
        kind.screen,
    ).as_dict()
    return [
        {
            "number": f"(ConnectWise row {key})",
            "party": "",
            "entity": None,
            "customer": "",
            "lines": [],
            "total": 0.0,
            "currency": "",
            "problems": [problem],
            "skip_reason": None,
            "changes": [],
            "body": None,
        }
        for key in shortfall.missing
    ]


def _unreadable(kind: Kind, doc: dict, exc: Exception) -> Plan:
    noun = kind.noun.lower()
    problem = Problem(
        f"ConnectWise sent data cwqbo cannot read for this {noun}: {exc!r}",
        f"Check the {noun} in Manage; if Manage shows it correctly, report it with this message.",
        kind.document_screen,
    )
    number = doc.get("documentNumber") or doc.get("id") or ""
    return Plan(None, str(number), "", Decimal(0), [problem], [])
