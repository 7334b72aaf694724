"""Wire details the sandbox shares with Manage (issue 10 §5): client ids, paging, shapes."""

from __future__ import annotations

import pytest
import requests

from cwqbo.connectwise import ManageBadRequest, ManageClient, ManageCredentials, RetryPolicy
from cwqbo.connectwise.probe import check_connection


def _with_client_id(credentials: ManageCredentials, client_id: str) -> ManageCredentials:
    return ManageCredentials(
        credentials.site,
        credentials.company_id,
        credentials.public_key,
        credentials.private_key,
        client_id,
    )


def test_an_unregistered_client_id_is_answered_400_naming_client_id(cw_credentials, fake_sleep):
    creds = _with_client_id(cw_credentials, "not-registered-anywhere")
    with ManageClient(creds, retry=RetryPolicy(sleep=fake_sleep)) as client:
        with pytest.raises(ManageBadRequest) as caught:
            client.system_info()
    assert caught.value.status == 400 and "clientId" in caught.value.message
    assert fake_sleep.calls == []  # a 400 is never retried


def test_the_probe_names_an_unregistered_client_id(cw_credentials):
    result = check_connection(_with_client_id(cw_credentials, "not-registered-anywhere"))
    assert not result.ok
    assert result.problems == [
        'ConnectWise Manage does not accept the Client ID "not-registered-anywhere": it is not '
        "registered. Register this integration at developer.connectwise.com (My Clients → new "
        "client) and type the GUID it gives you in Client ID."
    ]


def test_the_demo_client_id_is_registered(cw_credentials):
    # README (Local simulators) and the demo's setup use this one.
    assert check_connection(_with_client_id(cw_credentials, "cwqbo-demo")).ok


def test_forward_only_paging_follows_page_id(cw_client):
    base = cw_client.api_base + "/finance/accounting/unpostedinvoices"
    headers = {"pagination-type": "forward-only"}
    url, params, seen, pages = base, {"pageSize": 25}, [], 0
    while url:
        response = cw_client.session.get(url, params=params, headers=headers, timeout=5)
        assert response.status_code == 200, response.text
        rows = response.json()
        assert len(rows) <= 25
        seen += [r["id"] for r in rows]
        pages += 1
        url, params = response.links.get("next", {}).get("url"), None
        if url:
            assert f"pageId={rows[-1]['id']}" in url and "page=" not in url.replace("pageId", "")
    assert pages == 3 and seen == sorted(seen) and len(seen) == len(set(seen)) == 60
    later = cw_client.session.get(
        base, params={"pageId": seen[29], "pageSize": 1000}, headers=headers, timeout=5
    ).json()
    assert [r["id"] for r in later] == seen[30:]
    ordered = cw_client.session.get(base, params={"orderBy": "id desc"}, headers=headers, timeout=5)
    assert ordered.status_code == 400


def test_companyinfo_is_cloud_is_a_string_and_the_client_reads_it(cw_client, cw_sandbox):
    base_url, state, _ = cw_sandbox
    raw = requests.get(f"{base_url}/login/companyinfo/{state.credentials['companyId']}", timeout=5)
    assert raw.json()["IsCloud"] == "false"
    assert cw_client.discover().is_cloud is False
    assert cw_client.system_info()["isCloud"] is False


def test_currencies_carry_a_currency_code_object(cw_client):
    rows = list(cw_client.iter_currencies())
    assert {r["currencyCode"]["name"] for r in rows} == {"USD", "CAD"}
    assert all(isinstance(r["currencyCode"]["id"], int) for r in rows)
