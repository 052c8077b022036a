"""Runs for the app: cache, in-flight sharing, ensembles, and giving way to newer requests."""

from __future__ import annotations

import numpy as np
import pytest

import wecsim
from wecsim.app import runs
from wecsim.app.runs import Ensemble, Stale
from wecsim.app.scenario_io import build_scenario
from wecsim.results import TABLE_NAMES
from wecsim.runner import tables_equal
from wecsim.scenario import load_scenario


@pytest.fixture(autouse=True)
def in_thread(monkeypatch):
    monkeypatch.setenv("WECSIM_APP_WORKERS", "0")
    runs.clear_cache()
    yield
    runs.clear_cache()


def short(name="baseline", **levers):
    sc = load_scenario(name)
    return build_scenario(sc.model_copy(update={"end_year": 2030}), levers)


def test_a_run_is_wecsim_run_and_is_cached():
    sc = short()
    res = runs.run_one(sc, 3)
    assert tables_equal(res, wecsim.run(sc, seed=3))
    assert runs.cached(sc, 3) is res
    assert runs.run_one(sc, 3) is res
    other = short(budget_eu_grant_meur=60)
    assert runs.cached(other, 3) is None


def test_moving_an_eu_lever_reuses_the_counterfactual_run_and_its_numbers_are_the_same():
    """The run without EU money depends on the other levers and the seed only; the cache serves it across EU moves."""
    from wecsim import additionality

    grants_20, grants_30 = short(budget_eu_grant_meur=20), short(budget_eu_grant_meur=30)
    other = short(budget_eu_grant_meur=20, coal_retirement_mw_per_yr=400)
    cf_20, cf_30, cf_other = (runs.counterfactual(sc) for sc in (grants_20, grants_30, other))
    assert grants_20.scenario_hash() != grants_30.scenario_hash()
    assert cf_20.scenario_hash() == cf_30.scenario_hash(), "an EU lever's value must not change the counterfactual"
    assert cf_other.scenario_hash() != cf_20.scenario_hash(), "a non-EU lever must change it"
    assert not additionality.has_eu_money(cf_20)
    res = runs.submit(cf_20, 3, light=True).result()
    assert runs.cached(cf_30, 3, light=True) is res
    assert runs.cached(cf_other, 3, light=True) is None
    # the same numbers as the model's own counterfactual of that scenario (only its words differ)
    direct = wecsim.run(additionality.counterfactual(grants_30), seed=3)
    for name in runs.LIGHT_TABLES:
        assert getattr(res, name).equals(getattr(direct, name)), name


def test_seeds_and_ensemble_statistics():
    assert runs.seeds_for(42, 3) == [42, 43, 44]
    assert runs.seeds_for(42, 0) == [42]
    sc = short()
    done = []
    ens = runs.run_ensemble(sc, [1, 2, 3], on_progress=lambda d, n: done.append((d, n)))
    assert isinstance(ens, Ensemble) and ens.n == 3 and ens.seeds == [1, 2, 3]
    assert done[-1] == (3, 3)
    st = ens.national("water_deficit_km3")
    wide = np.vstack([r.national["water_deficit_km3"] for r in ens.runs])
    assert np.allclose(st["mean"], wide.mean(axis=0))
    assert (st["low"] <= st["mean"] + 1e-12).all() and (st["mean"] <= st["high"] + 1e-12).all()
    mean, lo, hi = ens.scalar(lambda r: float(r.national["co2_total_mt"].iloc[-1]))
    assert lo <= mean <= hi


def test_a_stale_request_stops_waiting():
    with pytest.raises(Stale):
        runs.run_many(short(), [5], is_stale=lambda: True)


def test_pool_runs_match_in_thread_runs(monkeypatch):
    monkeypatch.setenv("WECSIM_APP_WORKERS", "1")
    try:
        sc = short(res_auction_mw_per_yr=900)
        a = runs.submit(sc, 11)
        b = runs.submit(sc, 11)  # the same run asked twice while in flight is shared
        assert a is b, "a run asked twice while in flight must be shared"
        res = a.result(timeout=180)
        assert tables_equal(res, wecsim.run(sc, seed=11)), "a worker's run must equal the same run in-process"
        assert runs.cached(sc, 11) is res, "a finished run must be cached"
        # the headline tables sent ahead equal the whole result's
        early = a.early.result(timeout=1)
        for name in runs.HEADLINE_TABLES:
            assert getattr(early, name).equals(getattr(res, name)), name
        assert "partial" not in res.meta
        assert runs.submit(sc, 11).early.result() is res, "a cached run has no separate headline result"
    finally:
        runs.shutdown()


