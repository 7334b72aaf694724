"""Contact Support (spec G1): the e-mail carries the chosen batch's log and no secret."""

from __future__ import annotations

import re

from support import PASSWORD, Browserish

from cwqbo.extensions import db
from cwqbo.models import (
    Batch,
    BatchAction,
    BatchLog,
    ManageConnection,
    QBOConfiguration,
    SupportRequest,
)

SELECT_URL = "/batches/new/invoices"


def run_batch(connected, manage, run_jobs, numbers=("10002", "10003")) -> str:
    """Submit a real invoice batch through the page and run it in a real worker."""
    rows = {r["invoiceNumber"]: str(r["id"]) for r in manage[1].unposted("invoices")}
    ids = [rows[n] for n in numbers]
    form = {"mode": "transfer", "config_id": "1", "location_id": "", "ids": ids, "shown": ids}
    response = connected.post(SELECT_URL, {**form, "invoice_detail": "detailed"})
    assert response.status_code == 302, response.get_data(True)[:500]
    identifier = response.headers["Location"].rsplit("/", 1)[-1]
    run_jobs()
    return identifier


def secrets_of(app) -> dict[str, str]:
    """Return the real secrets this install holds after connecting both sandboxes."""
    from cwqbo.crypto import secret_box

    with app.app_context():
        config = db.session.get(QBOConfiguration, 1)
        box = secret_box()
        return {
            "qbo access token": box.decrypt(config.access_token_encrypted),
            "qbo refresh token": box.decrypt(config.refresh_token_encrypted),
            "manage private key": db.session.scalars(db.select(ManageConnection)).one().private_key,
            "secret key": app.config["SECRET_KEY"],
            "qbo client secret": app.config["QBO_CLIENT_SECRET"],
        }


def plant(app, identifier: str, secrets: dict[str, str]) -> None:
    """Leak every secret into the batch's log, as a careless log line or payload would."""
    with app.app_context():
        batch = db.session.scalar(db.select(Batch).where(Batch.identifier == identifier))
        for name, value in secrets.items():
            db.session.add(BatchLog(batch_id=batch.id, message=f"debug {name}: {value} (oops)"))
        db.session.add(
            BatchAction(
                batch_id=batch.id,
                section="documents",
                key="planted",
                label="Planted",
                state="succeeded",
                sent={"Authorization": "Bearer " + secrets["qbo access token"]},
                received={"note": "key " + secrets["manage private key"]},
                message="refresh_token=" + secrets["qbo refresh token"],
            )
        )
        db.session.commit()


def attachment_of(message) -> tuple[str, str]:
    parts = [p for p in message.iter_attachments()]
    assert len(parts) == 1, [p.get_filename() for p in parts]
    return parts[0].get_filename(), parts[0].get_content()


def test_the_mail_has_the_chosen_batchs_log_and_no_secret(app, connected, manage, run_jobs, outbox):
    app.config["SUPPORT_EMAIL"] = "help@example.com"
    other = run_batch(connected, manage, run_jobs, numbers=("10007",))
    identifier = run_batch(connected, manage, run_jobs)
    secrets = secrets_of(app)
    assert all(len(v) >= 8 for v in secrets.values()), "the sandboxes hand out real secrets"
    plant(app, identifier, secrets)

    # The Batch ID list follows the configuration (the fragment the form swaps in).
    fragment = connected.get(
        "/support/batches?config_id=1", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert f'value="{identifier}"' in fragment and f'value="{other}"' in fragment
    empty = connected.get("/support/batches?config_id=2", headers={"HX-Request": "true"})
    assert identifier not in empty.get_data(as_text=True)
    assert "No batches yet" in empty.get_data(as_text=True)

    response = connected.post(
        "/support",
        {
            "subject": "Invoices failed",
            "message": "Two invoices did not arrive.\nPlease look.",
            "send_log": "y",
            "config_id": "1",
            "batch_id": identifier,
        },
    )
    assert response.status_code == 302, response.get_data(True)[:2000]
    page = connected.get("/support").get_data(as_text=True)
    assert f"Your support request was sent with the log of batch {identifier}." in page

    mail = outbox.last_to("help@example.com")
    assert mail["Subject"] == "[cwqbo support] Invoices failed"
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Two invoices did not arrive." in body and "admin@example.com" in body
    name, log = attachment_of(mail)
    assert name == f"batch-{identifier}.log.txt"
    assert f"Batch {identifier} (Invoice batch" in log
    assert "10002 |" in log and "10003 |" in log and "10007" not in log
    raw = outbox.folder.joinpath(sorted(p.name for p in outbox.folder.glob("*.eml"))[-1])
    whole = raw.read_bytes().decode("utf-8", "replace") + log + body
    for what, value in secrets.items():
        assert value not in whole, f"the {what} is in the support mail"
    assert "[redacted]" in log

    with app.app_context():
        stored = db.session.scalars(db.select(SupportRequest)).one()
        assert (stored.status, stored.batch_identifier, stored.to) == (
            SupportRequest.OUTBOX,
            identifier,
            "help@example.com",
        )
    listing = connected.get("/support/requests").get_data(as_text=True)
    assert "Invoices failed" in listing and "In the outbox (no mail server)" in listing
    assert f'href="/batches/{identifier}"' in listing


def test_missing_choices_are_named_and_nothing_is_sent(app, admin, outbox):
    response = admin.post("/support", {"subject": "", "message": "", "send_log": "y"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Give the request a subject" in html
    assert "Describe what happened" in html
    assert "Pick the QuickBooks Online configuration the batch was made against." in html
    response = admin.post(
        "/support",
        {
            "subject": "x",
            "message": "y",
            "send_log": "y",
            "config_id": "1",
            "batch_id": "INV-999999",
        },
    )
    assert response.status_code == 400
    assert "has no batch INV-999999: pick one from the list." in response.get_data(True)
    assert outbox.messages() == []


def test_without_support_email_it_goes_to_the_admins_and_a_member_can_send(app, make_user, outbox):
    make_user("boss@example.com", role="admin")
    make_user("member@example.com", role="member")
    web = Browserish(app.test_client())
    web.post("/auth/login", {"email": "member@example.com", "password": PASSWORD})
    response = web.post("/support", {"subject": "Hello", "message": "Where is the log?"})
    assert response.status_code == 302
    mail = outbox.last_to("boss@example.com")
    assert list(mail.iter_attachments()) == []
    assert web.get("/support/requests").status_code == 403


def test_an_unreachable_mail_server_is_reported_and_stored(app, admin, outbox):
    from support import free_port

    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_USE_TLS=False)
    app.config["SUPPORT_EMAIL"] = "help@example.com"
    response = admin.post("/support", {"subject": "Down", "message": "Is it down?"})
    assert response.status_code == 302
    page = admin.get("/support").get_data(as_text=True)
    assert "Your request is saved but could not be sent: The mail server refused it" in page
    listing = admin.get("/support/requests").get_data(as_text=True)
    assert re.search(r"Not sent</span><br><small>The mail server refused it", listing)
