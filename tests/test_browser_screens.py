"""The app on any screen, as a link, and from the keyboard (issue 14, items 5, 6 and 9), in Chromium.

Screenshots at a phone (390 x 844), a laptop (1280 x 720) and a projector (1920 x 1080) go to
``screenshots/`` (not committed). Skipped when /usr/bin/chromium is missing, unless ``CI=true``.
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlparse

import pytest
from test_browser_app import SHOTS, batch_root, server, set_lever_box  # noqa: F401 (fixtures)

from wecsim.app.serve import RequestLog

pytestmark = pytest.mark.browser

SCREENS = {"phone": (390, 844), "laptop": (1280, 720), "projector": (1920, 1080)}
#: Smallest text a card may use [CSS px] (the issue's readability floor).
MIN_FONT_PX = 12
CARDS = ".wecsim-cards .wecsim-card"

#: Visible controls without an accessible name (aria-label, aria-labelledby, a <label>, a title, their text).
UNNAMED_JS = """() => {
  const sel = 'input:not([type=hidden]), button, select, textarea, [role=slider], [role=button], [role=tab],'
    + ' [role=combobox], [role=checkbox], [role=switch], a[href]';
  const visible = e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const text = e => (e.textContent || '').replace(/\\s+/g, ' ').trim();
  const name = e => {
    if ((e.getAttribute('aria-label') || '').trim()) return e.getAttribute('aria-label');
    const lb = e.getAttribute('aria-labelledby');
    if (lb) { const t = lb.split(/\\s+/).map(i => { const x = document.getElementById(i); return x ? text(x) : ''; })
      .join(' ').trim(); if (t) return t; }
    if (e.id) { const l = document.querySelector(`label[for="${CSS.escape(e.id)}"]`);
      if (l && text(l)) return text(l); }
    const wrap = e.closest('label'); if (wrap && text(wrap)) return text(wrap);
    if ((e.getAttribute('title') || '').trim()) return e.getAttribute('title');
    if (e.tagName !== 'INPUT' && e.tagName !== 'TEXTAREA' && text(e)) return text(e);
    if ((e.getAttribute('placeholder') || '').trim()) return e.getAttribute('placeholder');
    return '';
  };
  const all = [...document.querySelectorAll(sel)].filter(visible);
  return {checked: all.length, unnamed: all.filter(e => !name(e).trim()).map(e => e.outerHTML.slice(0, 200))};
}"""

#: Every card's box and the smallest font size of any text in it.
CARD_BOXES_JS = """(sel) => [...document.querySelectorAll(sel)].map(c => {
  const r = c.getBoundingClientRect();
  const sizes = [c, ...c.querySelectorAll('*')].filter(e => (e.textContent || '').trim())
    .map(e => parseFloat(getComputedStyle(e).fontSize));
  return {left: r.left, right: r.right, top: r.top, width: r.width, height: r.height, minFont: Math.min(...sizes)};
})"""


@pytest.fixture
def context_at(chromium):
    """Return a function making a browser context of a given size; each is checked for outside requests."""
    made = []

    def make(width: int, height: int):
        ctx = chromium.new_context(viewport={"width": width, "height": height})
        ctx.request_log = RequestLog().attach(ctx)
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        ctx.close()
        assert ctx.request_log.external == [], f"requests left 127.0.0.1: {ctx.request_log.external}"


def open_page(ctx, url: str, cards: bool = True):
    """Open ``url`` and wait for the first results (on the cards, unless the link opens another page).

    The status line is waited for as attached only: on a phone it sits in the closed drawer.
    """
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    page.locator(".wecsim-status-done").wait_for(state="attached", timeout=120_000)
    if cards:
        page.locator(".wecsim-card-res .wecsim-card-value").wait_for(timeout=120_000)
    return page


def query_of(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def wait_query(page, key: str, value: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if query_of(page).get(key) == [value]:
            return
        time.sleep(0.1)
    raise AssertionError(f"the address never got {key}={value}: {page.url}")


def select_tile(page, region: str) -> None:
    """Click a region's tile until it shows as selected (a redraw as runs land can swallow a click)."""
    for _ in range(3):
        page.locator(f".wecsim-tile-{region}").click()
        try:
            page.locator(f".wecsim-tile-{region}.wecsim-tile-selected").wait_for(timeout=10_000)
            return
        except Exception:  # the map was redrawing: click again
            continue
    raise AssertionError(f"the tile {region} never showed as selected")


