"""Pairings (issue 13 §1) through the runner, over both sandboxes and a real worker."""

from __future__ import annotations

from conftest import qbo_entities
from support import QBO_US_REALM
from transfer_support import batch_status, qbo_docs, row_ids, submit, transactions

from cwqbo.batches import service
from cwqbo.extensions import db
from cwqbo.models import BatchLog, ConfigurationOptions, Pairing, QBOConfiguration

APPENDED = "Adventure Works Cycles (ADVENTUR59)"


def set_options(app, **values) -> None:
    with app.app_context():
        options = ConfigurationOptions.for_config(db.session.get(QBOConfiguration, 1))
        for name, value in values.items():
            setattr(options, name, value)
        db.session.commit()


def seed(qbo_state, entity: str, **body) -> dict:
    """Create a record straight in the QBO sandbox (as a bookkeeper would have)."""
    with qbo_state.lock:
        return qbo_state.companies[QBO_US_REALM].create(entity, body)


def pairings(app) -> dict[str, tuple[str, str]]:
    """Return {Manage company id: (QBO Id, QBO name)} of configuration 1."""
    with app.app_context():
        rows = db.session.scalars(db.select(Pairing).where(Pairing.config_id == 1)).all()
        return {r.manage_id: (r.qbo_id, r.qbo_name) for r in rows if r.manage_kind == "company"}


def log_text(app, batch_id: int) -> str:
    with app.app_context():
        rows = db.session.scalars(db.select(BatchLog).where(BatchLog.batch_id == batch_id))
        return "\n".join(r.message for r in rows)


def preview(app, numbers):
    with app.app_context():
        config = db.session.get(QBOConfiguration, 1)
        result = service.preview("invoices", config, row_ids(*numbers), invoice_detail="detailed")
    return {d["number"]: d for d in result.documents}


def customer_names(qbo_base_url: str) -> list[str]:
    return sorted(c["DisplayName"] for c in qbo_entities(qbo_base_url, "Customer"))


def landed(qbo_base_url: str) -> dict[str, tuple[str, str]]:
    """Return {invoice number: (CustomerRef value, name)} of the QBO sandbox's invoices."""
    return {
        number: (docs[0]["CustomerRef"]["value"], docs[0]["CustomerRef"].get("name"))
        for number, docs in qbo_docs(qbo_base_url).items()
    }


def test_append_on_reuses_plainly_named_customers_and_names_only_new_ones(
    app, connected, manage, qbo_server, run_jobs
):
    """Contoso Ltd and Fabrikam, Inc. are QBO customers 1 and 2 under their plain names."""
    base_url = qbo_server[0]
    set_options(app, append_account_name=True)
    before = customer_names(base_url)

    shown = preview(app, (10026, 10020, 10013))
    assert 'matches the existing QBO customer "Contoso Ltd" (id 1)' in shown["10026"]["note"]
    assert 'matches the existing QBO customer "Fabrikam, Inc." (id 2)' in shown["10020"]["note"]
    assert f'New QBO customer "{APPENDED}"' in shown["10013"]["note"]

    batch_id = submit(app, row_ids(10026, 10020, 10013))
    run_jobs()
    status, message = batch_status(app, batch_id)
    assert status == "succeeded", (message, transactions(app, batch_id))
    docs = landed(base_url)
    assert docs["10026"] == ("1", "Contoso Ltd")
    assert docs["10020"] == ("2", "Fabrikam, Inc.")
    assert docs["10013"][1] == APPENDED
    # No look-alike duplicate: exactly one customer more, the new company's.
    assert customer_names(base_url) == sorted([*before, APPENDED])
    paired = pairings(app)
    assert paired == {
        "250": ("1", "Contoso Ltd"),
        "258": ("2", "Fabrikam, Inc."),
        "259": (docs["10013"][0], APPENDED),
    }
    log = log_text(app, batch_id)
    assert 'Paired Manage company "Contoso Ltd" (id 250) with QBO customer "Contoso Ltd"' in log
    assert 'matches the existing QBO customer "Contoso Ltd" (id 1) by name' in log

    # Turning the option off later changes nothing for paired companies.
    set_options(app, append_account_name=False)
    batch_id = submit(app, row_ids(10038))  # Adventure Works again
    run_jobs()
    assert batch_status(app, batch_id)[0] == "succeeded"
    assert landed(base_url)["10038"] == docs["10013"]
    assert customer_names(base_url) == sorted([*before, APPENDED])


