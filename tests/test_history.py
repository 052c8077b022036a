"""History mode (issue 12): the decade's mechanisms a 2015 run replays, each against its data and its absence."""

import numpy as np
import pandas as pd
import pytest

import wecsim
from wecsim.datasets import parameters, table
from wecsim.model import WECModel
from wecsim.projects.pipeline import Stage
from wecsim.runner import national_table
from wecsim.scenario import load_scenario
from wecsim.stocks import fleet_additions, stocks

HISTORY = "history_2015"


def _history(end_year: int = 2025, overrides: tuple[str, ...] = ()):
    """The shipped history scenario to ``end_year`` (2025 at the earliest: its schedules run to 2025)."""
    return load_scenario(HISTORY, [f"end_year={end_year}", *overrides])


def _national(overrides: list[str], end_year: int = 2025, seed: int = 1) -> pd.DataFrame:
    return wecsim.run(_history(end_year, tuple(overrides)), seed=seed).national.set_index("year")


@pytest.fixture(scope="module")
def history_projects() -> pd.DataFrame:
    """Every project of the shipped history run, 2015-2026."""
    return wecsim.run(_history(2026), seed=1).project


# ----------------------------------------------------------------------------- ceiling prices in today's money
def test_the_decades_ceiling_prices_are_the_nominal_ceilings_in_2024_tenge():
    """The ceiling schedule is each year's nominal ceiling x CPI 2024 / CPI of the year (history_prices.csv)."""
    prices = table("history_prices")
    cpi = prices[prices["item"] == "cpi"].set_index("year")["value"]
    nominal = prices[prices["item"] == "res_ceiling_nominal"].set_index("year")["value"]
    assert list(cpi.index) == list(range(2015, 2025)) == list(nominal.index)
    sc = load_scenario(HISTORY)
    for year, price in nominal.items():
        assert sc.value_in("res_auction_ceiling_kzt_per_kwh", year) == pytest.approx(
            price * cpi[2024] / cpi[year], abs=0.05
        )
    # the nominal ceiling stood at 22.67-22.68 while prices rose: 39.5 in 2024 tenge in 2018
    assert sc.value_in("res_auction_ceiling_kzt_per_kwh", 2018) > 1.7 * nominal[2018]
    # the winning bids (res_price_nominal) are an output to compare with, below their year's ceiling
    won = prices[prices["item"] == "res_price_nominal"].set_index("year")["value"]
    assert (won <= nominal.reindex(won.index)).all()


def test_ceilings_in_todays_money_award_more_of_the_2018_auction_than_the_nominal_ceiling():
    real = _national([])
    nominal = _national(["levers.res_auction_ceiling_kzt_per_kwh.2018=22.67"])
    offered = load_scenario(HISTORY).value_in("res_auction_mw_per_yr", 2018)
    assert real.loc[2018, "res_auctioned_mw"] == nominal.loc[2018, "res_auctioned_mw"] == offered == 910
    assert real.loc[2018, "res_awarded_mw"] > nominal.loc[2018, "res_awarded_mw"] + 200


def test_the_2021_to_2024_auctions_award_under_their_ceilings_at_prices_below_them():
    """The old rule took the winning bids as the threshold and awarded nothing from 2021; under the ceiling it does."""
    nat = _national([])
    sc = load_scenario(HISTORY)
    years = range(2021, 2025)
    assert nat.loc[years, "res_awarded_mw"].sum() > 0.5 * nat.loc[years, "res_auctioned_mw"].sum()
    for y in years:
        price = nat.loc[y, "res_auction_price_kzt_per_kwh"]
        assert 0 < price <= sc.value_in("res_auction_ceiling_kzt_per_kwh", y) + 1e-9


# ----------------------------------------------------------------------------- feed-in tariffs 2015-2019
def _without_techs(techs: set[str]) -> pd.DataFrame:
    """The history run to 2025 without the fleet additions of ``techs`` (seed 1)."""
    model = WECModel(_history(), seed=1)
    names = {i: t for t, i in model.fleet_index.items()}
    model.fleet_additions = [(y, i, mw) for y, i, mw in model.fleet_additions if names[i] not in techs]
    model.run()
    nat = national_table(model).set_index("year")
    model.close()
    return nat


