"""Every page of the navigation (and a batch with failures) at 390 px in Chromium: no
sideways scroll, no table header, badge or button drawn over another, no dropdown cut to a
few letters. Screenshots are kept in tests/artifacts/layout-390/ (git-ignored) to look at."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pagelist import batch_with_failures, navigation_pages, public_pages
from support import PASSWORD, Browserish, connect_manage, connect_qbo, qbo_settings

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "layout-390"
WIDTH, HEIGHT = 390, 844

# Boxes of the elements that must not cover each other, and of dropdowns too narrow to read.
LAYOUT_PROBLEMS = """() => {
  const visible = el => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    if (!(r.width > 0 && r.height > 0 && s.visibility !== 'hidden')) return false;
    // Inside a box clipped to nothing (visually hidden: a table's heading row on phones)?
    for (let up = el.parentElement; up; up = up.parentElement) {
      const u = up.getBoundingClientRect();
      const clipped = getComputedStyle(up).overflow !== 'visible';
      if ((u.width <= 1 || u.height <= 1) && clipped) return false;
    }
    return true;
  };
  const name = el => {
    const text = (el.innerText || el.value || '').trim().replace(/\\s+/g, ' ').slice(0, 40);
    const cls = el.className ? '.' + el.className.split(' ')[0] : '';
    return `${el.tagName.toLowerCase()}${cls} "${text}"`;
  };
  const boxes = [...document.querySelectorAll('main th, main .badge, main button, main a.button')]
    .filter(visible);
  const problems = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      if (a.contains(b) || b.contains(a)) continue;
      const p = a.getBoundingClientRect(), q = b.getBoundingClientRect();
      const w = Math.min(p.right, q.right) - Math.max(p.left, q.left);
      const h = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
      if (w > 1 && h > 1) problems.push(`${name(a)} overlaps ${name(b)}`);
    }
  }
  for (const el of document.querySelectorAll('main select')) {
    if (visible(el) && el.getBoundingClientRect().width < 120)
      problems.push(`${name(el)} is only ${Math.round(el.getBoundingClientRect().width)} px wide`);
  }
  for (const el of document.querySelectorAll('main *')) {
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.right > window.innerWidth + 1 && !el.closest('.table-wrap, pre'))
      problems.push(`${name(el)} ends at ${Math.round(r.right)} px, past the screen`);
  }
  return problems;
}"""


@pytest.fixture
def app_config(app_config, qbo_server):
    return {**app_config, **qbo_settings(qbo_server[0]), "API_RETRY_BACKOFF": 0.01}


def check_page(page, url: str, name: str, folder: Path, reload: bool = True) -> list[str]:
    if reload:
        page.goto(url)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    problems = []
    if page.url != url and "/auth/login" in page.url:
        problems.append("sent to log in")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 1:
        problems.append(f"scrolls sideways by {overflow} px")
    problems += page.evaluate(LAYOUT_PROBLEMS)
    return [f"{name} ({url}): {p}" for p in problems]


def test_every_page_fits_a_390px_phone(live_server, browser, make_user, cw_sandbox):
    app, base = live_server
    folder = Path(os.environ.get("CWQBO_SCREENSHOTS") or ARTIFACTS)
    folder.mkdir(parents=True, exist_ok=True)
    make_user("admin@example.com")
    connect_manage(app, cw_sandbox[0], cw_sandbox[1])
    admin = Browserish(app.test_client())
    admin.post("/auth/login", {"email": "admin@example.com", "password": PASSWORD})
    connect_qbo(admin)
    identifier, _ = batch_with_failures(app, cw_sandbox[1])

    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    missing = []  # every resource loads, the favicon (the logo mark) included
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    problems = []
    for name, path in public_pages(app):
        problems += check_page(page, base + path, name, folder)

    page.goto(base + "/auth/login")
    page.get_by_label("Email").fill("admin@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/")
    pages = navigation_pages(app, batch=identifier)
    assert len(pages) > 15, pages
    for name, path in pages:
        problems += check_page(page, base + path, name, folder)
    # The tax mapping rows come with "Add mapping" (an HTMX row): their dropdowns must read.
    page.goto(base + next(path for name, path in pages if name == "qbo-tab-taxes"))
    page.get_by_role("button", name="Add mapping").click()
    page.locator("table.mappings tbody select").first.wait_for()
    problems += check_page(page, page.url, "qbo-tab-taxes-mapping", folder, reload=False)
    context.close()
    assert not problems, "\n".join(problems)
    assert missing == []
    assert errors == []
