"""The Pairings tab of a configuration and the Contacts tab's collision suffix (issue 13)."""

from __future__ import annotations

import html

import pytest

from cwqbo.extensions import db
from cwqbo.models import AuditEntry, ConfigurationOptions, Pairing, QBOConfiguration

HX = {"HX-Request": "true", "HX-Target": "tab-panel"}
TAB = "/settings/quickbooks/1/pairings"


def add_pairing(app, manage_id: str, manage_name: str, qbo_id: str, qbo_name: str) -> int:
    with app.app_context():
        row = Pairing.remember(
            1,
            "company",
            manage_id,
            manage_name=manage_name,
            qbo_entity="Customer",
            qbo_id=qbo_id,
            qbo_name=qbo_name,
            how="batch",
        )
        db.session.commit()
        return row.id


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def audit_entries(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        rows = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == action)).all()
        db.session.expunge_all()
        return list(rows)


@pytest.fixture
def paired(app, connected):
    """Contoso Ltd and Fabrikam, Inc. paired with QBO customers 1 and 2."""
    return {
        "contoso": add_pairing(app, "250", "Contoso Ltd", "1", "Contoso Ltd"),
        "fabrikam": add_pairing(app, "258", "Fabrikam, Inc.", "2", "Fabrikam, Inc."),
    }


def test_the_tab_lists_and_searches_pairings(connected, paired):
    page = text_of(connected.get(TAB))
    assert 'aria-current="page">Pairings' in page
    assert "2 pairings." in page
    assert "Contoso Ltd" in page and "Fabrikam, Inc." in page
    found = text_of(connected.get(f"{TAB}?q=fabri", headers=HX))
    assert "1 pairing matching “fabri”" in found
    assert "Fabrikam, Inc." in found and "Contoso Ltd" not in found
    assert "No pairing matches “nobody”" in text_of(connected.get(f"{TAB}?q=nobody"))
    assert connected.get(f"{TAB}?page=abc").status_code == 200  # a bad page number: page 1


def test_the_tab_says_when_there_are_none(connected):
    assert "No pairings yet" in text_of(connected.get(TAB))


def test_type_ahead_lists_active_qbo_customers(connected, paired):
    url = f"/settings/quickbooks/1/pairings/{paired['contoso']}/search"
    assert text_of(connected.get(f"{url}?q=F")).strip() == ""  # fewer than 2 letters: nothing
    found = text_of(connected.get(f"{url}?q=fab"))
    assert "Fabrikam, Inc." in found and "id 2" in found
    assert "No active QuickBooks Online customer matches “old client”" in text_of(
        connected.get(f"{url}?q=old client")  # Old Client LLC is inactive
    )
    quoted = text_of(connected.get(f"{url}?q=O'Brien"))  # a quote reaches QBO escaped
    assert "No active QuickBooks Online customer matches “O'Brien”" in quoted


def test_re_pair_moves_the_pairing_and_is_audited(app, connected, paired, qbo_server):
    with qbo_server[1].lock:
        new = (
            qbo_server[1]
            .companies["9341453000000001"]
            .create("Customer", {"DisplayName": "Contoso (old books)"})
        )
    url = f"/settings/quickbooks/1/pairings/{paired['contoso']}/repair"
    page = text_of(connected.post(url, {"qbo_id": new["Id"]}, headers=HX))
    assert 'is now paired with QBO customer "Contoso (old books)"' in page
    with app.app_context():
        row = db.session.get(Pairing, paired["contoso"])
        assert (row.qbo_id, row.qbo_name, row.how) == (new["Id"], "Contoso (old books)", "admin")
    (entry,) = audit_entries(app, "pairing_changed")
    assert 'Manage company "Contoso Ltd"' in entry.target
    assert f"from QBO customer Contoso Ltd (id 1) to Contoso (old books) (id {new['Id']})" in (
        entry.detail
    )
    # Without HTMX: back to the tab with the message.
    response = connected.post(url, {"qbo_id": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith(TAB)


@pytest.mark.parametrize(
    ("qbo_id", "message"),
    [
        ("", "Choose a QuickBooks Online record from the search results."),
        ("abc", "Choose a QuickBooks Online record from the search results."),
        ("99999", "QuickBooks Online has no customer with id 99999"),
        ("3", 'QBO customer "Old Client LLC" is inactive'),
        (
            "2",
            'QBO customer "Fabrikam, Inc." is already paired with Manage company "Fabrikam, Inc."',
        ),
    ],
    ids=["empty", "not-a-number", "unknown", "inactive", "paired-elsewhere"],
)
def test_a_re_pair_qbo_would_not_take_is_refused_with_the_reason(
    app, connected, paired, qbo_id, message
):
    url = f"/settings/quickbooks/1/pairings/{paired['contoso']}/repair"
    response = connected.post(url, {"qbo_id": qbo_id}, headers=HX)
    assert response.status_code == 422
    assert message in text_of(response)
    with app.app_context():
        assert db.session.get(Pairing, paired["contoso"]).qbo_id == "1", "nothing changed"
    assert audit_entries(app, "pairing_changed") == []


def test_unpair_forgets_the_pairing_and_is_audited(app, connected, paired):
    url = f"/settings/quickbooks/1/pairings/{paired['fabrikam']}/unpair"
    page = text_of(connected.post(url, headers=HX))
    assert 'Manage company "Fabrikam, Inc." is no longer paired' in page
    assert "1 pairing." in page
    with app.app_context():
        assert db.session.get(Pairing, paired["fabrikam"]) is None
    (entry,) = audit_entries(app, "pairing_removed")
    assert "was paired with QBO customer Fabrikam, Inc. (id 2)" in entry.detail
    assert connected.post(url, headers=HX).status_code == 404  # gone: a clear 404, not a 500


def test_a_pairing_of_another_configuration_is_not_found(app, connected, paired):
    with app.app_context():
        db.session.add(QBOConfiguration(id=2, name="Second books"))
        db.session.commit()
    url = f"/settings/quickbooks/2/pairings/{paired['contoso']}"
    assert connected.get(f"{url}/search?q=fab").status_code == 404
    assert connected.post(f"{url}/unpair", headers=HX).status_code == 404
    with app.app_context():
        assert db.session.get(Pairing, paired["contoso"]) is not None


def test_the_collision_suffix_is_saved_on_the_contacts_tab(app, connected):
    url = "/settings/quickbooks/1/contacts"
    refused = connected.post(url, {"collision_suffix": "C:1"}, headers=HX)
    assert refused.status_code == 422
    assert 'QuickBooks Online reads ":" as parent:child' in text_of(refused)
    page = text_of(connected.get(url))
    assert "Name collision suffix" in page and "fault 6240" in page
    saved = connected.post(url, {"collision_suffix": " (C) "}, headers=HX)
    assert saved.status_code == 200
    with app.app_context():
        options = db.session.get(ConfigurationOptions, 1)
        assert options.collision_suffix == "(C)"
