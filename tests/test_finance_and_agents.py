"""Money that binds, EU instruments that differ, agents that choose and react (issue 11).

Each test states a behaviour a planner relies on and checks it on full runs, several seeds
where the effect could be luck.
"""

import numpy as np
import pandas as pd
import pytest

import wecsim
from wecsim.additionality import additionality, instruments
from wecsim.model import WECModel
from wecsim.scenario import load_scenario

MORE_EU = ["budget_eu_grant_meur=40", "eu_project_preparation_meur=10", "eu_blending_meur=10"]


def _nat(res):
    return res.national.set_index("year")


@pytest.fixture(scope="module")
def baseline():
    return wecsim.run("baseline", seed=42)


def test_the_national_budget_binds_and_more_is_proposed_than_financed(baseline):
    f = baseline.funder.set_index(["funder_id", "year"]).loc["national"]
    early = f.loc[2025:2035]
    # the state commits (gross, net of what projects give back) nearly all of its envelope
    assert (early["unused_meur"] <= 0.15 * early["envelope_meur"]).all()
    nat = _nat(baseline)
    assert (nat.loc[2025:2030, "financing_gap_meur"] > 100).all()
    assert (nat.loc[2025:2030, "projects_waiting"] > 10).all()
    # and sovereign loans come back as debt service on the same budget
    assert nat.loc[2040, "national_debt_service_meur"] > 10


SEEDS = (1, 2, 3)


@pytest.fixture(scope="module")
def more_eu_pairs():
    return {s: (wecsim.run("baseline", seed=s), wecsim.run("baseline", seed=s, overrides=MORE_EU)) for s in SEEDS}


def test_more_eu_money_cuts_the_national_deficit_on_average(more_eu_pairs):
    # one seed may lose a little water where the fixed canal programme moves to other regions;
    # over seeds the extra money saves water
    saved = [
        _nat(low).loc[2026:, "water_deficit_km3"].sum() - _nat(high).loc[2026:, "water_deficit_km3"].sum()
        for low, high in more_eu_pairs.values()
    ]
    assert np.mean(saved) > 0.1


def _reached(res) -> pd.Index:
    """Regions that received at least EUR 10 M of EU money (capex or support)."""
    led = res.ledger[res.ledger["kind"].isin(["commitment", "support"]) & res.ledger["funder_id"].str.startswith("eu")]
    return led.groupby("region_id")["amount_meur"].sum().loc[lambda s: s >= 10].index


def _in_regions(res, regions) -> tuple[float, int]:
    """Water deficit over the run [million m3] and projects built in ``regions``."""
    r = res.region[res.region["region_id"].isin(regions)]
    built = res.project[res.project["operating_year"].notna() & res.project["region_id"].isin(regions)]
    return float(r["water_deficit_mm3"].sum()), len(built)


def test_more_eu_money_builds_more_over_seeds(more_eu_pairs):
    # EU grants partly take the place of other money (net mobilisation near zero, model.md 9.3), so in
    # one seed the knock-on effects can outweigh the extra (seed 2: -2% of the capacity); over seeds it builds more
    added = [
        _nat(high).loc[2050, "capacity_built_ref_meur"] - _nat(low).loc[2050, "capacity_built_ref_meur"]
        for low, high in more_eu_pairs.values()
    ]
    assert sum(added) > 0, added


@pytest.mark.parametrize("seed", SEEDS)
def test_more_eu_money_builds_more_where_it_goes(seed, more_eu_pairs):
    low, high = more_eu_pairs[seed]
    reached = _reached(high)
    assert len(reached) >= 3
    assert _in_regions(high, reached)[1] > _in_regions(low, reached)[1]


def test_more_eu_money_cuts_the_deficit_where_it_goes_over_seeds(more_eu_pairs):
    saved = [
        _in_regions(low, _reached(high))[0] - _in_regions(high, _reached(high))[0]
        for low, high in more_eu_pairs.values()
    ]
    assert sum(saved) > 0, saved


