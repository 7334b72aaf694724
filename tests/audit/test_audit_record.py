"""cwqbo.audit.record alone: names only, secret-looking text struck, unknown actions refused."""

from __future__ import annotations

import pytest

from cwqbo import audit
from cwqbo.extensions import db
from cwqbo.models import AuditEntry


@pytest.mark.parametrize(
    "text, kept, gone",
    [
        ("retry with refresh_token=abc123XYZ now", "retry with refresh_token=", "abc123XYZ"),
        ("Authorization: Bearer eyJhbGciOi.payload", "Authorization: ", "eyJhbGciOi"),
        ("password: hunter22 was typed", "was typed", "hunter22"),
        ("api_key=K-123456 private_key=PK-998877", "api_key=", "PK-998877"),
    ],
)
def test_scrub_strikes_what_follows_a_secret_label(text, kept, gone):
    cleaned = audit.scrub(text)
    assert kept in cleaned and gone not in cleaned and "[redacted]" in cleaned


def test_record_outside_a_request_has_no_user_or_address_and_unknown_actions_fail(app):
    with app.app_context():
        entry = audit.record(
            "settings_changed",
            "Acme: Sales options",
            fields=["b", "a", "a"],
            detail="token=supersecret",
        )
        stored = db.session.get(AuditEntry, entry.id)
        assert (stored.user_id, stored.actor, stored.ip) == (None, "", "")
        assert stored.fields == ["a", "b"]
        assert stored.detail == "token=[redacted]"
        with pytest.raises(ValueError, match="unknown audit action 'made_up'"):
            audit.record("made_up")


def test_diff_fields_names_only_what_changed():
    before = {"site": "a", "private_key": "k1", "client_id": "c"}
    after = {"site": "a", "private_key": "k2", "client_id": "c", "public_key": "p"}
    assert audit.diff_fields(before, after) == ["private_key", "public_key"]
    assert audit.diff_fields({}, {}) == []