def test_headline_tables_come_before_the_rest(monkeypatch):
    """The worker sends the headline tables first: they land before the whole result does."""
    monkeypatch.setenv("WECSIM_APP_WORKERS", "1")
    try:
        runs.pool().submit(int).result(timeout=180)  # the worker is up
        sc = load_scenario("baseline")
        fut = runs.submit(sc, 5)
        early = fut.early.result(timeout=180)
        # the whole result could only win this race if the server stalled for the ~30 ms it takes
        # the worker to build the other tables
        assert early.meta.get("partial") == list(runs.HEADLINE_TABLES), "the headline tables did not come first"
        assert early.project.empty and early is not fut.result(timeout=180)
        assert tables_equal(fut.result(timeout=180), wecsim.run(sc, seed=5)), (
            "sending the headline ahead must not change the run"
        )
    finally:
        runs.shutdown()


def test_a_light_run_carries_only_what_runs_without_eu_money_are_read_for(monkeypatch):
    """A light run (EU card, map) has the whole run's light tables, no others, and never serves a whole request."""
    monkeypatch.setenv("WECSIM_APP_WORKERS", "1")
    try:
        sc = short(res_auction_mw_per_yr=880)
        light = runs.submit(sc, 7, light=True).result(timeout=180)
        whole = wecsim.run(sc, seed=7)
        assert light.meta["partial"] == [n for n in TABLE_NAMES if n in runs.LIGHT_TABLES]
        for name in TABLE_NAMES:
            if name in runs.LIGHT_TABLES:
                assert getattr(light, name).equals(getattr(whole, name)), name
            else:
                assert getattr(light, name).empty, f"a light run built {name}"
        assert runs.cached(sc, 7, light=True) is light
        assert runs.cached(sc, 7) is None, "a light run must not stand in for a whole one"
        full = runs.submit(sc, 7).result(timeout=180)
        assert "partial" not in full.meta and tables_equal(full, whole)
        assert runs.submit(sc, 8).result(timeout=180) is runs.submit(sc, 8, light=True).result(timeout=1), (
            "a whole run serves a light request"
        )
    finally:
        runs.shutdown()


def test_collect_results_builds_only_the_tables_asked_for():
    from wecsim.model import WECModel
    from wecsim.results import TABLE_NAMES
    from wecsim.runner import collect_results

    sc = short()
    model = WECModel(sc, seed=2)
    model.run()
    full = collect_results(model)
    part = collect_results(model, tables=("national", "ledger"))
    assert part.meta["partial"] == ["national", "ledger"]
    assert part.national.equals(full.national) and part.ledger.equals(full.ledger)
    assert all(getattr(part, n).empty for n in TABLE_NAMES if n not in ("national", "ledger"))


def test_deferred_tables_are_built_when_read_and_before_pickling():
    """wecsim.run builds the heavy tables on first read; a copy, a pickle and a comparison see them whole."""
    import pickle

    from wecsim.model import WECModel
    from wecsim.results import DEFERRABLE, Deferred
    from wecsim.runner import collect_results

    sc = short()
    model = WECModel(sc, seed=2)
    model.run()
    full = collect_results(model)
    res = wecsim.run(sc, seed=2)
    assert all(isinstance(res.__dict__[f"_{n}"], Deferred) for n in DEFERRABLE)
    sent = pickle.loads(pickle.dumps(res))
    assert not any(isinstance(sent.__dict__[f"_{n}"], Deferred) for n in DEFERRABLE)
    assert tables_equal(sent, full) and tables_equal(wecsim.run(sc, seed=2), full)


def test_partial_results_carry_what_the_cards_and_the_eu_card_need():
    """The headline tables alone give the investment card and the EU card the numbers of the whole run."""
    from wecsim import additionality
    from wecsim.app.indicators import cumulative_commitments_meur
    from wecsim.model import WECModel
    from wecsim.runner import collect_results

    sc = load_scenario("baseline")
    model = WECModel(sc, seed=3)
    model.run()
    full = collect_results(model)
    part = collect_results(model, tables=runs.HEADLINE_TABLES)
    assert part.ledger.empty
    # the investment card reads the small funder table; it must agree with the ledger's commitments
    committed = full.ledger.query("kind == 'commitment' and year <= 2035")["amount_meur"].sum()
    assert cumulative_commitments_meur(part, 2035) == pytest.approx(committed, rel=1e-12)
    assert cumulative_commitments_meur(part, 2035) < cumulative_commitments_meur(part)
    # EU money and everyone else's, from the funder table, equal the module's ledger sums
    funders = additionality.scope_funders("eu")
    eu = sum(additionality.money_by_instrument(part, "eu").values())
    assert eu == pytest.approx(additionality.eu_money_meur(full, funders, "eu"), rel=1e-12) and eu > 0
    assert additionality.other_capex_money_meur(part, "eu") == pytest.approx(
        additionality.other_money_meur(full, funders), rel=1e-12
    )
    # what EU money adds is the same from the headline tables as from the whole results
    without = wecsim.run(additionality.counterfactual(sc), seed=3)
    assert additionality.outcomes_to(part, without, 2050) == additionality.outcomes_to(full, without, 2050)
