"""The app in Kazakh, Russian and English (issue 15, item 8): complete catalogs, the tab's language, formats.

The catalog test extracts the messages from the code with Babel's own extraction API and the
project's ``babel.cfg`` (what ``pybabel extract`` does), so a string wrapped in ``_()`` and not
translated in every catalog fails here. The page tests render the whole app in-process, as a
browser tab would get it, in Russian and Kazakh.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from wecsim import i18n
from wecsim.app.link import read_link, write_link

ROOT = Path(__file__).resolve().parents[1]
NBSP = "\u00a0"


@pytest.fixture(scope="module")
def code_messages() -> dict[str, list[str]]:
    """Every message the code (and the app's data files) marks for translation, with where it is."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh, str(ROOT / "babel.cfg"))
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(str(ROOT), method_map, options_map):
        key = message[0] if isinstance(message, tuple) else message
        found.setdefault(key, []).append(f"{filename}:{lineno}")
    return found


def _catalog(lang: str):
    with i18n.po_path(lang).open("rb") as fh:
        return read_po(fh, locale=lang)


#: A word with both Latin and Cyrillic letters (Kazakh і and Latin i look the same, for one).
MIXED_SCRIPT = re.compile(r"(?=\w*[A-Za-z])(?=\w*[\u0400-\u04ff])")


def _fields(text: str) -> set[str]:
    return set(re.findall(r"\{(\w*)\}", text))


def test_extraction_finds_the_app_the_workshop_and_their_data_files(code_messages):
    places = {p.split(":")[0] for ps in code_messages.values() for p in ps}
    assert "wecsim/app/components/layout.py" in places and "wecsim/app/pages/map.py" in places
    assert "wecsim/app/data/scenario_titles.csv" in places and "wecsim/app/data/tile_layout.csv" in places
    # the workshop: its page, the decisions in plain words, the report, and its objectives' file
    for workshop in ("pages/workshop.py", "workshop/roles.py", "workshop/report.py", "workshop/role_objectives.csv"):
        assert f"wecsim/{'app/' if workshop.startswith('pages') else ''}{workshop}" in places, workshop
    assert "akimat of {region}" in code_messages and "Submit decision" in code_messages
    assert len(code_messages) > 400


def catalog_problems(cat, code_messages: dict[str, list[str]]) -> list[str]:
    """Return what is wrong with a catalog: a message of the code missing, empty, fuzzy, or with other placeholders."""
    problems = [f"fuzzy header ({cat.locale})"] if cat.fuzzy else []
    problems += [f"missing: {m!r} ({code_messages[m][0]})" for m in code_messages if m not in cat]
    for m in cat:
        if not m.id:
            continue
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        source = m.id[0] if isinstance(m.id, tuple) else m.id
        if m.fuzzy:
            problems.append(f"fuzzy: {source!r}")
        elif not all(s.strip() for s in strings):
            problems.append(f"empty: {source!r}")
        elif any(_fields(s) != _fields(source) for s in strings):
            problems.append(f"placeholders differ: {source!r} -> {strings!r}")
        elif mixed := [w for s in strings for w in re.findall(r"\w+", s) if MIXED_SCRIPT.search(w)]:
            problems.append(f"Latin letters inside a Cyrillic word (a look-alike typed by mistake): {mixed}")
    return problems


@pytest.mark.parametrize("lang", list(i18n.LANGUAGES))
def test_every_message_of_the_code_is_translated_in_every_catalog(code_messages, lang):
    problems = catalog_problems(_catalog(lang), code_messages)
    assert not problems, f"{lang}: {len(problems)} problems: " + "; ".join(problems[:10])


def test_the_template_lists_what_the_code_holds(code_messages):
    with (ROOT / "wecsim/locale/messages.pot").open("rb") as fh:
        pot = {m.id[0] if isinstance(m.id, tuple) else m.id for m in read_po(fh) if m.id}
    assert set(code_messages) == pot, "re-run pybabel extract (docs/app.md, Languages)"


def test_an_untranslated_message_would_be_caught(code_messages):
    """The check is not vacuous: a missing, emptied, fuzzy or mis-filled entry each fails it."""
    from babel.messages.catalog import Message

    some = next(m for m in code_messages if "{" in m)
    for damage in ("delete", "empty", "fuzzy", "placeholder", "look-alike"):
        cat = _catalog("kk")
        assert not catalog_problems(cat, code_messages)
        if damage == "delete":
            cat.delete(some)
        elif damage == "empty":
            cat[some].string = ""
        elif damage == "fuzzy":
            cat[some] = Message(some, cat[some].string, flags={"fuzzy"})
        elif damage == "placeholder":
            cat[some].string = "{nothing}"
        else:
            cat[some].string = cat[some].string + " трендi"  # a Latin i
        assert catalog_problems(cat, code_messages), damage


def test_the_browser_language_is_negotiated():
    assert i18n.negotiate("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7") == "ru"
    assert i18n.negotiate("kk-KZ") == "kk"
    assert i18n.negotiate("de-DE, kk;q=0.5, en;q=0.4") == "kk"
    assert i18n.negotiate("en;q=0.5, kk;q=0.9") == "kk"
    assert i18n.negotiate("fr, de") == "en"
    assert i18n.negotiate("") == i18n.negotiate(None) == "en"
    assert i18n.negotiate("ru;q=0, en") == "en"


def test_numbers_and_dates_follow_the_language():
    import datetime as dt

    with i18n.use_language("en"):
        assert i18n.number(1234.5, 1) == "1,234.5"
        assert i18n.date(dt.date(2026, 12, 1)) == "December 1, 2026"
    for lang in ("ru", "kk"):
        with i18n.use_language(lang):
            assert i18n.number(1234.5, 1) == f"1{NBSP}234,5"
            assert i18n.number(-1234567, 0) == f"-1{NBSP}234{NBSP}567"
            assert "2026" in i18n.date(dt.date(2026, 12, 1))
    with i18n.use_language("ru"):
        assert i18n.date(dt.date(2026, 12, 1)) == "1 декабря 2026\u202fг."  # CLDR: a narrow no-break space
        assert i18n.ngettext("{n} run", "{n} runs", 2).format(n=2) == "2 прогона"
        assert i18n.ngettext("{n} run", "{n} runs", 5).format(n=5) == "5 прогонов"
    assert i18n.current_language() == "en"  # the block's language ends with the block
    with pytest.raises(ValueError, match="not one of"):
        i18n.use_language("de").__enter__()


def test_the_language_is_kept_in_the_link():
    query = write_link("map", "baseline", "baseline", 7, 1, {}, {}, language="kk")
    assert query.endswith("lang=kk")
    link = read_link(query, pages=["map"], scenarios=["baseline"], max_replicates=50)
    assert link.language == "kk" and link.problems == []
    assert "lang=" not in write_link("map", "baseline", "baseline", 7, 1, {}, {})  # not chosen: follow the browser
    bad = read_link("lang=de", pages=["map"], scenarios=["baseline"], max_replicates=50)
    assert bad.language is None and "'de' is not a language of this app" in bad.problems[0]


def test_the_report_is_written_in_the_language_in_use(baseline):
    from wecsim.app.exports import report_html
    from wecsim.app.runs import Ensemble
    from wecsim.scenario import load_scenario

    ens = Ensemble(load_scenario("baseline"), [baseline], "baseline")
    with i18n.use_language("kk"):
        text = report_html(ens, None, without=ens)
    assert text.startswith('<!DOCTYPE html>\n<html lang="kk">')
    assert "Негізгі нәтижелер" in text and "Су тапшылығы" in text and "Headline results" not in text


# ----------------------------------------------------------------------------- the page, in-process
def _page_words(rc) -> str:
    """Return every text of the rendered page (widgets' text, HTML, labels), joined."""
    from test_app_components import walk

    out = []
    for w in walk(rc.container):
        for attr in ("children", "unsafe_innerHTML", "label", "value", "v_model", "description"):
            v = getattr(w, attr, None)
            if isinstance(v, str):
                out.append(v)
            elif isinstance(v, list):
                out.extend(x for x in v if isinstance(x, str))
        out.extend(str(i.get("text", "")) for i in getattr(w, "items", None) or [] if isinstance(i, dict))
    return "\n".join(out)


@pytest.mark.parametrize(
    ("how", "lang", "words"),
    [
        (
            "chosen",
            "ru",
            (
                "Обзор",
                "Дефицит воды",
                "Рычаги",
                "Текущая политика",
                "млн т/год",
                "Инвестиционные гранты ЕС [млн евро/год]",
            ),
        ),
        (
            "header",
            "kk",
            (
                "Шолу",
                "Су тапшылығы",
                "Тетіктер",
                "Қазіргі саясат",
                "млн т/жыл",
                "ЕО инвестициялық гранттары [млн еуро/жыл]",
            ),
        ),
    ],
)
@pytest.mark.filterwarnings("ignore:There is no current event loop:DeprecationWarning")
@pytest.mark.usefixtures("app_in_thread", "solara_patched")
def test_the_page_renders_translated_with_local_number_formats(how, lang, words):
    import solara
    import solara.lab
    from test_app_components import by_class, card_texts, landed, new_tab, render_app, wait_until

    from wecsim.app import runs
    from wecsim.app.components import language

    with new_tab():
        if how == "chosen":
            language.chosen.set(lang)
        else:  # the browser's Accept-Language, as Solara's server records it for the tab
            solara.lab.headers.set({"accept-language": [f"{lang}-KZ,{lang};q=0.9,en;q=0.5"]})
        _box, rc = render_app()
        try:
            wait_until(landed)
            wait_until(lambda: len(card_texts(rc, "wecsim-card-value")) == 5, 30)
            text = _page_words(rc)
            for w in words:
                assert w in text, f"{w!r} not on the {lang} page"
            # (the scenario's description is the scenario file's own text, in English: see docs/app.md)
            for english in ("Explore", "Water deficit", "Scenario (start from)", "Cards show year", "Up to date"):
                assert english not in text, f"{english!r} left in English on the {lang} page"
            values = card_texts(rc, "wecsim-card-value")
            # decimal comma (and a no-break space between thousands) in every card's number
            assert all(re.fullmatch(rf"-?\d{{1,3}}({NBSP}\d{{3}})*,\d+", v) for v in values), values
            # the switch shows the tab's language as pressed
            (pressed,) = by_class(rc, "wecsim-lang-active")
            assert f"wecsim-lang-{lang}" in pressed.class_.split()
            assert i18n.current_language() == lang
        finally:
            rc.close()
            runs.clear_cache()


# ----------------------------------------------------------------------------- no bare text in the page's code
#: Components and Solara widgets whose first argument or text keywords are shown to people.
SHOWN_CALLS = {
    "Text", "Button", "Markdown", "Info", "Warning", "Error", "Success", "Select", "SelectMultiple", "InputText",
    "InputInt", "InputFloat", "SliderInt", "SliderRangeInt", "SliderFloat", "Card", "Tab", "Prose", "Heading",
    "FileDownload", "FileDrop", "ToggleButtonsSingle", "NamedSelect", "RunCountBox", "TextField", "Checkbox",
}  # fmt: skip
SHOWN_KEYWORDS = {"label", "title", "text", "placeholder", "hint", "description"}
SHOWN_ATTRIBUTES = {"aria-label", "title"}
#: Texts that are the same in every language (file formats).
SAME_IN_EVERY_LANGUAGE = {"PNG", "SVG", "CSV"}


def bare_text(node) -> str | None:
    """Return the English words of a literal (or f-string) shown as it is, None when it is translated or has none."""
    import ast

    words = re.compile(r"[A-Za-z]{2}")
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value if words.search(node.value) and node.value not in SAME_IN_EVERY_LANGUAGE else None
    if isinstance(node, ast.JoinedStr):  # only its literal parts count: f"{_(title)} · {hint}" is fine
        text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
        return text if words.search(text) else None
    if isinstance(node, ast.BinOp):
        return bare_text(node.left) or bare_text(node.right)
    return None


def bare_texts(source: str) -> list[tuple[int, str]]:
    """Return (line, text) of every untranslated text a page's code passes to a shown widget."""
    import ast

    found = []
    for n in ast.walk(ast.parse(source)):
        if not isinstance(n, ast.Call):
            continue
        name = n.func.attr if isinstance(n.func, ast.Attribute) else getattr(n.func, "id", "")
        args = [k.value for k in n.keywords if k.arg in SHOWN_KEYWORDS]
        if name in SHOWN_CALLS:
            args += n.args[:1]
        for k in n.keywords:
            if k.arg == "attributes" and isinstance(k.value, ast.Dict):
                args += [
                    v
                    for key, v in zip(k.value.keys, k.value.values, strict=True)
                    if getattr(key, "value", None) in SHOWN_ATTRIBUTES
                ]
        found += [(a.lineno, text) for a in args if (text := bare_text(a))]
    return found


def test_the_app_shows_no_bare_english_text():
    offenders = []
    for path in sorted((ROOT / "wecsim/app").rglob("*.py")):
        offenders += [f"{path.relative_to(ROOT)}:{line}: {text!r}" for line, text in bare_texts(path.read_text())]
    assert not offenders, "wrap these in _() (wecsim/i18n.py):\n" + "\n".join(offenders)


def test_the_bare_text_check_finds_what_it_should():
    code = """
solara.Text("Running the model…")
solara.Button(label=f"Reset {n} levers")
Prose("**Hello** " + x)
solara.Div(attributes={"aria-label": "Scenario and levers"})
solara.Text(_("Running the model…"))
solara.Text(f"{_(title)} · {hint}")
solara.FileDownload(data, label="PNG")
"""
    assert [line for line, _text in bare_texts(code)] == [2, 3, 4, 5]


def test_names_from_the_data_files_are_translated_where_shown():
    from wecsim.app.indicators import firm_name, funder_list_names, region_name, technology_name
    from wecsim.app.params import controls

    eu_grants = next(c for c in controls() if c.name == "budget_eu_grant_meur")
    with i18n.use_language("ru"):
        assert funder_list_names("eu_grant, isdb") == (
            "Инвестиционные гранты ЕС («Команда Европы»), Исламский банк развития"
        )
        assert technology_name("desalination") == "Опреснение морской воды (обратный осмос)"
        assert firm_name("loc_water_3-06").endswith("№ 6") and "Kazakh" not in firm_name("loc_water_3-06")
        assert region_name("KZ-47") == "Мангистауская обл."
        assert eu_grants.label == "Инвестиционные гранты ЕС [млн евро/год]"
        assert eu_grants.format(60) == "60 млн евро/год"
    assert eu_grants.label == "EU investment grants [EUR M/yr]"  # English as before
    assert technology_name("no_such_technology") == "no_such_technology"
