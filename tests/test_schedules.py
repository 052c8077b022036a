"""Levers and uncertainties that change over time: reading, checking, running and writing schedules."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import wecsim
from wecsim import additionality
from wecsim.app.params import format_value
from wecsim.app.scenario_io import build_scenario
from wecsim.errors import ScenarioError
from wecsim.model import WECModel
from wecsim.results import TABLE_NAMES
from wecsim.scenario import Schedule, dump_scenario, load_scenario, registry
from wecsim.scenario.load import load_scenario_text
from wecsim.scenario.schedule import parse_schedule, total_over


# ----------------------------------------------------------------------------- the rule between points
def test_step_holds_each_value_until_the_next_point_and_the_ends_beyond():
    s = parse_schedule({2021: 1000, 2018: 250})
    assert s.rule == "step" and s.years == (2018, 2021)
    assert s.series(range(2015, 2025)).tolist() == [250, 250, 250, 250, 250, 250, 1000, 1000, 1000, 1000]


def test_linear_interpolates_between_points_and_holds_the_ends():
    s = parse_schedule({"linear": {2020: 0, 2030: 100}})
    assert s.at(2019) == 0 and s.at(2025) == 50 and s.at(2030) == 100 and s.at(2040) == 100


def test_years_written_as_text_are_years():
    """A schedule written out as JSON has text keys; it reads back the same."""
    assert parse_schedule({"2018": 1, "2021": 2}) == parse_schedule({2018: 1, 2021: 2})


@given(
    points=st.dictionaries(st.integers(2025, 2050), st.floats(0, 3000), min_size=1, max_size=10),
    rule=st.sampled_from(["step", "linear"]),
)
@settings(max_examples=60, deadline=None)
def test_values_stay_within_the_points_values_and_round_trip(points, rule):
    raw = points if rule == "step" else {"linear": points}
    s = parse_schedule(raw)
    series = s.series(range(2020, 2056))
    assert min(points.values()) <= series.min() and series.max() <= max(points.values())
    assert parse_schedule(s.to_plain()) == s
    for year, value in points.items():
        assert s.at(year) == value


# ----------------------------------------------------------------------------- scenario files
def _fails(overrides, field, words):
    with pytest.raises(ScenarioError) as err:
        load_scenario("baseline", overrides)
    text = str(err.value)
    assert field in text and words in text, text
    assert "Traceback" not in text


@pytest.mark.parametrize(
    ("override", "field", "words"),
    [
        ("levers.res_auction_mw_per_yr={2030: 5000}", "levers.res_auction_mw_per_yr", "year 2030: 5000 is outside"),
        ("levers.res_auction_mw_per_yr={2010: 50}", "levers.res_auction_mw_per_yr", "year 2010 is outside"),
        ("levers.res_auction_mw_per_yr={2056: 50}", "levers.res_auction_mw_per_yr", "2025-2050"),
        ("levers.res_auction_mw_per_yr={cubic: {2030: 5}}", "levers.res_auction_mw_per_yr", "step or linear"),
        ("levers.res_auction_mw_per_yr={2030: lots}", "levers.res_auction_mw_per_yr", "year 2030: expected a number"),
        ("levers.res_auction_mw_per_yr={soon: 5}", "levers.res_auction_mw_per_yr", "expected step or linear"),
        ("levers.res_auction_mw_per_yr={}", "levers.res_auction_mw_per_yr", "or a schedule"),
        ("levers.landfill_ban_year={2030: 2040}", "levers.landfill_ban_year", "it is itself a year"),
        ("uncertainties.climate_pathway={2030: SSP5-8.5}", "uncertainties.climate_pathway", "SSP2-4.5"),
        ("start_year=2016", "start_year", "no starting stocks for 2016"),
        ("end_year=2025", "end_year", "must come after start_year"),
    ],
)
def test_bad_schedules_and_horizons_are_refused_naming_the_field(override, field, words):
    _fails([override], field, words)


def test_cli_refuses_a_bad_schedule_with_exit_2_and_names_the_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: bad\nextends: baseline\nlevers:\n  budget_eu_grant_meur: {2030: 900}\n")
    p = subprocess.run([sys.executable, "-m", "wecsim", "validate", str(path)], capture_output=True, text=True)
    assert p.returncode == 2
    assert "bad.yaml" in p.stderr + p.stdout and "levers.budget_eu_grant_meur" in p.stderr + p.stdout
    assert "Traceback" not in p.stderr


def test_a_schedule_survives_the_yaml_round_trip():
    sc = load_scenario(
        "baseline",
        [
            "levers.res_auction_mw_per_yr={2026: 250, 2030: 1000}",
            "uncertainties.kzt_per_eur={linear: {2025: 520, 2050: 650}}",
        ],
    )
    back = load_scenario_text(dump_scenario(sc), "back.yaml")
    assert back == sc and back.scenario_hash() == sc.scenario_hash()
    assert isinstance(back.value("kzt_per_eur"), Schedule) and back.value_in("kzt_per_eur", 2030) == pytest.approx(546)


def test_setting_one_year_keeps_the_earlier_value_before_it():
    sc = load_scenario("baseline", ["levers.res_auction_mw_per_yr.2030=1500"])
    assert sc.value_in("res_auction_mw_per_yr", 2029) == 700 and sc.value_in("res_auction_mw_per_yr", 2030) == 1500


def test_a_childs_schedule_replaces_the_parents(tmp_path):
    (tmp_path / "parent.yaml").write_text(
        "name: parent\nextends: baseline\nlevers:\n  secca_meur: {2025: 1, 2030: 5}\n"
    )
    (tmp_path / "child.yaml").write_text("name: child\nextends: parent\nlevers:\n  secca_meur: {2040: 9}\n")
    assert load_scenario(tmp_path / "child.yaml").value("secca_meur").points == ((2040, 9.0),)


# ----------------------------------------------------------------------------- runs
def _tables(res):
    return {name: getattr(res, name) for name in TABLE_NAMES}


def test_a_constant_written_as_a_one_point_schedule_gives_the_same_run_bit_for_bit():
    constant = wecsim.run(load_scenario("baseline", ["end_year=2035"]), seed=3)
    names = ["res_auction_mw_per_yr", "secca_meur", "population_growth_pct", "kzt_per_eur", "coal_retirement_mw_per_yr"]
    scheduled = load_scenario("baseline", ["end_year=2035", *(f"{n}={{2025: {registry()[n].default}}}" for n in names)])
    assert set(scheduled.schedules()) == set(names)
    same = wecsim.run(scheduled, seed=3)
    for name, table in _tables(constant).items():
        pd.testing.assert_frame_equal(table, _tables(same)[name], check_exact=True, obj=name)


def test_the_model_sees_each_years_value_of_a_schedule():
    sc = load_scenario("baseline", ["end_year=2032", "levers.water_tariff_growth_pct={linear: {2026: 0, 2032: 6}}"])
    model = WECModel(sc, seed=1)
    seen = []
    while model.running:
        year = model.year
        model.step()
        seen.append((year, model.value("water_tariff_growth_pct")))
    model.close()
    assert seen == [(y, sc.value_in("water_tariff_growth_pct", y)) for y in range(2025, 2033)]


def test_auctions_raised_from_2035_change_nothing_before_and_add_renewables_after():
    base = wecsim.run(load_scenario("baseline", ["end_year=2045"]), seed=2).national.set_index("year")
    more = wecsim.run(
        load_scenario("baseline", ["end_year=2045", "levers.res_auction_mw_per_yr={2025: 700, 2035: 2500}"]), seed=2
    ).national.set_index("year")
    assert np.array_equal(base.loc[:2034, "res_share"].to_numpy(), more.loc[:2034, "res_share"].to_numpy())
    assert more.loc[2045, "res_share"] > base.loc[2045, "res_share"] + 0.03


def test_population_growth_compounds_year_by_year():
    flat = load_scenario("baseline", ["end_year=2030", "uncertainties.population_growth_pct={2025: 1.0, 2028: 0.5}"])
    res = wecsim.run(flat, seed=1).national.set_index("year")["population_m"]
    expected = res.loc[2025] * 1.01**2 * 1.005**3  # 2026, 2027 at 1%, then 2028-2030 at 0.5%
    assert res.loc[2030] == pytest.approx(expected, rel=1e-12)


def test_eu_money_counts_each_years_programme_spending():
    """SECCA at 0 until 2027 and 10 from 2028: 30 over 2025-2030, plus Horizon Europe's 1 a year."""
    sc = load_scenario("baseline", ["end_year=2030", "levers.secca_meur={2025: 0, 2028: 10}"])
    money = additionality.money_by_instrument(wecsim.run(sc, seed=1), "eu")
    assert money["technical_assistance"] == pytest.approx(30.0 + 6 * registry()["horizon_europe_meur"].default)
    assert total_over({2025: 0, 2028: 10}, range(2025, 2031)) == 30.0


