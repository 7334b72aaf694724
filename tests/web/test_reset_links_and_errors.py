"""Reset links carry an opaque stamp and are logged only for the outbox; error pages; names."""

from __future__ import annotations

import logging
import socketserver
import threading

import pytest
from support import PASSWORD, Browserish

from cwqbo import create_app
from cwqbo.extensions import db
from cwqbo.models import QBOConfiguration, User


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: every message is kept in server.messages."""

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self.reply("220 test ESMTP")
        while line := self.rfile.readline():
            command = line.decode().strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.reply("250 test")
            elif command.startswith(("MAIL", "RCPT", "RSET", "NOOP")):
                self.reply("250 OK")
            elif command == "DATA":
                self.reply("354 end with a dot")
                body = []
                while (part := self.rfile.readline()) not in (b".\r\n", b""):
                    body.append(part)
                self.server.messages.append(b"".join(body).decode())
                self.reply("250 queued")
            elif command == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not here")


@pytest.fixture
def cwqbo_log(caplog):
    """Capture cwqbo's records (Alembic's fileConfig in the session's migration run
    disables the loggers that existed before it, cwqbo's among them)."""
    loggers = [
        logger
        for name, logger in logging.root.manager.loggerDict.items()
        if name.startswith("cwqbo") and isinstance(logger, logging.Logger)
    ]
    was = [logger.disabled for logger in loggers]
    for logger in loggers:
        logger.disabled = False
    with caplog.at_level(logging.DEBUG):
        yield caplog
    for logger, disabled in zip(loggers, was, strict=True):
        logger.disabled = disabled


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.daemon_threads = True
    server.messages = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_reset_link_carries_an_opaque_stamp(web, outbox, make_user, app, login):
    from cwqbo.web.auth.tokens import RESET, read_token

    user_id = make_user("lee@example.com")
    web.post("/auth/forgot", {"email": "lee@example.com"})
    link = outbox.link_to("lee@example.com", "/auth/reset/")
    with app.test_request_context():
        data = read_token(RESET, link.rsplit("/", 1)[1])
        user = db.session.get(User, user_id)
        stamp, password_hash = data["stamp"], user.password_hash
    assert len(stamp) >= 20
    assert stamp not in password_hash and password_hash[-16:] not in link
    # A password change elsewhere spends the outstanding link.
    login("lee@example.com")
    new = "changed on the account page"
    web.post("/account", {"pw-current": PASSWORD, "pw-password": new, "pw-confirm": new})
    web.post("/auth/logout")
    assert web.get(link).status_code == 302
    assert "already been used" in web.get("/auth/forgot").get_data(True)


def test_links_are_logged_only_when_mail_goes_to_the_outbox(
    app_config, redis_conn, smtp_server, cwqbo_log
):
    app = create_app(
        {
            **app_config,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": smtp_server.server_address[1],
            "MAIL_USE_TLS": False,
        }
    )
    with app.app_context():
        user = User(email="sam@example.com", name="Sam", role="member")
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
    web = Browserish(app.test_client())
    assert web.post("/auth/forgot", {"email": "sam@example.com"}).status_code == 302
    assert len(smtp_server.messages) == 1 and "/auth/reset/" in smtp_server.messages[0]
    assert "mail sent to sam@example.com" in cwqbo_log.text
    assert "/auth/reset/" not in cwqbo_log.text and "http" not in cwqbo_log.text


def test_outbox_mode_logs_the_link(web, make_user, cwqbo_log):
    make_user("tia@example.com")
    web.post("/auth/forgot", {"email": "tia@example.com"})
    assert "/auth/reset/" in cwqbo_log.text and "written to" in cwqbo_log.text


# --- the 500 page -----------------------------------------------------------------------------


@pytest.fixture
def failing_app(app_config, redis_conn):
    app = create_app(app_config)

    @app.route("/boom")
    def boom():
        raise RuntimeError("something broke")

    return app


def test_500_page_names_the_error(failing_app, cwqbo_log):
    response = failing_app.test_client().get("/boom")
    assert response.status_code == 500
    page = response.get_data(True)
    assert "<title>Internal Server Error · cwqbo</title>" in page
    assert "<h1>Internal Server Error</h1>" in page
    assert "property object" not in page and "something broke" not in page
    assert "something broke" in cwqbo_log.text  # logged, not shown


def test_500_fragment_for_htmx(failing_app):
    response = failing_app.test_client().get("/boom", headers={"HX-Request": "true"})
    assert response.status_code == 500
    body = response.get_data(True)
    assert "<strong>Internal Server Error.</strong>" in body and "property" not in body


# --- configuration names ----------------------------------------------------------------------


def test_duplicate_non_ascii_configuration_name_is_a_form_error(admin, app):
    for name in ("Société Générale", "Ölwerk Ğ"):
        assert admin.post("/settings/quickbooks", {"name": name}).status_code == 302
    for same in (
        "Ölwerk Ğ",
        "ÖLWERK ğ",
        "Société Générale",
        "SOCIÉTÉ GÉNÉRALE",
        " société générale ",
    ):
        response = admin.post("/settings/quickbooks", {"name": same})
        assert response.status_code == 400, same
        assert "already exists" in response.get_data(True)
    with app.app_context():
        names = sorted(c.name for c in db.session.scalars(db.select(QBOConfiguration)))
        other = db.session.scalar(
            db.select(QBOConfiguration.id).where(QBOConfiguration.name == "Ölwerk Ğ")
        )
    assert names == ["Default", "Société Générale", "Ölwerk Ğ"]

    # Renaming onto a taken name is refused the same way.
    page = f"/settings/quickbooks/{other}/connection"
    admin.get(page)
    response = admin.post(
        f"/settings/quickbooks/{other}/rename",
        {"name": "SOCIÉTÉ générale"},
        headers={"Referer": page},
    )
    assert response.status_code == 302
    assert "already exists" in admin.get(page).get_data(True)
    # Renaming to its own name in other letters is fine.
    response = admin.post(f"/settings/quickbooks/{other}/rename", {"name": "ÖLWERK ğ"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(QBOConfiguration, other).name == "ÖLWERK ğ"