@pytest.mark.parametrize("seed", (1, 2))
def test_moving_eu_money_from_grants_to_preparation_changes_which_projects_are_built(seed):
    grants = wecsim.run("baseline", seed=seed, overrides=["budget_eu_grant_meur=24", "eu_project_preparation_meur=0"])
    prep = wecsim.run("baseline", seed=seed, overrides=["budget_eu_grant_meur=0", "eu_project_preparation_meur=24"])
    # studies make many more projects bankable
    assert prep.project["prepared_year"].notna().sum() > 1.2 * grants.project["prepared_year"].notna().sum()

    def built(res):
        p = res.project[res.project["operating_year"].notna()]
        return p.groupby(["technology", "region_id"]).size()

    a, b = built(grants), built(prep)
    both = a.index.union(b.index)
    changed = (a.reindex(both, fill_value=0) != b.reindex(both, fill_value=0)).sum()
    assert changed >= 5, "the same money through another instrument should build other projects"


def test_a_guarantee_lowers_the_ceiling_price_at_which_renewables_are_built():
    def awarded(ceiling, guarantee):
        ov = [f"res_auction_ceiling_kzt_per_kwh={ceiling}", f"eu_guarantee_meur={guarantee}", "end_year=2035"]
        return wecsim.run("baseline", seed=1, overrides=ov).national["res_awarded_mw"].sum()

    ceilings = (15.0, 16.5, 18.0, 19.5, 21.0, 22.5)
    without = [awarded(c, 0) for c in ceilings]
    with_g = [awarded(c, 50) for c in ceilings]
    assert all(np.diff(without) >= 0) and all(np.diff(with_g) >= 0)  # a higher ceiling never builds less
    target = without[-1] / 2

    def lowest_ceiling(series):
        return next(c for c, mw in zip(ceilings, series, strict=True) if mw >= target)

    assert lowest_ceiling(with_g) < lowest_ceiling(without)


def test_renewables_respond_smoothly_to_auction_volume_and_ceiling_price():
    def res_2050(ov):
        return _nat(wecsim.run("baseline", seed=7, overrides=ov)).loc[2050, "res_share"]

    volumes = [res_2050([f"res_auction_mw_per_yr={v}"]) for v in (0, 500, 1000, 1500, 2000)]
    assert all(np.diff(volumes) > 0)  # no knife-edge: more auctioned, more built
    ceilings = [res_2050([f"res_auction_ceiling_kzt_per_kwh={c}"]) for c in (12.5, 15.0, 17.5, 20.0, 22.68)]
    assert all(np.diff(ceilings) > 0)
    assert max(np.diff(ceilings)) < 0.6 * (ceilings[-1] - ceilings[0])  # no single step decides it all


def test_more_auctioned_renewables_never_lower_the_2030_share():
    """In 2030 too: the 1 GW deals' draws do not move with the auctions (they are proposed first).

    Proposed after the auction winners, a deal took the next random draws of its technology and
    region, so a little more auctioned wind gave it another delay: the 2030 share fell from 9.9%
    to 8.8% (mean of seeds 1-3) when the ceiling rose from 16.1 to 19.7 KZT/kWh.
    """

    def res_2030(ov):
        shares = [
            _nat(wecsim.run("baseline", seed=s, overrides=["end_year=2030", *ov])).loc[2030, "res_share"]
            for s in (1, 2, 3)
        ]
        return float(np.mean(shares))

    volumes = [res_2030([f"res_auction_mw_per_yr={v}"]) for v in (0, 250, 500, 750)]
    assert all(np.diff(volumes) >= 0), volumes
    ceilings = [res_2030([f"res_auction_ceiling_kzt_per_kwh={c}"]) for c in (16.09, 19.68, 23.27)]
    assert all(np.diff(ceilings) >= 0), ceilings


def test_the_recycling_target_is_a_target_not_a_ceiling():
    high = _nat(wecsim.run("baseline", seed=2, overrides=["epr_fee_multiplier=3"]))
    assert high.loc[2030, "recycling_rate"] > high.loc[2030, "recycling_target"] + 0.02


