"""The pages a user can reach, generated from the side navigation (like the authorization
matrix is generated from the URL map), plus the pages behind them: every tab of a QBO
configuration, a batch's status page, the support requests and payment runs.

Used by the 390 px layout test and the wording tests, so a page added to the navigation is
checked by both without anyone remembering to list it.
"""

from __future__ import annotations

FIRST_ROW_ID = 880001
# Sign-up is the first install's page only (it sends to log in once someone has an account).
PUBLIC_PAGES = ["auth.login", "auth.forgot"]
# Pages reached from a navigation entry rather than being one.
BEHIND_NAVIGATION = [("payments.index", {}), ("support.requests", {})]


def navigation_pages(app, config_id: int = 1, batch: str | None = None) -> list[tuple[str, str]]:
    """Return (name, path) of every page an admin reaches from the navigation."""
    from flask import url_for

    from cwqbo.web import NAVIGATION
    from cwqbo.web.settings.tabs import ordered_tabs

    entries = []
    for entry in NAVIGATION:
        entries += [entry, *entry.get("children", [])]
    targets = [(e["endpoint"], e.get("args", {})) for e in entries if e.get("endpoint")]
    targets += BEHIND_NAVIGATION
    pages = []
    with app.test_request_context():
        for endpoint, args in targets:
            if endpoint in app.view_functions:
                name = endpoint + "".join(f"-{v}" for v in args.values())
                pages.append((name, url_for(endpoint, **args)))
        for tab in ordered_tabs():
            path = url_for("settings.qbo_tab", config_id=config_id, tab=tab.slug)
            pages.append((f"qbo-tab-{tab.slug}", path))
        if batch:
            pages.append(("batch-status", url_for("batches.status", identifier=batch)))
    return list(dict.fromkeys(pages))


def public_pages(app) -> list[tuple[str, str]]:
    from flask import url_for

    with app.test_request_context():
        return [(e, url_for(e)) for e in PUBLIC_PAGES]


def batch_with_failures(app, manage_state) -> tuple[str, int]:
    """Run a real invoice batch against the sandboxes (10006 is a credit memo) in which
    invoice 10010 fails (its line's GL account exists nowhere in QuickBooks); return
    (identifier, failed transaction id)."""
    from cwqbo.batches import service
    from cwqbo.batches.execution import execute
    from cwqbo.extensions import db
    from cwqbo.models import BatchTransaction, QBOConfiguration

    with manage_state.lock:
        docs = {d["export"]["documentNumber"]: d for d in manage_state.docs["invoices"].values()}
        line = next(ln for ln in docs["10010"]["export"]["detail"] if ln["glTypeId"] != "ST")
        line["accountNumber"] = "Income:Services:Nowhere"
    with app.app_context():
        batch = service.create_batch(
            "invoices",
            db.session.get(QBOConfiguration, 1),
            [str(FIRST_ROW_ID + n - 10001) for n in (10006, 10010, 10012, 10013, 10014)],
            invoice_detail="detailed",
            location_id=None,
            location_name=None,
            user_id=None,
        )
        execute(batch.id)
        failed = db.session.scalar(
            db.select(BatchTransaction).where(
                BatchTransaction.batch_id == batch.id, BatchTransaction.number == "10010"
            )
        )
        assert failed.state == "failed", failed.state
        return batch.identifier, failed.id
