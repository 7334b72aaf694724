"""A first install: the sign-up form comes without "Please log in to see that page.", and
"Check your email" names the outbox folder the message really went to (CWQBO_INSTANCE)."""

from __future__ import annotations

from pathlib import Path

from support import PASSWORD


def test_first_visit_shows_the_sign_up_form_without_a_log_in_prompt(web):
    first = web.get("/")
    assert first.status_code == 302 and "/auth/login" in first.headers["Location"]
    page = web.get(first.headers["Location"], follow_redirects=True)
    html = page.get_data(True)
    assert page.request.path == "/auth/signup" and "Create your cwqbo" in html
    assert "Please log in to see that page." not in html
    # Later pages do not get the dropped prompt either.
    assert "Please log in" not in web.get("/auth/signup").get_data(True)


def test_check_your_email_names_the_real_outbox_folder(web, app):
    response = web.post(
        "/auth/signup",
        {
            "name": "Ada Admin",
            "email": "ada@example.com",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    html = response.get_data(True)
    assert "Check your email" in html
    folder = Path(app.config["INSTANCE_PATH"]).resolve() / "outbox"
    assert list(folder.glob("*.eml")), "the message is in that folder"
    try:
        shown = f"{folder.relative_to(Path.cwd().resolve())}/"
    except ValueError:
        shown = f"{folder}/"
    assert f"<code>{shown}</code>" in html