def test_the_2030_recycling_rate_rises_smoothly_with_the_epr_fee():
    """EPR fee 0-3x in steps of 0.125x (mean of seeds 1-3): the 2030 recycling rate never falls
    by more than half a point from one step to the next, no step moves it by more than 3 points,
    and 3x recycles more than 1x.

    With one national break-even share of clean input it jumped 9 points between 2.38x and
    2.5x (42.7% -> 51.8%) and dipped at 0.5x; recyclers' sites now differ in cost.
    """

    def recycling_2030(multiplier):
        runs = [
            wecsim.run("baseline", seed=s, overrides=["end_year=2030", f"epr_fee_multiplier={multiplier}"])
            for s in (1, 2, 3)
        ]
        return float(np.mean([_nat(r).loc[2030, "recycling_rate"] for r in runs]))

    rates = np.array([recycling_2030(m) for m in np.arange(0, 3.01, 0.125)])
    steps = np.diff(rates)
    assert steps.min() > -0.005 and steps.max() < 0.03, np.round(rates, 4)
    assert rates[-1] > rates[8] + 0.05  # 3x against 1x


def test_regions_differ_and_react_to_droughts_and_floods():
    model = WECModel(load_scenario("baseline"), seed=42)
    while model.year <= 2035:
        model.step()
    shares = [r.results["water_saving_irrigation_share"] for r in model.region_agents if r.kind != "city"]
    assert len(set(np.round(shares, 3))) > 5  # regions adopt drip at their own pace
    assert max(shares) - min(shares) > 0.05
    turkestan = model.region_by_id["KZ-61"]
    turkestan.last_drought_year = None
    p_calm = turkestan.bass_innovation()
    turkestan.last_drought_year = model.year
    assert turkestan.bass_innovation() > p_calm * 1.2  # a drought raises water-saving adoption
    west = model.region_by_id["KZ-27"]
    west.last_flood_year = None
    target = west.ews_target()
    west.last_flood_year = model.year
    assert west.ews_target() > target  # a flood raises the early-warning target
    stressed = model.region_by_id["KZ-31"]  # Zhambyl, Shu-Talas: a stressed basin
    north = model.region_by_id["KZ-59"]  # North Kazakhstan, Esil
    stressed.last_drought_year = north.last_drought_year = None
    assert stressed.bass_innovation() > north.bass_innovation()
    model.close()


def test_funders_rank_by_their_own_priorities(baseline):
    led = baseline.ledger[(baseline.ledger["kind"] == "commitment") & (baseline.ledger["amount_meur"] > 0)]
    by = led.groupby(["funder_id", "sector"])["amount_meur"].sum().unstack(fill_value=0)
    share = by.div(by.sum(axis=1), axis=0)
    assert share.loc["finland", "water"] == pytest.approx(1.0)  # Finland: wastewater and water only
    assert share.loc["isdb"].get("energy", 0) == 0  # the IsDB programme: irrigation and floods
    assert share.loc["private", "energy"] > 0.5
    # donors' focus shows in where their money goes: the Netherlands to the coast and flood-prone regions
    p = baseline.project.set_index("project_id")
    nl = led[led["funder_id"] == "netherlands"]
    tech = p.loc[nl["project_id"], "technology"]
    flood_or_coast = tech.isin(["desalination", "flood_ews", "flood_protection"]) | p.loc[
        nl["project_id"], "region_id"
    ].isin(["KZ-47", "KZ-23", "KZ-27", "KZ-15", "KZ-39", "KZ-59", "KZ-10", "KZ-11"])
    assert flood_or_coast.mean() > 0.5


def test_eu_firms_win_where_quality_or_financing_terms_count(baseline):
    p = baseline.project[baseline.project["firm_id"].notna()]
    origin = p["firm_id"].str.split("_").str[0]
    eu_share = (origin == "eu").groupby(p["technology"]).mean()
    # plants tendered under IFI rules weigh quality: EU firms win a fair part of them
    assert eu_share["wastewater_treatment"] > 0.15
    assert eu_share[["wind", "solar_pv"]].max() > 0.15
    # simple civil works bought by the state on price go to Kazakh firms
    assert eu_share["canal_lining"] < 0.05


