"""A broken module is reported on the System page and never stops a batch silently."""

from __future__ import annotations

import requests
from support import QBO_US_REALM
from test_example_module import rows, submit

from cwqbo.extensions import db
from cwqbo.models import Batch, BatchLog

RAISING = """
from cwqbo.modules import hookimpl

@hookimpl
def cwqbo_payload(payload):
    raise RuntimeError("payload exploded")

@hookimpl
def cwqbo_batch_ended(kind):
    raise ValueError("end hook exploded")
"""
MISSPELT = """
from cwqbo.modules import hookimpl

@hookimpl
def cwqbo_paylod(payload):
    return payload
"""


def test_modules_that_cannot_load_are_reported_on_the_system_page(install, admin):
    loaded = install(
        "broken_modules",
        {"missing": "cwqbo_no_such_module_xyz", "misspelt": "cwqbo_misspelt_module"},
        sources={"cwqbo_misspelt_module.py": MISSPELT},
    )
    broken = {b.name: b for b in loaded.broken}
    assert "ModuleNotFoundError" in broken["missing"].error
    assert "cwqbo_paylod" in broken["misspelt"].error
    assert loaded.loaded() == []

    page = admin.get("/system")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Custom modules" in html and "not loaded" in html
    assert "cwqbo_no_such_module_xyz" in html and "ModuleNotFoundError" in html
    assert "cwqbo_paylod" in html
    assert "<title>System · cwqbo</title>" in html  # the section once, never in the title
    assert html.count('id="modules"') == 1


def test_a_raising_hook_fails_its_transactions_with_the_module_named(
    app, connected, manage, qbo_server, run_jobs, install, admin
):
    install(
        "raising_module",
        {"raising": "cwqbo_raising_module"},
        sources={"cwqbo_raising_module.py": RAISING},
    )
    batch_id = submit(app, [10012, 10014])
    run_jobs()

    txs = rows(app, batch_id)
    for number in ("10012", "10014"):
        assert txs[number].state == "failed"
        assert "Custom module 'raising' failed in cwqbo_payload" in txs[number].message
        assert "payload exploded" in txs[number].message
    url = f"{qbo_server[0]}/_sandbox/entities/{QBO_US_REALM}/Invoice"
    assert not {"10012", "10014"} & {d["DocNumber"] for d in requests.get(url, timeout=10).json()}
    with app.app_context():
        batch = db.session.get(Batch, batch_id)
        assert batch.status == Batch.FAILED
        lines = db.session.scalars(
            db.select(BatchLog.message).where(BatchLog.batch_id == batch_id)
        ).all()
        identifier = batch.identifier
    assert any(
        "Custom module 'raising' failed in cwqbo_batch_ended" in m and "end hook exploded" in m
        for m in lines
    )

    html = admin.get("/system").get_data(as_text=True)
    assert "Recent module failures" in html
    assert identifier in html and "end hook exploded" in html
    assert "cwqbo_raising_module" in html and "loaded" in html


CHECK_RAISES = """
from cwqbo.modules import hookimpl

@hookimpl
def cwqbo_validate(document):
    if document.get("documentNumber") == "10014":
        raise KeyError("customField")
"""


def test_a_raising_check_fails_that_transaction_with_a_problem(
    app, connected, manage, qbo_server, run_jobs, install
):
    install(
        "checking",
        {"checker": "cwqbo_checking_module"},
        sources={"cwqbo_checking_module.py": CHECK_RAISES},
    )
    batch_id = submit(app, [10012, 10014])
    run_jobs()

    txs = rows(app, batch_id)
    assert txs["10012"].state == "batched", "the other transactions go on"
    assert txs["10014"].state == "failed"
    (problem,) = txs["10014"].problems
    assert problem["message"] == (
        "Custom module 'checker' failed in cwqbo_validate: KeyError('customField')."
    )
    assert "Fix or remove that module" in problem["fix"]
    assert problem["where"] == "cwqbo › System › Custom modules"
    url = f"{qbo_server[0]}/_sandbox/entities/{QBO_US_REALM}/Invoice"
    assert "10014" not in {d["DocNumber"] for d in requests.get(url, timeout=10).json()}
