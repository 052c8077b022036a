"""Directional effects and reproducibility: the model responds to policy and climate as it should."""

import numpy as np
import pandas as pd
import pytest

import wecsim
from wecsim.projects.catalog import catalog
from wecsim.runner import tables_equal

SEEDS = (1, 2, 3)


def _nat(res):
    return res.national.set_index("year")


@pytest.mark.parametrize("seed", SEEDS)
def test_more_national_money_builds_more_and_cuts_the_deficit(seed):
    """The national budget binds: with more of it more is built and less water is short."""
    low = _nat(wecsim.run("baseline", seed=seed, overrides=["budget_national_bn_kzt=200"]))
    high = _nat(wecsim.run("baseline", seed=seed, overrides=["budget_national_bn_kzt=600"]))
    assert high.loc[2050, "capacity_built_ref_meur"] > low.loc[2050, "capacity_built_ref_meur"]
    assert high.loc[2026:, "water_deficit_km3"].sum() < low.loc[2026:, "water_deficit_km3"].sum()
    assert high.loc[2035, "water_network_wear"] < low.loc[2035, "water_network_wear"]


def test_no_eu_finance_builds_less_than_team_europe():
    none = _nat(wecsim.run("no_eu_finance", seed=5))
    team = _nat(wecsim.run("team_europe_accelerated", seed=5))
    assert team.loc[2050, "capex_built_meur"] > none.loc[2050, "capex_built_meur"]
    assert team.loc[2050, "res_share"] > none.loc[2050, "res_share"]


@pytest.mark.parametrize("seed", SEEDS)
def test_drought_scenario_has_larger_deficit(seed):
    base = _nat(wecsim.run("baseline", seed=seed))
    dry = _nat(wecsim.run("drought_2030s", seed=seed))
    assert dry.loc[2026:, "water_deficit_km3"].sum() > base.loc[2026:, "water_deficit_km3"].sum()
    assert dry.loc[2040:, "water_deficit_km3"].mean() > base.loc[2040:, "water_deficit_km3"].mean()


def test_aktau_plant_adds_capacity_after_build_time_and_raises_power_demand():
    base = wecsim.run("aktau_desalination", seed=11, overrides=["aktau_desal_m3_per_day=0"])
    akt = wecsim.run("aktau_desalination", seed=11)
    plant = akt.project[akt.project["name"] == "Aktau desalination plant"]
    assert len(plant) == 1
    plant = plant.iloc[0]
    tech = catalog()["desalination"]
    assert plant["size"] == 150_000 and plant["region_id"] == "KZ-47" and plant["proposed_year"] == 2027
    assert plant["stage"] == "operating"
    assert plant["operating_year"] >= 2027 + tech.build_time_yr
    year = int(plant["operating_year"])
    reg = akt.region.set_index(["year", "region_id"])
    # no Aktau water before commissioning, Mangystau's municipal gap closed from then on
    before = reg.loc[(year - 1, "KZ-47")]
    after = reg.loc[(year, "KZ-47")]
    assert after["desalination_mm3"] > before["desalination_mm3"]
    assert after["municipal_deficit_mm3"] == pytest.approx(0, abs=1e-6)
    # power demand rises by exactly the energy the extra desalinated, reused and treated water needs
    a, b = _nat(akt).loc[year], _nat(base).loc[year]
    extra_twh = (
        (a["desalination_km3"] - b["desalination_km3"]) * tech.energy_use_kwh_per_m3
        + (a["reuse_km3"] - b["reuse_km3"]) * catalog()["wastewater_reuse"].energy_use_kwh_per_m3
        + (a["wastewater_treated_km3"] - b["wastewater_treated_km3"])
        * catalog()["wastewater_treatment"].energy_use_kwh_per_m3
    )
    assert a["desalination_km3"] > b["desalination_km3"]
    assert a["electricity_demand_twh"] - b["electricity_demand_twh"] == pytest.approx(extra_twh, rel=1e-9)


def test_more_renewable_auctions_raise_res_share_and_cut_co2():
    base = _nat(wecsim.run("baseline", seed=4))
    more = _nat(wecsim.run("baseline", seed=4, overrides=["res_auction_mw_per_yr=2000"]))
    assert more.loc[2050, "res_share"] > base.loc[2050, "res_share"]
    assert more.loc[2050, "co2_power_mt"] < base.loc[2050, "co2_power_mt"]


