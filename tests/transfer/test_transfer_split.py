"""A batch request QBO fails as a whole is halved until the document it cannot take is alone.

The runner's document step against an in-memory QBO that fails any request holding a culprit
(as real QBO answers 500 for a whole batch over one absurd document). Every test also checks
exactly-once: each document is created at most once, and every state is saved before the next
request goes out.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from cwqbo.quickbooks.client import BatchResult
from cwqbo.quickbooks.errors import (
    QBOError,
    QBOServerError,
    QBOThrottled,
    QBOTransportError,
    QBOValidationError,
)
from cwqbo.transfer import documents, invoices
from cwqbo.transfer.invoices import InvoicePlan
from cwqbo.transfer.runner import InvoiceRunner
from cwqbo.transfer.settings import TransferSettings
from cwqbo.transfer.steps import Tx

NUMBERS = [str(10100 + n) for n in range(30)]


class MemoryStore:
    """What the database store keeps, in memory."""

    def __init__(self) -> None:
        self.saved: dict[int, dict] = {}
        self.logs: list[tuple[str, str]] = []
        self.actions: list[tuple[str, str, str]] = []

    def pending(self) -> list[Tx]:
        return []

    def update(self, tx: Tx, **fields) -> None:
        self.saved.setdefault(tx.id, {}).update(fields)

    def action(self, section, key, label, state, **fields) -> None:
        self.actions.append((key, state, fields.get("message", "")))

    def log(self, message, *, level="info", tx=None) -> None:
        self.logs.append((level, message))


class FlakyQBO:
    """A QBO company that fails every batch request holding one of ``bad`` as a whole."""

    def __init__(self, store, txs, bad=(), error=QBOServerError, **behaviour) -> None:
        self.store, self.by_number = store, {t.number: t for t in txs}
        self.bad, self.error = set(bad), error
        self.fail_all = behaviour.get("fail_all", False)
        self.create_then_fail = behaviour.get("create_then_fail", False)
        self.lookup_fails = behaviour.get("lookup_fails", False)
        self.docs: dict[str, list[dict]] = {}
        self.requests: list[tuple[str, list[str]]] = []
        self.calls = 0

    def batch(self, ops, key):
        numbers = [op.body["DocNumber"] for op in ops]
        for number in numbers:  # saved as "sending" before the call, never after
            assert self.store.saved[self.by_number[number].id]["state"] == "sending", number
        self.requests.append((key, numbers))
        self.calls += 1
        if self.fail_all or self.bad & set(numbers):
            if self.create_then_fail:  # QBO wrote the good ones, then failed the request
                for number in set(numbers) - self.bad:
                    self._create(number)
            raise self.error("HTTP 500", status=500)
        return [
            BatchResult(i, op, entity=self._create(op.body["DocNumber"]))
            for i, op in enumerate(ops)
        ]

    def query_all(self, sql):
        self.calls += 1
        if self.lookup_fails:
            raise QBOServerError("HTTP 503", status=503)
        return [d for n, found in self.docs.items() if f"'{n}'" in sql for d in found]

    def _create(self, number):
        doc = {
            "Id": str(len(self.docs) + 1),
            "DocNumber": number,
            "TotalAmt": 10,
            "CustomerRef": {"value": "1", "name": "Acme"},
        }
        self.docs.setdefault(number, []).append(doc)
        return doc


def make_txs(numbers=NUMBERS):
    txs = []
    for n, number in enumerate(numbers, start=1):
        tx = Tx(n, f"m{n}", str(n), number, "validated", f"B-I{number}")
        tx.export = {"documentNumber": number, "company": {"id": 1}}
        tx.plan = InvoicePlan("Invoice", number, "Acme", Decimal(10), [], [])
        txs.append(tx)
    return txs


def body(tx, *args, **kwargs):
    return {"DocNumber": tx["documentNumber"]}


@pytest.fixture
def send(monkeypatch):
    """Run the document step for 30 validated invoices; return (txs, qbo, store)."""
    monkeypatch.setattr(invoices, "invoice_body", body)

    def run(bad=(), txs=None, **behaviour):
        txs = txs or make_txs()
        store = MemoryStore()
        qbo = FlakyQBO(store, txs, bad, **behaviour)
        runner = InvoiceRunner("B", None, qbo, store, TransferSettings())
        runner.customers, runner.qbo_ref, runner.manage_ref = {}, None, None
        runner._create_documents(txs)
        return txs, qbo, store

    return run


def states(txs):
    return {t.number: t.state for t in txs}


def assert_once(qbo):
    assert all(len(found) == 1 for found in qbo.docs.values()), "a document was created twice"


def test_one_bad_document_of_thirty_is_isolated(send):
    culprit = NUMBERS[17]
    txs, qbo, store = send(bad={culprit})
    assert {n for n, s in states(txs).items() if s == "in_qbo"} == set(NUMBERS) - {culprit}
    assert states(txs)[culprit] == "failed"
    assert sorted(qbo.docs) == sorted(set(NUMBERS) - {culprit})
    assert_once(qbo)
    message = store.saved[txs[17].id]["message"]
    assert message.startswith(f"QuickBooks failed on Invoice {culprit} sent on its own (HTTP 500")
    assert "Check the invoice's amounts, lines and names in ConnectWise" in message
    # 30 -> 15 -> 8 -> 4 -> 2 -> 1: six failed requests, five that went through.
    assert len(qbo.requests) == 11
    assert [culprit] in [numbers for _, numbers in qbo.requests]
    assert len({key for key, _ in qbo.requests}) == 11, "each split is a new request id"
    assert any("sending them in two halves" in m for _, m in store.logs)


def test_documents_qbo_wrote_before_failing_are_adopted_not_sent_again(send):
    culprit = NUMBERS[3]
    txs, qbo, store = send(bad={culprit}, create_then_fail=True)
    assert_once(qbo)
    assert sorted(qbo.docs) == sorted(set(NUMBERS) - {culprit})
    assert states(txs)[culprit] == "failed"
    assert {s for n, s in states(txs).items() if n != culprit} == {"in_qbo"}
    # Everything was adopted after the first failure: nothing but the culprit is resent.
    assert [numbers for _, numbers in qbo.requests[1:]] == [[culprit]]
    assert sum("already in QuickBooks" in m for _, m in store.logs) == 29


def test_two_bad_documents_are_both_isolated(send):
    bad = {NUMBERS[0], NUMBERS[29]}
    txs, qbo, _ = send(bad=bad)
    assert {n for n, s in states(txs).items() if s == "failed"} == bad
    assert sorted(qbo.docs) == sorted(set(NUMBERS) - bad)
    assert_once(qbo)


def test_a_document_without_an_answer_alone_stays_sending(send):
    culprit = NUMBERS[5]
    txs, qbo, store = send(bad={culprit}, error=QBOTransportError)
    assert states(txs)[culprit] == "sending", "QBO may still create it: a retry looks first"
    assert "QuickBooks did not answer this document alone" in store.saved[6]["message"]
    assert len(qbo.docs) == 29
    assert_once(qbo)


def test_a_request_refused_as_a_whole_is_split_too(send):
    culprit = NUMBERS[9]
    txs, qbo, store = send(bad={culprit}, error=QBOValidationError)
    assert states(txs)[culprit] == "failed"
    assert store.saved[10]["message"].startswith(
        f"QuickBooks refused Invoice {culprit} sent on its own: HTTP 500"
    )
    assert len(qbo.docs) == 29


@pytest.mark.parametrize("error", [QBOThrottled, QBOError])
def test_throttling_and_other_failures_are_not_split(send, error):
    txs, qbo, store = send(bad={NUMBERS[0]}, error=error)
    assert len(qbo.requests) == 1 and not qbo.docs
    assert set(states(txs).values()) == {"sending"}
    assert "QuickBooks failed the request" in store.saved[1]["message"]


def test_qbo_failing_everything_stops_after_a_bounded_number_of_requests(send):
    txs, qbo, store = send(fail_all=True)
    assert len(qbo.requests) <= 2 * documents.SPLIT_FAILURES + 1
    assert not qbo.docs
    failed = {n for n, s in states(txs).items() if s == "failed"}
    assert set(states(txs).values()) <= {"sending", "failed"}
    assert failed, "documents isolated before the budget ran out have their own error"
    for tx in txs:
        if tx.state == "sending":
            assert "QuickBooks failed the request (HTTP 500" in store.saved[tx.id]["message"]


def test_a_failed_lookup_stops_the_split(send):
    txs, qbo, store = send(bad={NUMBERS[0]}, lookup_fails=True)
    assert len(qbo.requests) == 1
    assert set(states(txs).values()) == {"sending"}
    assert "QuickBooks failed the request (HTTP 500" in store.saved[1]["message"]


def test_the_request_id_follows_the_documents_and_their_bodies(send, monkeypatch):
    _, first, _ = send(txs=make_txs(NUMBERS[:2]))
    _, again, _ = send(txs=make_txs(NUMBERS[:2]))
    assert first.requests[0][0] == again.requests[0][0], "the same request: the same id"
    monkeypatch.setattr(invoices, "invoice_body", lambda *a, **k: {**body(*a), "Memo": "fixed"})
    _, fixed, _ = send(txs=make_txs(NUMBERS[:2]))
    assert fixed.requests[0][0] != first.requests[0][0], "a corrected document: a new id"
