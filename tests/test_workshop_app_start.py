"""Starting a workshop from the planners' app (issue 15, item 1): the scenario on screen, only when allowed."""

from __future__ import annotations

import pytest
import solara
from browser_support import require_chromium
from test_workshop_page import by_class, new_tab, text_of, walk

from wecsim.app import state
from wecsim.app.components.workshop_start import APP_WORKSHOPS_ENV, StartWorkshopFromScenario
from wecsim.app.serve import RequestLog, app_server, launch_chromium
from wecsim.workshop.service import Workshops

pytestmark = [
    pytest.mark.filterwarnings("ignore:There is no current event loop:DeprecationWarning"),
    pytest.mark.usefixtures("solara_patched"),
]


def test_without_the_setting_the_app_offers_no_workshop(monkeypatch):
    monkeypatch.delenv(APP_WORKSHOPS_ENV, raising=False)
    with new_tab():
        _, rc = solara.render(StartWorkshopFromScenario(), handle_error=False)
        assert not by_class(rc, "wecsim-start-workshop-button")
        rc.close()


def test_the_workshop_gets_the_levers_and_seed_on_screen(tmp_path, monkeypatch):
    db = tmp_path / "room.db"  # created by the first workshop
    monkeypatch.setenv(APP_WORKSHOPS_ENV, str(db))
    with new_tab():
        state.values["water_tariff_growth_pct"].set(5.0)  # a lever moved on the page
        state.seed.set(7)
        _, rc = solara.render(StartWorkshopFromScenario(), handle_error=False)
        by_class(rc, "wecsim-start-workshop-button")[0].fire_event("click", {})
        pick = next(w for w in walk(rc.container) if getattr(w, "label", None) == "Roles in play (one team each)")
        pick.v_model = ["utility:KZ-75", "funder:ebrd"]
        by_class(rc, "ws-start")[0].fire_event("click", {})
        text = text_of(rc)
        assert "Facilitator key" in text and text.count("code=") == 2 and "projector=" in text
        assert "http://localhost:8766/?w=" in text, "the links point at the workshop server, not at the app"
        rc.close()
    ws = Workshops(db)
    try:
        (wid,) = ws.ids()
        plan = ws.plan(wid)
        assert plan.seed == 7 and plan.scenario.value("water_tariff_growth_pct") == 5.0
        assert plan.scenario.name == "baseline-edited"
    finally:
        ws.close()


@pytest.mark.browser
def test_the_button_starts_a_workshop_in_a_browser(tmp_path):
    require_chromium()
    pytest.importorskip("playwright")
    from playwright.sync_api import expect, sync_playwright

    db = tmp_path / "room.db"
    env = {APP_WORKSHOPS_ENV: str(db), "WECSIM_WORKSHOP_URL": "http://192.0.2.10:8766"}
    with app_server(env=env) as url, sync_playwright() as pw:
        browser = launch_chromium(pw)
        ctx = browser.new_context(viewport={"width": 1400, "height": 1200})
        log = RequestLog().attach(ctx)
        try:
            page = ctx.new_page()
            page.set_default_timeout(60_000)  # as the other browser tests: a loaded 2-core machine
            page.goto(url)
            page.locator(".wecsim-start-workshop-button").click(timeout=120_000)
            roles = page.locator(".v-input", has=page.get_by_label("Roles in play (one team each)"))
            roles.locator(".v-select__slot").click()
            page.get_by_role("option", name="funder:ebrd", exact=True).click()
            page.keyboard.press("Escape")
            page.locator(".ws-start").click()
            expect(page.get_by_text("Facilitator key", exact=False)).to_be_visible(timeout=60_000)
            expect(page.locator(".ws-qr svg")).to_have_count(2)  # the projector and the one team
            assert "http://192.0.2.10:8766/?w=" in page.content()
        finally:
            ctx.close()
            browser.close()
    assert log.external == [], f"requests left 127.0.0.1: {log.external}"
    ws = Workshops(db)
    try:
        (wid,) = ws.ids()
        assert [r.role_id for r in ws.plan(wid).roles] == ["funder:ebrd"]
    finally:
        ws.close()
