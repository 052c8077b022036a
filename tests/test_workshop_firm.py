"""A firm team bids: which tenders it enters (technologies, regions) and at what markup (issue 15, item 2)."""

from __future__ import annotations

import json

import pytest

from wecsim.model import WECModel
from wecsim.scenario import load_scenario
from wecsim.workshop.errors import WorkshopError
from wecsim.workshop.policies import TeamMarkup
from wecsim.workshop.replay import Plan, play
from wecsim.workshop.roles import all_roles, describe_decision, firm_technologies, parse_decision, parse_roles, seat

FIRM = "firm:loc_water_1"  # local water contractors: they win contracts every year of the baseline


def _won(decisions: list[dict], rounds: int = 2, years: int = 3) -> list[float]:
    """Return the contracts the firm kind has won by the end of each year of the rounds (cumulative)."""
    plan = Plan(load_scenario("baseline"), 42, tuple(parse_roles([FIRM])), rounds, years)
    out = play(plan, [{FIRM: d} if d else {} for d in decisions])
    return [row["contracts_won"] for o in out for row in o["roles"][FIRM]]


@pytest.fixture(scope="module")
def default_won() -> list[float]:
    return _won([{}, {}])


def test_a_firm_that_declines_to_bid_wins_no_contract_that_round(default_won):
    declined = _won([{"markup_share": 0.1}, {"markup_share": 0.1, "technologies": []}])
    assert default_won[-1] > default_won[2], "the default rule wins contracts in round 2: the test needs some"
    assert declined[2] > 0 and declined[3:] == [declined[2]] * 3, "no contract may be won in the round it declined"


def test_a_firm_bidding_in_one_region_wins_only_there():
    m = WECModel(load_scenario("baseline"), 42)
    try:
        seat(m, parse_roles([FIRM]), {FIRM: {"markup_share": 0.0, "regions": ["KZ-75"]}})
        for _ in range(4):
            m.step()
        won = [p for p in m.pipeline.projects if p.firm_id and p.firm_id.startswith("loc_water_1-")]
        others = [p for p in m.pipeline.projects if p.firm_id and not p.firm_id.startswith("loc_water_1-")]
    finally:
        m.close()
    assert won and {p.region_id for p in won} == {"KZ-75"}
    assert {p.region_id for p in others} - {"KZ-75"}, "the other firms still win elsewhere"


def test_a_higher_markup_raises_the_bid_and_wins_fewer_contracts():
    m = WECModel(load_scenario("baseline"), 42)
    try:
        firm = next(f for f in m.firms if f.firm_id.startswith("loc_water_1-"))
        firm.policy = TeamMarkup(0.1)
        low = firm.bid(10.0, 3)
        firm.policy = TeamMarkup(0.5)
        high = firm.bid(10.0, 3)
    finally:
        m.close()
    assert high == pytest.approx(low * 1.5 / 1.1)
    cheap, dear = _won([{"markup_share": 0.0}] * 2), _won([{"markup_share": 1.0}] * 2)
    assert dear[-1] < cheap[-1]


def test_leaving_out_the_tenders_keeps_bidding_for_all_of_them(default_won):
    own = list(firm_technologies("loc_water_1"))
    assert _won([{"markup_share": 0.2}] * 2) == _won([{"markup_share": 0.2, "technologies": own}] * 2)


def test_a_firm_decision_is_checked_at_the_door():
    role = all_roles()[FIRM]
    policy = parse_decision(role, role.form)
    assert policy.technologies == frozenset(firm_technologies("loc_water_1")) and policy.regions is None
    assert parse_decision(role, {"markup_share": 0.4}) == TeamMarkup(0.4)  # a decision stored before still reads
    with pytest.raises(WorkshopError) as err:
        parse_decision(role, {"markup_share": 0.1, "technologies": ["desalination"], "regions": "KZ-75"})
    text = str(err.value)
    assert "technologies: unknown id(s) ['desalination']" in text and "regions: expected a list of ids" in text
    with pytest.raises(WorkshopError, match="regions: unknown id"):
        parse_decision(role, {"markup_share": 0.1, "regions": ["KZ-99"]})


