"""The debrief (report, lessons, the run without the teams), the projector's view and scores, the change counter."""

from __future__ import annotations

import itertools
import json
import re
import sqlite3

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from wecsim.cli import app
from wecsim.errors import WecsimError
from wecsim.model import WECModel
from wecsim.scenario import load_scenario
from wecsim.workshop.errors import AccessRefused, WorkshopError
from wecsim.workshop.replay import play
from wecsim.workshop.service import Workshops
from wecsim.workshop.store import SCHEMA_VERSION

ROLES = "funder:ebrd,utility:KZ-75"
TARIFF = {"tariff_growth_pct": 9, "accept_eu_condition": False}
EBRD = {"sector_weight": {"water": 0, "energy": 1, "circular": 0, "resilience": 0}, "envelope_share": 0.2}
LESSON = "Қазақстан: тариф өсті, а сети стареют — the tariff rose"


def _run(*args, key=None, code=None):
    env = {"WECSIM_WORKSHOP_KEY": key or "", "WECSIM_TEAM_CODE": code or ""}
    return CliRunner().invoke(app, ["workshop", *args], env=env)


@pytest.fixture
def ws(tmp_path):
    w = Workshops(tmp_path / "w.db", create=True)
    yield w
    w.close()


def _play_two_rounds(ws, decide: bool):
    made = ws.create("baseline", ROLES.split(","), 2, 2)
    wid, key = made.workshop_id, made.facilitator_key
    for _ in range(2):
        ws.open_round(wid, key)
        if decide:
            ws.submit(wid, made.team_codes["utility:KZ-75"], "utility:KZ-75", TARIFF)
            ws.submit(wid, made.team_codes["funder:ebrd"], "funder:ebrd", EBRD)
        ws.advance(wid, key)
    return made


def test_the_report_from_the_command_line_has_every_round_the_lessons_and_a_pdf(tmp_path):
    db = tmp_path / "w.db"
    r = _run("new", "baseline", "--roles", ROLES, "--rounds", "2", "--years-per-round", "2", "--db", str(db), "--no-qr")
    assert r.exit_code == 0, r.output
    key = re.search(r"facilitator key \(keep it; it is not stored\): (\S+)", r.output).group(1)
    codes = dict(re.findall(r"^(\S+): code (\S+) ", r.output, flags=re.M))
    assert re.search(r"^projector: http://localhost:8765/\?w=\w+&projector=\S+", r.output, flags=re.M)
    for n in (1, 2):
        assert _run("open", "--db", str(db), key=key).exit_code == 0
        r = _run("submit", "utility:KZ-75", json.dumps(TARIFF), "--db", str(db), code=codes["utility:KZ-75"])
        assert r.exit_code == 0, r.output
        assert _run("advance", "--db", str(db), key=key).exit_code == 0
        r = _run("lessons", LESSON if n == 1 else "round two", "--round", str(n), "--db", str(db), key=key)
        assert r.exit_code == 0 and ("round two" if n == 2 else "the tariff rose") in r.output, r.output

    out = tmp_path / "debrief"
    r = _run("report", str(db), "-o", str(out), key=key)
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == ["decisions.csv", "report.html", "report.pdf"]
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Round 1: decisions" in page and "Round 2: decisions" in page and "Round 3" not in page
    assert "Round 1: the country at the end of 2025-2026" in page
    assert "Round 2: each team&#x27;s objectives at the end of 2027-2028" in page
    assert page.count("data:image/png;base64,") == 2, "the charts are embedded, nothing is loaded from elsewhere"
    assert "raises the real tariff 9% a year" in page and "no decision: the agent's own rule" in page
    assert "Қазақстан: тариф өсті" in page
    pdf = PdfReader(out / "report.pdf")
    text = "".join(p.extract_text() for p in pdf.pages)
    assert "water utility of Almaty city" in text and "EBRD" in text, "the PDF names the teams"
    assert "Қазақстан" in text and "стареют" in text, "Kazakh and Russian text in the PDF (DejaVu Sans)"
    assert "Round 2: decisions" in text
    assert (out / "decisions.csv").read_text().count("utility:KZ-75") == 2

    # the folder is not written again, a wrong key is refused: exit 2 and nothing written
    before = (out / "report.pdf").read_bytes()
    r = _run("report", str(db), "-o", str(out), key=key)
    assert r.exit_code == 2 and str(out) in r.output
    assert (out / "report.pdf").read_bytes() == before
    r = _run("report", str(db), "-o", str(tmp_path / "other"), key="not-the-key")
    assert r.exit_code == 2 and "wrong facilitator key" in r.output and not (tmp_path / "other").exists()
    r = _run("report", "--db", str(tmp_path / "nothing.db"), "-o", str(tmp_path / "x"), key=key)
    assert r.exit_code == 2 and "nothing.db" in r.output
    r = _run("lessons", " ", "--db", str(db), key=key)
    assert r.exit_code == 2 and "lesson: the text is empty" in r.output
    r = _run("projector", "--db", str(db), "--base-url", "http://10.0.0.5:8765", key=key)
    assert r.exit_code == 0 and re.search(r"^projector: http://10\.0\.0\.5:8765/\?w=\w+&projector=\S+", r.output, re.M)