@pytest.mark.parametrize("screen", list(SCREENS))
def test_cards_are_visible_and_readable_on_every_screen(server, context_at, screen):  # noqa: F811
    width, height = SCREENS[screen]
    page = open_page(context_at(width, height), server)
    time.sleep(1)  # let the layout settle before measuring
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"screen_{screen}_explore.png"))
    cards = page.evaluate(CARD_BOXES_JS, CARDS)
    assert len(cards) == 6, cards  # five headline cards and the EU card
    for c in cards:
        assert c["left"] >= 0 and c["right"] <= width + 0.5, f"card outside the {width} px screen: {c}"
        assert c["width"] >= 150, f"card too narrow to read: {c}"
        assert c["minFont"] >= MIN_FONT_PX, f"text smaller than {MIN_FONT_PX} px on a card: {c}"
    main = page.locator(".wecsim-main").bounding_box()
    if screen == "phone":
        # one column: cards stacked, the main column uses the whole screen, the levers are in a drawer
        assert main["width"] >= width - 2
        assert len({round(c["left"]) for c in cards}) == 1
        assert not page.locator(".wecsim-sidebar").is_visible()
        page.locator(".wecsim-levers-toggle").click()
        page.locator(".wecsim-sidebar").wait_for()
        page.locator(".wecsim-lever-budget_eu_grant_meur .wecsim-lever-input input").wait_for()
        box = page.locator(".wecsim-sidebar").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5
        page.screenshot(path=str(SHOTS / f"screen_{screen}_levers.png"))
        page.locator(".wecsim-drawer-close").click()
        page.locator(".wecsim-sidebar").wait_for(state="hidden")
    else:
        assert page.locator(".wecsim-sidebar").is_visible()
        assert not page.locator(".wecsim-levers-toggle").is_visible()
    # charts fill the main column's width (on a phone, the screen's); drawn once scrolled into view
    page.locator(".wecsim-chart").first.scroll_into_view_if_needed()
    page.locator(".wecsim-chart-img").first.wait_for(timeout=60_000)
    chart = page.locator(".wecsim-chart-img").first.bounding_box()
    assert chart["x"] >= 0 and chart["x"] + chart["width"] <= width + 0.5
    if screen == "phone":
        assert chart["width"] >= 0.85 * width
    # the map: every tile on screen, and a region's detail starts above the fold
    page.locator(".wecsim-tab-map").click()
    page.locator(".wecsim-region-detail").wait_for(timeout=60_000)
    time.sleep(1)
    page.screenshot(path=str(SHOTS / f"screen_{screen}_map.png"))
    tiles = page.locator(".wecsim-tile")
    assert tiles.count() == 20
    for i in range(20):
        t = tiles.nth(i).bounding_box()
        assert t["x"] >= 0 and t["x"] + t["width"] <= width + 0.5
    if screen != "phone":
        detail = page.locator(".wecsim-region-detail").bounding_box()
        assert detail["y"] + 60 < height, f"region detail below the fold: {detail}"


