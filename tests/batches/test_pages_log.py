"""Batch log downloads: the header, every log line, every action with what went each way (D11)."""

from __future__ import annotations

import json

from pages_support import make_batch

SENT = {
    "Line": [{"Amount": 120.0, "DetailType": "SalesItemLineDetail"}],
    "CustomerRef": {"value": "58"},
    "PrivateNote": "Invoice 10001 from ConnectWise",
}
RECEIVED = {"Invoice": {"Id": "146", "DocNumber": "10001", "TotalAmt": 120.0}}


def logged_batch(app) -> str:
    return make_batch(
        app,
        status="failed",
        transactions=[
            {
                "state": "batched",
                "qbo_entity": "Invoice",
                "qbo_id": "146",
                "manage_batch_identifier": "2025-05-31-I10001",
                "manage_batch_id": 7,
            },
            {
                "state": "failed",
                "message": "Not sent: see its problems.",
                "problems": [{"message": "No item W-1", "fix": "Create it", "where": "Products"}],
            },
        ],
        actions=[
            {"section": "validation", "label": "Read 2 invoice(s)", "state": "succeeded"},
            {
                "section": "documents",
                "label": "Invoice 10001",
                "state": "succeeded",
                "tx": 0,
                "sent": SENT,
                "received": RECEIVED,
            },
            {
                "section": "documents",
                "label": "Invoice 10002",
                "state": "failed",
                "tx": 1,
                "message": "No item W-1 in QuickBooks Online",
                # Tokens are never stored here; if one ever were, the log must not show it.
                "sent": {"headers": {"Authorization": "Bearer abc"}, "refresh_token": "xyz"},
            },
        ],
        logs=[
            {"message": "Submitted: 2 invoice(s) to transfer."},
            {"message": "Invoice 10002: No item W-1", "level": "error", "tx": 1},
        ],
    )


def test_text_log_has_header_every_line_and_every_action(app, connected):
    identifier = logged_batch(app)
    response = connected.get(f"/batches/{identifier}/log.txt")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="cwqbo-batch-{identifier}.txt"'
    )
    body = response.get_data(as_text=True)
    for words in (
        f"Batch {identifier} (Invoice batch, transfer)",
        "Configuration: Default",
        "Submitted by: Admin <admin@example.com>",
        "Status: failed",
        "INFO  Submitted: 2 invoice(s) to transfer.",
        "ERROR [10002] Invoice 10002: No item W-1",
        "10001 | Contoso Ltd | 100.00 USD | batched; QBO Invoice 146; "
        "ConnectWise batch 2025-05-31-I10001 (id 7)",
        "problem: No item W-1 - fix: Create it - where: Products",
        "[validation] Read 2 invoice(s) - Completed Successfully",
        "[documents] Invoice 10002 - Failed: No item W-1 in QuickBooks Online",
        'sent: {"Line": [{"Amount": 120.0',
        '"PrivateNote": "Invoice 10001 from ConnectWise"',
        'received: {"Invoice": {"Id": "146"',
    ):
        assert words in body, words
    assert "Bearer abc" not in body and "xyz" not in body
    assert '"Authorization": "[redacted]"' in body


def test_json_log_has_the_same_content(app, connected):
    identifier = logged_batch(app)
    response = connected.get(f"/batches/{identifier}/log.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="cwqbo-batch-{identifier}.json"'
    )
    data = json.loads(response.get_data(as_text=True))
    assert data["batch"]["identifier"] == identifier
    assert data["batch"]["status"] == "failed"
    assert data["batch"]["submitted_by"] == "Admin <admin@example.com>"
    assert [line["message"] for line in data["log"]] == [
        "Submitted: 2 invoice(s) to transfer.",
        "Invoice 10002: No item W-1",
    ]
    assert data["log"][1]["transaction"] == "10002"
    assert [t["state"] for t in data["transactions"]] == ["batched", "failed"]
    assert data["transactions"][1]["problems"][0]["fix"] == "Create it"
    actions = data["actions"]
    assert [a["state_label"] for a in actions] == [
        "Completed Successfully",
        "Completed Successfully",
        "Failed",
    ]
    assert actions[1]["sent"] == SENT and actions[1]["received"] == RECEIVED
    assert actions[2]["sent"] == {
        "headers": {"Authorization": "[redacted]"},
        "refresh_token": "[redacted]",
    }


def test_logs_of_an_unknown_batch_are_404(connected):
    assert connected.get("/batches/INV-424242/log.txt").status_code == 404
    assert connected.get("/batches/INV-424242/log.json").status_code == 404
