"""QBO steps of a run: create what is missing, then the documents, never twice."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from cwqbo.quickbooks.client import BatchOp
from cwqbo.quickbooks.errors import QBODuplicateDocNumber, QBOError
from cwqbo.quickbooks.query import in_queries
from cwqbo.transfer.invoices import invoice_body
from cwqbo.transfer.steps import (
    BAD,
    DOC_CHUNK,
    FAILED,
    IN_QBO,
    NEED_ORDER,
    NEED_SECTION,
    OK,
    RUNNING,
    SENDING,
    VALIDATED,
    Steps,
    Tx,
    digest,
)


class QBOSteps(Steps):
    """Steps 3 and 4: contacts, items, terms, classes, locations; then the documents."""

    qbo: Any
    qbo_ref: Any
    manage_ref: Any
    customers: dict
    settings: Any
    batch_key: str

    # --- 3. contacts, items, terms, classes, locations ----------------------------------
    def _create_needs(self, txs: list[Tx]) -> None:
        wanted: dict[tuple[str, str], Any] = {}
        users: dict[tuple[str, str], list[Tx]] = {}
        for tx in txs:
            for need in tx.plan.needs:
                key = (need.entity, need.name.lower())
                wanted.setdefault(key, need)
                users.setdefault(key, []).append(tx)
        for entity in NEED_ORDER:
            needs = [n for (e, _), n in wanted.items() if e == entity]
            needs = [n for n in needs if self.qbo_ref.find(entity, n.name) is None]
            if needs:
                self._create_group(entity, needs, users)

    def _create_group(self, entity: str, needs: list, users: dict) -> None:
        section = NEED_SECTION[entity]
        for need in needs:
            self.store.action(section, need.name.lower(), need.label, RUNNING, sent=need.body)
        ops = [BatchOp("create", entity, need.body) for need in needs]
        key = f"{self.batch_key}:{entity}:{digest(sorted(n.name.lower() for n in needs))}"
        try:
            results = self.qbo.batch(ops, key)
        except QBOError as exc:
            results = [exc] * len(needs)
        for need, result in zip(needs, results, strict=True):
            error = result if isinstance(result, QBOError) else result.error
            name_key = need.name.lower()
            if error is None:
                self.qbo_ref.add(entity, result.entity)
                self.store.action(
                    section,
                    name_key,
                    need.label,
                    OK,
                    message="Created in QuickBooks",
                    qbo_entity=entity,
                    qbo_id=result.entity.get("Id"),
                    received=result.entity,
                )
                continue
            message = f"QuickBooks refused to create {need.label}: {error}"
            self.store.action(section, name_key, need.label, BAD, message=message)
            for tx in users.get((entity, name_key), []):
                if tx.state != FAILED:
                    self._fail(tx, message)

    # --- 4. the documents -----------------------------------------------------------------
    def _create_documents(self, txs: list[Tx]) -> None:
        sendable = [t for t in txs if t.plan is not None and t.plan.skip_reason is None]
        self._adopt_existing([t for t in sendable if t.state == SENDING])
        for tx in sendable:
            if tx.state == VALIDATED and tx.previous and not tx.previous["voided"]:
                self._reuse_previous(tx)
        todo = [t for t in sendable if t.state in (VALIDATED, SENDING)]
        for start in range(0, len(todo), DOC_CHUNK):
            self._send_chunk(todo[start : start + DOC_CHUNK])

    def _adopt_existing(self, txs: list[Tx]) -> None:
        """A resumed transaction may already be in QBO: look for its DocNumber first."""
        for entity in ("Invoice", "CreditMemo"):
            mine = {t.plan.doc_number: t for t in txs if t.plan.entity == entity}
            if not mine:
                continue
            for sql in in_queries(entity, "DocNumber", sorted(mine)):
                for doc in self.qbo.query_all(sql):
                    tx = mine.get(doc.get("DocNumber"))
                    customer = (doc.get("CustomerRef") or {}).get("name", "")
                    if tx is None or tx.state != SENDING:
                        continue
                    if customer and customer.lower() != tx.plan.customer_name.lower():
                        continue
                    self.store.log(
                        f"{entity} {tx.plan.doc_number} was already in QuickBooks "
                        f"(id {doc['Id']}); not created again.",
                        tx=tx,
                    )
                    self._in_qbo(tx, entity, doc)

    def _reuse_previous(self, tx: Tx) -> None:
        """An unbatched transaction's QBO copy was kept: use it again, never a second one."""
        entity, doc_id = tx.previous["entity"], tx.previous["id"]
        try:
            doc = self.qbo.read(entity, doc_id)
        except QBOError:
            return  # gone from QBO (deleted there): create it afresh
        self.store.log(
            f"{entity} {doc.get('DocNumber', tx.number)} (id {doc_id}) was kept in QuickBooks "
            "when this invoice was unbatched; it is used again, not created twice. If the "
            "invoice changed in ConnectWise, unbatch it with 'Also void' and send it again.",
            tx=tx,
        )
        self._in_qbo(tx, entity, doc)

    def _send_chunk(self, chunk: list[Tx]) -> None:
        ops, sent = [], []
        for tx in chunk:
            try:
                body = invoice_body(
                    tx.export,
                    self.customers.get((tx.export.get("company") or {}).get("id")),
                    self.qbo_ref,
                    self.manage_ref,
                    self.settings,
                )
            except Exception as exc:  # a reference that could not be created, bad data
                self._fail(tx, f"Could not build the QuickBooks {tx.plan.entity}: {exc}")
                continue
            # QBO keeps a voided document's number: a re-send after "unbatch and void" must
            # be allowed to use it again.
            options = "allowduplicatedocnum" if tx.previous and tx.previous["voided"] else None
            ops.append(BatchOp("create", tx.plan.entity, body, options=options))
            sent.append(tx)
            label = f"{tx.plan.entity} {tx.plan.doc_number}"
            self.store.action("documents", f"tx:{tx.id}", label, RUNNING, tx=tx, sent=body)
            # Saved before the call: from here on a resume must look in QBO first.
            self._set(tx, SENDING, message="")
        if not ops:
            return
        try:
            results = self.qbo.batch(ops, f"{self.batch_key}:docs:{digest([t.id for t in sent])}")
        except QBOError as exc:
            for tx in sent:
                message = (
                    f"QuickBooks did not answer ({exc}). It may or may not have the "
                    "document; a retry looks for it in QuickBooks before creating it."
                )
                self.store.action(
                    "documents", f"tx:{tx.id}", self._doc_label(tx), BAD, tx=tx, message=message
                )
                self.store.update(tx, message=message)
            return
        for tx, result in zip(sent, results, strict=True):
            if result.ok:
                self._in_qbo(tx, tx.plan.entity, result.entity)
            else:
                message = f"QuickBooks refused the {tx.plan.entity}: {result.error}"
                if isinstance(result.error, QBODuplicateDocNumber):
                    message += (
                        ". QuickBooks already has a document with this number: if it is this "
                        "invoice, use Mark as already exported; otherwise void or renumber it "
                        "in QuickBooks, then retry."
                    )
                self.store.action(
                    "documents",
                    f"tx:{tx.id}",
                    self._doc_label(tx),
                    BAD,
                    tx=tx,
                    message=message,
                    received={"error": str(result.error)},
                )
                self._fail(tx, message, refused=True)

    @staticmethod
    def _doc_label(tx: Tx) -> str:
        return f"{tx.plan.entity} {tx.plan.doc_number}"

    def _in_qbo(self, tx: Tx, entity: str, doc: dict) -> None:
        message = "Created in QuickBooks"
        total = Decimal(str(doc.get("TotalAmt", "0")))
        if tx.plan is not None and total != tx.plan.expected_total:
            message += (
                f"; note: QuickBooks total {total} differs from ConnectWise total "
                f"{tx.plan.expected_total}"
            )
        self.store.action(
            "documents",
            f"tx:{tx.id}",
            f"{entity} {doc.get('DocNumber', tx.number)}",
            OK,
            tx=tx,
            message=message,
            qbo_entity=entity,
            qbo_id=doc["Id"],
            received=doc,
        )
        tx.qbo_entity, tx.qbo_id = entity, str(doc["Id"])
        self._set(
            tx,
            IN_QBO,
            qbo_entity=entity,
            qbo_id=tx.qbo_id,
            qbo_doc_number=doc.get("DocNumber"),
            message="",
        )