# ----------------------------------------------------------------------------- the app
def test_the_app_keeps_shows_and_replaces_a_schedule():
    base = load_scenario("baseline", ["levers.res_auction_mw_per_yr={2025: 700, 2030: 1500}"])
    p = registry()["res_auction_mw_per_yr"]
    assert format_value(p, base.value(p.name)) == "2025: 700, 2030: 1500 MW/yr (step)"
    kept = build_scenario(base, {p.name: base.value(p.name)}, name="kept")
    assert kept.value(p.name) == base.value(p.name)
    replaced = build_scenario(base, {p.name: 900.0}, name="one-value")
    assert replaced.value(p.name) == 900.0 and not replaced.schedules()


# ----------------------------------------------------------------------------- start years
def test_a_run_can_start_in_2015_from_the_2015_stocks():
    from wecsim.stocks import base_years, stocks

    assert 2015 in base_years()
    sc = load_scenario("baseline", ["start_year=2015", "end_year=2018"])
    res = wecsim.run(sc, seed=1)
    nat = res.national.set_index("year")
    assert nat.index.min() == 2015 and nat.index.max() == 2018
    st = stocks(2015)
    assert nat.loc[2015, "population_m"] == pytest.approx(st.region["population_k"].sum() / 1e3)
    assert nat.loc[2015, "population_m"] < 17.5  # 17.4 M on 1 Jan 2015, against 20.3 M in 2025
    assert nat.loc[2015, "recycling_rate"] == pytest.approx(st.national["recycling_rate"], abs=0.005)
    assert res.meta["years"] == [2015, 2018]