def test_a_person_or_another_rule_can_take_an_agents_place():
    """Each agent decides through a policy object; replacing it changes what that agent does."""

    class FundNothing:
        def allocate(self, funder, book, rows, max_offer):
            return np.zeros(len(rows))

    class ProposeNothing:
        def propose(self, region):
            pass

    from wecsim.agents.policy import use_policy

    model = WECModel(load_scenario("baseline", ["end_year=2029"]), seed=5)
    use_policy(model.funder_by_id["national"], FundNothing())
    use_policy(model.region_by_id["KZ-61"], ProposeNothing())
    model.run()
    national = [
        r for r in model.pipeline.ledger if r[2] == "national" and r[3] == "commitment" and r[4] != "overrun_topup"
    ]
    assert national == []
    assert not any(p.region_id == "KZ-61" and p.owner.startswith("Turkestan") for p in model.pipeline.projects)
    assert any(p.region_id == "KZ-61" for p in model.pipeline.projects)  # utilities still propose there
    model.close()


def test_additionality_compares_runs_with_the_same_weather():
    a = additionality("baseline", seed=4, overrides=["end_year=2035"], by_instrument=False)
    assert set(a.summary["counterfactual"]) == {"all"}
    nat = a.national
    assert set(nat["counterfactual"]) == {"all"}
    # every outcome of every year, with and without, and the difference
    np.testing.assert_allclose(nat["additional"], nat["with_eu"] - nat["without_eu"])
    # the counterfactual spends no EU money, the run some
    s = a.summary.iloc[0]
    assert s["eu_money_meur"] > 0
    assert a.meta["instruments"].keys() == set(instruments("eu")["instrument_id"])
    # the same weather: the counterfactual scenario differs only in the EU levers
    from wecsim.additionality import without

    sc = load_scenario("baseline", ["end_year=2035"])
    cf = without(sc, [lv for lvs in instruments("eu")["levers"] for lv in lvs], " without")
    assert cf.uncertainties == sc.uncertainties
    changed = {k for k, v in cf.levers.model_dump().items() if v != sc.levers.model_dump()[k]}
    assert changed <= {lv for lvs in instruments("eu")["levers"] for lv in lvs}


def test_team_europe_scope_counts_member_states_and_the_eib():
    eu, te = instruments("eu"), instruments("team_europe")
    assert set(eu["instrument_id"]) < set(te["instrument_id"])
    assert "budget_germany_meur" in [lv for lvs in te["levers"] for lv in lvs]
    with pytest.raises(wecsim.WecsimError, match="scope"):
        instruments("nato")


def test_learning_runs_on_global_capacity():
    model = WECModel(load_scenario("baseline"), seed=1)
    solar_2025, solar_2040 = model.capex_multiplier("solar_pv", 2025), model.capex_multiplier("solar_pv", 2040)
    assert solar_2025 == 1.0 and solar_2040 < 0.75  # global additions make solar cheaper over time
    assert model.capex_multiplier("canal_lining", 2040) == 1.0  # civil works do not learn globally
    model.close()


def test_grid_links_absorb_at_most_their_capacity_over_the_hours_they_run():
    model = WECModel(load_scenario("baseline"), seed=1)
    model.step()
    base = model.variable_limit_share()
    demand = model.last["electricity_demand_mwh"]
    # add a 500 MW link as if it operated
    model._operating_size("grid_interconnection")[0] += 500.0
    added_mwh = (model.variable_limit_share() - base) * demand
    assert 0 < added_mwh <= 500.0 * 8760
    model.close()


def test_kenderli_desalination_is_in_the_base_year_supply():
    model = WECModel(load_scenario("baseline"), seed=1)
    i = model.region_index["KZ-47"]
    # the state before the first year: no project operates yet, so this is the existing plant
    assert model.state.desal_m3[i] == pytest.approx(50_000 * model.catalog["desalination"].water_m3_per_unit_yr)
    model.close()


def test_uncollected_waste_and_the_gas_backstop_are_counted(baseline):
    nat = _nat(baseline)
    assert (nat["uncollected_mt"] > 0).all()
    assert (nat["co2_waste_mt"] > 0).all()
    retire = _nat(wecsim.run("baseline", seed=42, overrides=["coal_retirement_mw_per_yr=2000", "end_year=2040"]))
    added = retire["backstop_gas_mw_added"]
    assert added.sum() > 0
    np.testing.assert_allclose(retire["backstop_gas_capex_meur"], added * 1.39)


