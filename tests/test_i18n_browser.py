"""The app's language in a real browser: Debian's Chromium with a Russian locale (issue 15, item 8).

A Chromium whose locale is ``ru-RU`` (so its ``Accept-Language`` asks for Russian) gets the page
in Russian with Russian number formats and ``<html lang="ru">``; the language switch in the app
bar changes that tab only (another tab of the same browser stays Russian), writes ``lang=`` into
the address, and a reload of that address keeps the chosen language.

Skipped when /usr/bin/chromium is missing, unless ``CI=true`` (then it fails).
"""

from __future__ import annotations

import re

import pytest
from browser_support import require_chromium

from wecsim.app.serve import RequestLog, app_server

pytestmark = pytest.mark.browser

NBSP = "\u00a0"


@pytest.fixture(scope="module")
def server():
    require_chromium()
    pytest.importorskip("playwright")
    with app_server() as url:
        yield url


def open_tab(context, url: str):
    page = context.new_page()
    context.request_log.watch(page)
    page.set_default_timeout(60_000)
    page.goto(url)
    page.locator(".wecsim-card-res .wecsim-card-value").wait_for(timeout=180_000)
    return page


def tabs_text(page) -> str:
    return page.locator(".wecsim-bar").text_content()  # as written (the tabs are shown in capitals)


def test_a_russian_browser_gets_russian_and_the_switch_changes_one_tab_only(server, chromium):
    ctx = chromium.new_context(locale="ru-RU", viewport={"width": 1400, "height": 900})
    log = RequestLog().attach(ctx)
    ctx.request_log = log
    try:
        first = open_tab(ctx, server)
        second = open_tab(ctx, server)
        for page in (first, second):
            page.wait_for_function("document.documentElement.lang === 'ru'", timeout=30_000)
            bar = tabs_text(page)
            assert "Обзор" in bar and "Карта" in bar and "Explore" not in bar, bar
            value = page.locator(".wecsim-card-co2 .wecsim-card-value").inner_text()
            assert re.fullmatch(rf"\d{{1,3}}({NBSP}\d{{3}})*,\d", value), value  # decimal comma
            assert "Дефицит воды" in page.locator(".wecsim-cards").inner_text()

        # the switch sits on the blue title bar (white text on the bar's own colour, no box of its own)
        behind = first.locator(".wecsim-lang-kk").evaluate(
            """e => { for (let n = e; n; n = n.parentElement) {
                   const c = getComputedStyle(n).backgroundColor;
                   if (c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') return c; } return null; }"""
        )
        assert behind == "rgb(13, 71, 161)", behind
        assert first.locator(".wecsim-lang-ru").get_attribute("aria-pressed") == "true"

        # the switch: this tab to Kazakh, the other tab stays Russian
        first.locator(".wecsim-lang-kk").click()
        first.wait_for_function("document.documentElement.lang === 'kk'", timeout=30_000)
        first.get_by_text("Шолу").first.wait_for(timeout=30_000)
        first.locator(".wecsim-cards", has_text="Су тапшылығы").wait_for(timeout=30_000)  # cards redraw after the tabs
        first.wait_for_function("window.location.search.includes('lang=kk')", timeout=30_000)
        assert second.evaluate("document.documentElement.lang") == "ru"
        assert "Обзор" in tabs_text(second) and "Шолу" not in tabs_text(second)
        assert "lang=" not in second.evaluate("window.location.search")

        # the address keeps the choice: opened again (a reload, or the link sent to someone), it is Kazakh
        link = first.url
        third = open_tab(ctx, link)
        third.wait_for_function("document.documentElement.lang === 'kk'", timeout=30_000)
        third.get_by_text("Шолу").first.wait_for(timeout=30_000)

        # and back to English in one click
        third.locator(".wecsim-lang-en").click()
        third.wait_for_function("document.documentElement.lang === 'en'", timeout=30_000)
        third.get_by_text("Explore").first.wait_for(timeout=30_000)
    finally:
        ctx.close()
    assert log.external == [], f"requests left 127.0.0.1: {log.external}"
    assert log.failed == [], f"local requests failed: {log.failed}"
