"""QBOClient against HTTP faked with ``responses``: paging, batch, faults, retries."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from cwqbo.quickbooks import (
    MINOR_VERSION,
    BatchOp,
    QBOAuthError,
    QBOClient,
    QBODuplicateDocNumber,
    QBODuplicateName,
    QBOInactiveObject,
    QBOInvalidReference,
    QBOServerError,
    QBOStaleObject,
    QBOTransportError,
    QBOValidationError,
    request_id_for,
)
from cwqbo.quickbooks import query as q
from cwqbo.quickbooks.errors import error_from_fault

BASE = "https://qbo.test/v3"
REALM = "123"
URL = f"{BASE}/company/{REALM}"


def fault(code: str, message: str = "m", detail: str = "d", element: str = "") -> dict:
    return {
        "Fault": {
            "Error": [{"Message": message, "Detail": detail, "code": code, "element": element}],
            "type": "ValidationFault",
        }
    }


def params_of(call) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(call.request.url).query).items()}


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(sleeps):
    return QBOClient(REALM, BASE, lambda: "tok-1", sleep=sleeps.append)


def test_escaping_and_in_chunks():
    assert q.escape("O'Brien") == "O\\'Brien"
    assert q.quote("Bay Area CPA's") == "'Bay Area CPA\\'s'"
    assert q.quote(True) == "true"
    stmts = list(q.in_queries("Invoice", "DocNumber", [f"CW{i}" for i in range(65)] + ["CW1"]))
    assert len(stmts) == 3 and stmts[0].count(",") == 29
    assert (
        stmts[2] == "SELECT * FROM Invoice WHERE DocNumber IN ('CW60', 'CW61', 'CW62', "
        "'CW63', 'CW64')"
    )
    assert q.has_paging("SELECT * FROM Item MAXRESULTS 5")
    assert not q.has_paging("SELECT * FROM Item WHERE Name = 'MAXRESULTS'")


@responses.activate
def test_query_pages_until_a_short_page(client):
    pages = [
        [{"Id": str(i)} for i in range(start, start + n)] for start, n in ((1, 3), (4, 3), (7, 1))
    ]
    for rows in pages:
        responses.post(f"{URL}/query", json={"QueryResponse": {"Customer": rows}})
    got = list(client.query("SELECT * FROM Customer WHERE Active IN (true,false)", page_size=3))
    assert [r["Id"] for r in got] == [str(i) for i in range(1, 8)]
    bodies = [c.request.body.decode() for c in responses.calls]
    assert bodies[1].endswith("STARTPOSITION 4 MAXRESULTS 3")
    assert all(c.request.headers["Content-Type"] == "application/text" for c in responses.calls)
    assert all(params_of(c)["minorversion"] == str(MINOR_VERSION) for c in responses.calls)
    assert all("requestid" not in params_of(c) for c in responses.calls)


@responses.activate
def test_empty_query_response(client):
    responses.post(f"{URL}/query", json={"QueryResponse": {}, "time": "t"})
    assert list(client.query("SELECT * FROM Invoice WHERE DocNumber = 'X'")) == []


@responses.activate
def test_batch_splits_by_30_and_keeps_input_order_with_faults(client):
    def reply(request):
        items = json.loads(request.body)["BatchItemRequest"]
        out = []
        for item in reversed(items):  # QBO does not promise order
            if item["Customer"]["DisplayName"] == "Dup 7":
                out.append({"bId": item["bId"], **fault("6240", "Duplicate Name Exists Error")})
            else:
                out.append(
                    {"bId": item["bId"], "Customer": {"Id": item["Customer"]["DisplayName"]}}
                )
        return 200, {}, json.dumps({"BatchItemResponse": out})

    responses.add_callback(responses.POST, f"{URL}/batch", callback=reply)
    ops = [BatchOp("create", "Customer", {"DisplayName": f"Dup {i}"}) for i in range(45)]
    results = client.batch(ops, "run-9")
    assert len(responses.calls) == 2
    sizes = [len(json.loads(c.request.body)["BatchItemRequest"]) for c in responses.calls]
    assert sizes == [30, 15]
    assert [r.index for r in results] == list(range(45))
    assert [r.entity["Id"] for r in results if r.ok] == [f"Dup {i}" for i in range(45) if i != 7]
    assert isinstance(results[7].error, QBODuplicateName) and not results[7].ok
    ids = [params_of(c)["requestid"] for c in responses.calls]
    assert ids == [request_id_for(REALM, "run-9#0"), request_id_for(REALM, "run-9#1")]


def test_batch_items_for_void_and_query():
    assert BatchOp("void", "Invoice", {"Id": "1", "SyncToken": "0"}).to_item("3") == {
        "bId": "3",
        "Invoice": {"Id": "1", "SyncToken": "0"},
        "operation": "update",
        "optionsData": "void",
    }
    assert BatchOp("query", body="SELECT * FROM Term").to_item("q") == {
        "bId": "q",
        "Query": "SELECT * FROM Term",
    }


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        ("6240", QBODuplicateName),
        ("6140", QBODuplicateDocNumber),
        ("5010", QBOStaleObject),
        ("610", QBOInactiveObject),
        ("2500", QBOInvalidReference),
        ("2020", QBOInvalidReference),
        ("6070", QBOValidationError),
    ],
)
@responses.activate
def test_faults_become_typed_errors(client, code, cls):
    responses.post(f"{URL}/invoice", json=fault(code, "Msg", "Det", "Line"), status=400)
    with pytest.raises(cls) as err:
        client.create("Invoice", {"Line": []}, "k")
    assert err.value.code == code and err.value.detail == "Det" and err.value.element == "Line"
    assert not err.value.retryable
    assert len(responses.calls) == 1


def test_fault_classification_by_status():
    assert error_from_fault({"Error": [{"code": "3001"}]}, status=429).retryable
    assert isinstance(error_from_fault({}, status=503), QBOServerError)
    lower = {"error": [{"message": "AuthenticationFailed", "code": "3200"}]}
    assert isinstance(error_from_fault(lower, status=401), QBOAuthError)


@responses.activate
def test_requestid_is_reused_across_retries(client, sleeps):
    responses.post(f"{URL}/invoice", body=requests.ConnectionError("reset"))
    responses.post(f"{URL}/invoice", status=503, body="down")
    responses.post(f"{URL}/invoice", json={"Invoice": {"Id": "5", "SyncToken": "0"}})
    assert client.create("Invoice", {"DocNumber": "CW1"}, "cw-inv-1-v1")["Id"] == "5"
    ids = {params_of(c)["requestid"] for c in responses.calls}
    assert ids == {request_id_for(REALM, "cw-inv-1-v1")} and len(responses.calls) == 3
    assert len(sleeps) == 2 and all(s > 0 for s in sleeps)
    assert len(next(iter(ids))) == 36


@responses.activate
def test_transport_errors_give_up_after_max_retries(sleeps):
    client = QBOClient(REALM, BASE, lambda: "t", sleep=sleeps.append, max_retries=1)
    responses.get(f"{URL}/invoice/1", body=requests.Timeout("slow"))
    with pytest.raises(QBOTransportError) as err:
        client.read("Invoice", "1")
    assert err.value.retryable and len(responses.calls) == 2


@responses.activate
def test_429_waits_as_told(client, sleeps):
    responses.get(
        f"{URL}/preferences",
        status=429,
        headers={"Retry-After": "7"},
        json={
            "Fault": {"Error": [{"Message": "ThrottleExceeded", "code": "3001"}], "type": "SERVICE"}
        },
    )
    responses.get(f"{URL}/preferences", status=429, body="")
    responses.get(f"{URL}/preferences", json={"Preferences": {"Id": "1"}})
    assert client.preferences() == {"Id": "1"}
    assert sleeps == [7.0, 60.0]


@responses.activate
def test_401_refreshes_once_then_retries_once():
    tokens = iter(["old", "new"])
    current = {"t": next(tokens)}
    refreshed = []

    def force(stale):
        refreshed.append(stale)
        current["t"] = next(tokens)
        return current["t"]

    client = QBOClient(REALM, BASE, lambda: current["t"], force, sleep=lambda s: None)
    auth = {
        "fault": {
            "error": [{"message": "AuthenticationFailed", "code": "3200"}],
            "type": "AUTHENTICATION",
        }
    }
    responses.post(f"{URL}/customer", json=auth, status=401)
    responses.post(f"{URL}/customer", json={"Customer": {"Id": "9"}})
    assert client.create("Customer", {"DisplayName": "A"}, "k1")["Id"] == "9"
    assert refreshed == ["old"]
    sent = [c.request.headers["Authorization"] for c in responses.calls]
    assert sent == ["Bearer old", "Bearer new"]
    assert params_of(responses.calls[0])["requestid"] == params_of(responses.calls[1])["requestid"]


@responses.activate
def test_second_401_is_raised_without_looping():
    client = QBOClient(REALM, BASE, lambda: "x", lambda stale: "y", sleep=lambda s: None)
    responses.get(f"{URL}/companyinfo/{REALM}", status=401, body="")
    with pytest.raises(QBOAuthError) as err:
        client.company_info()
    assert len(responses.calls) == 2
    assert "x" not in str(err.value).split() and "Bearer" not in str(err.value)


@responses.activate
def test_update_is_sparse_and_cdc_is_flattened(client):
    responses.post(f"{URL}/invoice", json={"Invoice": {"Id": "1", "SyncToken": "3"}})
    client.update("Invoice", {"Id": "1", "SyncToken": "2", "PrivateNote": "x"}, "u1")
    assert json.loads(responses.calls[0].request.body)["sparse"] is True
    responses.get(
        f"{URL}/cdc",
        json={
            "CDCResponse": [
                {
                    "QueryResponse": [
                        {"Payment": [{"Id": "1"}], "startPosition": 1, "maxResults": 1},
                        {"Invoice": [{"Id": "2"}, {"Id": "3", "status": "Deleted"}]},
                    ]
                }
            ]
        },
    )
    got = client.cdc(["Payment", "Invoice"], "2025-06-01T00:00:00-07:00")
    assert got == {
        "Payment": [{"Id": "1"}],
        "Invoice": [{"Id": "2"}, {"Id": "3", "status": "Deleted"}],
    }
    assert params_of(responses.calls[1])["entities"] == "Payment,Invoice"


@responses.activate
def test_void_and_delete_send_operation(client):
    responses.post(f"{URL}/invoice", json={"Invoice": {"Id": "1", "SyncToken": "1"}})
    responses.post(f"{URL}/bill", json={"Bill": {"Id": "2", "status": "Deleted"}})
    client.void("Invoice", "1", "0", "v1")
    client.delete("Bill", "2", "0", "d1")
    assert params_of(responses.calls[0])["operation"] == "void"
    assert params_of(responses.calls[1])["operation"] == "delete"
    assert json.loads(responses.calls[1].request.body) == {"Id": "2", "SyncToken": "0"}
