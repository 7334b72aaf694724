"""The dry run shows what the custom modules change and block, as the run would."""

from __future__ import annotations

from cwqbo.extensions import db
from cwqbo.models import QBOConfiguration

FIRST_ROW_ID = 880001


def preview(app, *numbers: int) -> dict[str, dict]:
    from cwqbo.batches.execution import settings_for_config
    from cwqbo.connections import manage_client, qbo_client
    from cwqbo.transfer.kinds import KINDS
    from cwqbo.transfer.preview import dry_run

    with app.app_context():
        config = db.session.get(QBOConfiguration, 1)
        result = dry_run(
            manage_client(),
            qbo_client(config),
            [str(FIRST_ROW_ID + n - 10001) for n in numbers],
            settings_for_config(config, "detailed"),
            KINDS["invoices"],
        )
    return {d["number"]: d for d in result["documents"]}


def test_preview_applies_the_example_module(app, connected, manage, example_module):
    with manage[1].lock:
        for doc in manage[1].docs["invoices"].values():
            if doc["export"]["documentNumber"] == "10013":
                doc["export"]["memo"] = "HOLD until approved"
    docs = preview(app, 10012, 10013)
    assert (
        "Sent by cwqbo (example module): Invoice from ConnectWise 10012"
        in (docs["10012"]["body"]["PrivateNote"])
    )
    assert docs["10012"]["problems"] == []
    held = docs["10013"]
    assert held["body"] is None
    assert [p["message"] for p in held["problems"]] == [
        "Invoice 10013 is on hold (its memo says HOLD)."
    ]


RAISING = """
from cwqbo.modules import hookimpl

@hookimpl
def cwqbo_payload(payload):
    raise RuntimeError("payload exploded")
"""


def test_preview_names_a_raising_module_instead_of_failing(app, connected, manage, install):
    install(
        "raising_module",
        {"raising": "cwqbo_raising_preview"},
        sources={"cwqbo_raising_preview.py": RAISING},
    )
    docs = preview(app, 10012)
    (problem,) = docs["10012"]["problems"]
    assert problem["message"] == (
        "Custom module 'raising' failed in cwqbo_payload: RuntimeError('payload exploded')."
    )
