"""The pieces of a batch's status page (issue 14 §3, issue 17): the polled summary, small
whatever the batch's size and answered 304 when nothing changed, and one page (100 rows) of
a section's actions or of the transactions, loaded when the reader opens it.
"""

from __future__ import annotations

from time import perf_counter

from flask import abort, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from cwqbo.batches import report, summary
from cwqbo.batches.payment_run import KIND, PAYMENT_TX_LABELS
from cwqbo.extensions import htmx
from cwqbo.models import Batch, BatchAction
from cwqbo.web.batches import KIND_PAGES, bp
from cwqbo.web.batches.status import UNBATCHABLE, can_retry, get_batch, stuck
from cwqbo.wording import plural_of

# An action not started yet is "Waiting": "Not Yet Started" is said once, by its section.
ACTION_LABELS = {**report.STATE_LABELS, BatchAction.NOT_STARTED: "Waiting"}


def summary_context(batch: Batch) -> dict:
    """What the polled summary shows: two GROUP BY queries, never the rows themselves."""
    counts = summary.summarize(batch)
    stuck_reason = stuck(batch)
    kind = KIND_PAGES.get(batch.kind)
    return {
        "batch": batch,
        "kind": kind,
        "noun": kind.noun if kind else "transaction",
        "nouns": plural_of(kind.noun if kind else "transaction"),
        "summary": counts,
        "progress": counts.progress,
        "sections": [s for s in counts.sections if s.shown],
        "all_sections": counts.sections,
        "status_labels": report.BATCH_STATUS_LABELS,
        "stuck": stuck_reason,
        "can_retry": can_retry(batch, stuck_reason, counts.unfinished),
        "unbatchable": () if batch.kind == KIND else UNBATCHABLE,
    }


def rows_context(batch: Batch) -> dict:
    """What the tables of rows need besides their rows."""
    return {
        "realm_id": batch.config.realm_id if batch.config else None,
        "qbo_url": report.qbo_url,
        "state_labels": report.STATE_LABELS,
        "action_labels": ACTION_LABELS,
        "state_tones": report.STATE_TONES,
        "tx_labels": PAYMENT_TX_LABELS if batch.kind == KIND else report.TX_STATE_LABELS,
    }


def opens(batch: Batch, section: summary.SectionSummary) -> bool:
    """A section starts open when something in it failed (a payment sync has one section)."""
    return section.failed or batch.kind == KIND


def section_rows(batch: Batch, key: str, page: int, failed_only: bool = False) -> dict:
    actions = summary.section_page(batch, key, page, failed_only)
    return {
        "key": key,
        "actions": actions,
        "action_txs": summary.transactions_of(actions.items),
        "failed_only": failed_only,
    }


def tx_rows(batch: Batch, page: int, failed_only: bool) -> dict:
    txs = summary.transactions_page(batch, page, failed_only)
    return {
        "key": summary.TRANSACTIONS,
        "txs": txs,
        "failed_only": failed_only,
        "taken_by": report.taken_by(batch, txs.items),  # issue 13 §5: sent by a later batch
    }


def page_context(batch: Batch) -> dict:
    """The whole page: the summary, and the first page of every section that starts open
    (its failed actions only, when it has some: the rest are a click away)."""
    context = {**summary_context(batch), **rows_context(batch)}
    context["opened"] = {
        s.key: {**section_rows(batch, s.key, 1, s.failed), "section": s}
        for s in context["sections"]
        if opens(batch, s)
    }
    context["opens"] = opens
    context["transactions"] = tx_rows(batch, 1, False)
    return context


def version(batch: Batch, context: dict) -> str:
    """The poll's ETag: it changes whenever anything the summary shows changes."""
    return context["summary"].version(
        batch.status,
        batch.mode,
        batch.message,
        context["stuck"],
        context["can_retry"],
        current_user.id,
        current_user.role,
    )


@bp.get("/<identifier>/progress")
@login_required
def progress(identifier: str):
    """The polled summary: it polls while the batch runs and stops once it has ended.

    Answers 304 with no body when the reader's copy (If-None-Match) is still current; the
    browser then hands HTMX its cached copy, so the page keeps polling unchanged.
    """
    started = perf_counter()
    batch = get_batch(identifier)
    if not htmx:
        return redirect(url_for("batches.status", identifier=batch.identifier))
    context = summary_context(batch)
    etag = version(batch, context)
    if request.if_none_match.contains(etag):
        response = make_response("", 304)
    else:
        response = make_response(
            render_template("batches/_batch_progress.html", oob=True, **context)
        )
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["Server-Timing"] = f"app;dur={(perf_counter() - started) * 1000:.1f}"
    return response


def _page_number() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


@bp.get("/<identifier>/sections/<key>")
@login_required
def section(identifier: str, key: str):
    """One page of a section's actions, or of the transactions (``transactions``)."""
    batch = get_batch(identifier)
    counts = summary.summarize(batch)
    stamps = {s.key: s.stamp for s in counts.sections}
    if key != summary.TRANSACTIONS and key not in stamps:
        abort(404, description=f"Batch {batch.identifier} has no section {key!r}.")
    kind = KIND_PAGES.get(batch.kind)
    context = {
        **rows_context(batch),
        "batch": batch,
        "kind": kind,
        "noun": kind.noun if kind else "transaction",
        "nouns": plural_of(kind.noun if kind else "transaction"),
        "unbatchable": () if batch.kind == KIND else UNBATCHABLE,
    }
    if key == summary.TRANSACTIONS:
        rows = tx_rows(batch, _page_number(), request.args.get("failed") == "1")
        rows["stamp"] = counts.tx_stamp
        rows["has_failed"] = counts.tx_counts.get("failed", 0)
        template = "batches/_tx_rows.html"
    else:
        rows = section_rows(batch, key, _page_number(), request.args.get("failed") == "1")
        rows["stamp"] = stamps[key]
        rows["section"] = next(s for s in counts.sections if s.key == key)
        template = "batches/_section_rows.html"
    context.update(rows)
    if not htmx:  # a pager link followed without JavaScript: the rows on a page of their own
        labels = summary.section_labels(batch)
        title = context["kind"].title if key == summary.TRANSACTIONS and context["kind"] else None
        return render_template(
            "batches/section.html",
            rows_template=template,
            title=title or labels.get(key, key),
            **context,
        )
    return render_template(template, **context)
