"""Model invariants: money is conserved and traceable, water balances close, lifecycles are legal."""

import numpy as np
import pandas as pd
import pytest

import wecsim
from wecsim.projects.pipeline import ALLOWED, Stage

TOL = 1e-6
#: Funders whose money is a reserve kept across years (akimats' co-finance, utilities' own funds).
REGIONAL = {"local", "utility"}


CASES = {
    "baseline": ("baseline", []),
    "team_europe": ("team_europe_accelerated", []),
    "drought": ("drought_2030s", []),
    "no_eu": ("no_eu_finance", []),
    # money is short everywhere: envelopes bind, so over-commitment would show
    "tight_budgets": (
        "baseline",
        ["budget_national_bn_kzt=30", "budget_ebrd_meur=50", "local_budget_eur_per_capita=1"],
    ),
}


@pytest.fixture(scope="module", params=sorted(CASES))
def results(request):
    scenario, overrides = CASES[request.param]
    return wecsim.run(scenario, seed=3, overrides=overrides)


def test_no_funder_ends_a_year_below_zero(results):
    assert (results.funder["unused_meur"] >= -TOL).all(), results.funder.loc[results.funder["unused_meur"] < -TOL]


def test_commitments_within_envelopes(results):
    f = results.funder
    for funder_id, g in f.groupby("funder_id"):
        g = g.sort_values("year")
        if funder_id not in REGIONAL:  # regions and utilities keep reserves across years; the others' money lapses
            # each year: gross commitments <= envelope + money released back that year
            assert (g["committed_meur"] <= g["envelope_meur"] + g["released_meur"] + TOL).all(), funder_id
        # cumulatively: net commitments never exceed the envelopes received
        net = (g["committed_meur"] - g["released_meur"]).cumsum()
        assert (net <= g["envelope_meur"].cumsum() + TOL).all(), funder_id


def test_disbursed_within_committed(results):
    led = results.ledger
    by = led.pivot_table(index=["project_id", "funder_id"], columns="kind", values="amount_meur", aggfunc="sum").fillna(
        0
    )
    assert (by.get("disbursement", 0) <= by["commitment"] + TOL).all()
    totals = led.groupby("kind")["amount_meur"].sum()
    assert totals["disbursement"] <= totals["commitment"] + TOL


def test_every_euro_traceable(results):
    led, proj = results.ledger, results.project
    known = set(results.funder["funder_id"])
    assert set(led["funder_id"]) <= known
    assert led["project_id"].isin(proj["project_id"]).all()
    # the project table agrees with the ledger, euro for euro
    comm = led[led.kind == "commitment"].groupby("project_id")["amount_meur"].sum()
    disb = led[led.kind == "disbursement"].groupby("project_id")["amount_meur"].sum()
    p = proj.set_index("project_id")
    np.testing.assert_allclose(comm.reindex(p.index, fill_value=0), p["committed_meur"], atol=TOL)
    np.testing.assert_allclose(disb.reindex(p.index, fill_value=0), p["disbursed_meur"], atol=TOL)
    # the funder table agrees with the ledger too
    yearly = led[led.kind == "disbursement"].groupby(["year", "funder_id"])["amount_meur"].sum()
    f = results.funder.set_index(["year", "funder_id"])["disbursed_meur"]
    np.testing.assert_allclose(yearly, f.reindex(yearly.index), atol=TOL)


def test_built_projects_paid_in_full_and_dead_projects_hold_no_money(results):
    p = results.project
    built = p[p["operating_year"].notna()]
    np.testing.assert_allclose(built["disbursed_meur"], built["contract_cost_meur"], rtol=1e-9)
    np.testing.assert_allclose(built["committed_meur"], built["contract_cost_meur"], rtol=1e-9)
    dead = p[p["stage"].isin(["rejected", "cancelled"])]
    assert (dead["committed_meur"].abs() < TOL).all()
    assert (dead["disbursed_meur"].abs() < TOL).all()


