"""A batch's status page, unbatch, retry and logs (D6, D8, D9, D11); its polled summary and
the tables it opens on demand are in status_parts.

Everything shown is read from the batch's database rows, never from RQ (STYLE habit 5).
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from cwqbo import audit
from cwqbo.batches import recovery, report, service, unposted
from cwqbo.batches.payment_run import KIND
from cwqbo.batches.service import SelectionError
from cwqbo.extensions import db
from cwqbo.models import Batch, BatchTransaction
from cwqbo.web.batches import KIND_PAGES, bp

UNBATCHABLE = (BatchTransaction.BATCHED, BatchTransaction.SKIPPED)


def get_batch(identifier: str) -> Batch:
    batch = db.session.scalar(
        db.select(Batch).where(db.func.upper(Batch.identifier) == identifier.strip().upper())
    )
    if batch is None:
        abort(404, description=f"There is no batch with the Batch ID {identifier}.")
    return batch


def stuck(batch: Batch) -> str | None:
    """Say why an unfinished batch is not moving (its worker died, its job was lost), or None."""
    if not recovery.is_stuck(batch):
        return None
    if batch.status == Batch.RUNNING:
        return (
            "Its worker stopped (no heartbeat since "
            f"{batch.heartbeat_at:%H:%M:%S} UTC). It is resumed automatically within about "
            "a minute; Retry resumes it now."
            if batch.heartbeat_at
            else "Its worker stopped. It is resumed automatically; Retry resumes it now."
        )
    return "Its job was lost. It is queued again automatically; Retry queues it now."


def can_retry(batch: Batch, stuck_reason: str | None, unfinished: int) -> bool:
    """Say whether Retry has something to do: an ended batch with work left, or a stuck one."""
    if stuck_reason:
        return True
    return batch.ended and unfinished > 0


@bp.get("/<identifier>")
@login_required
def status(identifier: str):
    batch = get_batch(identifier)
    return render_template("batches/status.html", **status_parts.page_context(batch))


def _transaction(batch: Batch, tx_id: int) -> BatchTransaction:
    tx = db.session.get(BatchTransaction, tx_id)
    if tx is None or tx.batch_id != batch.id:
        abort(404, description="That transaction is not part of this batch.")
    return tx


@bp.route("/<identifier>/transactions/<int:tx_id>/unbatch", methods=["GET", "POST"])
@login_required
def unbatch(identifier: str, tx_id: int):
    """Confirm, then delete the transaction's Manage batch (and void its QBO document)."""
    batch = get_batch(identifier)
    tx = _transaction(batch, tx_id)
    back = url_for("batches.status", identifier=batch.identifier, _anchor=f"tx-{tx.id}")
    noun = KIND_PAGES[batch.kind].noun if batch.kind in KIND_PAGES else "transaction"
    if tx.state not in UNBATCHABLE or batch.kind == KIND:
        flash(f"{noun.capitalize()} {tx.number} is not batched in ConnectWise.", "info")
        return redirect(back)
    if request.method == "GET":
        return render_template(
            "batches/unbatch.html", batch=batch, tx=tx, noun=noun, realm_id=_realm(batch)
        )
    void = request.form.get("void") == "1"
    try:
        service.unbatch(tx, void=void, user_id=current_user.id)
    except SelectionError as exc:
        flash(str(exc), "error")
        return redirect(back)
    unposted.forget(batch.kind)  # it is back in Manage's unposted list
    verb = "voided" if tx.qbo_entity == "Invoice" else "deleted"  # QBO voids invoices only
    done = f"unbatched, QBO document {verb}" if tx.qbo_voided else "unbatched"
    audit.record("transaction_unbatched", f"{batch.identifier} {noun} {tx.number}", detail=done)
    voided = f" and its QuickBooks {tx.qbo_entity} was {verb}" if void and tx.qbo_voided else ""
    flash(
        f"{noun.capitalize()} {tx.number} is unbatched{voided}: it is back in ConnectWise's "
        "unposted list.",
        "success",
    )
    return redirect(back)


def _realm(batch: Batch) -> str | None:
    return batch.config.realm_id if batch.config else None


@bp.post("/<identifier>/retry")
@login_required
def retry(identifier: str):
    """Re-run the failed transactions of an ended batch (after a mapping was fixed)."""
    batch = get_batch(identifier)
    try:
        _count, message = recovery.retry(batch, current_user.id)
    except SelectionError as exc:
        flash(str(exc), "error")
    else:
        audit.record("batch_retried", batch.identifier, detail=message)
        flash(f"Batch {batch.identifier}: {message}", "success")
    return redirect(url_for("batches.status", identifier=batch.identifier))


def _download(body: str, batch: Batch, extension: str, mimetype: str) -> Response:
    filename = f"cwqbo-batch-{batch.identifier}.{extension}"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/<identifier>/log.txt")
@login_required
def log_text(identifier: str):
    batch = get_batch(identifier)
    return _download(report.log_text(batch), batch, "txt", "text/plain")


@bp.get("/<identifier>/log.json")
@login_required
def log_json(identifier: str):
    batch = get_batch(identifier)
    return _download(report.log_json(batch), batch, "json", "application/json")


from cwqbo.web.batches import status_parts  # noqa: E402  (its views use get_batch and stuck)