def test_results_name_each_funders_instrument_and_support(baseline):
    led = baseline.ledger
    support = led[led["kind"] == "support"]
    assert set(support["instrument"]) <= {"preparation", "blending", "guarantee"}
    assert {"preparation", "guarantee"} <= set(support["instrument"])
    # support pays no capex: built projects are paid in full by commitments alone
    p = baseline.project
    built = p[p["operating_year"].notna()]
    np.testing.assert_allclose(built["committed_meur"], built["contract_cost_meur"], rtol=1e-9)
    assert isinstance(pd.Series(dtype=float), pd.Series)


def test_a_utility_loan_cuts_its_debt_capacity_the_same_year():
    # the largest debt service still due is kept for the year; a new loan must count at once
    model = WECModel(load_scenario("baseline"), seed=3)
    for _ in range(3):
        model.step()
    u = max(model.water_utilities, key=lambda w: w.debt_capacity_meur())
    before = u.debt_capacity_meur()
    assert before > 0
    P = model.P
    tenor, grace = int(P["ifi_loan_tenor_yr"]), int(P["ifi_loan_grace_yr"])
    u.borrow(before / 2, tenor, grace)
    after = u.debt_capacity_meur()
    # the new payment (an annuity on half the capacity) is the largest still due: half the room is left
    assert after == pytest.approx(before / 2, rel=1e-6)
    u.borrow(after, tenor, grace)
    assert u.debt_capacity_meur() == pytest.approx(0.0, abs=1e-9)


def test_the_proposal_rules_see_each_years_wear_and_waste():
    # the rules work out their gaps once a year for all regions: a new year must bring new gaps
    model = WECModel(load_scenario("baseline"), seed=3)
    model.step()
    planned = model.year_tables["sorting_recycling"].plan_t  # last year's sorting plan
    model._begin_year()
    n = len(model.region_agents)
    renewal = [model.renewal_gap("water_network", i) for i in range(n)]
    model.state.wear["water_network"] -= 0.2  # pipes renewed meanwhile
    model.last["msw_generated_t"] = model.last["msw_generated_t"] * 2  # waste doubles
    model._begin_year()
    newer = [model.renewal_gap("water_network", i) for i in range(n)]
    assert all(w <= r for w, r in zip(newer, renewal, strict=True)) and sum(newer) < sum(renewal)
    model.waste_utilities[0]._propose_sorting()
    assert (model.year_tables["sorting_recycling"].plan_t > 1.5 * planned).all()


@pytest.mark.parametrize(("scenario", "seed"), [("baseline", 7), ("team_europe_accelerated", 1)])
def test_a_funder_skips_a_later_look_only_when_it_would_find_nothing_again(monkeypatch, scenario, seed):
    # the finance round lets a funder skip a later pass when its last look found nothing and nothing
    # it reads has changed since; every table must be the same as when every funder looks every time
    from wecsim.agents.funder import Funder

    skipped = []
    finds_nothing_new = Funder.finds_nothing_new

    def counted(self, book):
        skip = finds_nothing_new(self, book)
        skipped.append(skip)
        return skip

    monkeypatch.setattr(Funder, "finds_nothing_new", counted)
    fast = wecsim.run(scenario, seed=seed)
    assert sum(skipped) > 100  # the round does skip looks
    monkeypatch.setattr(Funder, "finds_nothing_new", lambda self, book: False)
    slow = wecsim.run(scenario, seed=seed)
    for name in ("refusals", "ledger", "project", "transitions", "funder", "national"):
        pd.testing.assert_frame_equal(getattr(fast, name), getattr(slow, name), check_exact=True, obj=name)