def test_without_submissions_the_workshop_is_its_own_counterfactual(ws):
    made = _play_two_rounds(ws, decide=False)
    wid = made.workshop_id
    outcomes, without = ws.outcomes(wid), ws.counterfactuals(wid)
    assert json.dumps(outcomes) == json.dumps(without)
    # and it is what the model gives with every agent on its own rule, computed independently
    assert json.dumps(play(ws.plan(wid), [{}, {}], eu=True)) == json.dumps(without)
    board = ws.projector_view(wid, made.projector_code)
    assert (board["scores"]["points"] == 0).all() and (board["national"]["change"] == 0).all()


def test_a_teams_decisions_make_the_difference_and_earn_its_score(ws):
    made = _play_two_rounds(ws, decide=True)
    wid = made.workshop_id
    outcomes, without = ws.outcomes(wid), ws.counterfactuals(wid)
    assert json.dumps(without) == json.dumps(play(ws.plan(wid), [{}, {}])), "the same seed, no team"
    mine = [r["water_tariff_eur_per_m3"] for o in outcomes for r in o["roles"]["utility:KZ-75"]]
    base = [r["water_tariff_eur_per_m3"] for o in without for r in o["roles"]["utility:KZ-75"]]
    assert mine[-1] > base[-1], "9%/yr real tariff growth raises the tariff above the default path"
    board = ws.projector_view(wid, made.projector_code)
    scores = board["scores"].set_index(["role", "objective"])
    cash = scores.loc[("utility:KZ-75", "cash")]
    assert cash["change"] > 0 and cash["points"] > 0, "a higher tariff leaves the utility more cash"
    committed = scores.loc[("funder:ebrd", "money committed")]
    assert committed["change"] < 0 and committed["points"] < 0, "20% of its envelope commits less than its rule"
    assert board["totals"]["points"].is_monotonic_decreasing
    assert [d["decision"] for d in board["decisions"] if d["round"] == 2 and d["role"] == "funder:ebrd"] == [
        "favours energy; finances no water or circular or resilience; commits up to 20% of its envelope"
    ]
    targets = board["national"].set_index("indicator")
    assert targets.loc["recycling_rate", "target"] == 0.4 and targets.loc["res_share", "target_year"] == "2030"


def test_the_projector_needs_its_own_code_and_a_new_one_retires_the_old(ws):
    made = ws.create("baseline", ["utility:KZ-75"], 2, 2)
    wid, key = made.workshop_id, made.facilitator_key
    assert ws.projector_view(wid, made.projector_code)["played"] == 0
    for wrong in (made.team_codes["utility:KZ-75"], key, "guess"):
        with pytest.raises(AccessRefused, match="wrong projector code"):
            ws.projector_view(wid, wrong)
    new = ws.new_projector_code(wid, key)
    with pytest.raises(AccessRefused):
        ws.projector_view(wid, made.projector_code)
    assert ws.projector_view(wid, new)["current_round"] == 1
    with pytest.raises(AccessRefused):
        ws.new_projector_code(wid, made.team_codes["utility:KZ-75"])
    assert [e["action"] for e in ws.audit(wid, key)] == ["projector view"] * 4 + ["projector code"]


