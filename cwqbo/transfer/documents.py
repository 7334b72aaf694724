"""QBO steps of a run: create what is missing, then the documents, never twice."""

from __future__ import annotations

from typing import Any

from cwqbo.quickbooks.client import BatchOp
from cwqbo.quickbooks.errors import (
    QBODuplicateDocNumber,
    QBOError,
    QBOServerError,
    QBOTransportError,
    QBOValidationError,
)
from cwqbo.quickbooks.query import in_queries
from cwqbo.transfer.context import NEED_ORDER
from cwqbo.transfer.kind import PARTY_REF
from cwqbo.transfer.steps import (
    BAD,
    DOC_CHUNK,
    FAILED,
    IN_QBO,
    NEED_SECTION,
    OK,
    RUNNING,
    SENDING,
    VALIDATED,
    Steps,
    Tx,
    digest,
)
from cwqbo.transfer.totals import check_total
from cwqbo.wording import entity_label

# The QBO record kind each document's party is (pairings).
PARTY_ENTITY = {"Invoice": "Customer", "CreditMemo": "Customer", "Bill": "Vendor"}
# A whole batch request QBO fails (5xx, no answer, or refused as a whole) is halved until the
# document it cannot take is alone. Throttling and authorisation failures are not split: they
# are about the connection, not a document.
SPLIT_ON = (QBOServerError, QBOTransportError, QBOValidationError)
# Whole-request failures one chunk may take while halving: one culprit in 30 documents costs
# 6, two at most 11. When QBO fails everything, the chunk stops within 2 x 12 + 1 requests and
# a retry resumes it.
SPLIT_FAILURES = 12