def _model_and_last_years_book(monkeypatch, seed: int, years: int):
    """Step the baseline ``years`` years; return the model and a fresh book of the last year's candidates."""
    model = WECModel(load_scenario("baseline"), seed=seed)
    books = []
    make_book = WECModel._book

    def keep_book(self, candidates):
        books.append(make_book(self, candidates))
        return books[-1]

    monkeypatch.setattr(WECModel, "_book", keep_book)
    for _ in range(years):
        model.step()
    return model, make_book(model, books[-1].projects)


def test_a_regional_fund_looks_again_when_money_comes_back_to_it(monkeypatch):
    # an empty look is skipped in later passes only until something it reads changes: here a pledge
    # withdrawn gives a region's reserve back, and the region's other candidate becomes fundable
    from wecsim.agents.funder import screen_all

    model, book = _model_and_last_years_book(monkeypatch, seed=3, years=1)  # before any pledge
    book.screens = screen_all(model.capex_funders, book)
    f = model.funder_by_id["local"]
    rows = book.screens["local"].open_rows
    region = book.region[rows]
    two = next(r for r in np.unique(region) if (region == r).sum() >= 2)
    first, second = rows[region == two][:2]
    f.reserve_meur[:] = 0.0
    model._round_refusals = {}
    assert not len(f.max_offers(book)[0])  # no reserve anywhere: nothing to offer
    book.empty_since["local"] = book.tick
    assert f.finds_nothing_new(book)
    f.reserve_meur[two] = 1.0
    book.pledge(f, np.array([first]), np.array([1.0]))  # the region's whole reserve to one project ...
    book.empty_since["local"] = book.tick
    assert f.finds_nothing_new(book)
    book.withdraw(np.array([first]), model.funder_by_id)  # ... that cannot close: the money comes back
    assert f.reserve_meur[two] == pytest.approx(1.0)
    assert not f.finds_nothing_new(book)
    offered, _ = f.max_offers(book)
    assert second in offered and first not in offered


def test_the_funders_score_table_gives_each_funder_its_own_scores(monkeypatch):
    # merit_all works out every funder's ranking score as one funders x candidates table; each funder's
    # own rule (sector priority, BCR or FNPV per euro, focus bonus) must give the same numbers, bit for bit
    from wecsim.agents.funder import merit_all

    model, book = _model_and_last_years_book(monkeypatch, seed=2, years=6)
    table = merit_all(model.capex_funders, book)
    plain = [f for f in model.capex_funders if f.funder_id in table]
    assert {f.rank_by for f in plain} >= {"bcr", "fnpv"} and any(f.focus for f in plain)
    assert "national" not in table  # a funder kind with its own rule keeps it
    rows = np.arange(len(book))
    for f in plain:
        own = f.score(book, rows)  # book.scores is empty: the funder works out its own
        assert own.tobytes() == table[f.funder_id].tobytes(), f.funder_id
        if f.focus:  # the bonus does apply to some candidates and not to others
            assert 0 < book.has_focus(f.focus).sum() < len(book), f.funder_id


def test_pledges_withdrawn_from_a_project_leave_the_standing_ones_in_order_and_refund_the_funders(monkeypatch):
    # the book keeps its pledges as columns; withdrawing a project that cannot close gives each of its
    # pledges back to its funder and leaves the other pledges standing, in the order they were made
    from wecsim.agents.funder import Funder

    model, book = _model_and_last_years_book(monkeypatch, seed=3, years=1)
    assert len(book) >= 3
    first, second = [f for f in model.capex_funders if type(f) is Funder][:2]
    before = first.available_meur, second.available_meur
    book.pledge(first, np.array([0, 1, 2]), np.array([1.0, 2.0, 3.0]))
    book.pledge(second, np.array([1]), np.array([0.5]))
    assert first.available_meur == pytest.approx(before[0] - 6.0)
    book.withdraw(np.array([1]), model.funder_by_id)
    fids, instruments, rows, amounts = book.standing_pledges()
    assert fids == [first.funder_id, first.funder_id] and rows == [0, 2] and amounts == [1.0, 3.0]
    assert instruments == [first.instrument] * 2
    assert first.available_meur == pytest.approx(before[0] - 4.0)
    assert second.available_meur == pytest.approx(before[1])
    assert not book.open[1] and book.open[0] and book.open[2]
