"""`wecsim workshop ...` end to end: a facilitator and two teams play two rounds from the command line."""

from __future__ import annotations

import csv
import re
import sqlite3
import subprocess
import sys

from typer.testing import CliRunner

from wecsim.cli import app

ROLES = "funder:ebrd,utility:KZ-75"


def _run(*args, key=None, code=None):
    env = {"WECSIM_WORKSHOP_KEY": key or "", "WECSIM_TEAM_CODE": code or ""}
    return CliRunner().invoke(app, ["workshop", *args], env=env)


def _new(db):
    r = _run("new", "baseline", "--roles", ROLES, "--rounds", "2", "--years-per-round", "3", "--db", str(db))
    assert r.exit_code == 0, r.output
    key = re.search(r"facilitator key \(keep it; it is not stored\): (\S+)", r.output).group(1)
    team_codes = dict(re.findall(r"^(\S+): code (\S+) ", r.output, flags=re.M))
    return key, team_codes, r.output


def test_two_rounds_from_the_command_line(tmp_path):
    db = tmp_path / "w.db"
    key, team_codes, output = _new(db)
    assert set(team_codes) == set(ROLES.split(","))
    assert "http://localhost:8765/?w=" in output and "&code=" in output
    svgs = sorted(tmp_path.glob("w-*.svg"))
    assert len(svgs) == 2 and all(p.read_text().lstrip().startswith("<?xml") for p in svgs), "a QR code per team"

    assert _run("open", "--db", str(db), "--minutes", "20", key=key).exit_code == 0
    decision = '{"tariff_growth_pct": 7, "accept_eu_condition": false}'
    r = _run("submit", "utility:KZ-75", decision, "--db", str(db), code=team_codes["utility:KZ-75"])
    assert r.exit_code == 0, r.output
    assert _run("inject", "drought", "--year", "2026", "--db", str(db), key=key).exit_code == 0
    r = _run("advance", "--db", str(db), key=key)
    assert r.exit_code == 0 and '"year": 2027' in r.output and "water_deficit_km3" in r.output, r.output

    assert _run("open", "--db", str(db), key=key).exit_code == 0
    r = _run("submit", "utility:KZ-75", decision, "--db", str(db), code=team_codes["utility:KZ-75"])
    assert r.exit_code == 0
    assert _run("lock", "--db", str(db), key=key).exit_code == 0
    r = _run("advance", "--db", str(db), key=key)
    assert r.exit_code == 0 and '"year": 2030' in r.output
    r = _run("status", "--db", str(db), key=key)
    assert r.exit_code == 0 and '"current_round": null' in r.output and '"drought"' in r.output

    r = _run("replay", "--db", str(db), key=key)
    assert r.exit_code == 0 and "replay: identical" in r.output

    out = tmp_path / "decisions.csv"
    r = _run("export", "--db", str(db), "--out", str(out), key=key)
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(out.open()))
    assert [(row["round"], row["role"], row["first_year"], row["counts"]) for row in rows] == [
        ("1", "utility:KZ-75", "2025", "True"),
        ("2", "utility:KZ-75", "2028", "True"),
    ]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "temporary files left behind"
    r = _run("export", "--db", str(db), "--out", str(out), key=key)
    assert r.exit_code == 2 and "--overwrite" in r.output


def test_bad_input_is_one_clear_message_exit_2_and_nothing_written(tmp_path):
    db = tmp_path / "w.db"
    for args, message in [
        (["--roles", "funder:nobody", "--rounds", "2", "--years-per-round", "3"], "unknown role"),
        (["--roles", ROLES, "--rounds", "9", "--years-per-round", "3"], "must be at most 26"),
    ]:
        r = _run("new", "baseline", *args, "--db", str(db))
        assert r.exit_code == 2 and message in r.output and "Traceback" not in r.output, r.output
    r = _run("new", "no_such_scenario", "--roles", ROLES, "--rounds", "2", "--years-per-round", "3", "--db", str(db))
    assert r.exit_code == 2 and "no_such_scenario" in r.output
    assert list(tmp_path.iterdir()) == [], "a refused workshop writes nothing"

    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("my notes\n" * 100)
    r = _run("status", "--db", str(not_a_db), key="x")
    assert r.exit_code == 2 and "not a wecsim workshop database" in r.output
    assert not_a_db.read_text() == "my notes\n" * 100
    other_app = tmp_path / "other.sqlite"
    with sqlite3.connect(other_app) as c:
        c.execute("CREATE TABLE notes (text TEXT)")
    before = other_app.read_bytes()
    for cmd in (
        ["status", "--db", str(other_app)],
        ["new", "baseline", "--roles", ROLES, "--rounds", "2", "--years-per-round", "3", "--db", str(other_app)],
    ):
        r = _run(*cmd, key="x")
        assert r.exit_code == 2 and "not a wecsim workshop database" in r.output, r.output
    assert other_app.read_bytes() == before, "another program's database is never touched"
    r = _run("status", "--db", str(tmp_path / "missing.db"), key="x")
    assert r.exit_code == 2 and "no workshop database there" in r.output

    key, team_codes, _ = _new(db)
    r = _run("open", "--db", str(db), "--minutes", "-5", key=key)
    assert r.exit_code == 2 and "--minutes" in r.output
    assert _run("open", "--db", str(db), key=key).exit_code == 0
    r = _run("submit", "utility:KZ-75", '{"tariff_growth_pct": 70}', "--db", str(db), code=team_codes["utility:KZ-75"])
    assert r.exit_code == 2 and "outside 0 to 10" in r.output
    r = _run("inject", "volcano", "--db", str(db), key=key)
    assert r.exit_code == 2 and "expected one of" in r.output
    r = _run("status", "--db", str(db), "--workshop", "nope", key=key)
    assert r.exit_code == 2 and "workshop 'nope': not in" in r.output


def test_refusals_exit_2_in_the_real_command_and_are_logged(tmp_path):
    db = tmp_path / "w.db"
    key, _, _ = _new(db)

    def wecsim(*args, env_key=""):
        return subprocess.run(
            [sys.executable, "-m", "wecsim", "workshop", *args],
            capture_output=True,
            text=True,
            timeout=120,
            env={"PATH": "", "WECSIM_WORKSHOP_KEY": env_key, "PYTHONPATH": ":".join(sys.path)},
        )

    p = wecsim("advance", "--db", str(db), env_key="guessed")
    assert p.returncode == 2 and "wrong facilitator key" in p.stderr and "Traceback" not in p.stderr
    r = _run("audit", "--db", str(db), key=key)
    assert r.exit_code == 0 and '"action": "advance"' in r.output and "guessed" not in r.output
