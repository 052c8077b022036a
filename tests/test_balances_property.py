"""Money, water, energy and waste balances close whatever the levers (a property search)."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import wecsim
from wecsim.scenario import registry

TOL = 1e-6


@st.composite
def lever_values(draw):
    """A random scenario: five parameters of levers.csv drawn anywhere in their ranges."""
    params = list(registry().values())
    chosen = draw(st.lists(st.sampled_from(params), min_size=5, max_size=5, unique_by=lambda p: p.name))
    out = []
    for p in chosen:
        if p.type == "categorical":
            v = draw(st.sampled_from(p.choices))
        elif p.type == "int":
            v = draw(st.integers(int(p.low), int(p.high)))
        else:
            v = round(draw(st.floats(p.low, p.high, allow_nan=False)), 6)
        out.append(f"{p.name}={v}")
    return out


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(overrides=lever_values(), seed=st.integers(0, 1000))
def test_balances_close_for_any_levers(overrides, seed):
    res = wecsim.run("baseline", seed=seed, overrides=[*overrides, "end_year=2036"])
    led, proj, nat = res.ledger, res.project.set_index("project_id"), res.national
    # money: every commitment and disbursement names a project; built projects are paid in full
    comm = led[led["kind"] == "commitment"].groupby("project_id")["amount_meur"].sum()
    np.testing.assert_allclose(comm.reindex(proj.index, fill_value=0), proj["committed_meur"], atol=TOL)
    built = proj[proj["operating_year"].notna()]
    np.testing.assert_allclose(built["disbursed_meur"], built["contract_cost_meur"], rtol=1e-9)
    assert (res.funder["unused_meur"] >= -TOL).all()
    # water: per basin available = withdrawn + unallocated; demand = supplied + deficit
    b = res.basin
    np.testing.assert_allclose(b["available_km3"], b["withdrawn_km3"] + b["unallocated_km3"], atol=1e-9)
    np.testing.assert_allclose(b["demand_km3"], b["supplied_km3"] + b["deficit_km3"], atol=1e-9)
    # energy: generation by technology adds up, unserved energy is what the fleet could not give
    gen = nat[[c for c in nat.columns if c.startswith("generation_") and c != "generation_twh"]].sum(axis=1)
    np.testing.assert_allclose(gen, nat["generation_twh"], rtol=1e-9)
    assert (nat["generation_twh"] + nat["unserved_twh"] >= nat["electricity_demand_twh"] - 1e-6).all()
    # waste: recycled + burned + landfilled + uncollected = generated
    parts = nat[["recycled_mt", "energy_recovered_mt", "landfilled_mt", "uncollected_mt"]].sum(axis=1)
    np.testing.assert_allclose(parts, nat["msw_generated_mt"], rtol=1e-9)
    assert nat["recycling_rate"].between(0, 1).all()
