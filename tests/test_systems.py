"""The physics in ``wecsim.systems``: hand-computed values and property-based invariants."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from wecsim.systems import climate, energy, finance, flood, waste, water

volumes = st.floats(min_value=0, max_value=1e10, allow_nan=False, allow_infinity=False)
shares = st.floats(min_value=0, max_value=0.9, allow_nan=False)


# ----------------------------------------------------------------------------- water
@st.composite
def water_case(draw):
    n_regions = draw(st.integers(1, 8))
    n_basins = draw(st.integers(1, 3))
    basin = draw(arrays(np.int64, n_regions, elements=st.integers(0, n_basins - 1)))
    demand = {s: draw(arrays(float, n_regions, elements=volumes)) for s in water.SECTORS}
    available = draw(arrays(float, n_basins, elements=volumes))
    reuse = draw(arrays(float, n_regions, elements=volumes))
    desal = draw(arrays(float, n_regions, elements=volumes))
    cap = draw(arrays(float, n_regions, elements=st.one_of(volumes, st.just(np.inf))))
    loss = {s: draw(arrays(float, n_regions, elements=shares)) for s in water.SECTORS}
    return basin, available, demand, reuse, desal, cap, loss


@settings(max_examples=200, deadline=None)
@given(water_case())
def test_water_allocation_conserves_water(case):
    basin, available, demand, reuse, desal, cap, loss = case
    wb = water.allocate(basin, available, demand, reuse, desal, cap, loss)
    n_basins = len(available)
    for s in water.SECTORS:
        assert np.all(wb.supplied[s] <= demand[s] * (1 + 1e-12) + 1e-6)
        assert np.all(wb.deficit[s] >= -(demand[s] * 1e-12 + 1e-6))  # float rounding, as for supplied
        np.testing.assert_allclose(wb.supplied[s] + wb.deficit[s], demand[s], rtol=1e-9, atol=1e-6)
        np.testing.assert_allclose(wb.losses[s], wb.supplied[s] * loss[s], rtol=1e-12)
    withdrawn = sum(np.bincount(basin, weights=wb.from_basin[s], minlength=n_basins) for s in water.SECTORS)
    np.testing.assert_allclose(withdrawn, wb.basin_withdrawn, rtol=1e-9, atol=1e-3)
    assert np.all(wb.basin_withdrawn <= available * (1 + 1e-9) + 1e-3)
    np.testing.assert_allclose(wb.basin_withdrawn + wb.basin_unallocated, available, rtol=1e-9, atol=1e-3)
    np.testing.assert_allclose(sum(wb.from_reuse[s] for s in water.SECTORS), wb.reuse_used, rtol=1e-9, atol=1e-3)
    np.testing.assert_allclose(sum(wb.from_desal[s] for s in water.SECTORS), wb.desal_used, rtol=1e-9, atol=1e-3)
    assert np.all(wb.reuse_used <= reuse * (1 + 1e-9) + 1e-3) and np.all(wb.desal_used <= desal * (1 + 1e-9) + 1e-3)
    # treated wastewater is not drinking water; desalinated water serves towns and industry only
    assert np.all(wb.from_reuse["municipal"] == 0) and np.all(wb.from_desal["irrigation"] == 0)
    # municipal and industrial intake from the basin respects the region's conventional cap
    assert np.all(wb.from_basin["municipal"] + wb.from_basin["industry"] <= cap * (1 + 1e-9) + 1e-3)


@settings(max_examples=100, deadline=None)
@given(water_case())
def test_desalination_runs_only_for_what_conventional_water_cannot_supply(case):
    basin, available, demand, reuse, desal, cap, loss = case
    wb = water.allocate(basin, available, demand, reuse, desal, cap, loss)
    without = water.allocate(basin, available, demand, reuse, np.zeros_like(desal), cap, loss)
    # desalination fills exactly the municipal and industrial deficit it can, no more
    for s in ("municipal", "industry"):
        np.testing.assert_allclose(wb.from_basin[s], without.from_basin[s], rtol=1e-9, atol=1e-3)
    gap = without.deficit["municipal"] + without.deficit["industry"]
    np.testing.assert_allclose(wb.desal_used, np.minimum(desal, gap), rtol=1e-9, atol=1e-3)


@settings(max_examples=100, deadline=None)
@given(water_case())
def test_municipal_users_are_served_first(case):
    basin, available, demand, reuse, _, _, loss = case
    cap = np.full(len(reuse), np.inf)
    zero = np.zeros_like(reuse)
    wb = water.allocate(basin, available, demand, zero, zero, cap, loss)
    for b in range(len(available)):
        in_b = basin == b
        if wb.deficit["municipal"][in_b].sum() > 1e-3:
            assert wb.from_basin["irrigation"][in_b].sum() <= 1e-3
            assert wb.from_basin["industry"][in_b].sum() <= 1e-3


def test_water_allocation_by_hand():
    # one basin with 100 m3: municipal 30, industry 50, irrigation 60 -> irrigation gets 20
    wb = water.allocate(
        np.array([0]),
        np.array([100.0]),
        {"municipal": np.array([30.0]), "industry": np.array([50.0]), "irrigation": np.array([60.0])},
        np.array([0.0]),
        np.array([0.0]),
        np.array([np.inf]),
        {s: np.array([0.5 if s == "irrigation" else 0.0]) for s in water.SECTORS},
    )
    assert wb.supplied["irrigation"][0] == pytest.approx(20.0)
    assert wb.deficit["irrigation"][0] == pytest.approx(40.0)
    assert wb.losses["irrigation"][0] == pytest.approx(10.0)
    assert water.gross_demand(np.array([80.0]), np.array([0.2]))[0] == pytest.approx(100.0)


def test_reuse_serves_industry_first_and_desalination_last_by_hand():
    # basin 40; municipal 30, industry 50, irrigation 10; reuse 20, desalination 100
    wb = water.allocate(
        np.array([0]),
        np.array([40.0]),
        {"municipal": np.array([30.0]), "industry": np.array([50.0]), "irrigation": np.array([10.0])},
        np.array([20.0]),
        np.array([100.0]),
        np.array([np.inf]),
        {s: np.array([0.0]) for s in water.SECTORS},
    )
    assert wb.from_reuse["industry"][0] == pytest.approx(20.0)  # reuse to industry
    assert wb.from_basin["municipal"][0] == pytest.approx(30.0)  # basin to towns first
    assert wb.from_basin["industry"][0] == pytest.approx(10.0)  # the rest of the basin
    assert wb.from_basin["irrigation"][0] == pytest.approx(0.0)
    assert wb.desal_used[0] == pytest.approx(20.0)  # only the industrial gap: 50 - 20 - 10
    assert wb.deficit["irrigation"][0] == pytest.approx(10.0)


def test_network_losses_grow_with_wear():
    ratio = water.network_loss_ratio(np.array([0.0, 0.49, 0.8, 1.0]), 0.2, 0.49, 0.10)
    loss = ratio / (1 + ratio)
    assert loss[0] == pytest.approx(0.10) and loss[1] == pytest.approx(0.20)
    assert np.all(np.diff(loss) > 0)


# ----------------------------------------------------------------------------- energy
FLEET = dict(
    capacity_mw=np.array([1000.0, 500.0, 300.0, 200.0]),
    cf_max=np.array([0.8, 0.8, 0.3, 0.5]),
    must_run_cf=np.array([0.0, 0.2, 0.0, 0.0]),
    marginal_cost=np.array([15.0, 35.0, 0.0, 0.0]),
    variable=np.array([False, False, True, False]),
    emission_t_per_mwh=np.array([0.95, 0.5, 0.0, 0.0]),
    availability=np.ones(4),
)


@settings(max_examples=200, deadline=None)
@given(demand=st.floats(0, 2e7), cap_share=st.floats(0, 1))
def test_dispatch_balances_energy(demand, cap_share):
    d = energy.dispatch(demand, variable_limit_share=cap_share, curtailment_sharpness=4.0, **FLEET)
    available = FLEET["capacity_mw"] * FLEET["cf_max"] * energy.HOURS_PER_YEAR
    assert np.all(d.generation_mwh >= -1e-6) and np.all(d.generation_mwh <= available + 1e-6)
    must_run = FLEET["capacity_mw"] * FLEET["must_run_cf"] * energy.HOURS_PER_YEAR
    served = d.generation_mwh.sum()
    # either demand is met exactly (plus any must-run surplus) or only unserved energy is missing
    assert served + d.unserved_mwh == pytest.approx(max(demand, must_run.sum()), rel=1e-9, abs=1e-3)
    np.testing.assert_allclose(d.co2_t, d.generation_mwh * FLEET["emission_t_per_mwh"])
    assert d.generation_mwh[2] <= cap_share * demand + 1e-6  # variable RES never above the limit
    # only zero-cost energy (hydro, wind, solar) is ever curtailed, and no more than there is
    free = (FLEET["marginal_cost"] <= 0) & (FLEET["must_run_cf"] <= 0)
    assert d.generation_mwh[free].sum() + d.curtailed_mwh <= available[free].sum() * (1 + 1e-9) + 1e-3


def test_curtailment_grows_smoothly_with_variable_energy():
    limit = 100.0
    a = np.linspace(0.1, 400, 400)
    absorbed = np.array([energy.absorbed_variable_mwh(x, limit, 4.0) for x in a])
    assert np.all(np.diff(absorbed) > 0)  # more available, more absorbed
    assert np.all(absorbed <= np.minimum(a, limit) + 1e-9)  # never more than either
    share = 1 - absorbed / a
    assert np.all(np.diff(share) > 0)  # the curtailed share rises continuously
    assert np.max(np.abs(np.diff(share))) < 0.01  # no jump anywhere
    assert energy.absorbed_variable_mwh(10.0, limit, 4.0) == pytest.approx(10.0, rel=1e-3)  # small: ~all absorbed
    assert energy.absorbed_variable_mwh(limit, limit, 4.0) == pytest.approx(limit / 2**0.25)


def test_dispatch_merit_order_by_hand():
    d = energy.dispatch(5e6, variable_limit_share=1e6, curtailment_sharpness=4.0, **FLEET)
    # must-run gas 876,000; solar 788,400; hydro 876,000; coal fills the rest (2,459,600) before more gas
    assert d.generation_mwh[2] == pytest.approx(788_400)
    assert d.generation_mwh[3] == pytest.approx(876_000)
    assert d.generation_mwh[1] == pytest.approx(876_000)
    assert d.generation_mwh[0] == pytest.approx(5e6 - 788_400 - 876_000 - 876_000)
    assert d.unserved_mwh == 0


# ----------------------------------------------------------------------------- waste
@settings(max_examples=200, deadline=None)
@given(
    gen=arrays(float, 5, elements=st.floats(0, 1e7)),
    coverage=st.floats(0, 1),
    rec_cap=arrays(float, 5, elements=st.floats(0, 1e7)),
    max_share=st.floats(0, 1),
    wte=arrays(float, 5, elements=st.floats(0, 1e7)),
    separated=st.floats(0, 1),
    recovery=st.tuples(st.floats(0, 1), st.floats(0, 1)),
)
def test_waste_mass_is_conserved(gen, coverage, rec_cap, max_share, wte, separated, recovery):
    f = waste.waste_flows(
        gen, coverage, rec_cap, max_share, wte, separated, recovery_separated=recovery[0], recovery_mixed=recovery[1]
    )
    total = f.recycled_t + f.energy_recovered_t + f.landfilled_t + f.uncollected_t
    np.testing.assert_allclose(total, gen, rtol=1e-9, atol=1e-6)
    for part in (f.sorted_t, f.recycled_t, f.energy_recovered_t, f.landfilled_t, f.uncollected_t):
        assert np.all(part >= -1e-6)
    # a plant sorts no more than its capacity and the collected waste; only part of it is recycled
    assert np.all(f.sorted_t <= rec_cap + 1e-6)
    assert np.all(f.sorted_t <= f.collected_t + 1e-6)
    assert np.all(f.recycled_t <= f.sorted_t * max(recovery) + 1e-6)
    assert 0 <= f.recycling_rate <= 1 + 1e-12


# ----------------------------------------------------------------------------- climate and floods
@pytest.mark.parametrize("multiplier", [1.0, 1.3, 3.0])
def test_expected_flood_damage_matches_monte_carlo(multiplier):
    u = np.random.default_rng(0).random(200_000)
    draws = [climate.flood_damage_meur(climate.flood_return_period(x, multiplier), 385, 50, 2, 1.0) for x in u]
    assert np.mean(draws) == pytest.approx(climate.expected_flood_damage_meur(385, 50, 2, multiplier), rel=0.02)


@given(st.floats(2, 1000), st.floats(2, 1000))
def test_flood_damage_grows_with_return_period(t1, t2):
    d1, d2 = (climate.flood_damage_meur(t, 385, 50, 2, 1.0) for t in (t1, t2))
    assert (d1 <= d2) == (t1 <= t2) or math.isclose(d1, d2)
    assert climate.flood_damage_meur(50, 385, 50, 2, 1.0) == pytest.approx(385)


@given(arrays(float, 4, elements=st.floats(0, 1e3)), st.floats(0, 1), st.floats(0, 1))
def test_early_warning_never_increases_damage(damage, c1, c2):
    lo, hi = sorted((c1, c2))
    d_lo = flood.damage_after_warning(damage, np.full(4, lo), 0.3, 24, 0.7)
    d_hi = flood.damage_after_warning(damage, np.full(4, hi), 0.3, 24, 0.7)
    assert np.all(d_hi <= d_lo + 1e-9) and np.all(d_hi >= 0)
    np.testing.assert_allclose(flood.damage_after_warning(damage, np.ones(4), 0.3, 24, 1.0), damage * 0.7)


def test_flow_and_upstream_factors_by_hand():
    assert climate.trend_fraction(2037.5, 2025) == pytest.approx(0.5)
    np.testing.assert_allclose(climate.flow_trend_factor(np.array([-10.0]), 1.0, 0.5), [0.95])
    np.testing.assert_allclose(climate.upstream_factor(np.array([0.8]), 10, 0.5, 1.0), [0.96])


# ----------------------------------------------------------------------------- finance
def test_finance_by_hand():
    assert finance.annuity_factor(0.08, 25) == pytest.approx(10.674776, rel=1e-6)
    assert finance.annuity_factor(0.0, 10) == 10
    assert finance.npv(100, 10, 0.0, 10) == pytest.approx(0)
    assert finance.funding_gap(-30) == 30 and finance.funding_gap(5) == 0
    assert finance.learning_factor(2000, 1000, 0.2) == pytest.approx(0.8)
    assert finance.bid_price(100, 1, 0.2, 0.35) == pytest.approx(120)


@given(st.lists(st.floats(0.01, 1), min_size=1, max_size=6), st.integers(1, 12))
def test_stretched_profile_sums_to_one(parts, years):
    profile = np.array(parts) / sum(parts)
    out = finance.stretch_profile(profile, years)
    assert len(out) == years and out.sum() == pytest.approx(1) and np.all(out >= -1e-12)
    if years == len(profile):
        np.testing.assert_allclose(out, profile, atol=1e-12)


@given(st.integers(1, 20), st.integers(1, 20))
def test_more_bidders_never_raise_the_price(n1, n2):
    lo, hi = sorted((n1, n2))
    assert finance.bid_price(100, hi, 0.2, 0.35) <= finance.bid_price(100, lo, 0.2, 0.35)


# ----------------------------------------------------------------------------- climate
def test_drought_index_has_the_persistence_and_correlation_asked_for():
    rng = np.random.default_rng(0)
    shared = np.array([True, True, False])
    z = climate.drought_latent(rng.standard_normal((60_000, 4)), shared, persistence=0.4, correlation=0.6)
    assert z.mean(axis=0) == pytest.approx([0, 0, 0], abs=0.02)
    assert z.std(axis=0) == pytest.approx([1, 1, 1], abs=0.02)
    lag1 = [np.corrcoef(z[1:, b], z[:-1, b])[0, 1] for b in range(3)]
    assert lag1 == pytest.approx([0.4, 0.4, 0.4], abs=0.02)
    c = np.corrcoef(z.T)
    assert c[0, 1] == pytest.approx(0.6, abs=0.02)  # shared basins dry together
    assert abs(c[0, 2]) < 0.02  # the others do not
    # a drought with probability p is z below the threshold, whatever the persistence
    p = 0.2
    assert (z < climate.drought_threshold(np.array(p))).mean() == pytest.approx(p, abs=0.01)


# ----------------------------------------------------------------------------- loans and costs
def test_debt_service_repays_the_principal_at_the_loan_rate():
    ds = finance.debt_service_schedule(100.0, 0.05, 15, 4)
    assert len(ds) == 15 and ds[:4] == pytest.approx([5.0] * 4)  # interest only in the grace years
    pv = (ds / 1.05 ** np.arange(1, 16)).sum()
    assert pv == pytest.approx(100.0)
    assert finance.grant_element(0.05, 0.05, 15, 4) == pytest.approx(0.0, abs=1e-12)
    assert finance.grant_element(0.02, 0.06, 15, 4) > 0.2  # a concessional loan gives a grant element


def test_lcoe_is_the_price_at_which_npv_is_zero():
    price = finance.lcoe(600.0, 0.015, 0.09, 25, 0.17, build_yr=2)  # EUR/MWh for EUR 600/kW
    mwh_per_kw = 0.17 * 8.76
    npv = finance.npv(600.0, (price * mwh_per_kw) - 600.0 * 0.015, 0.09, 25, 2)
    assert npv == pytest.approx(0.0, abs=1e-9)