def test_the_address_keeps_the_view_and_a_reload_or_a_link_restores_it(server, context_at):  # noqa: F811
    ctx = context_at(1500, 1000)
    page = open_page(ctx, server)
    wait_query(page, "page", "explore")
    set_lever_box(page, "budget_eu_grant_meur", 120)
    wait_query(page, "budget_eu_grant_meur", "120")
    page.locator(".wecsim-status-done").wait_for(timeout=120_000)
    page.locator(".wecsim-tab-map").click()
    select_tile(page, "KZ-61")
    wait_query(page, "region", "KZ-61")
    wait_query(page, "page", "map")
    link = page.url
    # reload: the same page, lever and region
    page.reload()
    page.locator(".wecsim-tile-KZ-61.wecsim-tile-selected").wait_for(timeout=120_000)
    assert page.locator(".wecsim-lever-budget_eu_grant_meur .wecsim-lever-input input").input_value() == "120"
    assert page.locator(".wecsim-lever-budget_eu_grant_meur .wecsim-lever-reset").is_visible()
    # the link in another browser (a new context shares nothing) opens the same view, same numbers
    other = open_page(context_at(1500, 1000), link, cards=False)
    other.locator(".wecsim-tile-KZ-61.wecsim-tile-selected").wait_for(timeout=120_000)
    # ... with the same numbers as the reloaded page once both are up to date
    cards = []
    for p in (page, other):
        p.locator(".wecsim-tab-explore").click()
        p.locator(".wecsim-status-done").wait_for(timeout=120_000)
        cards.append(p.locator(".wecsim-card-investment .wecsim-card-value"))
    deadline = time.monotonic() + 60
    while cards[0].inner_text() != cards[1].inner_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert cards[0].inner_text() == cards[1].inner_text()
    assert query_of(other)["budget_eu_grant_meur"] == ["120"]


def test_a_bad_link_says_what_it_could_not_use_and_keeps_the_rest(server, context_at):  # noqa: F811
    page = open_page(
        context_at(1500, 1000),
        server.rstrip("/") + "/?page=map&seed=abc&budget_eu_grant_meur=250&region=KZ-61",
        cards=False,
    )
    msg = page.locator(".wecsim-link-problems")
    msg.wait_for()
    text = msg.inner_text()
    assert "'abc' is not a whole number" in text
    assert "250 is above the highest allowed, 200" in text
    page.locator(".wecsim-tile-KZ-61.wecsim-tile-selected").wait_for()  # the good settings apply
    assert page.locator(".wecsim-seed input").input_value() == "42"
    wait_query(page, "seed", "42")  # the address shows what is used, not what was refused
    assert "budget_eu_grant_meur" not in query_of(page)


def test_every_control_has_a_name_the_page_a_language_and_the_map_a_keyboard(server, context_at):  # noqa: F811
    page = open_page(context_at(1500, 1000), server)
    assert page.evaluate("document.documentElement.lang") == "en"
    html = page.request.get(server).text()
    assert '<html lang="en">' in html  # declared by the server, not only set by a script
    sliders = page.locator(".wecsim-lever-slider [role=slider]")
    assert sliders.count() >= 5
    for i in range(sliders.count()):
        assert (sliders.nth(i).get_attribute("aria-label") or "").strip()
    for tab in ("explore", "map", "projects", "compare", "history", "share"):
        page.locator(f".wecsim-tab-{tab}").click()
        page.locator(f".wecsim-page-{tab}").wait_for(timeout=60_000)
        time.sleep(1)
        found = page.evaluate(UNNAMED_JS)
        assert found["checked"] >= 10, found
        assert found["unnamed"] == [], f"controls without a name on {tab}: {found['unnamed']}"
    # the map from the keyboard: Tab reaches the tiles, Enter opens a region's detail
    page.locator(".wecsim-tab-map").click()
    page.locator(".wecsim-tile-KZ-61").wait_for()
    page.locator(".wecsim-map-indicator").click()
    page.keyboard.press("Escape")
    for _ in range(80):
        page.keyboard.press("Tab")
        if "wecsim-tile" in (page.evaluate("document.activeElement.className") or ""):
            break
    focused = page.evaluate("document.activeElement.className")
    assert "wecsim-tile" in focused, "Tab never reached a map tile"
    if "wecsim-tile-selected" in focused:  # move on to a region that is not selected yet
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.className")
    region = next(c.removeprefix("wecsim-tile-") for c in focused.split() if c.startswith("wecsim-tile-KZ"))
    page.keyboard.press("Enter")
    page.locator(f".wecsim-tile-{region}.wecsim-tile-selected").wait_for(timeout=30_000)
    page.locator(".wecsim-region-detail", has_text=region).wait_for(timeout=30_000)
