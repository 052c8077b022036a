"""Live updates in a real browser: when the facilitator acts, the team's and the projector's pages follow within 2 s.

A facilitator, a team and the projector in three Chromium pages on one ``wecsim workshop
serve``; no page is reloaded. The facilitator advances and opens a round; the others must
show it within 2 s of the facilitator's page showing it done. The projector then shows the
scores. Screenshots go to ``screenshots/``. Skipped when /usr/bin/chromium is missing,
unless ``CI=true`` (then it fails).
"""

from __future__ import annotations

import time

import pytest
from browser_support import require_chromium
from test_workshop_browser import SHOTS, TIMEOUT_MS, workshop_server

from wecsim.app.serve import RequestLog, free_port, launch_chromium
from wecsim.workshop.service import Workshops

pytestmark = pytest.mark.browser

#: The issue's bound: every screen shows an advance within 2 s [ms].
LIVE_MS = 2_000


def test_team_and_projector_pages_follow_the_facilitator_without_reload(tmp_path):
    require_chromium()
    pytest.importorskip("playwright")
    from playwright.sync_api import expect, sync_playwright

    db = tmp_path / "w.db"
    ws = Workshops(db, create=True)
    made = ws.create("baseline", ["utility:KZ-75", "funder:ebrd"], 2, 2)
    wid, key = made.workshop_id, made.facilitator_key
    ws.open_round(wid, key)
    ws.submit(
        wid, made.team_codes["utility:KZ-75"], "utility:KZ-75", {"tariff_growth_pct": 9, "accept_eu_condition": False}
    )
    ws.close()
    SHOTS.mkdir(exist_ok=True)
    lags_ms = []
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        ctx = browser.new_context(viewport={"width": 1200, "height": 900})
        log = RequestLog().attach(ctx)
        try:
            with workshop_server(db, free_port()) as url:
                team = ctx.new_page()
                team.goto(f"{url}?w={wid}&code={made.team_codes['utility:KZ-75']}")
                expect(team.get_by_text("Submit decision")).to_be_visible(timeout=TIMEOUT_MS)
                board = ctx.new_page()
                board.goto(f"{url}?w={wid}&projector={made.projector_code}")
                expect(board.get_by_text("0 of 2 rounds played")).to_be_visible(timeout=TIMEOUT_MS)
                expect(board.get_by_text("(1 of 2)")).to_be_visible(timeout=TIMEOUT_MS)
                fac = ctx.new_page()
                fac.goto(url)
                fac.get_by_label("Workshop").nth(1).fill(wid)
                fac.get_by_label("Facilitator key").fill(key)
                fac.get_by_role("button", name="Sign in").click()
                expect(fac.get_by_text("(1 of 2)")).to_be_visible(timeout=TIMEOUT_MS)

                fac.get_by_role("button", name="Advance").click()
                expect(fac.get_by_text("Current round: 2")).to_be_visible(timeout=TIMEOUT_MS)
                done = time.monotonic()
                expect(team.get_by_text("Last round: your objectives")).to_be_visible(timeout=LIVE_MS)
                lags_ms.append(1000 * (time.monotonic() - done))
                expect(board.get_by_text("1 of 2 rounds played")).to_be_visible(timeout=LIVE_MS)
                expect(board.get_by_text("Scores: what each team's decisions added")).to_be_visible(timeout=LIVE_MS)
                lags_ms.append(1000 * (time.monotonic() - done))
                board.wait_for_timeout(1500)  # the tables fade in after a redraw: let the screenshot show them
                board.screenshot(path=str(SHOTS / "workshop-projector.png"))

                fac.get_by_role("button", name="Open").click()  # opening takes milliseconds: count from the click
                done = time.monotonic()
                expect(team.get_by_text("Submit decision")).to_be_visible(timeout=LIVE_MS)
                lags_ms.append(1000 * (time.monotonic() - done))
                expect(board.get_by_text("Submitted this round: nobody yet")).to_be_visible(timeout=LIVE_MS)
        finally:
            ctx.close()
            browser.close()
    assert log.external == [], f"requests left 127.0.0.1: {log.external}"
    print(f"live update lags after the facilitator's page [ms]: {[round(x) for x in lags_ms]}")


def test_a_workshop_is_started_on_the_page_from_a_scenario_saved_in_the_planners_app(tmp_path):
    require_chromium()
    pytest.importorskip("playwright")
    from playwright.sync_api import expect, sync_playwright

    db = tmp_path / "fresh.db"  # does not exist yet: serve --allow-new makes it
    saved = tmp_path / "planners_choice.yaml"
    saved.write_text("extends: baseline\nname: planners_choice\nlevers:\n  water_tariff_growth_pct: 4\n")
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        ctx = browser.new_context(viewport={"width": 1200, "height": 1400})
        log = RequestLog().attach(ctx)
        try:
            with workshop_server(db, free_port(), extra=["--allow-new"]) as url:
                assert db.is_file()
                page = ctx.new_page()
                page.goto(url)
                expect(page.get_by_text("Start a workshop")).to_be_visible(timeout=TIMEOUT_MS)
                page.locator("input[type=file]").first.set_input_files(str(saved))
                expect(page.get_by_text("planners_choice", exact=True)).to_be_visible(timeout=TIMEOUT_MS)
                page.screenshot(path=str(SHOTS / "workshop-start.png"))
        finally:
            ctx.close()
            browser.close()
    assert log.external == [], f"requests left 127.0.0.1: {log.external}"
