"""Validation before any write (spec D3): broken transactions list their fixes, others go."""

from __future__ import annotations

from transfer_support import (
    manage_batches,
    qbo_docs,
    row_ids,
    submit,
    transactions,
    unposted_numbers,
)


def break_invoices(state) -> None:
    """Give #10010 a GL account QBO lacks and #10011 a tax code nothing maps."""
    with state.lock:
        docs = {d["export"]["documentNumber"]: d for d in state.docs["invoices"].values()}
        line = next(ln for ln in docs["10010"]["export"]["detail"] if ln["glTypeId"] != "ST")
        line["accountNumber"] = "Income:Services:Nowhere"
        export = docs["10011"]["export"]
        export["taxCode"] = {"id": 77, "name": "GA-ATLANTA"}
        export["taxable"] = True
        for level in export.get("taxLevels") or []:
            level["taxCodeXref"] = "GA State"
        for ln in export["detail"]:
            if ln.get("taxCodeXref"):
                ln["taxCodeXref"] = "GA State"
        if not export.get("taxLevels"):
            export["taxLevels"] = [{"taxLevel": 1, "taxCodeXref": "GA State"}]


def test_missing_account_and_unmapped_tax_code_stop_only_their_invoices(
    app, connected, manage, qbo_server, run_jobs
):
    state = manage[1]
    break_invoices(state)
    batch_id = submit(app, row_ids(10010, 10011, 10012, 10013))
    run_jobs()

    txs = transactions(app, batch_id)
    assert txs["10010"]["state"] == "failed"
    account = " ".join(p["message"] + p["fix"] + p["where"] for p in txs["10010"]["problems"])
    assert "Income:Services:Nowhere" in account
    assert "GL Accounts" in account and "Chart of accounts" in account
    assert txs["10011"]["state"] == "failed"
    tax = " ".join(p["message"] + p["fix"] + p["where"] for p in txs["10011"]["problems"])
    assert "GA-ATLANTA" in tax and "Tax" in tax

    docs = qbo_docs(qbo_server[0])
    assert "10010" not in docs and "10011" not in docs, "nothing of them is written"
    assert {"10012", "10013"} <= set(docs)
    assert txs["10012"]["state"] == txs["10013"]["state"] == "batched"
    idents = set(manage_batches(state))
    assert not any(i.endswith(("-I10010", "-I10011")) for i in idents)
    assert {"10010", "10011"} <= unposted_numbers(state)
    assert not {"10012", "10013"} & unposted_numbers(state)
