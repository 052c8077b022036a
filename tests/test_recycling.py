"""Recycling through sorting: capacity by region, sorting projects, and the official rate's basis (issue 12)."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import wecsim
from wecsim.datasets import parameters
from wecsim.model import WECModel
from wecsim.scenario import load_scenario
from wecsim.stocks import data_year, missing, stocks
from wecsim.systems import waste


def _run_model(model: WECModel) -> pd.DataFrame:
    """Step a model to its end and return its national table by year."""
    rows = []
    while model.running:
        year = model.year
        model.step()
        rows.append({"year": year, **model.ind})
    model.close()
    return pd.DataFrame(rows).set_index("year")


# ----------------------------------------------------------------------------- the waste system
@settings(max_examples=100, deadline=None)
@given(
    gen=arrays(float, 4, elements=st.floats(1, 1e6)),
    cap=arrays(float, 4, elements=st.floats(0, 1e6)),
    extra=arrays(float, 4, elements=st.floats(0, 1e6)),
    separated=st.floats(0, 1),
)
def test_more_sorting_capacity_never_sorts_or_recycles_less(gen, cap, extra, separated):
    def flows(c):
        return waste.waste_flows(
            gen, 0.85, c, 0.6, np.zeros(4), separated, recovery_separated=0.85, recovery_mixed=0.08
        )

    low, high = flows(cap), flows(cap + extra)
    assert np.all(high.sorted_t >= low.sorted_t - 1e-6)
    assert np.all(high.recycled_t >= low.recycled_t - 1e-6)
    assert np.all(high.landfilled_t <= low.landfilled_t + 1e-6)
    assert high.recycling_rate >= low.recycling_rate - 1e-12


def test_the_official_rate_counts_sorted_waste_and_sorting_residues_are_landfilled():
    """Mixed waste through a sorting line counts in full; only its recovered share leaves the landfill."""
    gen = np.array([1000.0])
    f = waste.waste_flows(
        gen, 1.0, np.array([500.0]), 0.6, np.zeros(1), 0.1, recovery_separated=0.9, recovery_mixed=0.1
    )
    # 100 t collected apart go first, 400 t of mixed waste fill the plant
    assert f.sorted_t[0] == pytest.approx(500) and f.recycling_rate == pytest.approx(0.5)
    assert f.recycled_t[0] == pytest.approx(0.9 * 100 + 0.1 * 400)
    assert f.landfilled_t[0] == pytest.approx(1000 - 130)


# ----------------------------------------------------------------------------- stocks
def test_sorting_capacity_is_a_stock_by_region_for_2015_and_the_data_year():
    st15, st25 = stocks(2015), stocks(data_year())
    cap15, cap25 = st15.region["sorting_capacity_t"], st25.region["sorting_capacity_t"]
    assert cap15.shape == cap25.shape == (20,) and np.isfinite(cap15).all() and np.isfinite(cap25).all()
    # a decade of sorting lines: ~50 kt/yr in 2015, ~1.45 Mt/yr in 2025
    assert cap25.sum() > 20 * cap15.sum()
    # the 2025 stock reproduces the official rate at mature use of the plants (calibration_targets.csv)
    P = parameters()
    msw = st25.region["population_k"] * P["msw_kg_per_capita_2025"]
    assert (cap25 * P["recycling_utilisation_mature"]).sum() / msw.sum() == pytest.approx(0.258, abs=0.002)


def test_a_data_year_without_sorting_capacity_rows_is_refused(monkeypatch):
    import wecsim.stocks as stocks_module

    table = stocks_module.table
    full = table("base_stocks")
    monkeypatch.setattr(
        stocks_module,
        "table",
        lambda name: full[full["stock"] != "sorting_capacity_t"] if name == "base_stocks" else table(name),
    )
    gaps = missing(data_year())
    assert gaps == ["sorting_capacity_t (KZ-75 and others)"]


def test_a_run_from_2015_starts_at_the_2015_sorting_capacity():
    model = WECModel(load_scenario("baseline", ["start_year=2015", "end_year=2016"]), seed=3)
    np.testing.assert_array_equal(model.sorting_base_t, stocks(2015).region["sorting_capacity_t"])
    assert model.separated_share == pytest.approx(stocks(2015).national["separated_share"])
    nat = _run_model(model)
    assert nat.loc[2015, "recycling_rate"] == pytest.approx(0.01, abs=0.002)


# ----------------------------------------------------------------------------- behaviour of runs
def test_more_sorting_capacity_raises_the_recycling_rate():
    """Half as much again of the 2025 capacity: more sorted, more recycled, less landfilled, every seed."""
    for seed in (1, 2):
        runs = {}
        for scale in (1.0, 1.5):
            model = WECModel(load_scenario("baseline", ["end_year=2027"]), seed=seed)
            model.sorting_base_t = model.sorting_base_t * scale
            runs[scale] = _run_model(model)
        low, high = runs[1.0], runs[1.5]
        assert (high["recycling_rate"] > low["recycling_rate"] + 0.05).all()
        assert (high["recycled_mt"] > low["recycled_mt"]).all()
        assert (high["landfilled_mt"] < low["landfilled_mt"]).all()


@pytest.fixture(scope="module")
def baseline_2035():
    return wecsim.run("baseline", seed=4, overrides=["end_year=2035"])


def test_sorting_projects_go_through_the_pipeline_and_add_capacity(baseline_2035):
    res = baseline_2035
    plants = res.project[res.project["technology"] == "sorting_recycling"]
    built = plants[plants["stage"] == "operating"]
    assert len(built) > 0
    # financed by the pipeline's funders (IDFRK-type national loans, IFIs, private money)
    assert built["committed_meur"].gt(0).all() and built["funders"].str.len().gt(0).all()
    assert (built["construction_start_year"] > built["proposed_year"]).all()
    # the regions that built plants sort more than they did at the start
    reg = res.region.set_index(["year", "region_id"])
    for region_id in built["region_id"].unique()[:5]:
        assert reg.loc[(2035, region_id), "sorted_kt"] > reg.loc[(2025, region_id), "sorted_kt"]


def test_the_official_rate_is_above_what_becomes_secondary_material(baseline_2035):
    nat = baseline_2035.national.set_index("year")
    P = parameters()
    share = nat["recycled_mt"] / nat["sorted_mt"]
    assert (share >= P["sorting_recovery_mixed"] - 1e-9).all() and (
        share <= P["sorting_recovery_separated"] + 1e-9
    ).all()
    np.testing.assert_allclose(nat["recycling_rate"], nat["sorted_mt"] / nat["msw_generated_mt"], rtol=1e-9)
    parts = nat[["recycled_mt", "energy_recovered_mt", "landfilled_mt", "uncollected_mt"]].sum(axis=1)
    np.testing.assert_allclose(parts, nat["msw_generated_mt"], rtol=1e-9)


def test_epr_money_raises_recycling_above_what_sorting_alone_gives():
    """EPR fees pay separate collection (clean feedstock) and sorting plants' revenue: no EPR, less recycled."""
    rates = {}
    for mult in (0.0, 3.0):
        nat = wecsim.run("baseline", seed=1, overrides=[f"epr_fee_multiplier={mult}", "end_year=2040"]).national
        rates[mult] = nat.set_index("year")
    assert rates[3.0].loc[2040, "recycled_mt"] > rates[0.0].loc[2040, "recycled_mt"]
    assert rates[3.0].loc[2040, "recycling_rate"] > rates[0.0].loc[2040, "recycling_rate"]


