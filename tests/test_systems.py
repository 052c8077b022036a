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
    local = draw(arrays(float, n_regions, elements=volumes))
    cap = draw(arrays(float, n_regions, elements=st.one_of(volumes, st.just(np.inf))))
    loss = {s: draw(arrays(float, n_regions, elements=shares)) for s in water.SECTORS}
    return basin, available, demand, local, cap, loss


@settings(max_examples=200, deadline=None)
@given(water_case())
def test_water_allocation_conserves_water(case):
    basin, available, demand, local, cap, loss = case
    wb = water.allocate(basin, available, demand, local, cap, loss)
    n_basins = len(available)
    for s in water.SECTORS:
        assert np.all(wb.supplied[s] <= demand[s] * (1 + 1e-12) + 1e-6)
        assert np.all(wb.deficit[s] >= -1e-6)
        np.testing.assert_allclose(wb.supplied[s] + wb.deficit[s], demand[s], rtol=1e-9, atol=1e-6)
        np.testing.assert_allclose(wb.losses[s], wb.supplied[s] * loss[s], rtol=1e-12)
    withdrawn = sum(np.bincount(basin, weights=wb.from_basin[s], minlength=n_basins) for s in water.SECTORS)
    np.testing.assert_allclose(withdrawn, wb.basin_withdrawn, rtol=1e-9, atol=1e-3)
    assert np.all(wb.basin_withdrawn <= available * (1 + 1e-9) + 1e-3)
    np.testing.assert_allclose(wb.basin_withdrawn + wb.basin_unallocated, available, rtol=1e-9, atol=1e-3)
    used_local = sum(wb.from_local[s] for s in water.SECTORS)
    np.testing.assert_allclose(used_local + wb.local_unused, local, rtol=1e-9, atol=1e-3)
    # municipal and industrial intake from the basin respects the region's conventional cap
    assert np.all(wb.from_basin["municipal"] + wb.from_basin["industry"] <= cap * (1 + 1e-9) + 1e-3)


@settings(max_examples=100, deadline=None)
@given(water_case())
def test_municipal_users_are_served_first(case):
    basin, available, demand, local, _, loss = case
    cap = np.full(len(local), np.inf)
    wb = water.allocate(basin, available, demand, np.zeros_like(local), cap, loss)
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
        np.array([np.inf]),
        {s: np.array([0.5 if s == "irrigation" else 0.0]) for s in water.SECTORS},
    )
    assert wb.supplied["irrigation"][0] == pytest.approx(20.0)
    assert wb.deficit["irrigation"][0] == pytest.approx(40.0)
    assert wb.losses["irrigation"][0] == pytest.approx(10.0)
    assert water.gross_demand(np.array([80.0]), np.array([0.2]))[0] == pytest.approx(100.0)


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
    d = energy.dispatch(demand, variable_cap_share=cap_share, **FLEET)
    available = FLEET["capacity_mw"] * FLEET["cf_max"] * energy.HOURS_PER_YEAR
    assert np.all(d.generation_mwh >= -1e-6) and np.all(d.generation_mwh <= available + 1e-6)
    must_run = FLEET["capacity_mw"] * FLEET["must_run_cf"] * energy.HOURS_PER_YEAR
    served = d.generation_mwh.sum()
    # either demand is met exactly (plus any must-run surplus) or only unserved energy is missing
    assert served + d.unserved_mwh == pytest.approx(max(demand, must_run.sum()), rel=1e-9, abs=1e-3)
    np.testing.assert_allclose(d.co2_t, d.generation_mwh * FLEET["emission_t_per_mwh"])
    assert d.generation_mwh[2] <= cap_share * demand + 1e-6  # variable RES never above the cap


def test_dispatch_merit_order_by_hand():
    d = energy.dispatch(5e6, variable_cap_share=1.0, **FLEET)
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
)
def test_waste_mass_is_conserved(gen, coverage, rec_cap, max_share, wte, separated):
    f = waste.waste_flows(gen, coverage, rec_cap, max_share, wte, separated)
    total = f.recycled_t + f.energy_recovered_t + f.landfilled_t + f.uncollected_t
    np.testing.assert_allclose(total, gen, rtol=1e-9, atol=1e-6)
    for part in (f.recycled_t, f.energy_recovered_t, f.landfilled_t, f.uncollected_t):
        assert np.all(part >= -1e-6)
    assert np.all(f.recycled_t <= rec_cap + 1e-6)
    assert np.all(f.recycled_t <= separated * gen + 1e-6)
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
