"""Set Up ConnectWise never sends the saved private key to a new host (issue 11 §5), and bad
text in the key fields is a form error, not a 500 (issue 11 §6)."""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from test_cw_settings_page import form, saved

from cwqbo.connectwise import ManageClient, ManageCredentials
from cwqbo.connectwise.probe import check_connection


@pytest.fixture
def admin_web(web, make_user, login):
    make_user("admin@example.com")
    login("admin@example.com")
    return web


class Listener:
    """A host that plays Manage: answers companyinfo, records every request it gets."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                owner.requests.append((self.path, dict(self.headers)))
                if self.path.startswith("/login/companyinfo/"):
                    body = json.dumps({"Codebase": "v2025_1/", "CompanyID": "cwqbo"}).encode()
                    self.send_response(200)
                else:
                    body = b'{"code": "Unauthorized", "message": "no"}'
                    self.send_response(401)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener():
    other = Listener()
    yield other
    other.close()


def _connected(admin_web, cw_sandbox):
    assert admin_web.post("/settings/connectwise", form(cw_sandbox)).status_code == 302


def test_a_new_site_with_a_blank_key_is_refused_and_the_new_host_gets_nothing(
    admin_web, cw_sandbox, app, listener
):
    _connected(admin_web, cw_sandbox)
    response = admin_web.post(
        "/settings/connectwise", form(cw_sandbox, site=listener.url, private_key="")
    )
    assert response.status_code == 400
    body = response.get_data(True)
    assert "You changed the Site: type the private key again" in body
    assert listener.requests == [], "the saved key (or anything) was sent to the new host"
    assert saved(app).site == cw_sandbox[0] and saved(app).is_connected

    # The listener does see what is sent to it: typing a key sends that key, not the saved one.
    typed = admin_web.post(
        "/settings/connectwise", form(cw_sandbox, site=listener.url, private_key="typed-key")
    )
    assert typed.status_code == 422
    assert listener.requests and listener.requests[0][0] == "/login/companyinfo/cwqbo"
    creds = cw_sandbox[1].credentials
    sent = {h.get("Authorization") for _, h in listener.requests} - {None}

    def basic(key: str) -> str:
        user = f"{creds['companyId']}+{creds['publicKey']}:{key}"
        return "Basic " + base64.b64encode(user.encode()).decode()

    assert sent == {basic("typed-key")}
    assert basic(creds["privateKey"]) not in sent


def test_a_new_company_id_with_a_blank_key_is_refused(admin_web, cw_sandbox, app):
    _connected(admin_web, cw_sandbox)
    response = admin_web.post(
        "/settings/connectwise", form(cw_sandbox, company_id="othercompany", private_key="")
    )
    assert response.status_code == 400
    assert "You changed the Company ID: type the private key again" in response.get_data(True)
    assert saved(app).company_id == "cwqbo"


def test_the_same_site_written_differently_keeps_the_saved_key(admin_web, cw_sandbox, app):
    _connected(admin_web, cw_sandbox)
    same = cw_sandbox[0].upper().replace("HTTP://", "http://") + "/"
    response = admin_web.post("/settings/connectwise", form(cw_sandbox, site=same, private_key=""))
    assert response.status_code == 302, response.get_data(True)


@pytest.mark.parametrize("company_id", ["acme/../x", "acme?x=1", "a/b", "..", "acme#x", "ac me"])
def test_company_id_is_validated(admin_web, cw_sandbox, app, company_id, listener):
    response = admin_web.post(
        "/settings/connectwise", form(cw_sandbox, site=listener.url, company_id=company_id)
    )
    assert response.status_code == 400
    assert "The Company ID can only hold letters, digits" in response.get_data(True)
    assert listener.requests == []
    assert saved(app) is None


@pytest.mark.parametrize(
    ("field", "value", "label"),
    [
        ("public_key", "clé€", "Public Key"),
        ("private_key", "пароль", "Private Key"),
        ("client_id", "客户-id", "Client ID"),
        ("company_id", "ünïcode", "Company ID"),
    ],
)
def test_non_latin_1_text_in_key_fields_is_a_form_error(
    admin_web, cw_sandbox, app, field, value, label
):
    response = admin_web.post("/settings/connectwise", form(cw_sandbox, **{field: value}))
    assert response.status_code == 400, response.get_data(True)[:300]
    body = response.get_data(True)
    assert f"The {label} can only hold" in body
    assert saved(app) is None


def test_the_discovery_url_escapes_the_company_id():
    creds = ManageCredentials("127.0.0.1:1", "x/../y?z", "pub", "priv", "cid")
    with ManageClient(creds) as client:
        assert client.companyinfo_url == "https://127.0.0.1:1/login/companyinfo/x%2F..%2Fy%3Fz"


def test_the_probe_reports_unsendable_credentials_instead_of_raising(cw_credentials):
    creds = ManageCredentials(
        cw_credentials.site, cw_credentials.company_id, "clé€", "secret", "cwqbo-tests"
    )
    result = check_connection(creds)
    assert not result.ok and "Public Key" in result.problems[0]


def test_a_client_with_unsendable_saved_credentials_raises_a_manage_error(cw_credentials):
    from cwqbo.connectwise import ManageAuthError, RetryPolicy

    creds = ManageCredentials(
        cw_credentials.site, cw_credentials.company_id, "pub", "пароль", "cwqbo-tests"
    )
    with ManageClient(creds, retry=RetryPolicy(max_attempts=1)) as client:
        with pytest.raises(ManageAuthError, match="cannot be sent to Manage"):
            client.system_info()