# ----------------------------------------------------------------------------- appraisal of sorting plants
def _sorting_plant(separate_share: float, size: float = 50_000.0):
    from wecsim.projects.pipeline import Project

    return Project(
        0,
        "plant",
        "sorting_recycling",
        "circular",
        "KZ-75",
        "waste utility",
        size,
        3.75,
        2026,
        separate_input_share=separate_share,
    )


@pytest.fixture(scope="module")
def appraisal_model():
    return WECModel(load_scenario("baseline", ["end_year=2026"]), seed=1)


def test_a_sorting_plant_fed_with_mixed_waste_earns_less_than_one_fed_with_separate_collection(appraisal_model):
    """Revenue and benefit count only the material the plant recovers, as the waste process does."""
    from wecsim.projects.appraisal import annual_flows, appraise, sorting_recovered_share

    m, P = appraisal_model, appraisal_model.P
    ctx, tech = m.appraisal_context(), m.tech("sorting_recycling")
    flows = {s: annual_flows(_sorting_plant(s), tech, ctx, P) for s in (0.0, 0.5, 1.0)}
    benefit = {s: f[0] for s, f in flows.items()}
    revenue = {s: f[1] for s, f in flows.items()}
    assert revenue[0.0] < revenue[0.5] < revenue[1.0] and benefit[0.0] < benefit[0.5] < benefit[1.0]
    assert flows[0.0][2] == flows[1.0][2]  # the same plant costs the same to run
    # material sold per tonne of input: the process's recoveries, 8% of mixed waste and 85% of recyclables
    assert sorting_recovered_share(0.0, P) == pytest.approx(P["sorting_recovery_mixed"])
    assert sorting_recovered_share(1.0, P) == pytest.approx(P["sorting_recovery_separated"])
    tonnes = 50_000.0 * P["recycling_utilisation_mature"]
    sold_mixed = tonnes * P["sorting_recovery_mixed"]
    assert (
        revenue[0.0] * 1e6
        < sold_mixed
        * (P["recycled_material_revenue_eur_per_t"] + P["epr_reimbursement_eur_per_t"] * ctx.epr_multiplier)
        + tonnes * ctx.gate_fee_eur_per_t
    )
    # a line on mixed waste alone does not pay for itself; one on recyclables collected apart does
    mixed, clean = _sorting_plant(0.0), _sorting_plant(1.0)
    appraise(mixed, tech, ctx, P)
    appraise(clean, tech, ctx, P)
    assert mixed.fnpv_meur < 0 < clean.fnpv_meur