def test_early_warning_reduces_flood_damage():
    # warnings cut 1-2% of a run's flood damage, of the order of the knock-on effects of any change on
    # which other projects get the money, so the damage is compared over three seeds, coverage in each
    damage = {"base": 0.0, "ews": 0.0}
    for seed in (4, 5, 6):
        base = _nat(wecsim.run("baseline", seed=seed))
        ews = _nat(wecsim.run("baseline", seed=seed, overrides=["flood_ews_target_coverage=1"]))
        assert ews["flood_return_period_yr"].equals(base["flood_return_period_yr"])  # same weather
        assert ews["ews_coverage"].iloc[-1] > base["ews_coverage"].iloc[-1]
        damage["base"] += base["flood_damage_meur"].sum()
        damage["ews"] += ews["flood_damage_meur"].sum()
    assert damage["ews"] < damage["base"], damage


def test_higher_epr_fees_raise_recycling():
    base = _nat(wecsim.run("baseline", seed=2))
    epr = _nat(wecsim.run("baseline", seed=2, overrides=["epr_fee_multiplier=3"]))
    assert epr.loc[2030, "recycling_rate"] > base.loc[2030, "recycling_rate"]


def test_same_seed_same_result_bit_for_bit():
    a = wecsim.run("baseline", seed=123)
    b = wecsim.run("baseline", seed=123)
    assert tables_equal(a, b)
    for name, df in a.tables().items():
        assert df.equals(b.tables()[name]), name
    assert len(a.refusals) > 1000  # the funders' refusals are recorded, in the same order


def test_a_shorter_run_is_the_first_years_of_a_longer_one():
    """Common random numbers hold between runs of different lengths: a run to 2030 gets the same
    weather, sites and project draws in 2025-2030 as the same seed run to 2050, so every national
    value up to 2030 is the same (before each stream drew its years in one block, and 40 columns
    differed by 2030)."""
    for seed in (1, 42):
        short = _nat(wecsim.run("baseline", seed=seed, overrides=["end_year=2030"]))
        long = _nat(wecsim.run("baseline", seed=seed)).loc[:2030]
        pd.testing.assert_frame_equal(short, long)


def test_different_seeds_differ_where_stochastic():
    a, b = wecsim.run("baseline", seed=1), wecsim.run("baseline", seed=2)
    assert not tables_equal(a, b)
    assert not a.refusals.equals(b.refusals)  # other projects are proposed, so other refusals
    na, nb = _nat(a), _nat(b)
    assert not np.array_equal(na["flood_return_period_yr"], nb["flood_return_period_yr"])
    assert not np.array_equal(na["basins_in_drought"], nb["basins_in_drought"])
    # the base year reproduces observed conditions whatever the seed
    cols = ["withdrawal_km3", "generation_twh", "recycling_rate"]
    assert na.loc[2025, cols].equals(nb.loc[2025, cols])


def test_fast_national_path_equals_full_run():
    from wecsim.runner import run_national
    from wecsim.scenario import load_scenario

    sc = load_scenario("drought_2030s")
    assert run_national(sc, seed=9).equals(wecsim.run(sc, seed=9).national)


def test_funder_without_budget_commits_nothing_and_reviews_nothing():
    """With no EU grant envelope the EU commits nothing and records no refusals (it is not asked)."""
    res = wecsim.run("baseline", seed=3, overrides=["budget_eu_grant_meur=0", "end_year=2030"])
    assert (res.ledger["funder_id"] != "eu_grant").all()
    assert (res.refusals["funder_id"] != "eu_grant").all()
    usual = wecsim.run("baseline", seed=3, overrides=["end_year=2030"])
    assert usual.investment_by_funder()["eu_grant"] > 0
    # with its usual envelope it reviews proposals and turns some down, for reasons of its own rules
    eu = usual.refusals[usual.refusals["funder_id"] == "eu_grant"]
    assert len(eu) > 0
    assert set(eu["reason"]) <= {
        "economic NPV below zero",
        "not prepared to the funder's standard",
        "no room under the share caps",
        "envelope used up",
        "ranked below other proposals",
        "borrower refused the tariff condition",
    }
