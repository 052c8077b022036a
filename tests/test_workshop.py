"""Workshops through the API: rounds on the real model, state in SQLite, replay, events and the teams' policies."""

from __future__ import annotations

import itertools
import json
import sqlite3

import pytest

from wecsim.model import WECModel
from wecsim.scenario import load_scenario
from wecsim.workshop.errors import WorkshopError
from wecsim.workshop.events import EVENTS, Injection, shocked_scenario
from wecsim.workshop.replay import Plan, play
from wecsim.workshop.roles import all_roles, delegation_funders, parse_decision, parse_roles, seat
from wecsim.workshop.service import Workshops

ROLES = ["funder:ebrd", "utility:KZ-75", "region:KZ-47", "firm:eu_water_nl"]
DECISIONS = {
    "funder:ebrd": {
        "sector_weight": {"water": 1, "energy": 0, "circular": 0, "resilience": 0.5},
        "envelope_share": 0.5,
    },
    "utility:KZ-75": {"tariff_growth_pct": 8, "accept_eu_condition": False},
    "region:KZ-47": {"propose": ["drip"]},
    "firm:eu_water_nl": {"markup_share": 0.4},
}


@pytest.fixture
def ws(tmp_path):
    w = Workshops(tmp_path / "w.db", create=True)
    yield w
    w.close()


def _new(ws, rounds=2, years=3):
    made = ws.create("baseline", ROLES, rounds, years)
    return made.workshop_id, made.facilitator_key, made.team_codes


def _submit_all(ws, wid, codes, decisions):
    for role, payload in decisions.items():
        ws.submit(wid, codes[role], role, payload)


def _default_rows(years: int) -> list[dict]:
    """The plain model (no teams) for the first ``years`` years."""
    model = WECModel(load_scenario("baseline"))
    rows = []
    for _ in range(years):
        year = model.year
        model.step()
        rows.append({"year": year, **{k: float(v) for k, v in model.ind.items()}})
    return rows


def test_two_rounds_defaults_for_silent_teams_and_decisions_change_the_model(ws):
    wid, key, codes = _new(ws)
    ws.open_round(wid, key)
    first = ws.advance(wid, key)["national"]  # nobody submitted: every agent keeps its default rule
    assert [r["year"] for r in first] == [2025, 2026, 2027]
    assert json.dumps(first) == json.dumps(_default_rows(3)), "silent teams must give the plain model, bit for bit"
    ws.open_round(wid, key)
    _submit_all(ws, wid, codes, DECISIONS)
    outcome = ws.advance(wid, key)
    second = outcome["national"]
    assert [r["year"] for r in second] == [2028, 2029, 2030]
    plain = _default_rows(6)[3:]
    # Almaty's utility raised its tariff by 8 %/yr instead of the lever's 2 %/yr: the national mean tariff rises
    assert all(s["water_tariff_eur_per_m3"] > p["water_tariff_eur_per_m3"] for s, p in zip(second, plain, strict=True))
    # and each team sees its own objectives: Almaty's tariff grew by the 8 %/yr it chose
    tariffs = [row["water_tariff_eur_per_m3"] for row in outcome["roles"]["utility:KZ-75"]]
    assert [b / a - 1 for a, b in itertools.pairwise(tariffs)] == pytest.approx([0.08, 0.08])
    ebrd = outcome["roles"]["funder:ebrd"]
    assert all(row["committed_meur"] <= 0.5 * row["envelope_meur"] + 1e-9 for row in ebrd), "half the envelope"
    assert set(outcome["roles"]) == set(ROLES)
    assert ws.current_round(wid) is None
    status = ws.status(wid, key)
    assert [r["state"] for r in status["rounds"]] == ["done", "done"]
    with pytest.raises(WorkshopError, match="every round has been played"):
        ws.advance(wid, key)


def test_server_restart_mid_round_loses_no_decision(tmp_path):
    db = tmp_path / "w.db"
    ws = Workshops(db, create=True)
    made = ws.create("baseline", ROLES, 2, 2)
    wid, key, codes = made.workshop_id, made.facilitator_key, made.team_codes
    ws.open_round(wid, key)
    _submit_all(ws, wid, codes, {r: DECISIONS[r] for r in ROLES[:2]})
    ws.close()  # the server stops mid-round

    ws = Workshops(db)
    assert ws.status(wid, key)["teams"] == {r: r in ROLES[:2] for r in ROLES}
    view = ws.team_view(wid, codes["utility:KZ-75"])  # a team reconnects with its code: it resumes where it was
    assert view["my_decision"] == DECISIONS["utility:KZ-75"] and view["state"] == "open" and view["round"] == 1
    _submit_all(ws, wid, codes, {r: DECISIONS[r] for r in ROLES[2:]})
    outcome = ws.advance(wid, key)
    ws.close()
    plan = Plan(load_scenario("baseline"), 42, tuple(parse_roles(ROLES)), 2, 2)
    assert json.dumps(outcome) == json.dumps(play(plan, [DECISIONS], eu=True)[0]), "every decision must have counted"
    assert view["last_outcome"] is None