def test_a_plan_line_fed_mixed_waste_is_financeable_with_the_msw_tariff_and_not_without(appraisal_model):
    """The maslikhat's cost-based MSW tariff pays a plan line its cost net of sales; a recycler gets none."""
    from wecsim.projects.appraisal import annual_flows, appraise, sorting_tariff_eur_per_t

    m, P = appraisal_model, appraisal_model.P
    ctx, tech = m.appraisal_context(), m.tech("sorting_recycling")
    market, plan = _sorting_plant(0.0), _sorting_plant(0.0)
    plan.programme = True
    appraise(market, tech, ctx, P)
    appraise(plan, tech, ctx, P)
    assert market.msw_tariff_eur_per_t == 0.0 and market.fnpv_meur < 0
    assert plan.msw_tariff_eur_per_t > 0
    # the fee just covers the cost net of sales: FNPV zero, the financial test of the funders passes
    assert plan.fnpv_meur == pytest.approx(0.0, abs=1e-9 * plan.capex_estimate_meur)
    assert plan.fnpv_meur >= -1e-9 * plan.capex_estimate_meur
    # the tariff is a transfer from households: it does not change what the line is worth to the economy
    assert plan.enpv_meur == pytest.approx(market.enpv_meur)
    # appraising again gives the same fee (the fee already set is not counted twice)
    fee = plan.msw_tariff_eur_per_t
    appraise(plan, tech, ctx, P)
    assert plan.msw_tariff_eur_per_t == pytest.approx(fee)
    # more material sold (recyclables collected apart) needs a smaller fee; enough of it needs none
    fees = []
    for s in (0.0, 0.1, 0.2):
        line = _sorting_plant(s)
        line.programme = True
        fees.append(sorting_tariff_eur_per_t(line, tech, ctx, P))
    assert fees[0] > fees[1] > fees[2] >= 0
    rich = _sorting_plant(1.0)
    rich.programme = True
    assert sorting_tariff_eur_per_t(rich, tech, ctx, P) == 0.0
    # the fee is per tonne sorted: the revenue it adds is fee x tonnes
    tonnes = 50_000.0 * P["recycling_utilisation_mature"]
    added = annual_flows(plan, tech, ctx, P)[1] - annual_flows(market, tech, ctx, P)[1]
    assert added == pytest.approx(tonnes * fee * 1e-6)