def test_water_balance_closes_per_basin_and_year(results):
    b = results.basin
    np.testing.assert_allclose(b["available_km3"], b["withdrawn_km3"] + b["unallocated_km3"], atol=1e-9)
    np.testing.assert_allclose(b["demand_km3"], b["supplied_km3"] + b["deficit_km3"], atol=1e-9)
    np.testing.assert_allclose(b["supplied_km3"], b["withdrawn_km3"] + b["local_supply_km3"], atol=1e-9)
    assert (b["deficit_km3"] >= -1e-12).all()
    assert (b["unallocated_km3"] >= -1e-12).all()
    # regions add up to their basins
    r = results.region.groupby(["year", "basin_id"])[["water_demand_mm3", "water_deficit_mm3"]].sum() / 1e3
    bb = b.set_index(["year", "basin_id"])
    np.testing.assert_allclose(r["water_demand_mm3"], bb.loc[r.index, "demand_km3"], rtol=1e-9)
    np.testing.assert_allclose(r["water_deficit_mm3"], bb.loc[r.index, "deficit_km3"], rtol=1e-9, atol=1e-12)
    # and to the national totals
    nat = results.national.set_index("year")
    np.testing.assert_allclose(b.groupby("year")["deficit_km3"].sum(), nat["water_deficit_km3"], rtol=1e-9, atol=1e-12)


def test_lifecycle_transitions_are_legal_and_dated(results):
    tr = results.transitions
    assert (tr["reason"].str.len() > 0).all()
    # reasons are kept as %-formats until read: none may reach a table unfilled
    assert not tr["reason"].str.contains(r"%[sdf.]|%\.\d", regex=True).any()
    assert not results.project["last_reason"].str.contains("%", regex=False).any()
    financed = tr.loc[tr["to_stage"] == "financed", "reason"]
    assert financed.str.fullmatch(r"financed: .+ \(M EUR\)").all()
    for pid, g in tr.groupby("project_id", sort=False):
        stages = [Stage.PROPOSED]
        assert g.iloc[0]["to_stage"] == "proposed"
        for _, row in g.iloc[1:].iterrows():
            assert Stage(row["to_stage"]) in ALLOWED[stages[-1]], (pid, stages[-1], row["to_stage"])
            stages.append(Stage(row["to_stage"]))
        assert g["year"].is_monotonic_increasing
    p = results.project
    ops = p[p["operating_year"].notna()]
    from wecsim.datasets import parameters
    from wecsim.projects.catalog import catalog

    build = ops["technology"].map(lambda t: catalog()[t].build_time_yr)
    # an auction award is planned within its PPA's deadline counted from the auction (parameters.csv)
    P = parameters()
    months = {"solar_pv": P["auction_build_deadline_solar_pv_months"], "wind": P["auction_build_deadline_wind_months"]}
    deadline_yr = ops["technology"].map({t: m / 12 for t, m in months.items()})
    awarded = (ops["owner"] == "national grid operator") & deadline_yr.notna()
    left = (deadline_yr.fillna(0).astype(int) - (ops["construction_start_year"] - ops["proposed_year"])).clip(lower=1)
    build = build.where(~awarded, build.clip(upper=left))
    # a farmer buys his system from a supplier and waters with it that season (wecsim.projects.purchase)
    bought = ops["technology"].map(lambda t: catalog()[t].route == "farmer")
    build = build.where(~bought, 0)
    assert (ops["operating_year"] >= ops["construction_start_year"] + build).all()


def test_national_indicators_are_finite_and_shares_bounded(results):
    nat = results.national
    assert np.isfinite(nat.select_dtypes("number").to_numpy()).all()
    for col in [c for c in nat.columns if c.endswith("_share") or c == "recycling_rate"]:
        assert nat[col].between(0, 1).all(), col
    assert (nat["projects_built"].diff().dropna() >= 0).all()
    assert isinstance(results.headline(), pd.DataFrame)


def test_water_demand_by_sector_sums_to_the_total(results):
    nat = results.national
    sectors = nat[["water_demand_municipal_km3", "water_demand_industry_km3", "water_demand_irrigation_km3"]]
    assert (sectors > 0).all().all()
    np.testing.assert_allclose(sectors.sum(axis=1), nat["water_demand_km3"], rtol=1e-12)
    # and the national total is what the regions demand
    regions = results.region.groupby("year")["water_demand_mm3"].sum() / 1e3
    np.testing.assert_allclose(nat.set_index("year")["water_demand_km3"], regions, rtol=1e-9)