def test_replay_gives_the_same_numbers_bit_for_bit_and_notices_a_changed_decision(ws, tmp_path):
    wid, key, codes = _new(ws, rounds=3, years=2)
    for n in range(3):
        ws.open_round(wid, key)
        if n == 1:
            _submit_all(ws, wid, codes, DECISIONS)
            ws.inject(wid, key, "drought", 2028)
            ws.inject(wid, key, "tenge_devaluation", 2029)
        ws.advance(wid, key)
    assert ws.replay(wid, key) is True
    again = Workshops(tmp_path / "w.db")  # a second process reading the same file
    assert again.replay(wid, key) is True
    again.close()
    # the replay really compares: change a stored decision behind the service's back
    with sqlite3.connect(tmp_path / "w.db") as c:
        c.execute(
            "UPDATE decision SET payload_json = ? WHERE role = 'utility:KZ-75'",
            (json.dumps({"tariff_growth_pct": 0, "accept_eu_condition": False}),),
        )
    assert ws.replay(wid, key) is False


def test_two_workshops_in_one_file_do_not_see_each_other(ws):
    a, key_a, codes_a = _new(ws)
    b, key_b, _ = _new(ws)
    ws.open_round(a, key_a)
    _submit_all(ws, a, codes_a, DECISIONS)
    assert all(ws.status(a, key_a)["teams"].values())
    assert not any(ws.status(b, key_b)["teams"].values())
    assert sorted(ws.ids()) == sorted([a, b])


def test_events_act_on_the_model_in_their_year_only():
    plan = Plan(load_scenario("baseline"), 42, (), 1, 6)
    base = play(plan, [{}])[0]["national"]
    hit = play(plan, [{}], [Injection("drought", 2027), Injection("flood", 2028)])[0]["national"]
    by_year = {r["year"]: r for r in hit}
    plain = {r["year"]: r for r in base}
    n_basins_2021 = 4  # observed_events.csv lists four basins in drought in 2021
    assert by_year[2027]["basins_in_drought"] >= n_basins_2021 > plain[2027]["basins_in_drought"]
    assert by_year[2028]["flood_return_period_yr"] == pytest.approx(80)  # the 2024 floods' return period
    assert plain[2028]["flood_return_period_yr"] < 80
    assert by_year[2028]["flood_damage_meur"] > plain[2028]["flood_damage_meur"]
    assert by_year[2025] == plain[2025] and by_year[2026] == plain[2026], "years before an event are untouched"


def test_a_price_shock_is_a_schedule_of_the_scenario_in_its_year_only():
    s = load_scenario("baseline")
    shocked = shocked_scenario(s, [Injection("tenge_devaluation", 2030), Injection("cost_shock", 2031)])
    assert shocked.value_in("kzt_per_eur", 2030) == 700 and shocked.value_in("kzt_per_eur", 2031) == s.value_in(
        "kzt_per_eur", 2031
    )
    assert shocked.value_in("cost_overrun_scale", 2031) == 2.5
    assert shocked.value_in("cost_overrun_scale", 2030) == s.value_in("cost_overrun_scale", 2030)
    assert shocked_scenario(s, [Injection("drought", 2030)]) is s


def test_events_only_in_years_still_to_play(ws):
    wid, key, _ = _new(ws)
    with pytest.raises(WorkshopError, match="unknown; expected one of"):
        ws.inject(wid, key, "earthquake", 2026)
    with pytest.raises(WorkshopError, match="2026-2030"):
        ws.inject(wid, key, "drought", 2025)  # the base year reproduces observed conditions
    ws.open_round(wid, key)
    ws.advance(wid, key)
    with pytest.raises(WorkshopError, match="2028-2030"):
        ws.inject(wid, key, "flood", 2027)  # played already
    assert ws.inject(wid, key, "flood").year == 2028
    assert set(EVENTS) == {"drought", "flood", "tenge_devaluation", "cost_shock"}


def _run_seated(decisions: dict, years: int = 4) -> WECModel:
    model = WECModel(load_scenario("baseline"))
    seat(model, parse_roles(list(decisions)), decisions)
    for _ in range(years):
        model.step()
    return model


