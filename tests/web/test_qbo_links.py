"""QuickBooks links on a batch page: in local/demo mode they open the QBO sandbox viewer's
page of that very document (not a raw JSON dump); otherwise QBO's own document page."""

from __future__ import annotations

import re

import pytest
import requests
from pagelist import batch_with_failures
from support import PASSWORD, Browserish, connect_manage, connect_qbo, qbo_settings

from cwqbo.batches.report import qbo_url


@pytest.fixture
def app_config(app_config, qbo_server):
    return {**app_config, **qbo_settings(qbo_server[0]), "API_RETRY_BACKOFF": 0.01}


def test_batch_page_links_open_the_sandbox_viewer_page_of_each_document(
    app, make_user, cw_sandbox, qbo_server
):
    make_user("admin@example.com")
    connect_manage(app, cw_sandbox[0], cw_sandbox[1])
    admin = Browserish(app.test_client())
    admin.post("/auth/login", {"email": "admin@example.com", "password": PASSWORD})
    connect_qbo(admin)
    identifier, _ = batch_with_failures(app, cw_sandbox[1])
    html = admin.get(f"/batches/{identifier}").get_data(True)

    links = set(re.findall(rf'href="({re.escape(qbo_server[0])}[^"]*)"', html))
    documents = {u for u in links if re.search(r"/(Invoice|CreditMemo)/\d+$", u)}
    assert any("/CreditMemo/" in u for u in documents), links
    assert len(documents) >= 4, links
    for url in sorted(links):
        assert "/_sandbox/view/" in url and "#" not in url, url
        page = requests.get(url, timeout=10)
        assert page.status_code == 200, url
        assert page.headers["Content-Type"].startswith("text/html"), url
        assert url.rsplit("/", 1)[1] in page.text, url


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ("sandbox", "https://app.sandbox.qbo.intuit.com/app/creditmemo?txnId=12"),
        ("production", "https://app.qbo.intuit.com/app/creditmemo?txnId=12"),
    ],
)
def test_links_elsewhere_open_the_document_in_quickbooks_online(app, environment, expected):
    app.config["QBO_ENVIRONMENT"] = environment
    with app.app_context():
        assert qbo_url("CreditMemo", "12", "9130") == expected
        assert qbo_url("Purchase", "7", "9130").endswith("/app/expense?txnId=7")