def test_a_start_year_without_stocks_is_refused_naming_what_is_missing():
    from wecsim.stocks import missing

    gaps = missing(2016)
    assert gaps and gaps[0].startswith("population_k")
    _fails(["start_year=2016"], "start_year", "only for 2015, 2025")


def test_the_2015_stocks_name_known_stocks_and_keys_each_with_a_source():
    from wecsim.datasets import table
    from wecsim.stocks import STOCKS

    rows = table("base_stocks")
    assert set(rows["stock"]) <= set(STOCKS)
    assert rows["source"].str.strip().str.len().gt(20).all()
    assert not rows.duplicated(["year", "stock", "key"]).any()


def test_kenderli_desalination_joins_in_its_commissioning_year():
    """Desalination capacity beyond the model's own projects: none before 2025, Kenderli's 50,000 m3/day from 2025."""
    model = WECModel(load_scenario("baseline", ["start_year=2015", "end_year=2026"]), seed=1)
    per_unit = model.tech("desalination").water_m3_per_unit_yr
    existing = {}
    while model.running:
        year = model.year
        model.step()
        existing[year] = model.state.desal_m3.sum() - model._operating_size("desalination").sum() * per_unit
    model.close()
    assert existing[2024] == pytest.approx(0, abs=1)
    assert existing[2025] == pytest.approx(50_000 * per_unit)