def test_each_roles_decision_reaches_its_agents():
    roles = all_roles()
    m = _run_seated(
        {
            "funder:ebrd": {
                "sector_weight": {"water": 0, "energy": 0, "circular": 0, "resilience": 0},
                "envelope_share": 1,
            },
            "funder:eu_grant": {
                "sector_weight": {"water": 1, "energy": 1, "circular": 1, "resilience": 1},
                "envelope_share": 0,
            },
            "utility:KZ-75": {"tariff_growth_pct": 10, "accept_eu_condition": False},
            "region:KZ-61": {"propose": []},
            "region:KZ-19": {"propose": ["drip"]},
            "firm:eu_water_nl": {"markup_share": 0.9},
        }
    )
    plain = WECModel(load_scenario("baseline"))
    for _ in range(4):
        plain.step()
    # funders: no sector wanted, or nothing of the envelope committed -> no money from them
    assert sum(f.committed_meur for f in (m.funder_by_id["ebrd"], m.funder_by_id["eu_grant"])) == 0
    assert m.funder_by_id["ebrd"].policy == parse_decision(
        roles["funder:ebrd"],
        {"sector_weight": {"water": 0, "energy": 0, "circular": 0, "resilience": 0}, "envelope_share": 1},
    )
    # the utility's tariff grows faster than the default's (within the affordability cap)
    i = m.region_index["KZ-75"]
    assert m.water_utilities[i].tariff > plain.water_utilities[i].tariff
    # the akimats proposed only the kinds of project their teams chose
    region_techs = {
        "canal_lining",
        "hydraulic_rehabilitation",
        "reservoir",
        "drip_irrigation",
        "flood_ews",
        "flood_protection",
    }

    def kinds(model, region_id):
        return {p.tech_id for p in model.pipeline.projects if p.region_id == region_id and p.tech_id in region_techs}

    assert kinds(plain, "KZ-61") and not kinds(m, "KZ-61")
    assert kinds(plain, "KZ-19") > {"drip_irrigation"} and kinds(m, "KZ-19") == {"drip_irrigation"}
    # every firm of the kind bids with the team's markup; other firms keep the default rule
    dutch = [f for f in m.firms if f.firm_id.startswith("eu_water_nl-")]
    assert dutch and all(f.policy.markup(f, 3) == 0.9 for f in dutch)
    assert all(f.policy.markup(f, 3) < 0.9 for f in m.firms if f not in dutch)


def test_a_funders_weights_steer_its_money_to_the_chosen_sector():
    only_water = {"sector_weight": {"water": 1, "energy": 0, "circular": 0, "resilience": 0}, "envelope_share": 1}
    m = _run_seated({"funder:ebrd": only_water}, years=6)
    backed = {p.sector for p in m.pipeline.projects if p.commitments.get("ebrd", 0) > 0}
    plain = _run_seated({}, years=6)
    assert {p.sector for p in plain.pipeline.projects if p.commitments.get("ebrd", 0) > 0} - {"water"}, (
        "by its own rule EBRD finances more than water"
    )
    assert backed == {"water"}


def test_bad_decisions_are_clear_errors_and_never_stored(ws):
    wid, key, codes = _new(ws)
    ws.open_round(wid, key)
    bad = [
        ("utility:KZ-75", {"tariff_growth_pct": 11, "accept_eu_condition": True}, "outside 0 to 10"),
        ("utility:KZ-75", {"tariff_growth_pct": "high", "accept_eu_condition": True}, "expected a number"),
        ("funder:ebrd", {"sector_weight": {"water": 1}, "envelope_share": 1}, "a weight for each of"),
        ("funder:ebrd", "{not json", "not valid JSON"),
        ("region:KZ-47", {"propose": ["casino"]}, "unknown kind"),
        ("firm:eu_water_nl", {"markup_share": float("nan")}, "expected a number"),
        ("firm:eu_water_nl", [0.1], "expected a JSON object"),
    ]
    for role, payload, message in bad:
        with pytest.raises(WorkshopError, match=message):
            ws.submit(wid, codes[role], role, payload)
    assert ws.decisions(wid, 1) == [{}]


def test_bad_setup_is_a_clear_error_and_writes_nothing(ws):
    for args, message in [
        (("baseline", ["funder:nobody"], 2, 3), "unknown role"),
        (("baseline", ["funder:ebrd", "funder:ebrd"], 2, 3), "more than once"),
        (("baseline", [], 2, 3), "at least one role"),
        (("baseline", ["funder:ebrd"], 0, 3), "--rounds"),
        (("baseline", ["funder:ebrd"], 10, 5), "at most 26"),
    ]:
        with pytest.raises(WorkshopError, match=message):
            ws.create(*args)
    assert ws.ids() == []


def test_a_delegation_decides_for_all_its_instruments_and_no_one_else_may():
    roles = all_roles()
    eu = roles["delegation:eu"]
    assert set(delegation_funders("eu")) == {"eu_grant", "eu_preparation", "eu_blending", "eu_guarantee"}
    decision = json.loads(eu.form)
    decision["envelope_share"] = dict.fromkeys(decision["envelope_share"], 0.0)
    m = _run_seated({"delegation:eu": decision}, years=3)
    eu_funders = [m.funder_by_id[f] for f in delegation_funders("eu")]
    assert all(f.policy.envelope_share == 0.0 for f in eu_funders)
    assert sum(f.committed_meur for f in eu_funders) == 0, "nothing of any envelope committed"
    with pytest.raises(WorkshopError, match="would both decide for funder:eu_grant"):
        parse_roles(["delegation:eu", "funder:eu_grant"])
    with pytest.raises(WorkshopError, match="a share for each of"):
        parse_decision(eu, {**decision, "envelope_share": {"eu_grant": 1}})
    plan = Plan(load_scenario("baseline"), 42, (eu,), 1, 2)
    mine = play(plan, [{"delegation:eu": decision}])[0]["roles"]["delegation:eu"]
    assert all(row["committed_meur"] == 0 and row["envelope_meur"] > 0 for row in mine)
