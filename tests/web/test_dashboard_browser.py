"""In Chromium: the dashboard links a real failed transaction to its row; the dashboard,
Reconciliation and System pages render at 1366 and 390 px without a CSP or script error."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from support import PASSWORD, Browserish, connect_manage, connect_qbo, qbo_settings

from cwqbo import modules

EXAMPLE_SRC = Path(__file__).resolve().parents[2] / "examples" / "cwqbo_example_module" / "src"
FIRST_ROW_ID = 880001
pytestmark = pytest.mark.browser


@pytest.fixture
def app_config(app_config, qbo_server):
    return {**app_config, **qbo_settings(qbo_server[0]), "API_RETRY_BACKOFF": 0.01}


@pytest.fixture
def page(browser):
    """A page of the session's Chromium (one Playwright per run: a second one cannot start
    inside the first one's event loop), noting console errors and 404s."""
    context = browser.new_context()
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    page.not_found = []
    page.on("response", lambda r: page.not_found.append(r.url) if r.status == 404 else None)
    yield page
    context.close()


@pytest.fixture
def example_installed(tmp_path, monkeypatch):
    """The example module, found through a dist-info entry point like a pip install."""
    info = tmp_path / "site" / "cwqbo_example_module-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: cwqbo_example_module\nVersion: 0.1.0\n"
    )
    (info / "entry_points.txt").write_text(f"[{modules.GROUP}]\nexample = cwqbo_example_module\n")
    monkeypatch.syspath_prepend(str(EXAMPLE_SRC))
    monkeypatch.syspath_prepend(str(info.parent))
    yield modules.reload()
    monkeypatch.undo()
    modules.reload()


def shoot(page, base: str, path: str, name: str, folder: Path) -> list[Path]:
    """Screenshot a page at 1366 and 390 px (into $CWQBO_SCREENSHOTS when set)."""
    folder = Path(os.environ.get("CWQBO_SCREENSHOTS") or folder)
    folder.mkdir(parents=True, exist_ok=True)
    shots = []
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(base + path)
        shot = folder / f"{name}-{width}.png"
        page.screenshot(path=str(shot), full_page=True)
        shots.append(shot)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} scrolls sideways at {width} px"
    return shots


def test_dashboard_reconcile_and_system_pages_in_chromium(
    live_server, page, make_user, cw_sandbox, example_installed, tmp_path
):
    from cwqbo.batches import service
    from cwqbo.batches.execution import execute
    from cwqbo.extensions import db
    from cwqbo.models import BatchTransaction, QBOConfiguration

    app, base = live_server
    make_user("admin@example.com")
    connect_manage(app, cw_sandbox[0], cw_sandbox[1])
    admin = Browserish(app.test_client())
    admin.post("/auth/login", {"email": "admin@example.com", "password": PASSWORD})
    connect_qbo(admin)
    state = cw_sandbox[1]
    with state.lock:
        docs = {d["export"]["documentNumber"]: d for d in state.docs["invoices"].values()}
        line = next(ln for ln in docs["10010"]["export"]["detail"] if ln["glTypeId"] != "ST")
        line["accountNumber"] = "Income:Services:Nowhere"
    with app.app_context():
        batch = service.create_batch(
            "invoices",
            db.session.get(QBOConfiguration, 1),
            [str(FIRST_ROW_ID + n - 10001) for n in (10010, 10012, 10013, 10014)],
            invoice_detail="detailed",
            location_id=None,
            location_name=None,
            user_id=None,
        )
        identifier = batch.identifier
        execute(batch.id)
        failed = db.session.scalar(
            db.select(BatchTransaction).where(BatchTransaction.number == "10010")
        )
        assert failed.state == "failed"
        tx_id = failed.id

    page.goto(base + "/auth/login")
    page.get_by_label("Email").fill("admin@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/")

    link = page.locator("#attention").get_by_role(
        "link", name=re.compile(rf"Invoice 10010 in {identifier}")
    )
    link.click()
    page.wait_for_url(f"{base}/batches/{identifier}#tx-{tx_id}")
    assert page.locator(f"#tx-{tx_id}").is_visible()

    shoot(page, base, "/", "dashboard", tmp_path)
    shoot(
        page,
        base,
        "/reconcile?config_id=1&date_from=2025-01-01&date_to=2025-12-31",
        "reconcile",
        tmp_path,
    )
    summary = page.locator("#reconcile-summary").inner_text()
    assert re.search(r"\b\d+ transactions? compared", summary), summary
    shoot(page, base, "/system", "system", tmp_path)
    assert "cwqbo_example_module" in page.locator("#modules").inner_text()
    # Chromium asks for /favicon.ico by itself; every other resource loads.
    assert [u for u in page.not_found if not u.endswith("/favicon.ico")] == []
    assert [e for e in page.console_errors if "404" not in e] == []
