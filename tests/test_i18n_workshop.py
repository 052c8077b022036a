"""The workshop in Russian and Kazakh (issue 15, item 8): a team's page, the projector and the debrief report.

The pages are rendered in-process as a browser tab gets them, with the tab's language chosen
(the switch or ``?lang=``); the report is written by the real command, ``wecsim workshop
report --lang kk``, and its PDF read back with pypdf.
"""

from __future__ import annotations

import re

import pytest
import solara
from test_workshop_page import by_class, new_tab, text_of, walk
from typer.testing import CliRunner

from wecsim import i18n
from wecsim.cli import app
from wecsim.workshop.service import Workshops

pytestmark = [
    pytest.mark.filterwarnings("ignore:There is no current event loop:DeprecationWarning"),
    pytest.mark.usefixtures("solara_patched"),
]

UTILITY = "utility:KZ-75"
TARIFF = {"tariff_growth_pct": 9, "accept_eu_condition": False}

#: Words each page must show in the language (the role's name, the form, the board's headings).
TEAM_WORDS = {
    "ru": ("Организация водоснабжения: ", "Реальный рост тарифа [%/год]", "Отправить решение", "Прошлый раунд"),
    "kk": ("Сумен жабдықтау ұйымы: ", "Тарифтің нақты өсуі [%/жыл]", "Шешімді жіберу", "Өткен раунд"),
}  # fmt: skip
PROJECTOR_WORDS = {
    "ru": ("Сыграно раундов: 1 из 2.", "Очки: что решения каждой команды", "с командами и без них", "раунд 2: открыт"),
    "kk": ("2 раундтың 1 ойналды.", "Ұпайлар: әр команданың шешімдері", "командалармен және оларсыз", "2-раунд: ашық"),
}  # fmt: skip
ENGLISH = ("Submit decision", "Last round", "water utility of", "rounds played", "Scores: what", "Refresh")


@pytest.fixture
def played(tmp_path, monkeypatch):
    """A workshop of a utility and a funder, one round played (the utility decided), the second one open."""
    db = tmp_path / "w.db"
    ws = Workshops(db, create=True)
    made = ws.create("baseline", [UTILITY, "funder:ebrd"], 2, 2)
    ws.open_round(made.workshop_id, made.facilitator_key)
    ws.submit(made.workshop_id, made.team_codes[UTILITY], UTILITY, TARIFF)
    ws.advance(made.workshop_id, made.facilitator_key)
    ws.open_round(made.workshop_id, made.facilitator_key)
    monkeypatch.setenv("WECSIM_WORKSHOP_DB", str(db))
    yield ws, made
    ws.close()


def _words(rc) -> str:
    """Return the page's text with the tables' headers and cells (the data tables keep theirs in ``items``)."""
    out = [text_of(rc)]
    for w in walk(rc.container):
        for attr in ("headers", "items"):
            for row in getattr(w, attr, None) or []:
                if isinstance(row, dict):
                    out += [str(v) for v in row.values()]
    return "\n".join(out)


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_a_team_page_and_the_projector_follow_the_tabs_language(played, lang):
    from wecsim.app.components import language
    from wecsim.app.pages.workshop import ProjectorPanel, TeamPanel

    _ws, made = played
    wid = made.workshop_id
    with new_tab():
        language.chosen.set(lang)
        _box, rc = solara.render(TeamPanel(wid, made.team_codes[UTILITY]), handle_error=False)
        text = _words(rc)
        for word in TEAM_WORDS[lang]:
            assert word in text, f"{word!r} not on the {lang} team page"
        for english in ENGLISH:
            assert english not in text, f"{english!r} left in English on the {lang} team page"
        rc.close()
    with new_tab():
        language.chosen.set(lang)
        _box, rc = solara.render(ProjectorPanel(wid, made.projector_code), handle_error=False)
        text = _words(rc)
        for word in PROJECTOR_WORDS[lang]:
            assert word in text, f"{word!r} not on the {lang} projector"
        for english in ENGLISH:
            assert english not in text, f"{english!r} left in English on the {lang} projector"
        assert by_class(rc, "wecsim-table-ws-board-scores")
        rc.close()
    with new_tab():  # a tab of its own that chose nothing stays English, as before
        _box, rc = solara.render(TeamPanel(wid, made.team_codes[UTILITY]), handle_error=False)
        assert "water utility of Almaty city" in text_of(rc) and "Submit decision" in text_of(rc)
        rc.close()


def test_the_boards_tables_are_shown_in_the_language_in_use(played):
    from wecsim.workshop.shown import shown_table

    ws, made = played
    with i18n.use_language("ru"):
        board = ws.projector_view(made.workshop_id, made.projector_code)
        national = shown_table(board["national"])
        scores = shown_table(board["scores"])
    assert {"показатель", "без команд", "изменение", "цель"} <= set(national.columns)
    assert any(label.startswith("Дефицит воды") for label in national["показатель"])
    assert "Организация водоснабжения: г. Алматы" in set(scores["команда"]), set(scores["команда"])
    assert {"выше", "ниже"} >= set(scores["лучше, когда"])
    (words,) = [d["decision"] for d in board["decisions"] if d["role"] == UTILITY]
    assert words.startswith("повышает реальный тариф на 9% в год; отказывается от средств ЕС"), words
    english = ws.projector_view(made.workshop_id, made.projector_code)  # the stored board stays English
    assert shown_table(english["national"]) is english["national"]
    assert "raises the real tariff 9% a year" in " ".join(d["decision"] for d in english["decisions"])