def test_households_pay_the_plan_lines_sorting_fee_well_below_the_bundled_msw_tariff():
    """The MSW tariff money for plan lines, per person, against Almaty's whole-chain tariff (8,622 KZT/yr).

    With the national budget at its lever's maximum the plan lines are built (public money is what
    holds them back: the tariff pays their running cost net of sales, not their capex up front).
    """
    levers = ["budget_national_bn_kzt=1500", "end_year=2035"]
    nat = wecsim.run("baseline", seed=4, overrides=levers).national.set_index("year")
    fee = nat["msw_sorting_fee_eur_per_person"]
    assert (fee >= 0).all() and fee.loc[2035] > 0
    assert nat.loc[2030, "recycling_rate"] > 0.9 * nat.loc[2030, "recycling_target"]  # the plan is built
    # Almaty's tariff for collection, transport, sorting and burial of MSW: 718.5 KZT/person/month
    # (Almaty maslikhat decision no. 111 of 15 Apr 2024, adilet.zan.kz)
    bundled_eur = 718.5 * 12 / parameters()["kzt_per_eur_reference"]
    assert fee.max() < 0.25 * bundled_eur


def test_more_epr_money_or_a_cheaper_plant_makes_more_sites_pay_for_sorting_mixed_waste(appraisal_model):
    from wecsim.projects.appraisal import sorting_paying_sites

    m, P = appraisal_model, appraisal_model.P
    tech = m.tech("sorting_recycling")
    eprs = np.array([0.0, 0.5, 1.0, 2.0, 3.0])
    sites = [sorting_paying_sites(tech, P, epr, 2.9, 1.0) for epr in eprs]
    shares = [share for share, _ in sites]
    assert all(0 < s < 1 for s in shares) and all(np.diff(shares) > 0)
    assert (np.diff(shares) / np.diff(eprs)).max() < 0.15  # smooth: no step of the fee flips every site
    # the paying sites are the cheap ones: their mean capex is below the catalogue's, and rises as more pay
    factors = [factor for _, factor in sites]
    assert all(0 < f < 1 for f in factors) and all(np.diff(factors) > 0)
    assert sorting_paying_sites(tech, P, 1.0, 2.9, 0.5)[0] > shares[2]
    assert sorting_paying_sites(tech, P, 1.0, 20.0, 1.0)[0] > shares[2]  # a higher landfill gate fee
    assert sorting_paying_sites(tech, P, 1.0, 2.9, 0.0) == (1.0, 1.0)


@settings(max_examples=100, deadline=None)
@given(separate=st.floats(0, 1e6), capacity=st.floats(0, 1e6), plant=st.floats(1, 1e6))
def test_a_new_plant_gets_the_recyclables_the_plants_before_it_leave(separate, capacity, plant):
    share = waste.new_plant_separate_share(separate, capacity, plant)
    assert 0 <= share <= 1
    # the same split as the waste process: existing capacity first, then the new plant
    flows = waste.waste_flows(
        np.array([1e7]),
        1.0,
        np.array([capacity + plant]),
        1.0,
        np.zeros(1),
        separate / 1e7,
        recovery_separated=1.0,
        recovery_mixed=0.0,
    )
    sorted_apart = flows.recycled_t[0]
    assert share * plant == pytest.approx(max(0.0, sorted_apart - min(capacity, separate)), abs=1e-6 * 1e6)


def test_more_epr_money_recovers_more_material_smoothly_and_never_lowers_the_rate():
    """EPR x0.5 to x2: more material recovered at every step, none deciding it all; the official rate does not fall.

    The akimats' plan lines, paid through the MSW tariff, carry the official (sorted) rate along the
    target path whatever EPR pays; EPR money decides how much of what is sorted is recovered and sold
    (recyclers' plants on separately collected waste), and takes the rate above the path when it pays.
    """
    multipliers = (0.5, 1.0, 1.5, 2.0)
    for seed in (1, 2, 3):
        tables = [
            wecsim.run("baseline", seed=seed, overrides=[f"epr_fee_multiplier={mult}", "end_year=2030"])
            .national.set_index("year")
            .loc[2030]
            for mult in multipliers
        ]
        recovered = np.array([t["recycled_mt"] for t in tables])
        rates = np.array([t["recycling_rate"] for t in tables])
        steps = np.diff(recovered)
        assert (steps > 0).all(), (seed, recovered)
        assert steps.max() < 0.7 * (recovered[-1] - recovered[0]), (seed, recovered)  # no single step decides it all
        # which plants the shared private money reaches first moves the rate by up to a point between
        # neighbouring multipliers; over the range it does not fall
        assert rates[-1] >= rates[0], (seed, rates)
