"""The facilitator's guide's pictures: a team page, the facilitator's page and the projector, in each language.

One ``wecsim workshop serve`` and Debian's Chromium; a workshop in its second round (one round
played with a drought injected, the second open with a deadline, one team submitted). For
English, Russian and Kazakh, each page is opened in a browser of that language and must speak
it (``<html lang>``, the catalog's words for its headings); its 1280x720 screenshot is saved as
a small palette PNG (at most 150 kB). With ``WECSIM_SCREENSHOTS=docs/img/workshop`` the PNGs
are also written there (``<page>-<lang>.png``), which is how the guide's pictures
(docs/workshop*.md) are made. Skipped when /usr/bin/chromium is missing, unless ``CI=true``
(then it fails).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from browser_support import require_chromium
from test_workshop_browser import TIMEOUT_MS, workshop_server

from wecsim.app.serve import ROOT, RequestLog, free_port, launch_chromium
from wecsim.i18n import LANGUAGES, _, use_language
from wecsim.workshop.roles import all_roles
from wecsim.workshop.service import Workshops
from wecsim.workshop.shown import role_label

pytestmark = pytest.mark.browser

#: Where to write the guide's pictures (a folder, relative to the repository root or absolute).
SHOTS_ENV = "WECSIM_SCREENSHOTS"
#: The issue's size limit for a committed picture [bytes].
MAX_PNG_BYTES = 150_000
VIEWPORT = {"width": 1280, "height": 720}
#: Palette size of the saved PNGs: the pages are flat UI colours, so 64 keep them readable and small.
PNG_COLOURS = 64
BROWSER_LOCALE = {"en": "en-US", "ru": "ru-RU", "kk": "kk-KZ"}
TEAM, REGION, FUNDER = "utility:KZ-75", "region:KZ-47", "funder:eu_grant"


def small_png(raw: bytes, out: Path) -> int:
    """Save a screenshot as a palette PNG (:data:`PNG_COLOURS` colours); return its size [bytes]."""
    from PIL import Image

    img = Image.open(io.BytesIO(raw)).convert("RGB").quantize(colors=PNG_COLOURS, method=Image.Quantize.MEDIANCUT)
    img.save(out, optimize=True)
    return out.stat().st_size


def check_picture(path: Path) -> None:
    """A saved picture is the viewport's size, under the limit, and shows more than a blank page."""
    from PIL import Image

    assert path.stat().st_size <= MAX_PNG_BYTES, f"{path.name}: {path.stat().st_size} bytes"
    with Image.open(path) as img:
        assert img.size == (VIEWPORT["width"], VIEWPORT["height"])
        colours = img.convert("RGB").getcolors(maxcolors=PNG_COLOURS + 1) or []
        assert len(colours) >= 8, f"{path.name} looks blank ({len(colours)} colours)"


def workshop_in_round_two(db: Path):
    """Make a workshop of three teams: round 1 played (decisions, a drought), round 2 open, one team submitted."""
    ws = Workshops(db, create=True)
    made = ws.create("baseline", [TEAM, REGION, FUNDER], 3, 5)
    wid, key, codes = made.workshop_id, made.facilitator_key, made.team_codes
    ws.open_round(wid, key, 20)
    ws.submit(wid, codes[TEAM], TEAM, {"tariff_growth_pct": 6, "accept_eu_condition": True})
    ws.submit(wid, codes[REGION], REGION, {"propose": ["canal_lining", "drip", "flood_warning"]})
    ws.submit(
        wid,
        codes[FUNDER],
        FUNDER,
        {"sector_weight": {"water": 1, "energy": 0.3, "circular": 0.2, "resilience": 0.8}, "envelope_share": 0.9},
    )
    ws.inject(wid, key, "drought")
    ws.advance(wid, key)
    ws.open_round(wid, key, 25)
    ws.submit(wid, codes[TEAM], TEAM, {"tariff_growth_pct": 4, "accept_eu_condition": True})
    ws.close()
    return made


def test_guide_pictures_of_the_three_pages_in_three_languages(tmp_path):
    require_chromium()
    pytest.importorskip("playwright")
    from playwright.sync_api import expect, sync_playwright

    made = workshop_in_round_two(tmp_path / "w.db")
    wid = made.workshop_id
    wanted = os.environ.get(SHOTS_ENV)
    target = (ROOT / wanted) if wanted else None
    saved: list[Path] = []
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        log = RequestLog()
        try:
            with workshop_server(tmp_path / "w.db", free_port()) as url:
                for lang in LANGUAGES:
                    with use_language(lang):  # the words the page must show, from the app's catalog
                        words = {
                            "team": (role_label(all_roles()[TEAM]), _("Last round: your objectives")),
                            "submit": _("Submit decision"),
                            "workshop": _("Workshop"),
                            "key": _("Facilitator key"),
                            "sign_in": _("Sign in"),
                            "facilitator": _("Lessons for the debrief"),
                            "projector": _("Scores: what each team's decisions added on its own objectives"),
                        }
                    if lang != "en":  # the catalogs translate what is checked, so the check means something
                        assert words["submit"] != "Submit decision" and words["key"] != "Facilitator key"
                    ctx = browser.new_context(locale=BROWSER_LOCALE[lang], viewport=VIEWPORT)
                    log.attach(ctx)
                    try:
                        team = ctx.new_page()
                        team.goto(f"{url}?w={wid}&code={made.team_codes[TEAM]}&lang={lang}")
                        for text in words["team"]:
                            expect(team.get_by_text(text).first).to_be_visible(timeout=TIMEOUT_MS)
                        expect(team.get_by_role("button", name=words["submit"])).to_be_visible()

                        fac = ctx.new_page()
                        fac.goto(url)  # the browser's language: a facilitator's link carries no key and no lang
                        fac.get_by_label(words["workshop"]).nth(1).fill(wid)
                        fac.get_by_label(words["key"]).fill(made.facilitator_key)
                        # the facilitator's card is the last one with a "Sign in" button
                        fac.get_by_role("button", name=words["sign_in"], exact=True).last.click()
                        expect(fac.get_by_text(words["facilitator"])).to_be_visible(timeout=TIMEOUT_MS)

                        board = ctx.new_page()
                        board.goto(f"{url}?w={wid}&projector={made.projector_code}&lang={lang}")
                        expect(board.get_by_text(words["projector"])).to_be_visible(timeout=TIMEOUT_MS)

                        for name, page in (("team", team), ("facilitator", fac), ("projector", board)):
                            assert page.evaluate("document.documentElement.lang") == lang, (name, lang)
                            page.wait_for_timeout(1500)  # tables fade in after a redraw: let the picture show them
                            path = tmp_path / f"{name}-{lang}.png"
                            small_png(page.screenshot(), path)
                            check_picture(path)
                            saved.append(path)
                    finally:
                        ctx.close()
        finally:
            browser.close()
    assert log.external == [], f"requests left 127.0.0.1: {log.external}"
    assert len(saved) == 3 * len(LANGUAGES)
    if target is not None:
        target.mkdir(parents=True, exist_ok=True)
        for path in saved:
            (target / path.name).write_bytes(path.read_bytes())