def test_the_feed_in_tariff_plants_join_the_fleet_in_their_years_and_no_auction_comes_before_2018():
    """The FiT wind and solar farms (contracted before the auctions) run from their commissioning year
    (fleet_additions.csv): the fleet reaches the installed MW of end-2019, and the run holds no
    auction before the first real one (2018)."""
    added = fleet_additions(2015)
    start = stocks(2015).fleet["capacity_mw"]
    techs = list(table("power_fleet")["tech"])
    for tech, mw_2019 in (("wind", 280), ("solar", 540)):  # Ember's installed MW at end-2019
        years = {year for year, t, _ in added if t == tech}
        assert years and max(years) == 2019, tech  # the auctions build the plants after 2019
        reached = start[techs.index(tech)] + sum(mw for _, t, mw in added if t == tech)
        assert reached == pytest.approx(mw_2019, abs=1), tech
    with_fit = _national([])
    without = _without_techs({"wind", "solar"})
    assert (with_fit.loc[2015:2017, "res_auctioned_mw"] == 0).all()
    assert (with_fit.loc[2015:2017, "res_awarded_mw"] == 0).all()
    wind_solar = ["generation_wind_twh", "generation_solar_twh"]
    gained = with_fit[wind_solar].sum(axis=1) - without[wind_solar].sum(axis=1)
    assert gained.loc[2015] == 0  # the 2015 stock is the same
    # 2019's 490 MW add at least 1 TWh a year from 2019 on (their capacity factors, power_fleet.csv)
    assert gained.loc[2019] > 1.0 and gained.loc[2019] > gained.loc[2018] + 0.7
    assert with_fit.loc[2020, "res_share"] > without.loc[2020, "res_share"]


# ----------------------------------------------------------------------------- auction deadlines
def _auction_lags(parameter_changes: dict[str, float] | None = None) -> dict[str, list[int]]:
    """Years from auction to operation of every operating auction farm of the history run to 2025."""
    model = WECModel(_history(2025), seed=1, parameter_changes=parameter_changes)
    model.run()
    lags: dict[str, list[int]] = {}
    for p in model.pipeline.in_stage(Stage.OPERATING):
        if p.tech_id in ("solar_pv", "wind") and p.ppa_eur_per_mwh == p.ppa_eur_per_mwh:  # has a PPA
            lags.setdefault(p.tech_id, []).append(p.operating_year - p.proposed_year)
    return lags


def test_auction_farms_run_within_their_ppa_deadline_counted_from_the_auction():
    """Solar winners must build within 24 months of the auction, wind within 36 (parameters.csv):
    without delay a solar farm runs two years after its auction, a wind farm three."""
    lags = _auction_lags()
    assert min(lags["solar_pv"]) == 2
    assert min(lags["wind"]) == 3
    # the deadline is what sets it: a 36-month solar deadline gives solar wind's lag
    assert min(_auction_lags({"auction_build_deadline_solar_pv_months": 36})["solar_pv"]) == 3


# ----------------------------------------------------------------------------- programmes start in their real years
def test_a_2015_run_proposes_no_water_concept_reservoir_before_2024(history_projects):
    reservoirs = history_projects[(history_projects["technology"] == "reservoir") & history_projects["programme"]]
    assert len(reservoirs) > 0, "the Water Concept's reservoir programme proposes from 2024"
    assert reservoirs["proposed_year"].min() >= 2024


def test_a_2015_run_lines_no_canal_before_zhasyl_kazakhstan(history_projects):
    canals = history_projects[history_projects["technology"] == "canal_lining"]
    assert len(canals) > 0 and canals["proposed_year"].min() >= 2021


@pytest.mark.parametrize(("asset_id", "start"), [("water_network", 2023), ("irrigation_structures", 2024)])
def test_wear_paths_hold_until_their_programme_starts_then_fall_to_the_target(asset_id, start):
    model = WECModel(_history(), seed=1)
    first = model.wear_target(asset_id, 2015)
    assert [model.wear_target(asset_id, y) for y in range(2015, start + 1)] == [first] * (start - 2014)
    target = model.assets[asset_id]
    assert model.wear_target(asset_id, start + 1) < first
    assert model.wear_target(asset_id, int(target["target_year"])) == pytest.approx(target["wear_target"])
    model.close()


def test_a_run_starting_after_the_programmes_start_keeps_its_path_from_the_start():
    """For the baseline (2025) the programmes have begun: the path starts falling in the first year, as before."""
    model = WECModel(load_scenario("baseline", ["end_year=2026"]), seed=1)
    for asset_id in ("water_network", "sewer_network", "irrigation_structures"):
        assert model.wear_target(asset_id, 2026) < model.wear_target(asset_id, 2025)
    assert model.treatment_target(2026) > model.treatment_target(2025)
    model.close()


def test_the_wastewater_path_holds_until_the_national_programme():
    model = WECModel(_history(), seed=1)
    assert model.treatment_target(2023) == model.treatment_target(2015)
    assert model.treatment_target(2024) > model.treatment_target(2023)
    model.close()


# ----------------------------------------------------------------------------- 2015 stocks on the model's basis
def test_the_2015_irrigated_area_is_on_the_2025_stocks_basis_and_keeps_the_water_saving_hectares():
    st = stocks(2015)
    area = st.region["irrigated_kha"]
    basis = 1732 / 1580  # the model's 2025 area over the official 2024 figure (base_stocks.csv)
    assert area.sum() == pytest.approx(1311 * basis, rel=2e-3)
    saving = (st.region["water_saving_share"] * area).sum()
    assert saving == pytest.approx(131, rel=0.02)  # the interpolated 2015 drip and sprinkler area
    assert np.all(area <= table("regions")["irrigated_kha"].to_numpy())  # no region irrigated more than in 2025


