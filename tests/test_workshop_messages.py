"""The workshop's messages and the command's output in Kazakh and Russian (issue 15, item 8: no English left).

A refused or wrong action reads in the language in use (the tab's, or the command's ``--lang``),
while the audit log keeps its English ids for researchers.
"""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from wecsim import i18n
from wecsim.cli import app
from wecsim.workshop.errors import AccessRefused, WorkshopError
from wecsim.workshop.roles import all_roles, parse_decision
from wecsim.workshop.service import Workshops

#: Latin words of three letters or more: what is left in English (identifiers are taken out first).
ENGLISH_WORD = re.compile(r"\b[A-Za-z]{3,}\b")
#: What stays as typed in every language: options, ids, JSON fields and values, file names, code.
IDENTIFIERS = re.compile(
    r"\S*\d\S*|--[\w-]+|`[^`]*`|'[^']*'|\"[^\"]*\"|\{[^}]*\}|\[[^\]]*\]|\S*\w[/:._=@]\w\S*|\bDB\b|\bQR\b|JSON"
)


def english_left(text: str, names: tuple[str, ...] = ()) -> list[str]:
    """Return the English words of a message once its identifiers (and ``names``, e.g. a scenario's) are taken out."""
    for name in names:
        text = text.replace(name, " ")
    return ENGLISH_WORD.findall(IDENTIFIERS.sub(" ", text))


@pytest.fixture
def ws(tmp_path):
    w = Workshops(tmp_path / "w.db", create=True)
    yield w
    w.close()


@pytest.mark.parametrize(
    ("lang", "refused", "wrong_key"),
    [("ru", "отказано", "неверный ключ ведущего"), ("kk", "бас тартылды", "жүргізушінің кілті қате")],
)
def test_a_refused_attempt_reads_in_the_language_and_the_audit_stays_in_english(ws, lang, refused, wrong_key):
    made = ws.create("baseline", ["funder:ebrd", "utility:KZ-75"], 2, 2)
    wid = made.workshop_id
    with i18n.use_language(lang):
        with pytest.raises(AccessRefused) as exc:
            ws.advance(wid, "guessed")
        message = str(exc.value)
        assert message.startswith(refused) and wrong_key in message
        assert not english_left(message), message
        with pytest.raises(AccessRefused) as exc:  # a team acting for another: both roles named as ids
            ws.submit(wid, made.team_codes["funder:ebrd"], "utility:KZ-75", {})
        assert "funder:ebrd" in str(exc.value) and not english_left(str(exc.value)), str(exc.value)
        with pytest.raises(WorkshopError) as exc:  # a round not open yet
            ws.extend(wid, made.facilitator_key, 5)
        assert not english_left(str(exc.value)), str(exc.value)
    with pytest.raises(AccessRefused) as exc:  # and in English the check finds the English words
        ws.advance(wid, "guessed")
    assert english_left(str(exc.value)) == [
        "refused",
        "advance",
        "round",
        "wrong",
        "facilitator",
        "key",
        "the",
        "attempt",
        "logged",
    ]
    reasons = [a["reason"] for a in ws.audit(wid, made.facilitator_key)][:2]
    assert reasons == ["wrong facilitator key", "this code belongs to funder:ebrd, not utility:KZ-75"]


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_a_bad_decision_names_every_problem_in_the_language(lang):
    region = all_roles()["region:KZ-47"]
    with i18n.use_language(lang), pytest.raises(WorkshopError) as exc:
        parse_decision(region, {"propose": ["casino"], "cofinance_share": 0.9, "colour": "red"})
    message = str(exc.value)
    assert "casino" in message and "0.9" in message and "colour" in message, "each problem, with what was typed"
    assert not english_left(message, ("propose",)), message  # the JSON fields stay as typed


def _cli(*args, env=None):
    return CliRunner().invoke(app, ["workshop", *args], env={"WECSIM_WORKSHOP_KEY": "", **(env or {})})


def test_the_command_speaks_kazakh_with_lang_and_russian_from_the_environment(tmp_path):
    db = tmp_path / "w.db"
    r = _cli(
        "--lang", "kk", "new", "baseline", "--roles", "funder:ebrd", "--rounds", "1", "--years-per-round", "2",
        "--db", str(db), "--no-qr",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "жүргізушінің кілті" in r.output and "проектор:" in r.output and "funder:ebrd: коды" in r.output
    key = re.search(r"сақталмайды\): (\S+)", r.output).group(1)
    # the key and the team codes are random tokens: one with no digit reads as a Latin word, so they are taken out
    secrets = (key, *re.findall(r"коды (\S+)", r.output))
    assert not any(english_left(line, ("baseline", *secrets)) for line in r.output.splitlines()), r.output
    r = _cli("replay", "--db", str(db), "--key", key, env={"WECSIM_LANG": "ru"})
    assert r.exit_code == 0 and "повтор: числа совпадают" in r.output, r.output
    r = _cli("open", "--db", str(db), "--key", "wrong", env={"WECSIM_LANG": "ru"})
    assert r.exit_code == 2 and "неверный ключ ведущего" in r.output, r.output
    r = _cli("--lang", "ru", "new", "baseline", "--roles", "funder:nobody", "--rounds", "1", "--years-per-round", "2",
             "--db", str(tmp_path / "x.db"))  # fmt: skip
    assert r.exit_code == 2 and "неизвестные роли" in r.output and not (tmp_path / "x.db").exists(), r.output
    r = _cli("--lang", "de", "roles")
    assert r.exit_code == 2 and "--lang" in r.output
    r = _cli("replay", "--db", str(db), "--key", key)  # no language chosen: English
    assert "replay: identical" in r.output
    # the lists of roles and events too
    assert "region:KZ-47                 Әкімдік: Маңғыстау" in _cli("--lang", "kk", "roles").output
    assert "drought              сильная засуха" in _cli("--lang", "ru", "events").output
    assert "drought              a severe drought" in _cli("events").output
