"""Submit, preview, retry, unbatch and mark-exported: what the batch pages call (spec D)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.exc import IntegrityError

from cwqbo.batches.execution import settings_for_config
from cwqbo.batches.rows import UnpostedRow, parse_row
from cwqbo.batches.store import previous_documents
from cwqbo.connections import NotConnected, manage_client, qbo_client
from cwqbo.connectwise import ManageError, ManageNotFound
from cwqbo.connectwise import conditions as C
from cwqbo.extensions import db
from cwqbo.jobs import TRANSFERS_QUEUE
from cwqbo.jobs.enqueue import enqueue_after_commit
from cwqbo.models import Batch, BatchLog, BatchTransaction, QBOConfiguration, User
from cwqbo.models.user import utcnow
from cwqbo.quickbooks.errors import QBOError
from cwqbo.transfer.kinds import KINDS
from cwqbo.transfer.preview import dry_run
from cwqbo.wording import plural

log = logging.getLogger(__name__)

# Kinds whose mapping exists; the others get their pages with their own issue.
ENABLED_KINDS = ("invoices", "expenses", "products")
KIND_LETTER = {"invoices": "I", "expenses": "E", "products": "P"}
ID_FIELD = {"invoices": "id", "expenses": "id", "products": "unpostedProductId"}
NUMBER_NOUN = {"invoices": "invoice", "expenses": "expense", "products": "item receipt"}
LOOKUP_CHUNK = 100
MAX_BATCH = 10_000


class SelectionError(Exception):
    """The submission cannot be accepted; the message says why and what to do."""


@dataclass
class Preview:
    """The dry run of a selection (spec J2): what would be created, and every problem."""

    documents: list[dict]  # per transaction: number, party, entity, lines, total, problems
    creates: list[dict]  # contacts, items, terms, classes, locations to be created
    problems: int  # number of transactions with problems
    skipped: int  # transactions with no lines (batched in Manage, nothing sent)
    after_fix: tuple[dict, ...] | list[dict] = ()  # what those with problems need, once fixed


def fetch_rows(kind: str, manage_ids: Iterable[str]) -> dict[str, UnpostedRow]:
    """Return the unposted rows with these ids, read from Manage now."""
    ids = list(dict.fromkeys(str(i) for i in manage_ids))
    rows: dict[str, UnpostedRow] = {}
    client = manage_client()
    for start in range(0, len(ids), LOOKUP_CHUNK):
        chunk = ids[start : start + LOOKUP_CHUNK]
        values = chunk if kind == "products" else [int(i) for i in chunk]
        for raw in client.iter_unposted(kind, conditions=C.in_(ID_FIELD[kind], values)):
            row = parse_row(kind, raw)
            rows[row.manage_id] = row
    return rows


def claimed(kind: str, manage_ids: Sequence[str] | None = None) -> dict[str, str]:
    """Return {manage_id: batch identifier} for transactions held by an unfinished batch."""
    query = (
        db.select(BatchTransaction.manage_id, Batch.identifier)
        .join(Batch, Batch.id == BatchTransaction.batch_id)
        .where(BatchTransaction.kind == kind, BatchTransaction.claim.is_not(None))
    )
    if manage_ids is not None:
        query = query.where(BatchTransaction.manage_id.in_([str(i) for i in manage_ids]))
    return {manage_id: ident for manage_id, ident in db.session.execute(query)}


def manage_batch_identifier(kind: str, number: str, day: date) -> str:
    """Return the per-transaction Manage batch id, e.g. ``2020-01-01-I456`` (spec D4)."""
    return f"{day:%Y-%m-%d}-{KIND_LETTER[kind]}{number}"[:50]


def _user_name(user_id: int | None) -> str:
    user = db.session.get(User, user_id) if user_id else None
    return (user.name or user.email) if user else "the system"


def _parse_date(value: str) -> date | None:
    try:
        return datetime.strptime(value[:10], "%Y-%m-%d").date()
    except ValueError:
        return None


def create_batch(
    kind: str,
    config: QBOConfiguration | None,
    manage_ids: Sequence[str],
    *,
    invoice_detail: str,
    location_id: int | None,
    location_name: str | None,
    user_id: int | None,
    mode: str = Batch.TRANSFER,
) -> Batch:
    """Write the batch and its transactions, commit, then enqueue one job; return the batch."""
    noun = NUMBER_NOUN.get(kind, "transaction")
    if kind not in ENABLED_KINDS:
        raise SelectionError(f"{kind.title()} batches are not available yet.")
    ids = list(dict.fromkeys(str(i) for i in manage_ids))
    if not ids:
        raise SelectionError(f"Select at least one {noun}.")
    if len(ids) > MAX_BATCH:
        raise SelectionError(f"A batch holds at most {MAX_BATCH:,} {noun}s; select fewer.")
    if mode == Batch.TRANSFER:
        if config is None or not config.is_connected:
            raise SelectionError(
                (config.lost_message if config is not None and config.is_lost else None)
                or "Choose a QuickBooks company that is connected."
            )
    held = claimed(kind, ids)
    if held:
        first = sorted(held.items())[0]
        raise SelectionError(
            f"{len(held)} of the selected {noun}s are already in a batch that has not "
            f"finished (e.g. batch {first[1]}). Deselect them or wait for that batch."
        )
    try:
        rows = fetch_rows(kind, ids)
    except (ManageError, NotConnected) as exc:
        raise SelectionError(f"ConnectWise could not list the {noun}s: {exc}") from exc
    missing = [i for i in ids if i not in rows]
    if missing:
        raise SelectionError(
            f"{len(missing)} of the selected {noun}s are no longer unposted in ConnectWise. "
            "Refresh the list and select again."
        )
    unreadable = [rows[i] for i in ids if rows[i].problems]
    if unreadable:  # Manage changed the row since it was listed
        more = len(unreadable) - 1
        also = f" ({more} more selected cannot be used either.)" if more else ""
        raise SelectionError(unreadable[0].refusal(noun) + also)
    batch = Batch(
        kind=kind,
        mode=mode,
        config_id=config.id if config is not None else None,
        created_by_id=user_id,
        invoice_detail=invoice_detail if invoice_detail in ("summary", "detailed") else "summary",
        location_id=location_id,
        location_name=location_name,
    )
    db.session.add(batch)
    db.session.flush()
    batch.assign_identifier()
    today = utcnow().date()
    idents = {i: manage_batch_identifier(kind, rows[i].number, today) for i in ids}
    if kind == "products":  # a PO received in parts: one batch id per receipt
        from cwqbo.batches.receipts import receipt_identifiers

        numbers = {i: rows[i].number for i in ids}
        idents = receipt_identifiers(ids, numbers, today, manage_batch_identifier)
    for position, manage_id in enumerate(ids):
        row = rows[manage_id]
        db.session.add(
            BatchTransaction(
                batch_id=batch.id,
                position=position,
                kind=kind,
                manage_id=manage_id,
                manage_record_id=row.record_id,
                number=row.number,
                party=row.party,
                location_name=row.location,
                document_date=_parse_date(row.date),
                total=Decimal(str(row.total)),
                currency=row.currency,
                manage_batch_identifier=idents[manage_id],
                claim=BatchTransaction.claim_key(kind, manage_id),
            )
        )
    verb = "mark as already exported" if mode == Batch.MARK_EXPORTED else "transfer"
    _log_and_enqueue(
        batch, user_id, f"Submitted by {_user_name(user_id)}: {plural(len(ids), noun)} to {verb}."
    )
    return batch


def enqueue_batch(batch: Batch) -> str:
    """Give the batch a new job id and enqueue that job once the session commits."""
    batch.job_id = f"batch-{batch.id}-{uuid.uuid4().hex[:12]}"
    batch.heartbeat_at = utcnow()  # queued now: the sweeper measures staleness from here
    enqueue_after_commit(
        "cwqbo.jobs.tasks.run_batch", batch.id, queue=TRANSFERS_QUEUE, job_id=batch.job_id
    )
    return batch.job_id


def _log_and_enqueue(batch: Batch, user_id: int | None, message: str) -> None:
    """Log, commit, then enqueue the batch's job; a lost race for a claim is a clear refusal."""
    db.session.add(BatchLog(batch_id=batch.id, user_id=user_id, message=message))
    enqueue_batch(batch)
    try:
        db.session.commit()
    except IntegrityError as exc:  # another submission claimed one of them a moment ago
        db.session.rollback()
        raise SelectionError(
            "Some of the selected transactions were just put in another batch. Refresh and "
            "select again."
        ) from exc