def test_a_re_pair_on_the_pairings_page_moves_the_next_invoice(
    app, connected, manage, qbo_server, run_jobs
):
    base_url, qbo_state = qbo_server
    batch_id = submit(app, row_ids(10013))
    run_jobs()
    assert batch_status(app, batch_id)[0] == "succeeded"
    first = landed(base_url)["10013"]
    assert first[1] == "Adventure Works Cycles"
    kept = seed(qbo_state, "Customer", DisplayName="AW Cycles (kept books)")
    with app.app_context():
        pairing = db.session.scalar(db.select(Pairing).where(Pairing.manage_id == "259"))
        pairing_id = pairing.id

    # The admin finds the QBO record by type-ahead and pairs it.
    found = connected.get(f"/settings/quickbooks/1/pairings/{pairing_id}/search?q=kept b")
    assert found.status_code == 200
    assert "AW Cycles (kept books)" in found.get_data(as_text=True)
    answer = connected.post(
        f"/settings/quickbooks/1/pairings/{pairing_id}/repair",
        data={"qbo_id": kept["Id"]},
        headers={"HX-Request": "true", "HX-Target": "tab-panel"},
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200, page
    assert "is now paired with QBO customer &#34;AW Cycles (kept books)&#34;" in page
    assert pairings(app)["259"] == (kept["Id"], "AW Cycles (kept books)")

    batch_id = submit(app, row_ids(10038))
    run_jobs()
    assert batch_status(app, batch_id)[0] == "succeeded"
    assert landed(base_url)["10038"] == (kept["Id"], "AW Cycles (kept books)")


def test_names_held_by_a_vendor_or_an_employee_get_the_suffix_and_keep_it(
    app, connected, manage, qbo_server, run_jobs
):
    """Northwind Traders is a QBO vendor; Boulder Brewing Co. is made a QBO employee."""
    base_url, qbo_state = qbo_server
    seed(qbo_state, "Employee", DisplayName="Boulder Brewing Co.", GivenName="Boulder")
    set_options(app, collision_suffix="(C)")

    shown = preview(app, (10027, 10011))
    assert shown["10027"]["problems"] == [] and shown["10011"]["problems"] == []
    assert '"Northwind Traders" is already a QBO vendor' in shown["10027"]["note"]
    assert 'created as "Northwind Traders (C)"' in shown["10027"]["note"]
    assert 'created as "Boulder Brewing Co. (C)"' in shown["10011"]["note"]

    batch_id = submit(app, row_ids(10027, 10011))
    run_jobs()
    status, message = batch_status(app, batch_id)
    assert status == "succeeded", (message, transactions(app, batch_id))
    docs = landed(base_url)
    assert docs["10027"][1] == "Northwind Traders (C)"
    assert docs["10011"][1] == "Boulder Brewing Co. (C)"
    paired = pairings(app)
    assert paired["257"] == docs["10027"] and paired["270"] == docs["10011"]
    log = log_text(app, batch_id)
    assert '"Northwind Traders" is already a QBO vendor: the customer for Manage company' in log
    assert '"Boulder Brewing Co." is already a QBO employee' in log
    assert 'Paired Manage company "Northwind Traders" (id 257)' in log
    names = customer_names(base_url)

    # The next batch reuses the pairings: same customers, none created.
    batch_id = submit(app, row_ids(10052, 10036))
    run_jobs()
    assert batch_status(app, batch_id)[0] == "succeeded"
    again = landed(base_url)
    assert again["10052"] == docs["10027"] and again["10036"] == docs["10011"]
    assert customer_names(base_url) == names
    assert "collision suffix" not in log_text(app, batch_id)  # paired: nothing to decide


def test_without_a_suffix_the_collision_fix_no_longer_recommends_append(
    app, connected, manage, qbo_server
):
    shown = preview(app, (10027,))
    (problem,) = shown["10027"]["problems"]
    assert '"Northwind Traders" is already a QBO vendor' in problem["message"]
    assert "Name collision suffix" in problem["fix"]
    assert "Append account name" not in problem["fix"]


def test_an_ambiguous_match_is_a_problem_listing_the_candidates(
    app, connected, manage, qbo_server, run_jobs
):
    """Austin Analytics is in QBO twice: plainly, and as the appended look-alike."""
    base_url, qbo_state = qbo_server
    plain = seed(qbo_state, "Customer", DisplayName="Austin Analytics")
    twin = seed(qbo_state, "Customer", DisplayName="Austin Analytics (AUSTINAN71)")
    set_options(app, append_account_name=True)
    expected = (
        'Manage company "Austin Analytics" (id 271) could be any of 2 QBO customers: '
        f'"Austin Analytics" (id {plain["Id"]}), "Austin Analytics (AUSTINAN71)" '
        f"(id {twin['Id']}); cwqbo does not guess which one."
    )
    shown = preview(app, (10029, 10013))
    assert [p["message"] for p in shown["10029"]["problems"]] == [expected]
    assert "Pairings" in shown["10029"]["problems"][0]["where"]
    assert shown["10013"]["problems"] == []

    batch_id = submit(app, row_ids(10029, 10013))
    run_jobs()
    txs = transactions(app, batch_id)
    assert txs["10029"]["state"] == "failed"
    assert [p["message"] for p in txs["10029"]["problems"]] == [expected]
    assert txs["10013"]["state"] == "batched"
    assert "10029" not in qbo_docs(base_url), "nothing of it is written"
    assert "271" not in pairings(app)
