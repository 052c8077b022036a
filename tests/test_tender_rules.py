"""Tender and auction rules: who may bid and who localises (D3, local content); the renewables auction
(pay-as-bid under a ceiling price, KOREM rules)."""

import numpy as np
import pandas as pd
import pytest

import wecsim
from wecsim.agents.utility import auction_bids
from wecsim.errors import ScenarioError
from wecsim.model import WECModel
from wecsim.scenario import load_scenario


def _localisation_after(years: int, local_content: float) -> tuple[dict[str, float], dict[str, float]]:
    model = WECModel(load_scenario("baseline", overrides=[f"local_content_share={local_content}"]), seed=3)
    before = {f.firm_id: f.localisation for f in model.firms}
    for _ in range(years):
        model.step()
    return before, {f.firm_id: f.localisation for f in model.firms}


def test_firms_shut_out_by_the_local_content_rule_localise_and_no_others():
    before, after = _localisation_after(6, 0.6)
    moved = [fid for fid in before if after[fid] != before[fid]]
    assert moved, "a rule most foreign firms fail should make some of them localise"
    # only firms the rule shut out localise, and never past full localisation
    assert all(before[fid] + 1e-9 < 0.6 for fid in moved)
    assert all(before[fid] < after[fid] <= 1.0 for fid in moved)


def test_a_firm_stops_localising_once_it_meets_the_rule():
    # once its local share meets the rule the firm bids, so it is no longer shut out and stops there
    model = WECModel(load_scenario("baseline", overrides=["local_content_share=0.6"]), seed=3)
    before = {f.firm_id: f.localisation for f in model.firms}
    for _ in range(12):
        model.step()
    step = model.P["localisation_step"]
    moved = [f for f in model.firms if f.localisation != before[f.firm_id]]
    assert moved
    assert all(f.localisation < 0.6 + step - 1e-9 for f in moved)


def test_without_a_local_content_rule_no_firm_localises():
    before, after = _localisation_after(6, 0.0)
    assert after == before


