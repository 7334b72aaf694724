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


def break_limits(state) -> None:
    """Over QBO's limits: #10014 a 101-character company name, #10015 a 10^30 line total,
    #10016 751 lines on a taxable US invoice, #10017 an AR account that is a bank account."""
    import copy

    with state.lock:
        docs = {d["export"]["documentNumber"]: d for d in state.docs["invoices"].values()}
        name = "Mile High Dental " + "x" * 84
        company = next(c for c in state.data["companies"] if c["id"] == 266)
        company["name"] = docs["10014"]["export"]["company"]["name"] = name
        docs["10015"]["export"]["detail"][0]["total"] = -1e30
        export = docs["10016"]["export"]
        first = export["detail"][0]
        copies = [{**copy.deepcopy(first), "id": 990000 + n} for n in range(750)]
        export["detail"] = [first, *copies, *export["detail"][1:]]
        docs["10017"]["export"]["accountNumber"] = "Checking"


LIMIT_PROBLEMS = {
    "10014": "has 101 characters; QBO allows at most 100.",
    "10015": "is beyond what QBO can hold (at most 9,999,999,999.99",
    "10016": "QBO takes at most 750 lines on a taxable US invoice.",
    "10017": "is a Bank account in QBO, not Accounts Receivable.",
}


def test_qbo_limits_are_problems_in_the_preview_and_the_run_before_any_write(
    app, connected, manage, qbo_server, run_jobs
):
    from cwqbo.batches import service
    from cwqbo.extensions import db
    from cwqbo.models import QBOConfiguration

    state = manage[1]
    break_limits(state)
    ids = row_ids(10013, 10014, 10015, 10016, 10017)
    with app.app_context():
        config = db.session.get(QBOConfiguration, 1)
        preview = service.preview("invoices", config, ids, invoice_detail="detailed")
    shown = {d["number"]: d["problems"] for d in preview.documents}
    assert shown["10013"] == [] and preview.problems == 4
    assert qbo_docs(qbo_server[0]).keys() == {"CW0999"}, "the preview writes nothing"

    batch_id = submit(app, ids)
    run_jobs()
    txs = transactions(app, batch_id)
    for number, text in LIMIT_PROBLEMS.items():
        assert txs[number]["state"] == "failed"
        assert txs[number]["problems"] == shown[number], "the run finds what the preview showed"
        assert any(text in p["message"] for p in txs[number]["problems"]), txs[number]
        for problem in txs[number]["problems"]:
            assert problem["message"] and problem["fix"] and problem["where"]
    docs = qbo_docs(qbo_server[0])
    assert set(docs) == {"CW0999", "10013"}, "nothing of the refused ones is written"
    assert txs["10013"]["state"] == "batched"
    assert set(LIMIT_PROBLEMS) <= unposted_numbers(state)
