"""Runs for the app: cache, in-flight sharing, ensembles, and giving way to newer requests."""

from __future__ import annotations

import numpy as np
import pytest

import wecsim
from wecsim.app import runs
from wecsim.app.runs import Ensemble, Stale
from wecsim.app.scenario_io import build_scenario
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
    finally:
        runs.shutdown()