def test_a_firm_decision_in_plain_words():
    role = all_roles()[FIRM]
    assert describe_decision(role, {"markup_share": 0.1, "technologies": []}) == "bids for no tender this round"
    words = describe_decision(role, {"markup_share": 0.25, "technologies": ["canal_lining"], "regions": ["KZ-75"]})
    assert words.startswith("bids at 25% over cost; only for ") and "Almaty" in words
    assert describe_decision(role, {"markup_share": 0.1}) == "bids at 10% over cost"
    every = {"markup_share": 0.1, "technologies": list(firm_technologies("loc_water_1"))}
    assert describe_decision(role, every) == "bids at 10% over cost", "all it builds: no 'only for'"


@pytest.mark.filterwarnings("ignore:There is no current event loop:DeprecationWarning")
@pytest.mark.usefixtures("solara_patched")
def test_a_firm_team_picks_its_tenders_and_regions_on_the_page():
    import solara
    from test_workshop_page import by_class, new_tab, walk

    from wecsim.app.pages.workshop import DecisionForm

    role = all_roles()[FIRM]
    got = []
    with new_tab():
        _, rc = solara.render(DecisionForm(FIRM, json.loads(role.form), got.append), handle_error=False)
        boxes = [w for w in walk(rc.container) if type(w).__name__ == "Checkbox"]
        assert len(boxes) == len(firm_technologies("loc_water_1")), "one box per technology the firm builds"
        for box in boxes:
            box.v_model = False  # untick every technology: the firm passes this round
        by_class(rc, "ws-submit")[0].fire_event("click", {})
        where = next(w for w in walk(rc.container) if "Only in these regions" in str(getattr(w, "label", "")))
        where.v_model = ["Mangystau"]
        by_class(rc, "ws-submit")[0].fire_event("click", {})
        rc.close()
    assert got[0]["technologies"] == [] and "regions" not in got[0]
    assert describe_decision(role, got[0]) == "bids for no tender this round"
    assert got[1]["regions"] == ["KZ-47"]
    assert parse_decision(role, got[1]).regions == frozenset({"KZ-47"})


def test_the_tenders_shown_are_those_the_model_opens_next_year():
    from wecsim.projects.pipeline import Stage
    from wecsim.workshop.roles import open_tenders

    m = WECModel(load_scenario("baseline"), 42)
    try:
        for _ in range(2):
            m.step()
        shown = open_tenders(m)
        financed = m.pipeline.in_stage(Stage.FINANCED)
        m.step()
        assert financed and sum(t["tenders"] for t in shown) == len(financed)
        assert {(t["tech_id"], t["region_id"]) for t in shown} == {(p.tech_id, p.region_id) for p in financed}
        assert sum(t["estimate_meur"] for t in shown) == pytest.approx(sum(p.capex_estimate_meur for p in financed))
        # the next year tenders every one of them (awarded, or a failed tender counted)
        assert all(p.stage is not Stage.FINANCED or p.tender_failures > 0 for p in financed)
    finally:
        m.close()


@pytest.mark.filterwarnings("ignore:There is no current event loop:DeprecationWarning")
@pytest.mark.usefixtures("solara_patched")
def test_a_firm_team_sees_the_tenders_of_its_technologies_only(tmp_path, monkeypatch):
    import solara
    from test_workshop_page import by_class, new_tab, text_of

    from wecsim.app.pages.workshop import TeamPanel
    from wecsim.workshop.errors import AccessRefused
    from wecsim.workshop.service import Workshops

    ws = Workshops(tmp_path / "w.db", create=True)
    made = ws.create("baseline", [FIRM, "utility:KZ-75"], 2, 2)
    wid, key, code = made.workshop_id, made.facilitator_key, made.team_codes[FIRM]
    try:
        assert ws.open_tenders(wid, code) == [], "nothing is known before the first round is played"
        ws.open_round(wid, key)
        ws.advance(wid, key)
        ws.open_round(wid, key)
        tenders = ws.open_tenders(wid, code)
        every = ws.outcomes(wid)[-1]["tenders"]
        own = set(firm_technologies("loc_water_1"))
        assert tenders == [t for t in every if t["tech_id"] in own] and len(tenders) < len(every)
        assert ws.open_tenders(wid, made.team_codes["utility:KZ-75"]) == []
        with pytest.raises(AccessRefused):
            ws.open_tenders(wid, "guessed-code")
        monkeypatch.setenv("WECSIM_WORKSHOP_DB", str(tmp_path / "w.db"))
        with new_tab():
            _, rc = solara.render(TeamPanel(wid, code), handle_error=False)
            assert "Tenders opening at the start of this round" in text_of(rc)
            assert by_class(rc, "wecsim-table-ws-tenders")
            rc.close()
    finally:
        ws.close()