def test_the_irrigated_area_follows_the_official_path_and_arrives_at_the_2025_stock():
    """In observed years the area moves as the official one (history_drivers.csv); the 2024 area is
    then the baseline's 2025 stock, and from 2025 it grows at the model's rate."""
    official = table("history_drivers").query("item == 'irrigated_kha_official'").set_index("year")["value"]
    history = wecsim.run(_history(2027), seed=1).national.set_index("year")["irrigated_kha"]
    baseline = wecsim.run(load_scenario("baseline", ["end_year=2026"]), seed=1).national.set_index("year")
    assert history[2024] / history[2015] == pytest.approx(official[2024] / official[2015], rel=1e-9)
    expected_2020 = np.interp(2020, official.index, official) / official[2015]
    assert history[2020] / history[2015] == pytest.approx(expected_2020, rel=1e-9)
    assert history[2024] == pytest.approx(baseline.loc[2025, "irrigated_kha"], rel=2e-3)
    growth = 1 + parameters()["irrigated_area_growth_pct"] / 100
    assert history[2027] == pytest.approx(history[2024] * growth**3, rel=1e-9)
    # the baseline has no observed years: its area grows from the 2025 stock at the same rate
    assert baseline.loc[2026, "irrigated_kha"] == pytest.approx(baseline.loc[2025, "irrigated_kha"] * growth, rel=1e-9)


# ----------------------------------------------------------------------------- the decade's power plants
def test_the_decades_plants_join_in_their_year_and_the_fleet_reaches_the_2025_one():
    added = fleet_additions(2015)
    assert added and all(2015 < year <= 2025 for year, _, _ in added)
    assert fleet_additions(2025) == ()  # the 2025 fleet has them already
    start = stocks(2015).fleet["capacity_mw"]
    fleet = table("power_fleet").set_index("tech")["capacity_mw"]
    techs = list(fleet.index)
    for tech in {"gas", "hydro", "small_hydro"}:
        reached = start[techs.index(tech)] + sum(mw for _, t, mw in added if t == tech)
        assert reached == pytest.approx(fleet[tech], abs=1), tech
    with_plants = _national([])
    model = WECModel(_history(), seed=1)
    model.fleet_additions = []  # the same run without the decade's plants
    model.run()
    without = national_table(model).set_index("year")
    model.close()
    first = min(year for year, tech, _ in added if tech == "gas")
    assert (with_plants.loc[: first - 1, "generation_gas_twh"] == without.loc[: first - 1, "generation_gas_twh"]).all()
    assert with_plants.loc[first, "generation_gas_twh"] > without.loc[first, "generation_gas_twh"] + 1


def test_2015_industrial_water_is_the_2025_figure_run_back_and_grows_to_it():
    """No silent relabelling: the 2015 run starts below the 2025 industrial withdrawal and reaches it in 2025."""
    regions = table("regions")
    start = stocks(2015).region["industry_withdrawal_mm3"]
    assert np.all(start < regions["industry_withdrawal_mm3"].to_numpy())
    assert start.sum() == pytest.approx(7050 / 1.098, rel=1e-3)
    industry = _national([])["water_demand_industry_km3"]
    assert industry.loc[2015] == pytest.approx(start.sum() / 1e3, rel=1e-9)
    assert industry.loc[2025] == pytest.approx(regions["industry_withdrawal_mm3"].sum() / 1e3, rel=2e-3)


# ----------------------------------------------------------------------------- the irrigation subsidy of 2024
def _water_saving_gain_kha(subsidy: float, seed: int = 1) -> float:
    """Water-saving area added 2025-2030 in the baseline at a constant ``subsidy`` [kha]."""
    nat = wecsim.run(
        load_scenario("baseline", ["end_year=2030", f"levers.irrigation_subsidy_share={subsidy}"]), seed=seed
    ).national.set_index("year")
    area = nat["water_saving_irrigation_share"] * nat["irrigated_kha"]
    return float(area[2030] - area[2025])


def test_the_subsidy_scales_the_whole_water_saving_adoption_not_only_the_innovators():
    """The 80% subsidy of Dec 2023 lowers the farmer's price, and price multiplies the whole Bass
    hazard (Robinson & Lakhani 1975; Bass, Krishnan & Jain 1994): raising it from 50% to 80% adds
    close to 1 + beta x 0.3 = 1.9 times the hectares; the rule that scaled only the innovation
    term added 7% more."""
    beta = parameters()["bass_subsidy_beta"]
    at_80, at_50 = _water_saving_gain_kha(0.8), _water_saving_gain_kha(0.5)
    assert at_50 > 0
    assert at_80 / at_50 == pytest.approx(1 + beta * 0.3, rel=0.1)
    # the decade's 50% subsidy gives a factor of 1: the 2015-2023 history run is the rule's calibration
    model = WECModel(_history(), seed=1)
    assert {r.subsidy_response() for r in model.region_agents} == {1.0}
    model.close()