def test_the_page_takes_its_language_from_the_link(played, monkeypatch):
    from wecsim.app.pages import workshop

    _ws, made = played
    query = f"w={made.workshop_id}&code={made.team_codes[UTILITY]}&lang=kk"
    monkeypatch.setattr(solara, "use_router", lambda: type("Router", (), {"search": query})())
    with new_tab():
        _box, rc = solara.render(workshop.Page(), handle_error=False)
        text = text_of(rc)
        assert "Шешімді жіберу" in text and "Submit decision" not in text
        (pressed,) = by_class(rc, "wecsim-lang-active")
        assert "wecsim-lang-kk" in pressed.class_.split()
        by_class(rc, "wecsim-lang-ru")[0].fire_event("click", {})  # the switch, after the link
        assert "Отправить решение" in text_of(rc)
        rc.close()


def _cli(*args, key="", code=""):
    env = {"WECSIM_WORKSHOP_KEY": key, "WECSIM_TEAM_CODE": code}
    return CliRunner().invoke(app, ["workshop", *args], env=env)


def test_the_debrief_report_is_written_in_kazakh(tmp_path):
    from pypdf import PdfReader

    db = tmp_path / "w.db"
    r = _cli(
        "new",
        "baseline",
        "--roles",
        f"{UTILITY},funder:ebrd",
        "--rounds",
        "2",
        "--years-per-round",
        "2",
        "--db",
        str(db),
    )
    assert r.exit_code == 0, r.output
    key = re.search(r"facilitator key \(keep it; it is not stored\): (\S+)", r.output).group(1)
    code = dict(re.findall(r"^(\S+): code (\S+) ", r.output, flags=re.M))[UTILITY]
    assert _cli("open", "--db", str(db), key=key).exit_code == 0
    assert (
        _cli(
            "submit", UTILITY, '{"tariff_growth_pct": 7, "accept_eu_condition": true}', "--db", str(db), code=code
        ).exit_code
        == 0
    )
    assert _cli("advance", "--db", str(db), key=key).exit_code == 0

    r = _cli("report", str(db), "--lang", "de", "-o", str(tmp_path / "de"), key=key)
    assert r.exit_code == 2 and "--lang 'de': expected one of en, ru, kk" in r.output and not (tmp_path / "de").exists()

    r = _cli("report", str(db), "--lang", "kk", "-o", str(tmp_path / "kk"), key=key)
    assert r.exit_code == 0, r.output
    page = (tmp_path / "kk" / "report.html").read_text(encoding="utf-8")
    assert page.startswith('<!DOCTYPE html>\n<html lang="kk">')
    for heading in (
        "ойыны: талдау",
        "Ел жыл бойынша",
        "Ұпайлар: әр команда өз мақсаттары бойынша",
        "1-раунд: шешімдер",
        "Жүргізуші жазған сабақтар",
    ):
        assert f"{heading}</" in page or f"{heading}" in page, heading
    assert "нақты тарифті жылына 7% көтереді" in page and "Сумен жабдықтау ұйымы: " in page
    for english in ("debrief", "The country, year by year", "Scores: each team", "raises the real tariff"):
        assert english not in page, f"{english!r} left in English in the Kazakh report"
    pdf = "\n".join(p.extract_text() for p in PdfReader(tmp_path / "kk" / "report.pdf").pages)
    pdf = re.sub(r"\s+", " ", pdf)
    for words in ("ойыны: талдау", "Ел жыл бойынша", "Жүргізуші жазған сабақтар", "Сумен жабдықтау ұйымы"):
        assert words in pdf, f"{words!r} not in the PDF's text"

    r = _cli("report", str(db), "-o", str(tmp_path / "en"), key=key)  # English by default, as before
    assert r.exit_code == 0, r.output
    assert "The country, year by year" in (tmp_path / "en" / "report.html").read_text(encoding="utf-8")


def test_the_facilitator_pages_report_button_writes_the_pages_language(played, tmp_path):
    import time

    from wecsim.app.components import language
    from wecsim.app.pages.workshop import FacilitatorPanel

    _ws, made = played
    with new_tab():
        language.chosen.set("ru")
        _box, rc = solara.render(FacilitatorPanel(made.workshop_id, made.facilitator_key), handle_error=False)
        assert "Сыграть раунд" in text_of(rc) and "Advance" not in text_of(rc)
        by_class(rc, "ws-report")[0].fire_event("click", {})
        deadline = time.monotonic() + 120  # the report is made in a thread of the tab
        while "Записано в" not in text_of(rc) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "Записано в" in text_of(rc), text_of(rc)
        rc.close()
    page = (tmp_path / f"w-{made.workshop_id}-report" / "report.html").read_text(encoding="utf-8")
    assert '<html lang="ru">' in page and "Страна по годам" in page and "повышает реальный тариф на 9%" in page
