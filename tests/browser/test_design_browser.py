"""The visual design in Chromium (issue 17): the sprite's icons render under the strict CSP,
the badges' icons (a view of the sprite used as a CSS mask) draw one icon each, dark mode
applies with ``prefers-color-scheme: dark``, and every piece of text, badges included, has a
WCAG AA contrast (4.5:1) against what is behind it, in both schemes.

Screenshots at 1366 px and 390 px, light and dark, land in tests/artifacts/design/
(git-ignored) to look at."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from browser_support import log_in
from flask import url_for
from pagelist import batch_with_failures
from support import qbo_settings

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "design"
SIZES = {"1366": (1366, 900), "390": (390, 844)}

# Every violation of the page's CSP, as the browser reports it.
WATCH_CSP = """window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));"""

# Each <svg class="icon"> shown: its box, and the box of what its <use> drew (an external
# <use> that did not load, or was blocked, draws nothing: a 0x0 box).
ICON_BOXES = """() => [...document.querySelectorAll('svg.icon')]
  .filter(svg => svg.getClientRects().length)
  .map(svg => {
    const r = svg.getBoundingClientRect(), b = svg.querySelector('use').getBBox();
    return {href: svg.querySelector('use').getAttribute('href'), w: r.width, h: r.height,
            drawnW: b.width, drawnH: b.height};
  })"""

# The sprite's badge views drawn into a canvas: how much of each 24x24 square is inked, and
# whether two views draw different icons.
BADGE_VIEWS = """async () => {
  const out = {};
  for (const tone of ['ok', 'warn', 'bad', 'muted', 'info', 'download', 'retry', 'unbatch']) {
    const img = new Image();
    img.src = '/static/icons/sprite.svg#v-' + tone;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 24;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0, 24, 24);
    const alpha = [...ctx.getImageData(0, 0, 24, 24).data].filter((_, i) => i % 4 === 3);
    out[tone] = alpha.map(a => a > 64 ? 1 : 0).join('');
  }
  return out;
}"""

# Text on the page whose contrast with its background is under 4.5:1 (WCAG AA, body text).
LOW_CONTRAST = """() => {
  const parse = c => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, under) => {
    const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + under[i] * (1 - a)).concat([1]);
  };
  const lum = c => {
    const [r, g, b] = c.slice(0, 3).map(v => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const background = el => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const bg = parse(getComputedStyle(e).backgroundColor);
      if (bg && bg[3] > 0) layers.push(bg);
      if (bg && bg[3] === 1) break;
    }
    let color = [255, 255, 255, 1];
    if (!layers.length || layers[layers.length - 1][3] < 1)
      color = parse(getComputedStyle(document.documentElement).backgroundColor) || color;
    for (const layer of layers.reverse()) color = over(layer, color);
    return color;
  };
  const problems = [];
  for (const el of document.body.querySelectorAll('*')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length || el.closest('.visually-hidden, [disabled]')) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.opacity === '0') continue;
    const bg = background(el);
    const fg = over(parse(style.color), bg);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    if (ratio < 4.5) {
      const text = el.textContent.trim().replace(/\\s+/g, ' ').slice(0, 40);
      problems.push(`${el.tagName.toLowerCase()}.${el.className} "${text}": ${ratio.toFixed(2)}`);
    }
  }
  return problems;
}"""


@pytest.fixture
def app_config(app_config, qbo_server):
    return {**app_config, **qbo_settings(qbo_server[0]), "API_RETRY_BACKOFF": 0.01}


def test_the_contrast_check_catches_low_contrast(page):
    page.set_content(
        '<p style="color:#999;background:#fff">grey on white</p>'
        '<div style="background:#1d2330"><span style="color:#5d6677">dim on dark</span></div>'
        '<p style="color:#1d2330;background:#fff">ink on white</p>'
    )
    found = page.evaluate(LOW_CONTRAST)
    assert len(found) == 2, found
    assert "grey on white" in found[0] and "dim on dark" in found[1]


def luminance(css_color: str) -> float:
    """WCAG relative luminance of a computed ``rgb(r, g, b)`` colour."""
    assert not css_color.startswith("rgba(0, 0, 0, 0"), "transparent: no colour to measure"
    channels = (int(v) / 255 for v in css_color[css_color.index("(") + 1 : -1].split(",")[:3])
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.fixture
def design_pages(both_connected, cw_sandbox):
    """The pages looked at: (name, path), a batch with a failure among them."""
    app, base = both_connected
    identifier, _ = batch_with_failures(app, cw_sandbox[1])
    with app.test_request_context():
        return base, [
            ("dashboard", url_for("dashboard.index")),
            ("settings-qbo", url_for("settings.qbo_tab", config_id=1, tab="connection")),
            ("settings-sales", url_for("settings.qbo_tab", config_id=1, tab="sales")),
            ("settings-connectwise", url_for("settings.connectwise")),
            ("review", url_for("batches.review")),
            ("batch-status", url_for("batches.status", identifier=identifier)),
            ("audit", url_for("audit.index")),
            ("support-requests", url_for("support.requests")),
            ("select-invoices", url_for("batches.select", kind="invoices")),
            ("stats", url_for("stats.index")),
            ("users", url_for("team.users")),
            ("system", url_for("dashboard.system")),
        ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_icons_render_and_text_reads_in_both_schemes(browser, design_pages, scheme):
    base, pages = design_pages
    folder = Path(os.environ.get("CWQBO_SCREENSHOTS") or ARTIFACTS)
    folder.mkdir(parents=True, exist_ok=True)
    problems = []
    for size, (width, height) in SIZES.items():
        context = browser.new_context(
            viewport={"width": width, "height": height}, color_scheme=scheme
        )
        context.add_init_script(WATCH_CSP)
        page = context.new_page()
        errors = []
        page.on("console", lambda m, errors=errors: m.type == "error" and errors.append(m.text))
        page.on("response", lambda r, e=errors: r.status >= 400 and e.append(f"{r.status} {r.url}"))
        page.goto(base + "/auth/login")
        page.screenshot(path=str(folder / f"login-{size}-{scheme}.png"), full_page=True)
        problems += [f"login {scheme}: {p}" for p in page.evaluate(LOW_CONTRAST)]
        log_in(page, base)
        for name, path in pages:
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(folder / f"{name}-{size}-{scheme}.png"), full_page=True)
            icons = page.evaluate(ICON_BOXES)
            if size == "1366":
                assert len(icons) >= 10, f"{name}: the navigation's icons are missing"
            for icon in icons:
                if not (icon["w"] >= 10 and icon["h"] >= 10):
                    problems.append(f"{name}: {icon['href']} is {icon['w']}x{icon['h']} px")
                if not (icon["drawnW"] > 0 and icon["drawnH"] > 0):
                    problems.append(f"{name}: {icon['href']} drew nothing")
            problems += [f"{name} CSP: {v}" for v in page.evaluate("window.__csp")]
            if size == "1366":
                problems += [f"{name} {scheme}: {p}" for p in page.evaluate(LOW_CONTRAST)]
        problems += [f"console ({size}): {e}" for e in errors]
        context.close()
    assert not problems, "\n".join(problems)


def test_dark_mode_swaps_the_surfaces(browser, design_pages):
    base, pages = design_pages
    seen = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(viewport={"width": 1366, "height": 900}, color_scheme=scheme)
        page = context.new_page()
        log_in(page, base)
        page.goto(base + "/")
        seen[scheme] = page.evaluate(
            """() => ['body', '#attention', 'main', 'h1'].map(s => {
                 const st = getComputedStyle(document.querySelector(s));
                 // A transparent body shows the page's own background (the canvas).
                 const bg = st.backgroundColor === 'rgba(0, 0, 0, 0)' && s === 'body'
                   ? getComputedStyle(document.documentElement).backgroundColor
                   : st.backgroundColor;
                 return [bg, st.color];
               })"""
        )
        context.close()
    (body_bg, body_ink), (card_bg, _), _, (_, h1_ink) = seen["dark"]
    assert luminance(body_bg) < 0.03 and luminance(card_bg) < 0.05, seen["dark"]
    assert luminance(h1_ink) > 0.6 and luminance(body_ink) > 0.6, seen["dark"]
    (body_bg, _), (card_bg, _), _, (_, h1_ink) = seen["light"]
    assert luminance(body_bg) > 0.85 and luminance(card_bg) > 0.95, seen["light"]
    assert luminance(h1_ink) < 0.05, seen["light"]


def test_each_badge_tone_draws_its_own_icon(browser, design_pages):
    base, pages = design_pages
    context = browser.new_context()
    page = context.new_page()
    log_in(page, base)
    views = page.evaluate(BADGE_VIEWS)
    for tone, pixels in views.items():
        inked = pixels.count("1") / len(pixels)
        assert 0.1 < inked < 0.6, f"v-{tone} inks {inked:.0%} of its square"
    assert len(set(views.values())) == len(views), "each view draws a different icon"
    # And the badges use them: the mask of an ok badge's ::before is that view.
    page.goto(base + "/")
    mask = page.evaluate(
        "getComputedStyle(document.querySelector('.badge-ok'), '::before').maskImage"
    )
    assert "/static/icons/sprite.svg#v-ok" in mask
    # The batch page's Retry button gets its icon from its form's target.
    page.goto(base + dict(pages)["batch-status"])
    retry = page.evaluate(
        """() => {
          const button = document.querySelector('form[action$="/retry"] button');
          const st = getComputedStyle(button, '::before');
          return [st.maskImage, parseFloat(st.width)];
        }"""
    )
    assert "#v-retry" in retry[0] and retry[1] > 10, retry
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_first_run_checklist_and_empty_states(browser, live_server, make_user, scheme):
    """Nothing connected yet: the dashboard's checklist says what comes first, and the empty
    lists show one empty state (icon, title, hint, action) that reads in both schemes."""
    app, base = live_server
    make_user("admin@example.com")
    folder = Path(os.environ.get("CWQBO_SCREENSHOTS") or ARTIFACTS)
    folder.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1366, "height": 900}, color_scheme=scheme)
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    log_in(page, base)
    page.screenshot(path=str(folder / f"first-run-dashboard-{scheme}.png"), full_page=True)
    steps = page.locator("#getting-started .checklist li")
    assert steps.count() == 3
    assert page.locator("#getting-started .checklist li.done").count() == 0
    assert "0 of 3 done" in page.locator("#getting-started").inner_text()
    start = page.locator("#getting-started li.todo").first.get_by_role("link", name="Start")
    assert start.get_attribute("href") == "/settings/connectwise"
    problems = [f"dashboard: {p}" for p in page.evaluate(LOW_CONTRAST)]
    with app.test_request_context():
        empties = [url_for("support.requests"), url_for("audit.index", q="nothing-like-this")]
    for path in empties:
        page.goto(base + path)
        state = page.locator("main .empty-state")
        assert state.count() == 1, path
        assert state.locator("svg.icon").bounding_box()["width"] >= 20, path
        assert state.locator(".empty-title").inner_text().strip(), path
        name = path.strip("/").split("?")[0].replace("/", "-")
        page.screenshot(path=str(folder / f"empty-{name}-{scheme}.png"), full_page=True)
        problems += [f"{path}: {p}" for p in page.evaluate(LOW_CONTRAST)]
        problems += [f"{path} CSP: {v}" for v in page.evaluate("window.__csp")]
    context.close()
    assert not problems, "\n".join(problems)
