"""The workshop page in a real browser (Debian's Chromium via Playwright), with a server restart mid-workshop.

A facilitator and two teams: each team opens its link and submits through the form; the
server is stopped and started again between rounds; the facilitator signs in, sees who
submitted and advances; the team then sees its own consequences. A code of another
workshop is refused. Nothing may leave 127.0.0.1. Screenshots go to ``screenshots/``.

Skipped when /usr/bin/chromium is missing, unless ``CI=true`` (then it fails).
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from browser_support import require_chromium

from wecsim.app.serve import ROOT, RequestLog, free_port, launch_chromium, server_process
from wecsim.workshop.service import Workshops

pytestmark = pytest.mark.browser

SHOTS = ROOT / "screenshots"
TIMEOUT_MS = 60_000


@contextmanager
def workshop_server(db: Path, port: int, timeout_s: float = 120, extra: list[str] | None = None):
    """Run ``wecsim workshop serve`` on 127.0.0.1 and yield its URL; stop it (its process group) afterwards."""
    cmd = [sys.executable, "-m", "wecsim", "workshop", "serve", "--db", str(db), "--host", "127.0.0.1", *(extra or [])]
    with server_process([*cmd, "--port", str(port)], port, timeout_s=timeout_s, name="workshop") as url:
        yield url


def test_teams_and_facilitator_through_two_rounds_with_a_server_restart(tmp_path):
    require_chromium()
    pytest.importorskip("playwright")
    from playwright.sync_api import expect, sync_playwright

    db = tmp_path / "w.db"
    ws = Workshops(db, create=True)
    made = ws.create("baseline", ["utility:KZ-75", "region:KZ-61"], 2, 2)
    other = ws.create("baseline", ["utility:KZ-75"], 2, 2)
    ws.open_round(made.workshop_id, made.facilitator_key)
    ws.close()
    wid = made.workshop_id
    port = free_port()
    SHOTS.mkdir(exist_ok=True)

    def link(url, code):
        return f"{url}?w={wid}&code={code}"

    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        ctx = browser.new_context(viewport={"width": 1200, "height": 900})
        log = RequestLog().attach(ctx)
        try:
            with workshop_server(db, port) as url:
                team = ctx.new_page()
                team.goto(link(url, made.team_codes["utility:KZ-75"]))
                expect(team.get_by_text("water utility of Almaty city")).to_be_visible(timeout=TIMEOUT_MS)
                team.get_by_role("button", name="Submit decision").click()
                expect(team.get_by_text("saved")).to_be_visible(timeout=TIMEOUT_MS)
                team.screenshot(path=str(SHOTS / "workshop-team.png"))
                region = ctx.new_page()
                region.goto(link(url, made.team_codes["region:KZ-61"]))
                expect(region.get_by_text("akimat of Turkestan")).to_be_visible(timeout=TIMEOUT_MS)
                region.get_by_role("button", name="Submit decision").click()
                expect(region.get_by_text("saved")).to_be_visible(timeout=TIMEOUT_MS)
                intruder = ctx.new_page()
                intruder.goto(link(url, other.team_codes["utility:KZ-75"]))
                expect(intruder.get_by_text("a code of another workshop")).to_be_visible(timeout=TIMEOUT_MS)
            # the server stops mid-workshop and starts again: nothing submitted is lost
            with workshop_server(db, port) as url:
                fac = ctx.new_page()
                fac.goto(url)
                fac.get_by_label("Workshop").nth(1).fill(wid)
                fac.get_by_label("Facilitator key").fill(made.facilitator_key)
                fac.get_by_role("button", name="Sign in").click()
                expect(fac.get_by_text("(2 of 2)")).to_be_visible(timeout=TIMEOUT_MS)
                fac.get_by_role("button", name="Advance").click()
                expect(fac.get_by_text("Current round: 2")).to_be_visible(timeout=TIMEOUT_MS)
                fac.screenshot(path=str(SHOTS / "workshop-facilitator.png"))
                team = ctx.new_page()
                team.goto(link(url, made.team_codes["utility:KZ-75"]))
                expect(team.get_by_text("Last round: your objectives")).to_be_visible(timeout=TIMEOUT_MS)
        finally:
            ctx.close()
            browser.close()
    assert log.external == [], f"requests left 127.0.0.1: {log.external}"
    ws = Workshops(db)
    try:
        assert set(ws.decisions(wid, 1)[0]) == {"utility:KZ-75", "region:KZ-61"}
        assert [e["reason"] for e in ws.audit(wid, made.facilitator_key)] == ["a code of another workshop"]
    finally:
        ws.close()


def test_a_team_in_a_russian_browser_and_a_projector_linked_in_kazakh(tmp_path):
    """The page follows the browser's language, a link's ``&lang=`` and the switch, per tab (docs/workshop.md)."""
    require_chromium()
    pytest.importorskip("playwright")
    from playwright.sync_api import expect, sync_playwright

    db = tmp_path / "w.db"
    ws = Workshops(db, create=True)
    made = ws.create("baseline", ["utility:KZ-75"], 2, 2)
    ws.open_round(made.workshop_id, made.facilitator_key)
    ws.advance(made.workshop_id, made.facilitator_key)
    ws.close()
    wid = made.workshop_id
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        ru = browser.new_context(locale="ru-RU", viewport={"width": 1200, "height": 900})
        en = browser.new_context(locale="en-US", viewport={"width": 1200, "height": 900})
        try:
            with workshop_server(db, free_port()) as url:
                team = ru.new_page()
                team.goto(f"{url}?w={wid}&code={made.team_codes['utility:KZ-75']}")
                expect(team.get_by_text("Организация водоснабжения: г. Алматы")).to_be_visible(timeout=TIMEOUT_MS)
                expect(team.get_by_text("Прошлый раунд: ваши цели")).to_be_visible(timeout=TIMEOUT_MS)
                assert team.evaluate("document.documentElement.lang") == "ru"
                # the words Vuetify writes under a table follow the tab's language too
                expect(team.locator(".v-data-footer").first).to_contain_text("Строк на странице:")
                assert "Rows per page" not in team.locator(".v-data-footer").first.inner_text()
                projector = en.new_page()
                projector.goto(f"{url}?w={wid}&projector={made.projector_code}&lang=kk")
                expect(projector.get_by_text("2 раундтың 1 ойналды.")).to_be_visible(timeout=TIMEOUT_MS)
                assert projector.evaluate("document.documentElement.lang") == "kk"
                expect(projector.locator(".v-data-footer").first).to_contain_text("Беттегі жолдар саны:")
                expect(projector.locator(".v-data-footer").first).to_contain_text("ішінен")
                projector.locator(".wecsim-lang-en").click()  # the switch: this tab only
                expect(projector.get_by_text("1 of 2 rounds played.")).to_be_visible(timeout=TIMEOUT_MS)
                expect(projector.locator(".v-data-footer").first).to_contain_text("Rows per page:")
                expect(team.locator(".v-data-footer").first).to_contain_text("Строк на странице:")
                expect(team.get_by_text("Прошлый раунд: ваши цели")).to_be_visible()
        finally:
            ru.close()
            en.close()
            browser.close()
