"""The audit log (spec J8): an entry for each kind of event, with who, what, time and
address, never a secret value; members get 403; the page filters, exports and purges."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from support import PASSWORD, QBO_US_REALM, Browserish, connect_qbo

from cwqbo.extensions import db
from cwqbo.models import AuditEntry, ManageConnection, QBOConfiguration
from cwqbo.sandbox.connectwise import Faults

SELECT_URL = "/batches/new/invoices"
HX_TAB = {"HX-Request": "true", "HX-Target": "tab-panel"}
WRONG = "not the password at all 123"
NEW_PASSWORD = "a brand new password 456"


def entries(app) -> list[AuditEntry]:
    with app.app_context():
        return db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id)).all()


def kinds(app) -> list[str]:
    return [e.action for e in entries(app)]


def ids_of(manage, *numbers: str) -> list[str]:
    rows = {r["invoiceNumber"]: str(r["id"]) for r in manage[1].unposted("invoices")}
    return [rows[n] for n in numbers]


def submit(web, ids, mode="transfer", **extra) -> str:
    form = {"mode": mode, "config_id": "1", "location_id": "", "ids": ids, "shown": ids}
    response = web.post(SELECT_URL, {**form, "invoice_detail": "detailed", **extra})
    assert response.status_code == 302, response.get_data(True)[:800]
    return response.headers["Location"].rsplit("/", 1)[-1]


def cw_form(cw_sandbox, **overrides) -> dict:
    base_url, state, _ = cw_sandbox
    creds = state.credentials
    return {
        "site": base_url,
        "company_id": creds["companyId"],
        "public_key": creds["publicKey"],
        "private_key": creds["privateKey"],
        "client_id": "0f9d1c5e-7a55-4a6e-9a3c-4b1b2d0c1e11",
        **overrides,
    }


@pytest.fixture
def everything(app, web, make_user, login, cw_sandbox, run_jobs, outbox):
    """Do one of each audited thing through the pages; return the secrets involved."""
    make_user("admin@example.com")
    make_user("member@example.com", role="member")
    # Log-ins: a wrong password, an unknown address, then the real one.
    assert (
        web.post("/auth/login", {"email": "admin@example.com", "password": WRONG}).status_code
        == 401
    )
    web.post("/auth/login", {"email": "nobody@example.com", "password": WRONG})
    login("admin@example.com")
    # Manage: connected through the page (its private key is the secret to look for).
    assert web.post("/settings/connectwise", cw_form(cw_sandbox)).status_code == 302
    # QuickBooks: connected, an option tab saved, a configuration added, renamed, made
    # default, deleted; then disconnected and connected again.
    connect_qbo(web, config_id=1, realm=QBO_US_REALM)
    saved = web.post(
        "/settings/quickbooks/1/contacts", {"append_account_name": "y"}, headers=HX_TAB
    )
    assert saved.status_code == 200
    assert web.post("/settings/quickbooks", {"name": "Spare"}).status_code == 302
    web.post("/settings/quickbooks/2/rename", {"name": "Spare Two"})
    web.post("/settings/quickbooks/2/default", {})
    web.post("/settings/quickbooks/1/default", {})
    web.post("/settings/quickbooks/2/delete", {"confirm": "y"})
    web.post("/settings/quickbooks/1/disconnect", {"confirm": "yes"})
    connect_qbo(web, config_id=1, realm=QBO_US_REALM)
    # Batches: one run, one failing then retried, one unbatched, one marked as exported.
    run = submit(web, ids_of(cw_sandbox, "10002"))
    run_jobs()
    cw_sandbox[2].configure(Faults(deny=["finance/accounting/batches"]))
    failing = submit(web, ids_of(cw_sandbox, "10003"))
    run_jobs()
    cw_sandbox[2].configure(Faults())
    assert web.post(f"/batches/{failing}/retry", {}).status_code == 302
    run_jobs()
    with app.app_context():
        from cwqbo.models import Batch

        batch = db.session.scalar(db.select(Batch).where(Batch.identifier == run))
        tx_id = batch.transactions[0].id
    assert web.post(f"/batches/{run}/transactions/{tx_id}/unbatch", {}).status_code == 302
    mark_ids = ids_of(cw_sandbox, "10011")
    state = {"mode": "mark_exported", "config_id": "1", "location_id": "", "ids": mark_ids}
    web.post("/batches/mark-exported/invoices", {**state, "shown": mark_ids, "step": "confirm"})
    # Pairings: the run paired Café Müller & Söhne (Manage company 252); re-pair, then unpair.
    with app.app_context():
        from cwqbo.models import Pairing

        pairing_id = db.session.scalar(db.select(Pairing.id).where(Pairing.manage_id == "252"))
    web.post(f"/settings/quickbooks/1/pairings/{pairing_id}/repair", {"qbo_id": "2"})
    web.post(f"/settings/quickbooks/1/pairings/{pairing_id}/unpair", {})
    # The team: an invitation withdrawn, one sent, a role changed, a user (de)activated.
    web.post("/users", {"email": "gone@example.com", "role": "member"})
    web.post("/users/invitations/1/withdraw", {})
    web.post("/users", {"email": "new@example.com", "role": "admin"})
    with app.app_context():
        from cwqbo.models import User

        member = db.session.scalar(db.select(User).where(User.email == "member@example.com"))
        member_id = member.id
    web.post(f"/users/{member_id}/role", {"role": "admin"})
    web.post(f"/users/{member_id}/role", {"role": "member"})
    web.post(f"/users/{member_id}/deactivate", {})
    web.post(f"/users/{member_id}/reactivate", {})
    # The admin's own password, changed and changed back on the Account page.
    for old, new in ((PASSWORD, NEW_PASSWORD), (NEW_PASSWORD, PASSWORD)):
        change = {"pw-current": old, "pw-password": new, "pw-confirm": new}
        assert web.post("/account", change).status_code == 302
    # Support, then log out.
    web.post("/support", {"subject": "Help", "message": "Please"})
    web.post("/auth/logout")
    with app.app_context():
        config = db.session.get(QBOConfiguration, 1)
        from cwqbo.crypto import secret_box

        box = secret_box()
        return {
            "manage private key": cw_sandbox[1].credentials["privateKey"],
            "manage key (stored)": ManageConnection.current().private_key_encrypted,
            "qbo access token": box.decrypt(config.access_token_encrypted),
            "qbo refresh token": box.decrypt(config.refresh_token_encrypted),
            "password": PASSWORD,
            "wrong password": WRONG,
            "new password": NEW_PASSWORD,
            "secret key": app.config["SECRET_KEY"],
            "qbo client secret": app.config["QBO_CLIENT_SECRET"],
        }, {"run": run, "failing": failing, "member_id": member_id}


def test_each_kind_of_event_is_recorded_with_who_when_and_where(app, everything):
    _, made = everything
    log = entries(app)
    by_action: dict[str, list[AuditEntry]] = {}
    for e in log:
        by_action.setdefault(e.action, []).append(e)
    from cwqbo.audit import ACTIONS

    missing = sorted(set(ACTIONS) - set(by_action) - {"audit_purged"})
    assert not missing, f"no entry for {missing}"
    assert all(e.ip == "127.0.0.1" and e.at is not None for e in log)

    failed = by_action["login_failed"]
    assert [e.target for e in failed] == ["admin@example.com", "nobody@example.com"]
    assert all(e.detail == "Wrong email or password." for e in failed)
    assert failed[0].user_id is not None and failed[1].user_id is None
    assert by_action["login"][0].actor == "Admin <admin@example.com>"

    manage = by_action["manage_connected"][0]
    assert manage.fields == ["client_id", "company_id", "private_key", "public_key", "site"]
    assert manage.actor == "Admin <admin@example.com>"
    tab = by_action["settings_changed"][0]
    assert tab.target.endswith(": Contacts options") and "append_account_name" in tab.fields
    renamed = [e for e in by_action["settings_changed"] if e.fields == ["name"]]
    assert renamed and renamed[0].detail == "renamed to Spare Two"
    assert len(by_action["qbo_connected"]) == 2 and by_action["qbo_disconnected"]
    assert by_action["config_deleted"][0].target == "Spare Two"

    assert by_action["batch_run"][0].target == made["run"]
    assert made["failing"] in [e.target for e in by_action["batch_run"]]
    assert by_action["batch_retried"][0].target == made["failing"]
    assert by_action["transaction_unbatched"][0].target == f"{made['run']} invoice 10002"
    assert by_action["transactions_marked"][0].detail == "1 invoice to mark as already exported"

    assert [e.target for e in by_action["user_invited"]] == ["gone@example.com", "new@example.com"]
    assert by_action["user_invited"][1].detail == "as admin"
    assert by_action["invitation_withdrawn"][0].target == "gone@example.com"
    roles = [e.detail for e in by_action["role_changed"]]
    assert roles == ["member to admin", "admin to member"]
    assert by_action["user_deactivated"][0].target == "member@example.com"
    assert by_action["logout"][0].target == "admin@example.com"
    changed = by_action["password_changed"]
    assert [e.detail for e in changed] == ["on the Account page"] * 2


def test_no_secret_value_is_in_any_entry_or_the_export(app, everything):
    secrets, _ = everything
    assert all(len(v) >= 8 for v in secrets.values())
    with app.app_context():
        rows = db.session.execute(db.text("SELECT * FROM audit_entries")).all()
    dump = "\n".join(str(value) for row in rows for value in row)
    for what, value in secrets.items():
        assert value not in dump, f"the {what} is in the audit log"

    admin = Browserish(app.test_client())
    admin.post("/auth/login", {"email": "admin@example.com", "password": PASSWORD})
    exported = admin.get("/audit/export.csv").get_data(as_text=True)
    for what, value in secrets.items():
        assert value not in exported, f"the {what} is in the CSV export"


def test_the_page_filters_exports_and_a_member_gets_403(app, everything):
    admin = Browserish(app.test_client())
    admin.post("/auth/login", {"email": "admin@example.com", "password": PASSWORD})
    page = admin.get("/audit?action=login_failed").get_data(as_text=True)
    assert page.count('class="audit-entry"') == 2 and "nobody@example.com" in page
    today = date.today().isoformat()
    found = admin.get(f"/audit?q=nobody&date_from={today}&date_to={today}").get_data(True)
    assert found.count('class="audit-entry"') == 1
    old = admin.get("/audit?date_to=2000-01-01").get_data(True)
    assert "No entries match these filters." in old
    bad = admin.get("/audit?action=bogus&date_from=soon&user_id=99999999999").get_data(True)
    assert "Unknown action &#39;bogus&#39;" in bad and "From &#39;soon&#39; is not a date" in bad

    response = admin.get("/audit/export.csv?action=role_changed")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["detail"] for r in rows] == ["admin to member", "member to admin"]
    assert all(r["ip"] == "127.0.0.1" and r["fields"] == "role" for r in rows)

    member = Browserish(app.test_client())
    member.post("/auth/login", {"email": "member@example.com", "password": PASSWORD})
    assert member.get("/").status_code == 200
    assert member.get("/audit").status_code == 403
    assert member.get("/audit/export.csv").status_code == 403
    assert member.post("/audit/purge", {"before": today}).status_code == 403
    assert "Audit log" not in member.get("/").get_data(True)
    assert 'href="/audit"' in admin.get("/").get_data(True)


def test_purge_by_date_keeps_newer_entries_and_is_itself_recorded(app, admin):
    from cwqbo import audit

    with app.app_context():
        now = datetime.now().replace(microsecond=0)
        for days in (40, 20, 1):
            entry = audit.record("login", f"old {days}")
            entry.at = now - timedelta(days=days)
        db.session.commit()
    cutoff = (date.today() - timedelta(days=10)).isoformat()
    response = admin.post("/audit/purge", {"before": cutoff})
    assert response.status_code == 302
    page = admin.get("/audit").get_data(as_text=True)
    assert f"2 audit entries from before {cutoff} deleted" in page
    targets = [e.target for e in entries(app)]
    assert "old 40" not in targets and "old 20" not in targets and "old 1" in targets
    purge = [e for e in entries(app) if e.action == "audit_purged"]
    assert len(purge) == 1 and purge[0].detail == "2 entries deleted"
    assert purge[0].actor == "Admin <admin@example.com>" and purge[0].ip == "127.0.0.1"

    future = (date.today() + timedelta(days=2)).isoformat()
    admin.post("/audit/purge", {"before": future})
    assert "The purge date is in the future" in admin.get("/audit").get_data(True)
    admin.post("/audit/purge", {"before": "someday"})
    assert "The purge date &#39;someday&#39; is not a date" in admin.get("/audit").get_data(True)