def test_every_change_a_screen_shows_moves_the_counter_and_refusals_do_not(ws):
    made = ws.create("baseline", ["utility:KZ-75"], 2, 2)
    wid, key, code = made.workshop_id, made.facilitator_key, made.team_codes["utility:KZ-75"]
    seen = [ws.revision(wid)]
    for act in (
        lambda: ws.open_round(wid, key),
        lambda: ws.submit(wid, code, "utility:KZ-75", TARIFF),
        lambda: ws.extend(wid, key, 5),
        lambda: ws.inject(wid, key, "drought", 2026),
        lambda: ws.lock(wid, key),
        lambda: ws.advance(wid, key),
        lambda: ws.add_lesson(wid, key, "a lesson"),
    ):
        act()
        seen.append(ws.revision(wid))
    assert all(b > a for a, b in itertools.pairwise(seen)), seen
    with pytest.raises(AccessRefused):
        ws.open_round(wid, "wrong")
    with pytest.raises(WorkshopError):
        ws.add_lesson(wid, key, "x" * 5000)
    assert ws.revision(wid) == seen[-1]


def test_a_file_of_schema_1_is_upgraded_in_place_and_keeps_its_rounds(tmp_path):
    db = tmp_path / "w.db"
    ws = Workshops(db, create=True)
    made = _play_two_rounds(ws, decide=True)
    stored = ws.outcomes(made.workshop_id)
    ws.close()
    with sqlite3.connect(db) as c:  # make it a file of schema version 1, as the first workshops wrote
        c.execute("DROP TABLE lesson")
        c.execute("ALTER TABLE round DROP COLUMN counterfactual_json")
        c.execute("ALTER TABLE workshop DROP COLUMN revision")
        c.execute("ALTER TABLE workshop DROP COLUMN projector_hash")
        c.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    ws = Workshops(db)
    try:
        wid, key = made.workshop_id, made.facilitator_key
        assert ws.outcomes(wid) == stored and ws.replay(wid, key)
        with pytest.raises(AccessRefused):
            ws.projector_view(wid, made.projector_code)  # version 1 had no projector code
        board = ws.projector_view(wid, ws.new_projector_code(wid, key))
        assert board["played"] == 2 and len(board["scores"]) > 0
        assert ws.add_lesson(wid, key, "kept") and ws.revision(wid) > 0
    finally:
        ws.close()
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(SCHEMA_VERSION)


def test_impose_event_puts_a_drought_or_flood_into_a_future_year_and_refuses_the_rest():
    sc = load_scenario("baseline")
    plain, hit = WECModel(sc), WECModel(sc)
    hit.impose_event("drought", 2027)
    hit.impose_event("flood", 2028, return_period_yr=80)
    for m in (plain, hit):
        m.run()
    nat = {id(m): m.datacollector.get_table_dataframe("national").set_index("year") for m in (plain, hit)}
    a, b = nat[id(plain)], nat[id(hit)]
    assert b.loc[2027, "basins_in_drought"] == len(hit.basin_ids) > a.loc[2027, "basins_in_drought"]
    assert b.loc[2028, "flood_return_period_yr"] == pytest.approx(80) and a.loc[2028, "flood_return_period_yr"] < 79
    assert a.loc[2026, "water_deficit_km3"] == b.loc[2026, "water_deficit_km3"], "years before stay the same"
    m = WECModel(sc)
    m.step()
    for kwargs, message in (
        ({"kind": "drought", "year": 2025}, "expected a year not yet run"),
        ({"kind": "drought", "year": 2051}, "expected a year not yet run"),
        ({"kind": "drought", "year": 2030, "basins": ["nowhere"]}, "unknown basin"),
        ({"kind": "flood", "year": 2030}, "return_period_yr"),
        ({"kind": "locusts", "year": 2030}, "expected 'drought' or 'flood'"),
    ):
        with pytest.raises(WecsimError, match=message):
            m.impose_event(**kwargs)


def test_a_report_before_any_round_is_played_says_so(ws, tmp_path):
    from wecsim.workshop.report import write_report

    made = ws.create("baseline", ["utility:KZ-75"], 2, 2)
    write_report(ws.debrief(made.workshop_id, made.facilitator_key), [], tmp_path)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "0 played" in page and "data:image/png" not in page and "Round 1" not in page
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
