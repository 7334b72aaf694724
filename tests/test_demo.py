"""Demo mode (spec I2): one command, both sandboxes, a seeded install, the viewer pages."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import requests
from support import (
    QBO_US_REALM,
    assert_ports_free,
    csrf_token_from,
    free_port,
    processes_naming,
    processes_with,
    qbo_settings,
    stop_leftovers,
    wait_for,
)

REPO = Path(__file__).resolve().parent.parent


def demo_env(instance: Path, web: int, manage: int, qbo: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        DEMO_INSTANCE=str(instance),
        DEMO_PORT=str(web),
        DEMO_MANAGE_PORT=str(manage),
        DEMO_QBO_PORT=str(qbo),
    )
    return env


def start_demo(instance: Path, log_path: Path, web: int, manage: int, qbo: int):
    """Start ``python -m cwqbo.demo`` in a session of its own; return it and its open log."""
    log = open(log_path, "w")  # noqa: SIM115  (the caller closes it)
    proc = subprocess.Popen(
        [sys.executable, "-m", "cwqbo.demo"],
        cwd=REPO,
        env=demo_env(instance, web, manage, qbo),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return proc, log


def log_in(base: str, email: str, password: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/auth/login", timeout=10)
    answer = session.post(
        f"{base}/auth/login",
        data={"csrf_token": csrf_token_from(page.text), "email": email, "password": password},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text
    return session


def test_demo_command_runs_a_seeded_install_and_ctrl_c_stops_everything(tmp_path):
    web, manage, qbo = free_port(), free_port(), free_port()
    instance = tmp_path / "demo"
    log_path = tmp_path / "demo.log"
    proc, log = start_demo(instance, log_path, web, manage, qbo)
    try:
        text = wait_for(
            lambda: "Ctrl-C stops everything.\n=" in (t := log_path.read_text()) and t,
            60,
            "the demo banner",
        )
        base = f"http://127.0.0.1:{web}"
        assert f"cwqbo demo is running: {base}" in text
        email = re.search(r"log in as\s+(\S+)", text).group(1)
        password = re.search(r"password\s+(\S+)", text).group(1)
        assert f"http://127.0.0.1:{qbo}/_sandbox/" in text
        assert f"http://127.0.0.1:{manage}/_sandbox/" in text
        assert "batch history was cleared" in text
        assert (instance / "cwqbo.sqlite3").exists()  # its own database, not instance/

        session = log_in(base, email, password)
        dashboard = session.get(f"{base}/", timeout=10).text
        states = re.findall(r'<strong>(.*?)</strong>: <span class="badge badge-(\w+)">', dashboard)
        assert ("ConnectWise", "ok") in states
        assert ("QuickBooks Online: Default", "ok") in states
        assert dashboard.count("Connected to cwqbo Demo MSP") == 2

        # Tokens refresh through the sandbox's token endpoint, as with Intuit.
        requests.post(f"http://127.0.0.1:{qbo}/_sandbox/tokens/expire", timeout=5)
        tab = session.get(f"{base}/settings/quickbooks/1/connection", timeout=20).text
        assert "Connected" in tab and "could not be reached" not in tab
        oauth = requests.get(f"http://127.0.0.1:{qbo}/_sandbox/state", timeout=5).json()["oauth"]
        assert oauth["exchanges"] == 1 and oauth["refreshes"] >= 1

        # A newcomer's first batches, each kind end to end, seen in the QBO sandbox: two
        # invoices, two expense bills and a purchase, an item receipt.
        def run_batch(kind: str, ids: list[str]) -> None:
            select = session.get(f"{base}/batches/new/{kind}", timeout=30).text
            submitted = session.post(
                f"{base}/batches/new/{kind}",
                data={
                    "csrf_token": csrf_token_from(select),
                    "mode": "transfer",
                    "config_id": "1",
                    "location_id": "",
                    "invoice_detail": "summary",
                    "ids": ids,
                    "shown": ids,
                },
                allow_redirects=False,
                timeout=30,
            )
            assert submitted.status_code == 302, submitted.text[:2000]
            status_url = base + submitted.headers["Location"]
            wait_for(
                lambda: 'data-status="succeeded"' in session.get(status_url, timeout=10).text,
                60,
                f"the demo's {kind} batch to complete",
            )

        def landed(entity: str) -> str:
            view = f"http://127.0.0.1:{qbo}/_sandbox/view/{QBO_US_REALM}/{entity}"
            return requests.get(view, timeout=5).text

        def documents(entity: str) -> set[tuple[str, float]]:
            """Return (first letter of DocNumber, total) of each document of ``entity``."""
            rows = requests.get(
                f"http://127.0.0.1:{qbo}/_sandbox/entities/{QBO_US_REALM}/{entity}", timeout=5
            ).json()
            rows = rows.get(entity, rows) if isinstance(rows, dict) else rows
            return {(r.get("DocNumber", "")[:1], float(r["TotalAmt"])) for r in rows}

        run_batch("invoices", ["880012", "880013"])  # the sample's invoices 10012 and 10013
        assert "10012" in landed("Invoice") and "10013" in landed("Invoice")
        run_batch("expenses", ["55102", "55103"])  # Zach Admin's bill, María García's purchase
        assert {("E", 211.0)} <= documents("Bill") and {("E", 66.0)} <= documents("Purchase")
        run_batch("inventory", ["7001-purchase"])  # the receipt of PO-000812
        assert "INV-81277" in landed("Bill")  # its vendor invoice number is the DocNumber

        viewer = requests.get(f"http://127.0.0.1:{qbo}/_sandbox/", timeout=5)
        assert viewer.status_code == 200 and "cwqbo Demo MSP" in viewer.text
        invoices = requests.get(
            f"http://127.0.0.1:{qbo}/_sandbox/view/{QBO_US_REALM}/Invoice", timeout=5
        )
        assert invoices.status_code == 200 and "CW0999" in invoices.text
        summary = requests.get(f"http://127.0.0.1:{manage}/_sandbox/", timeout=5)
        assert summary.status_code == 200 and "Unposted" in summary.text
        assert len(processes_with(f"DEMO_INSTANCE={instance}".encode())) >= 6
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        try:
            proc.wait(timeout=30)
        finally:
            log.close()
    assert processes_with(f"DEMO_INSTANCE={instance}".encode()) == []
    assert processes_with(f"CWQBO_INSTANCE={instance}".encode()) == []
    assert processes_naming(instance) == []  # the embedded Redis too
    assert "sandboxes stopped" in log_path.read_text()
    assert_ports_free(qbo)  # the sandbox ports are free again


def test_demo_refuses_a_busy_port_naming_the_setting(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = demo_env(tmp_path / "demo", free_port(), port, free_port())
        done = subprocess.run(
            [sys.executable, "-m", "cwqbo.demo"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    assert f"port {port} for the Manage sandbox is already in use" in done.stderr
    assert "DEMO_MANAGE_PORT=" in done.stderr


def test_seeding_twice_reuses_the_database_and_clears_batch_history(
    app_config, cw_sandbox, qbo_server, redis_conn
):
    from cwqbo import create_app
    from cwqbo.demo.seed import DEMO_EMAIL, DEMO_PASSWORD, seed_demo
    from cwqbo.extensions import db
    from cwqbo.models import Batch, ManageConnection, QBOConfiguration, TaxMapping, User

    cw_url, cw_state, _faults = cw_sandbox
    qbo_url, qbo_state = qbo_server
    app = create_app({**app_config, **qbo_settings(qbo_url)})
    with app.app_context():
        first = seed_demo(cw_url, cw_state.credentials)
        assert first.options_filled and first.manage_company == "cwqbo Demo MSP"
        db.session.add(Batch(kind="invoices", config_id=1))
        db.session.commit()
        second = seed_demo(cw_url, cw_state.credentials)
        assert second.batches_wiped == 1 and not second.options_filled
        assert db.session.scalar(db.select(db.func.count()).select_from(Batch)) == 0
        users = db.session.scalars(db.select(User)).all()
        assert [u.email for u in users] == [DEMO_EMAIL] and users[0].is_admin
        assert users[0].check_password(DEMO_PASSWORD) and users[0].is_verified
        configs = db.session.scalars(db.select(QBOConfiguration)).all()
        assert [(c.name, c.is_default, c.realm_id) for c in configs] == [
            ("Default", True, QBO_US_REALM)
        ]
        assert configs[0].is_connected and configs[0].company_name == "cwqbo Demo MSP"
        assert db.session.scalar(db.select(db.func.count()).select_from(ManageConnection)) == 1
        assert ManageConnection.current().is_connected
        mappings = {
            (m.manage_tax_code_name, m.qbo_tax_code_name) for m in TaxMapping.for_config(configs[0])
        }
        assert {("FL-HILLS", "FL-HILLS"), ("EXEMPT", "EXEMPT")} <= mappings
        assert configs[0].options.income_account_name == "Income:Products"
    assert qbo_state.oauth.counts["exchanges"] == 2  # each start goes through consent again


def test_sandbox_viewers_escape_what_they_show():
    from cwqbo.sandbox.connectwise import create_sandbox_app as manage_sandbox
    from cwqbo.sandbox.quickbooks import create_sandbox_app as qbo_sandbox

    qbo_app = qbo_sandbox()
    company = qbo_app.config["QBO_SANDBOX_STATE"].companies[QBO_US_REALM]
    made = company.create("Customer", {"DisplayName": "<script>alert(1)</script> & Co"})
    client = qbo_app.test_client()
    page = client.get(f"/_sandbox/view/{QBO_US_REALM}/Customer").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in page and "<script>" not in page
    assert 'class="tag new"' in page  # created since the sandbox started
    record = client.get(f"/_sandbox/view/{QBO_US_REALM}/Customer/{made['Id']}")
    assert record.status_code == 200 and "<script>" not in record.get_data(as_text=True)
    index = client.get("/_sandbox/").get_data(as_text=True)
    assert "cwqbo Demo MSP Canada" in index and "Invoice" in index
    assert client.get("/_sandbox/view/nope/Invoice").status_code == 404
    assert client.get(f"/_sandbox/view/{QBO_US_REALM}/Nope").status_code == 404

    manage_app = manage_sandbox()
    docs = manage_app.extensions["cw_sandbox"]["state"].docs["invoices"]
    next(iter(docs.values()))["record"]["company"]["name"] = "<b>Bold</b> & Sons"
    manage = manage_app.test_client()
    invoices = manage.get("/_sandbox/view/invoices").get_data(as_text=True)
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Sons" in invoices and "<b>" not in invoices
    assert manage.get("/_sandbox/view/nope").status_code == 404


def test_sighup_to_the_demo_alone_stops_everything(tmp_path):
    """The terminal closing (SIGHUP), sent to the demo process only, not its group."""
    web, manage, qbo = free_port(), free_port(), free_port()
    instance = tmp_path / "demo"
    log_path = tmp_path / "demo.log"
    marker = f"DEMO_INSTANCE={instance}".encode()
    proc, log = start_demo(instance, log_path, web, manage, qbo)
    try:
        wait_for(
            lambda: "Ctrl-C stops everything.\n=" in log_path.read_text(), 90, "the demo banner"
        )
        assert len(processes_with(marker)) >= 6
        proc.send_signal(signal.SIGHUP)
        assert proc.wait(timeout=40) == 128 + signal.SIGHUP
        assert processes_with(marker) == [], log_path.read_text()[-3000:]
        assert processes_naming(instance) == []  # the embedded Redis too
        text = log_path.read_text()
        assert "SIGHUP received, stopping everything" in text
        assert "embedded Redis stopped" in text and "sandboxes stopped" in text
    finally:
        stop_leftovers(proc, marker, instance)
        log.close()
