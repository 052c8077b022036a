"""Sensitivity analysis that checks itself: noise, impossible and unconverged indices, convergence, methods."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from wecsim.cli import app
from wecsim.experiments import load_experiment, run_batch
from wecsim.experiments.analysis.sensitivity import morris_checks, sobol_checks
from wecsim.experiments.reports import sensitivity_report

ROOT = Path(__file__).resolve().parents[1]


def write(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def noisy(name: str, **extra) -> dict:
    return {
        "name": name,
        "model": "wecsim.experiments.testfunctions:weather_noise",
        "seed": 21,
        "design": {"kind": "sobol", "n": 128},
        "parameters": {"x1": {"range": [0, 1]}, "x2": {"range": [0, 1]}, "x3": {"range": [0, 1]}},
        "outputs": {"indicators": ["y"]},
        **extra,
    }


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("noise")
    out = {}
    for key, extra in {
        "crn": {},  # the default for a sobol design
        "independent": {"common_random_numbers": False},
        "independent_reps": {"common_random_numbers": False, "replicates": 4},
    }.items():
        out[key] = tmp / key
        run_batch(write(tmp / f"{key}.yaml", noisy(key, **extra)), out[key], executor="serial")
    return out


def test_sensitivity_designs_get_common_random_numbers_by_default():
    exp = load_experiment(noisy("x"))
    assert exp.common_random_numbers
    assert load_experiment(noisy("x", design={"kind": "morris", "n": 4})).common_random_numbers
    assert not load_experiment(noisy("x", design={"kind": "latin_hypercube", "n": 4})).common_random_numbers
    assert not load_experiment(noisy("x", common_random_numbers=False)).common_random_numbers


def test_with_common_random_numbers_the_indices_are_the_functions(folders):
    rep = sensitivity_report(folders["crn"], "y")
    t = rep.table
    assert list(t.index) == ["x1", "x2", "x3"]
    assert t.loc["x1", "S1"] == pytest.approx(0.92, abs=0.05) and t.loc["x3", "ST"] == pytest.approx(0, abs=1e-9)
    assert not rep.warnings, [c.text for c in rep.warnings]
    conv = rep.convergence_summary
    assert conv["stable_ranking"] and conv["top"] == ["x1", "x2"] and conv["bootstrap_top1"] == 1.0
    assert any(c.kind == "weather" and "one weather sequence" in c.text for c in rep.checks)


def test_independent_weather_is_flagged_as_noise(folders):
    rep = sensitivity_report(folders["independent"], "y")
    kinds = {c.kind for c in rep.warnings}
    assert "noise" in kinds and kinds & {"impossible", "unconverged", "convergence"}, [c.text for c in rep.checks]
    rep = sensitivity_report(folders["independent_reps"], "y")
    noise = next(c for c in rep.warnings if c.kind == "noise")
    assert noise.text.startswith("noise-dominated:")
    assert rep.noise["noise_share"] > 0.5  # 1/4 of the noise variance (1) against ~0.09 of signal


def test_impossible_indices_are_named_in_plain_words():
    t = pd.DataFrame(
        {"S1": [0.7, 0.6, -0.3], "S1_conf": [0.05, 0.05, 0.1], "ST": [0.8, 0.3, 0.1], "ST_conf": [0.05, 0.05, 0.05]},
        index=pd.Index(["a", "b", "c"], name="parameter"),
    )
    texts = [c.text for c in sobol_checks(t)]
    assert any(x.startswith("impossible: S1 of c is -0.30, below 0") for x in texts)
    assert any(x.startswith("impossible: ST of b (0.30) is below its S1 (0.60)") for x in texts)
    assert not any("add up" in x for x in texts)  # 0.7 + 0.6 - 0.3 = 1.0
    t.loc["c", "S1"] = 0.2
    assert any("first-order indices add up to 1.50 (> 1" in c.text for c in sobol_checks(t))
    t.loc["a", "ST_conf"] = 0.9
    assert any(c.text.startswith("unconverged: the interval of ST of a (±0.90)") for c in sobol_checks(t))


def test_morris_says_when_the_output_is_constant():
    t = pd.DataFrame({"mu_star": [0.0, 0.0], "mu_star_conf": [0.0, 0.0]}, index=["a", "b"])
    (check,) = morris_checks(t, np.full(6, 0.45))
    assert check.level == "warning" and "the same in every run (0.45)" in check.text


def test_second_order_indices_are_reported_when_sampled(tmp_path):
    data = yaml.safe_load((ROOT / "experiments" / "ishigami_sobol.yaml").read_text())
    data["design"] = {"kind": "sobol", "n": 512, "second_order": True}
    out = tmp_path / "out"
    run_batch(write(tmp_path / "ish2.yaml", data), out, executor="serial")
    rep = sensitivity_report(out, "y")
    s2 = rep.second_order
    assert s2.index[0] == ("x1", "x3")  # the one interaction of the Ishigami function: S13 = 0.244
    assert s2.iloc[0]["S2"] == pytest.approx(0.244, abs=0.08)
    assert abs(s2.loc[("x1", "x2"), "S2"]) < 0.05 and abs(s2.loc[("x2", "x3"), "S2"]) < 0.05
    r = CliRunner().invoke(app, ["sensitivity", str(out), "--output", "y", "--chart", str(tmp_path / "c")])
    assert r.exit_code == 0, r.output
    text = " ".join(r.output.split())
    assert "Second-order indices of y" in text and "Convergence: total-order index" in text
    assert "4,096 sample rows = 4,096 runs" in text and " points" not in text
    assert "Checks:" in text and "ranking converged: ranking of the top 3 (x1 > x2 > x3)" in text
    page = (tmp_path / "c.html").read_text()
    assert "Second-order indices" in page and "Convergence" in page and "Checks" in page


@pytest.fixture(scope="module")
def lhs(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("lhs")
    data = {
        "name": "lhs",
        "model": "wecsim.experiments.testfunctions:noisy_linear",
        "seed": 5,
        "design": {"kind": "latin_hypercube", "n": 500},
        "parameters": {"x1": {"range": [0, 1]}, "x2": {"range": [0, 1]}},
        "outputs": {"indicators": ["y"]},
    }
    run_batch(write(tmp / "lhs.yaml", data), tmp / "out", executor="serial")
    return tmp / "out"


@pytest.mark.parametrize("method", ["auto", "delta", "pawn", "rbd_fast"])
def test_delta_pawn_and_rbd_fast_work_on_a_latin_hypercube(lhs, method):
    rep = sensitivity_report(lhs, "y", method=method)
    assert rep.method == ("delta" if method == "auto" else method)
    assert list(rep.table.index) == ["x1", "x2"]  # y = 2 x1 + x2: x1 first
    if "S1" in rep.table:
        assert rep.table.loc["x1", "S1"] == pytest.approx(0.8, abs=0.1)  # 4/12 / (4/12 + 1/12)
    r = CliRunner().invoke(app, ["sensitivity", str(lhs), "--output", "y", "--method", "sobol"])
    assert r.exit_code == 2 and "use --method delta, pawn or rbd_fast" in r.output
