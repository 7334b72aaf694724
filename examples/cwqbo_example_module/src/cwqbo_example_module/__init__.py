"""An example cwqbo custom module: ``pip install -e examples/cwqbo_example_module``.

- Every document sent to QuickBooks gets a private note saying cwqbo sent it, with the
  Manage document number (the ``cwqbo_payload`` hook).
- An invoice whose memo has the word ``HOLD`` is not sent: its problem says so and how to
  release it (the ``cwqbo_validate`` hook).
- The end of every batch run is logged (the ``cwqbo_batch_ended`` hook).
"""

from __future__ import annotations

import logging

from cwqbo.modules import hookimpl

log = logging.getLogger(__name__)
NOTE = "Sent by cwqbo (example module)"
HOLD = "HOLD"


@hookimpl
def cwqbo_validate(kind, document):
    if (
        kind == "invoices"
        and HOLD in str(document.get("memo") or "").upper().replace(":", " ").split()
    ):
        return {
            "message": f"Invoice {document.get('documentNumber')} is on hold (its memo says "
            f"{HOLD}).",
            "fix": f"Take {HOLD} out of the invoice's memo in ConnectWise, then retry.",
            "where": "Manage › Finance › Invoice Search › the invoice › Memo",
        }
    return None


@hookimpl
def cwqbo_payload(entity, payload, document):
    number = document.get("documentNumber") or document.get("id")
    note = f"{NOTE}: {entity} from ConnectWise {number}"
    payload["PrivateNote"] = " | ".join(p for p in (payload.get("PrivateNote"), note) if p)[:4000]


@hookimpl
def cwqbo_batch_ended(batch_key, kind, outcome):
    log.info("batch %s (%s) ended: %s of %s done", batch_key, kind, outcome.done, outcome.total)