# ----------------------------------------------------------------------------- observed weather
def test_observed_weather_replays_the_2021_drought_and_the_2024_flood_whatever_the_seed():
    from wecsim.datasets import table

    events = table("observed_events")
    droughts_2021 = int(((events["kind"] == "drought") & (events["year"] == 2021)).sum())
    sc = load_scenario("baseline", ["start_year=2015", "end_year=2032", "observed_weather_until=2024"])
    runs = [wecsim.run(sc, seed=s).national.set_index("year") for s in (1, 2, 3)]
    for nat in runs:
        assert nat.loc[2021, "basins_in_drought"] == droughts_2021
        assert (nat.loc[[2015, 2016, 2017, 2018, 2019, 2020, 2022, 2023, 2024], "basins_in_drought"] == 0).all()
        assert nat.loc[2024, "flood_damage_meur"] > 5 * nat.loc[[2015, 2017], "flood_damage_meur"].max()
        assert (nat.loc[[2016, 2018, 2019, 2020, 2021, 2022, 2023], "flood_damage_meur"] == 0).all()
    # after the observed years each seed's own weather takes over: the droughts of a run without replay
    drawn = wecsim.run(load_scenario("baseline", ["start_year=2015", "end_year=2032"]), seed=1).national.set_index(
        "year"
    )
    assert drawn.loc[2025:, "basins_in_drought"].tolist() == runs[0].loc[2025:, "basins_in_drought"].tolist()
    assert len({tuple(nat.loc[2025:, "basins_in_drought"]) for nat in runs}) > 1


def test_replaying_history_leaves_the_later_draws_as_they_were():
    drawn = WECModel(load_scenario("baseline", ["start_year=2015", "end_year=2030"]), seed=4)
    replayed = WECModel(
        load_scenario("baseline", ["start_year=2015", "end_year=2030", "observed_weather_until=2020"]), seed=4
    )
    assert np.array_equal(drawn.drought_z, replayed.drought_z) and np.array_equal(drawn.flood_u, replayed.flood_u)
    drawn.close()
    replayed.close()


def test_observed_weather_outside_the_observed_years_is_refused():
    _fails(["observed_weather_until=2024"], "observed_weather_until", "between start_year 2025")
    _fails(["start_year=2015", "observed_weather_until=2026"], "observed_weather_until", "last observed year 2024")


# ----------------------------------------------------------------------------- batch designs
def _scale_experiment(tmp_path, scale, base_levers=None):
    import yaml

    (tmp_path / "hist.yaml").write_text(
        yaml.safe_dump(
            {
                "name": "hist",
                "extends": "baseline",
                "end_year": 2035,
                "levers": base_levers or {"res_auction_mw_per_yr": {2025: 700, 2030: 1500}},
            }
        )
    )
    path = tmp_path / "exp.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "scaled",
                "base": "hist",
                "seed": 5,
                "design": {"kind": "full_factorial", "levels": 2},
                "parameters": {"res_auction_mw_per_yr": {"scale": scale}},
                "outputs": {"indicators": ["res_share", "res_auctioned_mw"], "years": [2029, 2035]},
            }
        )
    )
    return path


def test_a_batch_design_scales_a_schedule_by_a_factor(tmp_path):
    from wecsim.experiments import load_experiment, load_results, run_batch

    exp = load_experiment(_scale_experiment(tmp_path, [0.5, 1.5]))
    (p,) = exp.parameters
    assert p.scale and (p.low, p.high) == (0.5, 1.5) and "base scenario" in p.describe()
    run_batch(exp.source, tmp_path / "out", executor="serial")
    res = load_results(tmp_path / "out")
    df = res.outputs.merge(res.runs, on="run_id")
    auctioned = df.pivot_table(index="res_auction_mw_per_yr", columns="year", values="res_auctioned_mw")
    # the schedule scaled: 350 and 1050 MW before 2030, 750 and 2250 MW after
    assert auctioned.loc[0.5].tolist() == pytest.approx([350, 750])
    assert auctioned.loc[1.5].tolist() == pytest.approx([1050, 2250])


def test_a_scale_that_leaves_the_declared_range_is_refused(tmp_path):
    from wecsim.experiments import ExperimentError, load_experiment

    with pytest.raises(ExperimentError) as err:
        load_experiment(_scale_experiment(tmp_path, [0.5, 2.5]))
    assert "parameters.res_auction_mw_per_yr.scale" in str(err.value) and "0-3000 MW/yr" in str(err.value)