def preview(
    kind: str, config: QBOConfiguration, manage_ids: Sequence[str], *, invoice_detail: str
) -> Preview:
    """Return what a batch of these transactions would create, writing nothing anywhere."""
    if kind not in ENABLED_KINDS:
        raise SelectionError(f"{kind.title()} batches are not available yet.")
    ids = list(dict.fromkeys(str(i) for i in manage_ids))
    if not ids:
        raise SelectionError(f"Select at least one {NUMBER_NOUN[kind]}.")
    if config is None or not config.is_connected:
        raise SelectionError("Choose a QuickBooks company that is connected.")
    try:
        result = dry_run(
            manage_client(),
            qbo_client(config),
            ids,
            settings_for_config(config, invoice_detail),
            KINDS[kind],
            previous=previous_documents(kind, ids),
        )
    except (ManageError, QBOError, NotConnected) as exc:
        raise SelectionError(f"The preview could not be made: {exc}") from exc
    return Preview(**result)


def retry(batch: Batch, user_id: int | None) -> int:
    """Re-run what is left of a batch that is not running; return how many will be retried."""
    from cwqbo.batches.recovery import retry as retry_batch

    return retry_batch(batch, user_id)[0]


def unbatch(tx: BatchTransaction, *, void: bool, user_id: int | None) -> None:
    """Delete the transaction's Manage batch (and void its QBO document when asked); log it."""
    if tx.state not in (BatchTransaction.BATCHED, BatchTransaction.SKIPPED):
        raise SelectionError("Only a transaction that is batched in ConnectWise can be unbatched.")
    if tx.manage_batch_id is None:  # its id was not read back after the mark: look it up
        tx.manage_batch_id = _batch_id_by_name(tx)
    if tx.manage_batch_id is None:
        raise SelectionError("cwqbo does not know this transaction's ConnectWise batch.")
    done = []
    if void and tx.qbo_id and not tx.qbo_voided:
        _void_in_qbo(tx)
        verb = "voided" if tx.qbo_entity == "Invoice" else "deleted"  # QBO voids invoices only
        done.append(f"QuickBooks {tx.qbo_entity} {tx.qbo_doc_number or tx.qbo_id} {verb}")
    try:
        manage_client().delete_batch(tx.manage_batch_id)
    except ManageNotFound:
        done.append("its ConnectWise batch was already gone")
    except (ManageError, NotConnected) as exc:
        db.session.commit()  # keep a void that already happened
        raise SelectionError(f"ConnectWise did not delete the batch: {exc}") from exc
    tx.state, tx.claim = BatchTransaction.UNBATCHED, None
    tx.message = "Unbatched: back in ConnectWise's unposted list."
    detail = f" ({'; '.join(done)})" if done else ""
    db.session.add(
        BatchLog(
            batch_id=tx.batch_id,
            transaction_id=tx.id,
            user_id=user_id,
            message=(
                f"{NUMBER_NOUN[tx.kind].capitalize()} {tx.number} unbatched by "
                f"{_user_name(user_id)}: ConnectWise batch {tx.manage_batch_identifier} "
                f"deleted{detail}."
            ),
        )
    )
    db.session.commit()