class QBOSteps(Steps):
    """Steps 3 and 4: contacts, items, terms, classes, locations; then the documents."""

    qbo: Any
    qbo_ref: Any
    manage_ref: Any
    settings: Any
    batch_key: str
    ctx: Any  # the RunContext the kind plans and builds bodies against
    modules: Any  # the custom modules (cwqbo.modules.Modules)

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
        with self._grouped():  # committed before the request
            for need in needs:
                self.store.action(section, need.name.lower(), need.label, RUNNING, sent=need.body)
        ops = [BatchOp("create", entity, need.body) for need in needs]
        key = f"{self.batch_key}:{entity}:{digest(sorted(n.name.lower() for n in needs))}"
        try:
            results = self.qbo.batch(ops, key)
        except QBOError as exc:
            results = [exc] * len(needs)
        with self._grouped():
            self._needs_answered(entity, section, needs, results, users)

    def _needs_answered(self, entity: str, section: str, needs: list, results, users) -> None:
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
        for entity in self.kind.entities:
            mine = {t.plan.doc_number: t for t in txs if t.plan.entity == entity}
            if not mine:
                continue
            for sql in in_queries(entity, "DocNumber", sorted(mine)):
                for doc in self.qbo.query_all(sql):
                    tx = mine.get(doc.get("DocNumber"))
                    party = (doc.get(PARTY_REF.get(entity, "")) or {}).get("name", "")
                    if tx is None or tx.state != SENDING:
                        continue
                    if party and party.lower() != tx.plan.party_name.lower():
                        continue
                    self.store.log(
                        f"{entity_label(entity)} {tx.plan.doc_number} was already in QuickBooks "
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
            f"{entity_label(entity)} {doc.get('DocNumber', tx.number)} (id {doc_id}) was kept "
            "in QuickBooks "
            f"when this {self.kind.noun.lower()} was unbatched; it is used again, not created "
            f"twice. If the {self.kind.noun.lower()} changed in ConnectWise, unbatch it with "
            "'Also void' (or delete) and send it again.",
            tx=tx,
        )
        self._in_qbo(tx, entity, doc)

    def _send_chunk(self, chunk: list[Tx]) -> None:
        with self._grouped():  # every "sending" of the chunk committed before its request
            pairs = self._sending(chunk)
        if pairs:
            self._send(pairs, [SPLIT_FAILURES])

    def _sending(self, chunk: list[Tx]) -> list[tuple[Tx, BatchOp]]:
        pairs: list[tuple[Tx, BatchOp]] = []
        for tx in chunk:
            try:
                body = self.kind.body(tx.export, self.ctx)
                body = self.modules.payload(self.kind.name, tx.plan.entity, body, tx.export)
            except Exception as exc:  # a reference that could not be created, bad data
                self._fail(tx, f"Could not build the QuickBooks {tx.plan.entity}: {exc}")
                continue
            # QBO keeps a voided document's number: a re-send after "unbatch and void" must
            # be allowed to use it again.
            options = "allowduplicatedocnum" if tx.previous and tx.previous["voided"] else None
            pairs.append((tx, BatchOp("create", tx.plan.entity, body, options=options)))
            label = f"{entity_label(tx.plan.entity)} {tx.plan.doc_number}"
            self.store.action("documents", f"tx:{tx.id}", label, RUNNING, tx=tx, sent=body)
            # Saved before the call: from here on a resume must look in QBO first.
            self._set(tx, SENDING, message="")
        return pairs

    def _send(self, pairs: list[tuple[Tx, BatchOp]], budget: list[int]) -> None:
        """Send documents in one batch request; a request QBO fails as a whole is halved."""
        ops = [op for _, op in pairs]
        # The requestid follows the documents and their bodies: the same request resent
        # (an answer lost) is recognised by QBO, a corrected document is a new request.
        key = digest([tx.id for tx, _ in pairs] + [digest([repr(op.body)]) for op in ops])
        try:
            results = self.qbo.batch(ops, f"{self.batch_key}:docs:{key}")
        except QBOError as exc:
            self._request_failed(pairs, exc, budget)
            return
        with self._grouped():  # one commit for the whole answer ("in_qbo" or refused)
            self._answered(pairs, results)

    def _answered(self, pairs: list[tuple[Tx, BatchOp]], results: list) -> None:
        for (tx, _), result in zip(pairs, results, strict=True):
            if result.ok:
                self._in_qbo(tx, tx.plan.entity, result.entity)
            else:
                message = f"QuickBooks refused the {tx.plan.entity}: {result.error}"
                if isinstance(result.error, QBODuplicateDocNumber):
                    message += (
                        ". QuickBooks already has a document with this number: if it is this "
                        f"{self.kind.noun.lower()}, use Mark as already exported; otherwise void "
                        "or renumber it "
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

    def _request_failed(
        self, pairs: list[tuple[Tx, BatchOp]], exc: QBOError, budget: list[int]
    ) -> None:
        """QBO failed the whole request (after the client's retries): find the culprit.

        A request failing as a whole is often one document QBO cannot take; halving isolates
        it so the others go through. QBO may have created some before failing, so they are
        looked up by DocNumber before any is sent again (exactly once).
        """
        txs = [tx for tx, _ in pairs]
        if not isinstance(exc, SPLIT_ON) or budget[0] <= 0:
            self._unanswered(txs, exc)
            return
        budget[0] -= 1
        try:
            self._adopt_existing(txs)
        except QBOError:  # QBO cannot even be read now: leave them for a retry
            self._unanswered(txs, exc)
            return
        left = [(tx, op) for tx, op in pairs if tx.state == SENDING]
        if len(pairs) == 1 and left:
            self._failed_alone(left[0][0], exc)
        elif len(left) == 1:  # the others were written: send it on its own to be sure
            self._send(left, budget)
        elif left:
            self.store.log(
                f"QuickBooks failed a request of {len(left)} documents as a whole ({exc}); "
                "sending them in two halves to find the one it cannot take.",
                level="warning",
            )
            half = (len(left) + 1) // 2
            self._send(left[:half], budget)
            self._send(left[half:], budget)

    def _failed_alone(self, tx: Tx, exc: QBOError) -> None:
        label = self._doc_label(tx)
        if isinstance(exc, QBOTransportError):  # no answer: QBO may still be creating it
            self._unanswered([tx], exc, alone=True)
            return
        if isinstance(exc, QBOServerError):
            message = (
                f"QuickBooks failed on {label} sent on its own ({exc}) and does not have it; "
                f"it gave no reason. Check the {self.kind.noun.lower()}'s amounts, lines and "
                "names in ConnectWise, then retry."
            )
        else:
            message = f"QuickBooks refused {label} sent on its own: {exc}"
        self.store.action(
            "documents",
            f"tx:{tx.id}",
            label,
            BAD,
            tx=tx,
            message=message,
            received={"error": str(exc)},
        )
        self._fail(tx, message, refused=True)

    def _unanswered(self, txs: list[Tx], exc: QBOError, *, alone: bool = False) -> None:
        """Keep them "sending": QBO may or may not have them, and a retry looks first."""
        verb = "did not answer" if isinstance(exc, QBOTransportError) else "failed"
        what = "this document alone" if alone else "the request"
        with self._grouped():
            self._keep_sending(txs, verb, what, exc)

    def _keep_sending(self, txs: list[Tx], verb: str, what: str, exc: QBOError) -> None:
        for tx in txs:
            message = (
                f"QuickBooks {verb} {what} ({exc}). It may or may not have the document; "
                "a retry looks for it in QuickBooks before creating it."
            )
            self.store.action(
                "documents", f"tx:{tx.id}", self._doc_label(tx), BAD, tx=tx, message=message
            )
            self.store.update(tx, message=message)

    @staticmethod
    def _doc_label(tx: Tx) -> str:
        return f"{entity_label(tx.plan.entity)} {tx.plan.doc_number}"

    def _in_qbo(self, tx: Tx, entity: str, doc: dict) -> None:
        message, review = "Created in QuickBooks", ""
        if tx.plan is not None:  # QBO's total against Manage's: adjust or flag (issue 13 §3)
            key = f"{self.batch_key}:adjust:{tx.id}"
            check = check_total(self.qbo, self.settings, entity, doc, tx.plan.expected_total, key)
            doc, review = check.doc, check.review
            if check.adjusted:
                message += f"; {check.adjusted}"
                self.store.log(f"{self._doc_label(tx)}: {check.adjusted}", tx=tx)
            if review:
                message += f"; {review}"
                self.store.log(f"{self._doc_label(tx)}: {review}", level="warning", tx=tx)
        self.store.action(
            "documents",
            f"tx:{tx.id}",
            f"{entity_label(entity)} {doc.get('DocNumber', tx.number)}",
            OK,
            tx=tx,
            message=message,
            qbo_entity=entity,
            qbo_id=doc["Id"],
            received=doc,
        )
        tx.qbo_entity, tx.qbo_id = entity, str(doc["Id"])
        self._remember_pairing(tx, entity, doc)
        self._set(
            tx,
            IN_QBO,
            qbo_entity=entity,
            qbo_id=tx.qbo_id,
            qbo_doc_number=doc.get("DocNumber"),
            message="",
            review=review,
        )

    def _remember_pairing(self, tx: Tx, entity: str, doc: dict) -> None:
        """Pair the document's Manage party with the QBO record it landed on (issue 13)."""
        pair = getattr(self.store, "pair", None)
        ref = doc.get(PARTY_REF.get(entity, "")) or {}
        if tx.plan is None or tx.plan.pair is None or pair is None or not ref.get("value"):
            return
        kind, manage_id, manage_name = tx.plan.pair
        if not manage_id:
            return
        party = PARTY_ENTITY.get(entity)
        if party is None:
            return
        known = self.settings.pairings.get(kind, manage_id)
        if known is not None and (known.entity, known.qbo_id) == (party, str(ref["value"])):
            return
        name = str(ref.get("name") or tx.plan.party_name)
        pair(kind, manage_id, manage_name, party, str(ref["value"]), name)
        self.settings.pairings.put(kind, manage_id, party, ref["value"], name)
        self.store.log(
            f'Paired Manage {kind} "{manage_name}" (id {manage_id}) with QBO '
            f'{party.lower()} "{name}" (id {ref["value"]}); its next documents land there.',
            tx=tx,
        )
