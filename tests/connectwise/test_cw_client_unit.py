"""Manage client unit tests: HTTP faked at the transport with `responses`."""

from __future__ import annotations

import base64
import json
import logging
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from cwqbo.connectwise import (
    ManageAuthError,
    ManageBadRequest,
    ManageClient,
    ManageConnectionError,
    ManageCredentials,
    ManageNotFound,
    ManagePermissionError,
    ManageRateLimited,
    ManageServerError,
    ManageUnknownCompany,
    RetryPolicy,
)
from cwqbo.connectwise import conditions as C

SITE = "na.myconnectwise.net"
INFO_URL = f"https://{SITE}/login/companyinfo/acme"
BASE = "https://api-na.myconnectwise.net/v2025_1/apis/3.0"
PRIVATE = "s3cr3t-Pr1vate"
CREDS = ManageCredentials(SITE, "acme", "pubKEY", PRIVATE, "client-guid-1")


@pytest.fixture
def rsps():
    with responses.RequestsMock() as mock:
        mock.get(
            INFO_URL,
            json={
                "CompanyName": "Acme",
                "Codebase": "v2025_1/",
                "CompanyID": "acme",
                "IsCloud": True,
            },
        )
        yield mock


@pytest.fixture
def client(fake_sleep):
    return ManageClient(CREDS, retry=RetryPolicy(max_attempts=3, sleep=fake_sleep))


def test_discovery_builds_api_base_once_and_sends_no_auth(rsps, client):
    rsps.get(f"{BASE}/system/info", json={"version": "v2025.1"})
    rsps.get(f"{BASE}/system/info", json={"version": "v2025.1"})
    client.system_info()
    client.system_info()
    info_calls = [c for c in rsps.calls if "companyinfo" in c.request.url]
    assert len(info_calls) == 1  # cached per client
    assert "Authorization" not in info_calls[0].request.headers
    assert client.api_base == BASE
    assert client.company_info.codebase == "v2025_1/"


def test_headers_auth_accept_client_id_and_timeout(rsps, client):
    rsps.get(f"{BASE}/company/companies/5", json={"id": 5})
    assert client.get_company(5) == {"id": 5}
    request = rsps.calls[-1].request
    expected = base64.b64encode(f"acme+pubKEY:{PRIVATE}".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {expected}"
    assert request.headers["clientId"] == "client-guid-1"
    assert request.headers["Accept"] == "application/vnd.connectwise.com+json; version=2025.1"
    assert request.req_kwargs["timeout"] == (10.0, 60.0)


def test_on_premise_site_with_scheme_and_port_is_used_as_is(fake_sleep):
    creds = ManageCredentials("http://cw.example.lan:8080", "acme", "p", "k", "c")
    client = ManageClient(creds, retry=RetryPolicy(sleep=fake_sleep))
    with responses.RequestsMock() as mock:
        mock.get(
            "http://cw.example.lan:8080/login/companyinfo/acme",
            json={"Codebase": "v4_6_release/", "CompanyID": "acme"},
        )
        assert client.api_base == "http://cw.example.lan:8080/v4_6_release/apis/3.0"


def test_unknown_company_is_its_own_error(fake_sleep):
    client = ManageClient(CREDS, retry=RetryPolicy(sleep=fake_sleep))
    with responses.RequestsMock() as mock:
        mock.get(INFO_URL, status=404, body="")
        with pytest.raises(ManageUnknownCompany):
            client.discover()
    with responses.RequestsMock() as mock:
        mock.get(INFO_URL, json=None)
        with pytest.raises(ManageUnknownCompany):
            client.discover()


def test_pagination_follows_link_header_across_pages(rsps, client):
    url = f"{BASE}/finance/accounting/unpostedinvoices"
    rsps.get(
        url,
        json=[{"id": 1}, {"id": 2}],
        headers={
            "Link": f'<{url}?pageSize=2&page=2>; rel="next", <{url}?pageSize=2&page=3>; rel="last"'
        },
    )
    rsps.get(
        url, json=[{"id": 3}, {"id": 4}], headers={"Link": f'<{url}?pageSize=2&page=3>; rel="next"'}
    )
    rsps.get(url, json=[{"id": 5}], headers={"Link": f'<{url}?pageSize=2&page=1>; rel="first"'})
    ids = [r["id"] for r in client.iter_unposted_invoices(page_size=2)]
    assert ids == [1, 2, 3, 4, 5]
    first = parse_qs(urlsplit(rsps.calls[1].request.url).query)
    assert first["pageSize"] == ["2"] and first["page"] == ["1"]
    assert first["orderBy"] == ["id asc"]


def test_pagination_without_link_stops_on_short_page(rsps, client):
    url = f"{BASE}/system/members"
    rsps.get(url, json=[{"id": 1}, {"id": 2}])
    rsps.get(url, json=[{"id": 3}])
    assert [m["id"] for m in client.iter_members(page_size=2)] == [1, 2, 3]
    assert parse_qs(urlsplit(rsps.calls[-1].request.url).query)["page"] == ["2"]


def test_conditions_are_quoted_escaped_and_url_encoded(rsps, client):
    rsps.get(f"{BASE}/company/companies", json=[])
    client.find_companies_by_name('O\'Brien & Sons "IT"')
    raw_query = urlsplit(rsps.calls[-1].request.url).query
    assert "%22" in raw_query and "%26" in raw_query and '"' not in raw_query
    sent = parse_qs(raw_query)["conditions"][0]
    assert sent == 'name = "O\'Brien & Sons \\"IT\\""'


def test_location_filter_and_count_endpoint(rsps, client):
    rsps.get(f"{BASE}/finance/accounting/unpostedexpenses/count", json={"count": 7})
    assert client.count_unposted_expenses(location_id=3) == 7
    query = parse_qs(urlsplit(rsps.calls[-1].request.url).query)
    assert query["conditions"] == ["locationId = 3"]


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, ManageBadRequest),
        (401, ManageAuthError),
        (403, ManagePermissionError),
        (404, ManageNotFound),
        (409, ManageBadRequest),
    ],
)
def test_errors_are_typed_and_carry_manage_text(rsps, client, fake_sleep, status, error):
    body = {
        "code": "InvalidObject",
        "message": "company object is invalid",
        "errors": [
            {
                "code": "OutOfRange",
                "message": "revenueYear out of range",
                "resource": "company",
                "field": "revenueYear",
            }
        ],
    }
    rsps.get(f"{BASE}/company/companies/1", json=body, status=status)
    with pytest.raises(error) as caught:
        client.get_company(1)
    exc = caught.value
    assert exc.status == status and not exc.retryable
    assert exc.code == "InvalidObject" and exc.errors[0]["field"] == "revenueYear"
    assert "company object is invalid" in str(exc) and "revenueYear out of range" in str(exc)
    assert fake_sleep.calls == []  # never retried
    assert len([c for c in rsps.calls if "companies" in c.request.url]) == 1