def test_refusals_name_real_funders_and_projects_and_follow_the_offer_rules(results):
    from wecsim.agents.funder import REFUSAL_REASONS
    from wecsim.datasets import table

    ref, proj = results.refusals, results.project.set_index("project_id")
    assert len(ref) > 0
    assert list(ref.columns) == ["year", "funder_id", "project_id", "sector", "region_id", "reason"]
    funders = table("funders").set_index("funder_id")
    assert set(ref["funder_id"]) <= set(funders.index)
    assert set(ref["reason"]) <= set(REFUSAL_REASONS)
    assert ref["project_id"].isin(proj.index).all()
    # sector and region are the refused project's
    assert (ref["sector"].to_numpy() == proj.loc[ref["project_id"], "sector"].to_numpy()).all()
    assert (ref["region_id"].to_numpy() == proj.loc[ref["project_id"], "region_id"].to_numpy()).all()
    # a funder is asked once a year per project, between appraisal and finance
    assert not ref.duplicated(["year", "funder_id", "project_id"]).any()
    tr = results.transitions
    appraised = tr[tr["to_stage"] == "appraised"].set_index("project_id")["year"]
    financed = tr[tr["to_stage"] == "financed"].set_index("project_id")["year"]
    assert (ref["year"].to_numpy() >= appraised.loc[ref["project_id"]].to_numpy()).all()
    fin = ref["project_id"].map(financed)
    assert (ref["year"][fin.notna()] <= fin[fin.notna()]).all()
    # each reason matches the project and the funder's rules
    enpv = ref["reason"] == "economic NPV below zero"
    assert (proj.loc[ref.loc[enpv, "project_id"], "enpv_meur"] < 0).all()
    fnpv = ref["reason"] == "does not pay for itself"
    assert (proj.loc[ref.loc[fnpv, "project_id"], "fnpv_meur"] < 0).all()
    # a project is refused "not prepared" only before its feasibility study was paid for
    prep = ref["reason"] == "not prepared to the funder's standard"
    prepared_year = proj.loc[ref.loc[prep, "project_id"], "prepared_year"].to_numpy()
    assert (np.isnan(prepared_year) | (ref.loc[prep, "year"].to_numpy() < prepared_year)).all()
    # a funder refuses, and pays, only projects of its routes and of sectors it gives weight to
    routes = funders["routes"].str.split("|")
    weight = {
        (f, s): funders.loc[f, f"priority_{s}"]
        for f in funders.index
        for s in ("water", "energy", "circular", "resilience")
    }
    led = results.ledger
    paid = led[(led["kind"] == "commitment") & (led["amount_meur"] > 0) & (led["instrument"] != "overrun_topup")]
    for frame in (ref, paid):
        route = proj.loc[frame["project_id"], "route"].to_numpy()
        assert all(r in routes[f] for f, r in zip(frame["funder_id"], route, strict=True))
        assert all(weight[(f, s)] > 0 for f, s in zip(frame["funder_id"], frame["sector"], strict=True))


def test_largest_funder_is_the_one_with_the_largest_net_commitment(results):
    p = results.project.set_index("project_id")
    assert "lead_funder" not in p.columns  # the scenario's lead funder is the one asked first, not this
    led = results.ledger[results.ledger["kind"] == "commitment"]
    net = led.groupby(["project_id", "funder_id"])["amount_meur"].sum()
    net = net[net > 1e-9]
    best = net.groupby(level="project_id").max()
    chosen = net.reindex(list(zip(best.index, p.loc[best.index, "largest_funder"], strict=True))).to_numpy()
    np.testing.assert_allclose(chosen, best.to_numpy(), rtol=1e-9)
    assert p.loc[~p.index.isin(best.index), "largest_funder"].isna().all()


def test_a_closed_model_is_freed_without_the_cycle_collector():
    """Model and agents refer to each other; ``close`` breaks that so the run is freed at once."""
    import gc
    import weakref

    from wecsim.model import WECModel
    from wecsim.scenario import load_scenario

    model = WECModel(load_scenario("baseline", ["end_year=2028"]), seed=1)
    model.run()
    refs = [weakref.ref(x) for x in (model, model.pipeline, model.funders[0], model.region_agents[0])]
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        model.close()
        del model
        assert [r() is None for r in refs] == [True] * 4
    finally:
        if was_enabled:
            gc.enable()
