"""Sensitivity (SALib), scenario discovery (PRIM, CART) and the EMA Workbench adapter."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from wecsim.cli import app
from wecsim.experiments import load_results, run_batch
from wecsim.experiments.analysis import cart_boxes, prim_boxes
from wecsim.experiments.reports import discover, sensitivity

ROOT = Path(__file__).resolve().parents[1]


def write(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def ishigami(tmp_path_factory) -> Path:
    """The shipped Ishigami experiment (5,120 runs), run through `wecsim batch`."""
    out = tmp_path_factory.mktemp("ishigami") / "out"
    summary = run_batch(ROOT / "experiments" / "ishigami_sobol.yaml", out, executor="serial")
    assert summary.n_done == 5120 and summary.n_failed == 0
    return out


def test_sobol_on_ishigami_ranks_x1_x2_x3(ishigami):
    table, method = sensitivity(ishigami, "y")
    assert method == "sobol"
    assert list(table.index) == ["x1", "x2", "x3"]  # ranked by total order
    analytic_st = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}
    analytic_s1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
    for name in table.index:
        assert abs(table.loc[name, "ST"] - analytic_st[name]) < 0.06
        assert abs(table.loc[name, "S1"] - analytic_s1[name]) < 0.08
        assert 0 < table.loc[name, "ST_conf"] < 0.15


def test_sensitivity_cli_prints_ranking_and_writes_charts(ishigami, tmp_path):
    r = CliRunner().invoke(app, ["sensitivity", str(ishigami), "--output", "y", "--chart", str(tmp_path / "ish")])
    assert r.exit_code == 0, r.output
    lines = [ln for ln in r.output.splitlines() if ln.strip().startswith("│")]
    assert [ln.split("│")[2].strip() for ln in lines[:3]] == ["x1", "x2", "x3"]
    png, page = tmp_path / "ish.png", tmp_path / "ish.html"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    html = page.read_text()
    assert "<svg" in html and "ST_conf" in html
    r = CliRunner().invoke(app, ["sensitivity", str(ishigami), "--output", "nope"])
    assert r.exit_code == 2 and "no output named 'nope'" in r.output
    r = CliRunner().invoke(app, ["sensitivity", str(ishigami), "--output", "y", "--method", "morris"])
    assert r.exit_code == 2 and "need a morris design" in r.output


@pytest.fixture(scope="module")
def linear(tmp_path_factory) -> Path:
    """A noisy linear function y = 2 x1 + x2 (+ noise), on a Latin hypercube of 400 points."""
    tmp = tmp_path_factory.mktemp("linear")
    exp = {
        "name": "linear",
        "model": "wecsim.experiments.testfunctions:noisy_linear",
        "seed": 3,
        "design": {"kind": "latin_hypercube", "n": 400},
        "parameters": {"x1": {"range": [0, 1]}, "x2": {"range": [0, 1]}, "x3": {"range": [0, 1]}},
        "outputs": {"indicators": ["y"]},
    }
    exp["parameters"].pop("x3")  # noisy_linear takes x1 and x2
    out = tmp / "out"
    run_batch(write(tmp / "linear.yaml", exp), out, executor="serial")
    return out


def test_morris_ranks_the_steeper_input_first(tmp_path):
    exp = {
        "name": "morris_linear",
        "model": "wecsim.experiments.testfunctions:noisy_linear",
        "seed": 9,
        "design": {"kind": "morris", "n": 20, "levels": 4},
        "parameters": {"x1": {"range": [0, 1]}, "x2": {"range": [0, 1]}},
        "outputs": {"indicators": ["y"]},
    }
    out = tmp_path / "out"
    run_batch(write(tmp_path / "m.yaml", exp), out, executor="serial")
    table, method = sensitivity(out, "y")
    assert method == "morris" and list(table.index) == ["x1", "x2"]
    assert table.loc["x1", "mu_star"] == pytest.approx(2.0, abs=0.05)
    assert table.loc["x2", "mu_star"] == pytest.approx(1.0, abs=0.05)


def test_prim_finds_the_box_of_a_known_region(linear):
    boxes, n, n_hit, n_failed = discover(linear, "y > 2.2", method="prim", threshold=0.9)
    assert n == 400 and n_failed == 0 and 0 < n_hit < 400
    box = boxes[0]
    names = {r.name for r in box.restrictions}
    assert "x1" in names
    x1 = next(r for r in box.restrictions if r.name == "x1")
    assert 0.5 < x1.low < 0.8  # y > 2.2 needs 2 x1 > 1.2, i.e. x1 > 0.6
    assert box.density >= 0.9 and box.coverage > 0.5


def test_cart_finds_the_same_region(linear):
    boxes, *_ = discover(linear, "y > 2.2", method="cart")
    best = boxes[0]
    x1 = next(r for r in best.restrictions if r.name == "x1")
    assert x1.low > 0.5 and best.density > 0.8


def test_discover_cli_prints_boxes(linear):
    r = CliRunner().invoke(app, ["discover", str(linear), "y > 2.2", "--method", "prim"])
    assert r.exit_code == 0, r.output
    assert "coverage" in r.output and "density" in r.output and "<= x1 <=" in r.output
    r = CliRunner().invoke(app, ["discover", str(linear), "y >> nonsense"])
    assert r.exit_code == 2 and "not a valid SQL expression" in r.output


def test_discovery_on_plain_data_with_a_categorical_input():
    rng = np.random.default_rng(0)
    x = pd.DataFrame({"a": rng.random(600), "b": rng.random(600), "c": rng.choice(["p", "q", "r"], 600)})
    y = (x["a"] < 0.3) & (x["c"] == "q")
    for boxes in (prim_boxes(x, y, threshold=0.8), cart_boxes(x, y)):
        b = boxes[0]
        by_name = {r.name: r for r in b.restrictions}
        assert by_name["c"].categories == ("q",)
        assert by_name["a"].high == pytest.approx(0.3, abs=0.08)
        assert b.density > 0.8 and b.coverage > 0.8


def test_results_load_as_plain_tables(linear):
    res = load_results(linear)
    assert len(res.runs) == 400 and set(res.outputs["year"]) == {0}
    y = res.outcome("y")
    x = res.parameters()
    assert np.allclose(y.to_numpy(), 2 * x["x1"] + x["x2"], atol=0.05)


def test_ema_workbench_adapter():
    ema = pytest.importorskip("ema_workbench")
    from wecsim.experiments.ema import ema_model

    model = ema_model(
        uncertainties=["drought_probability_south", "climate_pathway"],
        levers=["budget_eu_grant_meur"],
        outcomes=["water_deficit_km3", "recycling_rate"],
        years=[2026],
        overrides={"end_year": 2026},
        replications=2,
    )
    experiments, outcomes = ema.perform_experiments(model, scenarios=3, policies=1)
    assert len(experiments) == 3
    assert set(outcomes) == {"water_deficit_km3_2026", "recycling_rate_2026"}
    assert np.isfinite(outcomes["recycling_rate_2026"]).all()
    assert experiments["climate_pathway"].isin(["SSP1-2.6", "SSP2-4.5", "SSP5-8.5"]).all()