def test_429_retried_honouring_retry_after(rsps, client, fake_sleep):
    url = f"{BASE}/system/locations"
    rsps.get(url, status=429, headers={"Retry-After": "7"}, json={"code": "TooMany"})
    rsps.get(url, status=503, body="upstream busy")
    rsps.get(url, json=[{"id": 1}])
    assert [loc["id"] for loc in client.iter_locations()] == [1]
    assert fake_sleep.calls[0] == 7.0
    assert 0.25 <= fake_sleep.calls[1] <= 1.0  # backoff with jitter for the 503


def test_retries_are_bounded(rsps, client, fake_sleep):
    url = f"{BASE}/system/info"
    for _ in range(3):
        rsps.get(url, status=500, json={"code": "UnexpectedError", "message": "timeout"})
    with pytest.raises(ManageServerError) as caught:
        client.system_info()
    assert caught.value.retryable and len(fake_sleep.calls) == 2
    rsps.get(url, status=429, headers={"Retry-After": "1"})
    rsps.get(url, status=429, headers={"Retry-After": "1"})
    rsps.get(url, status=429, headers={"Retry-After": "1"})
    with pytest.raises(ManageRateLimited):
        client.system_info()


def test_connection_errors_are_typed_and_retried(rsps, client, fake_sleep):
    import requests

    url = f"{BASE}/system/info"
    rsps.get(url, body=requests.ConnectionError("boom"))
    rsps.get(url, json={"version": "x"})
    assert client.system_info() == {"version": "x"}
    assert len(fake_sleep.calls) == 1
    for _ in range(3):
        rsps.get(url, body=requests.ReadTimeout("slow"))
    with pytest.raises(ManageConnectionError):
        client.system_info()


def test_batch_post_not_retried_on_500_but_on_429(rsps, client, fake_sleep):
    url = f"{BASE}/finance/accounting/batches"
    rsps.post(url, status=500, json={"code": "UnexpectedError", "message": "oops"})
    with pytest.raises(ManageServerError):
        client.create_batch("2025-01-01-I1", [1, 2], kind="invoices")
    assert fake_sleep.calls == []
    rsps.post(url, status=429, headers={"Retry-After": "2"})
    rsps.post(url, status=201, json={})
    rsps.get(url, json=[{"id": 9, "batchIdentifier": "2025-01-01-I1"}])
    assert client.create_batch("2025-01-01-I1", [2, 1], kind="invoices")["id"] == 9
    assert fake_sleep.calls == [2.0]
    sent = json.loads(rsps.calls[-2].request.body)
    assert sent["processedRecordIds"] == [1, 2] and sent["exportInvoicesFlag"] is True


def test_export_body_uses_assumed_ids(rsps, client):
    rsps.post(f"{BASE}/finance/accounting/export", json={"transactions": []})
    client.export_gl("procurement", [7001], thru_date=None)
    body = json.loads(rsps.calls[-1].request.body)
    assert body["exportProductsFlag"] is True and body["exportInvoicesFlag"] is False
    assert body["includedProductIds"] == ["7001"] and body["locationId"] == 0


def test_private_key_never_in_errors_or_logs(rsps, client, caplog):
    caplog.set_level(logging.DEBUG)
    rsps.get(
        f"{BASE}/system/info",
        status=401,
        json={"code": "Unauthorized", "message": "Authentication failed."},
    )
    with pytest.raises(ManageAuthError) as caught:
        client.system_info()
    text = str(caught.value) + repr(caught.value) + caplog.text + repr(CREDS)
    assert PRIVATE not in text
    assert base64.b64encode(f"acme+pubKEY:{PRIVATE}".encode()).decode() not in text


def test_conditions_builder_formats_values():
    import datetime as dt

    assert C.literal(dt.date(2024, 1, 1)) == "[2024-01-01T00:00:00Z]"
    moment = dt.datetime(2024, 1, 1, 5, 30, tzinfo=dt.timezone(dt.timedelta(hours=5)))
    assert C.literal(moment) == "[2024-01-01T00:30:00Z]"
    assert C.literal(True) == "true" and C.literal(None) == "null"
    assert C.in_("id", [1, 2]) == "id in (1, 2)"
    assert C.or_(C.and_("a = 1", "b = 2"), "c = 3") == "(a = 1 and b = 2) or c = 3"
    assert C.like("name", "Acme*") == 'name like "Acme*"'
    assert C.quote("back\\slash") == '"back\\\\slash"'
    with pytest.raises(ValueError):
        C.eq('name = "x" or 1', 1)