# ----------------------------------------------------------------- the renewables auction (pay-as-bid under a ceiling)
def _costs(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(30.0, 60.0, n)  # EUR/MWh, a spread of site costs


@pytest.mark.parametrize("seed", range(5))
def test_a_bid_lies_between_its_cost_and_the_ceiling_and_keeps_the_order_of_costs(seed):
    cost, ceiling = _costs(12, seed), 48.0
    qualified = cost <= ceiling
    bid = auction_bids(cost, qualified, ceiling, slots=3)
    assert (bid[qualified] >= cost[qualified]).all() and (bid[qualified] <= ceiling + 1e-12).all()
    order = np.argsort(cost[qualified])
    assert (np.diff(bid[qualified][order]) >= 0).all()  # a cheaper site never bids more


@pytest.mark.parametrize("seed", range(5))
def test_competition_lowers_bids_and_a_higher_ceiling_raises_them(seed):
    cost = _costs(12, seed)
    qualified = cost <= 45.0
    bid = auction_bids(cost, qualified, 45.0, slots=3)
    # the same bidders under a higher cap bid more (the margin is a share of the gap to the ceiling)
    assert (auction_bids(cost, qualified, 55.0, slots=3)[qualified] > bid[qualified]).all()
    # one award instead of three: stronger competition for it, lower bids
    assert (auction_bids(cost, qualified, 45.0, slots=1)[qualified] <= bid[qualified] + 1e-12).all()
    # more sites under the cap (the cheapest site added) compete for the same awards: no bid rises
    more = qualified | (cost == cost[~qualified].min())
    assert (auction_bids(cost, more, 45.0, slots=3)[qualified] <= bid[qualified] + 1e-12).all()


def test_without_competition_every_qualified_bidder_bids_the_ceiling():
    cost = np.array([30.0, 35.0, 70.0])
    bid = auction_bids(cost, cost <= 50.0, 50.0, slots=4)
    assert bid[:2].tolist() == [50.0, 50.0] and bid[2] == 70.0


def test_a_lower_cost_of_capital_lowers_the_bid():
    """The EU guarantee lowers a bid's cost (its cost of capital), and so the price paid for it."""
    cost = np.array([40.0, 44.0, 47.0, 52.0])
    with_guarantee = cost.copy()
    with_guarantee[3] = 46.0  # the guaranteed cost of the bid above the ceiling
    qualified = with_guarantee <= 48.0
    bid = auction_bids(with_guarantee, qualified, 48.0, slots=2)
    assert bid[3] < 48.0 and bid[3] < auction_bids(np.array([47.5]), np.array([True]), 48.0, slots=2)[0] + 1e-12


@pytest.fixture(scope="module")
def ceiling_runs() -> dict[float, pd.DataFrame]:
    """The baseline to 2035 (seed 5) at four ceilings, KZT/kWh."""
    return {
        c: wecsim.run(
            "baseline", seed=5, overrides=[f"res_auction_ceiling_kzt_per_kwh={c}", "end_year=2035"]
        ).national.set_index("year")
        for c in (16.0, 19.0, 22.68, 30.0)
    }


def test_the_auction_awards_at_most_the_volume_at_prices_at_or_below_the_ceiling(ceiling_runs):
    for ceiling, nat in ceiling_runs.items():
        assert (nat["res_awarded_mw"] <= nat["res_auctioned_mw"] + 1e-9).all()
        assert (nat["res_guaranteed_mw"] <= nat["res_awarded_mw"] + 1e-9).all()
        price = nat["res_auction_price_kzt_per_kwh"]
        assert (price <= ceiling + 1e-9).all() and (price >= 0).all()
        assert ((price > 0) == (nat["res_awarded_mw"] > 0)).all()


def test_a_higher_ceiling_never_awards_less_and_pays_more(ceiling_runs):
    ceilings = sorted(ceiling_runs)
    awarded = [ceiling_runs[c]["res_awarded_mw"].sum() for c in ceilings]
    assert all(np.diff(awarded) >= 0) and awarded[-1] > awarded[0]
    # the price paid is an outcome below the ceiling, and it rises with it
    paid = [ceiling_runs[c].loc[2025:2035, "res_auction_price_kzt_per_kwh"].replace(0, np.nan).mean() for c in ceilings]
    assert all(np.diff(paid) > 0)


def test_the_retired_ppa_price_names_its_replacement():
    with pytest.raises(ScenarioError, match="res_auction_ceiling_kzt_per_kwh"):
        load_scenario("baseline", overrides=["ppa_price_kzt_per_kwh=17.5"])


# ----------------------------------------------------------------- whose procurement rules apply
def test_any_ifi_share_brings_ifi_rules_and_none_keeps_kazakh_public_procurement():
    """IFI rules apply to contracts the IFI finances in whole or in part (World Bank Procurement Guidelines, I)."""
    from wecsim.projects.pipeline import Project
    from wecsim.projects.tender import _winner

    model = WECModel(load_scenario("baseline"), seed=3)
    region = model.region_agents[0].region_id
    project = Project(0, "test plant", "wastewater_treatment", "water", region, "utility", 1.0, 10.0, model.year)
    firms = [f for f in model.firms if "wastewater_treatment" in f.technologies][:2]
    low, high = 5.0, 10.0  # the low bid is 50% under the EUR 10 M estimate, past the dumping limit
    floor = (1 - model.P["dumping_limit_share"]) * project.capex_estimate_meur

    project.commitments = {"local": 10.0}  # no foreign money: Kazakh rules lift the low bid to the floor
    assert _winner(model, project, firms, [low, high])[1] == pytest.approx(floor)
    project.commitments = {"local": 9.9, "world_bank": 0.1}  # 1% from an IFI: its rules, no dumping floor
    assert _winner(model, project, firms, [low, high])[1] == pytest.approx(low)


def test_under_kazakh_rules_the_lowest_own_price_wins_at_the_dumping_limit_the_first_of_equals():
    """Bids below the dumping limit are lifted to it; among them the firm with the lowest own price wins."""
    from wecsim.projects.pipeline import Project
    from wecsim.projects.tender import _winner

    model = WECModel(load_scenario("baseline"), seed=3)
    region = model.region_agents[0].region_id
    project = Project(0, "test plant", "wastewater_treatment", "water", region, "utility", 1.0, 10.0, model.year)
    project.commitments = {"local": 10.0}
    firms = [f for f in model.firms if "wastewater_treatment" in f.technologies][:4]
    floor = (1 - model.P["dumping_limit_share"]) * project.capex_estimate_meur
    assert _winner(model, project, firms, [8.5, 7.0, 7.0, 12.0]) == (firms[1], floor)
    assert _winner(model, project, firms, [12.0, 9.5, 11.0, 9.5]) == (firms[1], 9.5)
    assert _winner(model, project, firms, [8.0, 9.2, 8.5, 8.0]) == (firms[0], floor)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_free_firms_kept_in_order_pick_the_bidders_a_fresh_sort_would(seed):
    # through a year's tenders FreeFirms keeps the free firms least busy first as they win; each tender
    # must see the same bidders as sorting the firms again (Firm.free_bidders), firms filling up included
    from wecsim.agents.firm import Firm, FreeFirms

    model = WECModel(load_scenario("baseline"), seed=seed)
    for _ in range(4):
        model.step()
    firms = max(model.firms_by_tech.values(), key=len)
    rng = np.random.default_rng(seed)
    for f in firms:
        f.max_contracts = int(rng.integers(1, 4))
        f.active_contracts = int(rng.integers(0, f.max_contracts + 1))
    free = FreeFirms(firms)
    slots = sum(f.max_contracts - f.active_contracts for f in firms)
    for most in rng.integers(2, 12, size=slots + 1).tolist():
        bidders = free.bidders(most)
        assert bidders == Firm.free_bidders(firms, most)
        if not bidders:
            break
        winner = bidders[int(rng.integers(len(bidders)))]
        winner.active_contracts += 1
        free.won(winner, winner.active_contracts - 1)
    assert not free.bidders(3)  # every slot taken in the end


def test_exclusions_are_counted_afresh_each_year():
    # a firm shut out once a year for years never adds those up to a localisation step
    model = WECModel(load_scenario("baseline", overrides=["local_content_share=0.6"]), seed=3)
    for _ in range(4):
        model.step()
        assert all(f.excluded_this_year == 0 for f in model.firms)
