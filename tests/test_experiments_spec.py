"""Experiment files: validation with clear errors, designs and seeds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from wecsim.cli import app
from wecsim.experiments import ExperimentError, design_points, load_experiment, run_seed, salib_problem
from wecsim.experiments.design import run_rows, sample_matrix
from wecsim.scenario import registry

EXAMPLES = sorted(Path(__file__).resolve().parents[1].joinpath("experiments").glob("*.yaml"))

GOOD = {
    "name": "t",
    "base": "baseline",
    "overrides": {"end_year": 2027},
    "seed": 3,
    "replicates": 2,
    "design": {"kind": "latin_hypercube", "n": 5},
    "parameters": {
        "budget_eu_grant_meur": "range",
        "landfill_ban_year": {"range": [2030, 2040]},
        "climate_pathway": ["SSP1-2.6", "SSP5-8.5"],
    },
    "outputs": {"indicators": ["water_deficit_km3", "recycling_rate"], "years": [2026, 2027]},
}


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "exp.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def problems(tmp_path: Path, **changes) -> list[tuple[str, str]]:
    data = {**GOOD, **changes}
    with pytest.raises(ExperimentError) as err:
        load_experiment(write(tmp_path, data))
    assert str(tmp_path / "exp.yaml") in str(err.value)
    return err.value.problems


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_shipped_examples_are_valid(path):
    exp = load_experiment(path)
    assert exp.parameters and design_points(exp).shape[0] > 0


def test_ranges_come_from_levers_csv(tmp_path):
    exp = load_experiment(write(tmp_path, GOOD))
    declared = registry()["budget_eu_grant_meur"]
    p = exp.parameters[0]
    assert (p.low, p.high, p.unit) == (declared.low, declared.high, declared.unit)
    assert exp.parameters[2].values == ("SSP1-2.6", "SSP5-8.5")
    problem = salib_problem(exp.parameters)
    assert problem["bounds"][0] == [declared.low, declared.high]
    assert problem["bounds"][1] == [2030.0, 2041.0]  # an int range: [low, high + 1), floored
    assert exp.base_scenario["end_year"] == 2027


def test_unknown_parameter_is_named_with_a_suggestion(tmp_path):
    probs = problems(tmp_path, parameters={"budget_eu_grant_mer": "range", "nonsense": [1, 2]})
    by_path = dict(probs)
    assert "did you mean budget_eu_grant_meur" in by_path["parameters.budget_eu_grant_mer"]
    assert "unknown lever or uncertainty" in by_path["parameters.nonsense"]


def test_values_outside_the_declared_range_are_rejected(tmp_path):
    probs = dict(
        problems(
            tmp_path,
            parameters={
                "budget_eu_grant_meur": [15, 250],
                "drought_probability_south": {"range": [0.0, 0.3]},
                "landfill_ban_year": [2030.5],
                "climate_pathway": ["SSP9"],
            },
        )
    )
    assert (
        "outside the declared range of budget_eu_grant_meur: 0-200 EUR M/yr"
        in probs["parameters.budget_eu_grant_meur.values[1]"]
    )
    assert "0.1-0.35" in probs["parameters.drought_probability_south.range[0]"]
    assert "whole number" in probs["parameters.landfill_ban_year.values[0]"]
    assert "SSP1-2.6 | SSP2-4.5 | SSP5-8.5" in probs["parameters.climate_pathway.values[0]"]


def test_structure_errors(tmp_path):
    data = {k: v for k, v in GOOD.items() if k != "seed"}
    data["colour"] = "blue"
    data["design"] = {"kind": "sobol", "n": 100}
    data["outputs"] = {"indicators": ["water_defcit_km3"], "years": [2040]}
    path = write(tmp_path, data)
    with pytest.raises(ExperimentError) as err:
        load_experiment(path)
    probs = dict(err.value.problems)
    assert "seed: 12345" in probs["seed"]
    assert "unknown key" in probs["colour"]
    with pytest.raises(ExperimentError) as err:
        load_experiment(write(tmp_path, {**GOOD, "design": {"kind": "sobol", "n": 100}, "outputs": data["outputs"]}))
    probs = dict(err.value.problems)
    assert "power of 2" in probs["design.n"] and "64 or 128" in probs["design.n"]
    assert "did you mean water_deficit_km3" in probs["outputs.indicators[0]"]
    assert "outside the simulated years 2025-2027" in probs["outputs.years[0]"]


def test_bad_base_and_overrides(tmp_path):
    probs = dict(problems(tmp_path, base="no_such_scenario"))
    assert "base" in probs
    probs = dict(problems(tmp_path, overrides={"levers": {"budget_eu_grant_meur": 900}}))
    assert "overrides.levers.budget_eu_grant_meur" in probs


def test_invalid_yaml_and_cli_exit_code(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nparameters: [unclosed\n", encoding="utf-8")
    with pytest.raises(ExperimentError, match="not valid YAML at line"):
        load_experiment(path)
    result = CliRunner().invoke(app, ["batch", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    bad = write(tmp_path, {**GOOD, "parameters": {"budget_eu_grant_meur": [999]}})
    result = CliRunner().invoke(app, ["batch", str(bad), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "parameters.budget_eu_grant_meur.values[0]" in result.output


def test_design_is_reproducible_and_inside_the_ranges(tmp_path):
    exp = load_experiment(write(tmp_path, GOOD))
    a, b = design_points(exp), design_points(exp)
    assert a.equals(b) and len(a) == 5
    assert a["budget_eu_grant_meur"].between(0, 200).all()
    assert a["landfill_ban_year"].between(2030, 2040).all() and a["landfill_ban_year"].dtype == np.int64
    assert set(a["climate_pathway"]) <= {"SSP1-2.6", "SSP5-8.5"}
    other = load_experiment({**GOOD, "seed": 4})
    assert not design_points(other).equals(a)


def test_run_seeds_come_from_seed_sequence(tmp_path):
    exp = load_experiment(write(tmp_path, GOOD))
    rows = run_rows(exp, design_points(exp), range(10))
    children = np.random.SeedSequence(exp.seed).spawn(10)
    for row, child in zip(rows, children, strict=True):
        assert row["seed"] == int(child.generate_state(1, np.uint64)[0]) & ((1 << 63) - 1)
        assert row["seed"] == run_seed(exp.seed, row["run_id"])
        assert (row["point"], row["replicate"]) == divmod(row["run_id"], 2)
    assert len({r["seed"] for r in rows}) == 10
    crn = load_experiment({**GOOD, "common_random_numbers": True})
    rows = run_rows(crn, design_points(crn), range(6))
    assert rows[0]["seed"] == rows[2]["seed"] == rows[4]["seed"] != rows[1]["seed"]


def test_full_factorial_and_sobol_sizes():
    ff = load_experiment(
        {
            **GOOD,
            "design": {"kind": "full_factorial"},
            "parameters": {"budget_eu_grant_meur": {"range": [0, 100], "levels": 3}, "climate_pathway": "range"},
        }
    )
    d = design_points(ff)
    assert len(d) == 9 and sorted(set(d["budget_eu_grant_meur"])) == [0.0, 50.0, 100.0]
    sob = load_experiment({**GOOD, "design": {"kind": "sobol", "n": 8}})
    assert sample_matrix(sob).shape == (8 * (3 + 2), 3)