def _batch_id_by_name(tx: BatchTransaction) -> int | None:
    """The id of the batch a run named for this transaction (runs read ids back in bulk)."""
    if not tx.manage_batch_identifier:
        return None
    try:
        found = manage_client().find_batch(tx.manage_batch_identifier)
    except (ManageError, NotConnected) as exc:
        raise SelectionError(
            f"ConnectWise could not be asked for batch {tx.manage_batch_identifier}: {exc}"
        ) from exc
    return int(found["id"]) if found and found.get("id") is not None else None


def _void_in_qbo(tx: BatchTransaction) -> None:
    config = tx.batch.config
    if config is None:
        raise SelectionError("The batch's QuickBooks configuration no longer exists.")
    try:
        client = qbo_client(config)
        doc = client.read(tx.qbo_entity, tx.qbo_id)
        key = f"unbatch:{tx.batch.identifier}:{tx.id}:{tx.qbo_id}"
        if tx.qbo_entity == "Invoice":
            client.void(tx.qbo_entity, tx.qbo_id, doc["SyncToken"], key)
        else:  # QBO voids invoices; credit memos, bills and purchases are deleted
            client.delete(tx.qbo_entity, tx.qbo_id, doc["SyncToken"], key)
    except (QBOError, NotConnected) as exc:
        raise SelectionError(f"QuickBooks did not void the {tx.qbo_entity}: {exc}") from exc
    tx.qbo_voided = True
