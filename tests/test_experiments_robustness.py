"""Decision analysis (issue 13, item 3): policies x scenarios designs and robustness metrics."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from wecsim.cli import app
from wecsim.errors import ExperimentError, WecsimError
from wecsim.experiments import design_points, load_experiment, load_results, run_batch
from wecsim.experiments.analysis.robustness import parse_threshold, regret, robustness
from wecsim.experiments.design import run_rows, scenario_of
from wecsim.experiments.reports import robustness_report
from wecsim.scenario.load import read_yaml_mapping

EXAMPLE = Path(__file__).resolve().parents[1] / "experiments" / "eu_mix_robustness.yaml"


def synthetic(seed: int = 0, policies: int = 4, scenarios: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(scenarios):
        base = rng.normal(5, 2)
        for p in range(policies):
            rows.append(
                {
                    "policy": f"p{p}",
                    "scenario": s,
                    "cost": base + rng.normal(0, 1) + 0.3 * p,
                    "share": rng.uniform(0, 1),
                }
            )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("seed", range(5))
def test_regret_is_zero_for_the_best_policy_of_each_scenario_and_never_negative(seed):
    t = synthetic(seed)
    for outcome, direction in (("cost", "min"), ("share", "max")):
        wide = t.pivot(index="scenario", columns="policy", values=outcome)
        r = regret(wide, direction)
        assert (r.to_numpy() >= 0).all()
        assert (r.min(axis=1) == 0).all()
        best = wide.idxmin(axis=1) if direction == "min" else wide.idxmax(axis=1)
        assert all(r.loc[s, p] == 0 for s, p in best.items())
    # maximising y is minimising -y
    wide = t.pivot(index="scenario", columns="policy", values="share")
    pd.testing.assert_frame_equal(regret(wide, "max"), regret(-wide, "min"))


def test_robustness_table_metrics_match_a_direct_computation():
    t = synthetic(1)
    out = robustness(t, {"cost": "min", "share": "max"}, {"cost": ("<=", 5.0)})
    assert list(out.columns)[:3] == ["outcome", "policy", "direction"]
    assert len(out) == 8
    cost = out[out["outcome"] == "cost"].set_index("policy")
    wide = t.pivot(index="scenario", columns="policy", values="cost")
    for p in wide.columns:
        y = wide[p]
        assert cost.loc[p, "mean"] == pytest.approx(y.mean())
        assert cost.loc[p, "p90"] == pytest.approx(np.percentile(y, 90))
        assert cost.loc[p, "regret_max"] == pytest.approx((y - wide.min(axis=1)).max())
        assert cost.loc[p, "satisficing_share"] == pytest.approx((y <= 5.0).mean())
        assert 0 <= cost.loc[p, "satisficing_share"] <= 1
        assert 0 <= cost.loc[p, "best_in_share"] <= 1
    assert cost["best_in_share"].sum() >= 1 - 1e-12
    # rank 1: the least maximum regret (p0 has no +0.3 per policy handicap)
    assert cost["regret_max"].idxmin() == cost["rank"].idxmin() == "p0"
    assert out[out["outcome"] == "share"]["satisficing_share"].isna().all()
    assert sorted(cost["rank"]) == [1, 2, 3, 4]


def test_satisficing_shares_at_the_bounds():
    t = synthetic(2)
    low = robustness(t, {"cost": "min"}, {"cost": ("<", -1e9)})
    high = robustness(t, {"cost": "min"}, {"cost": (">=", -1e9)})
    assert (low["satisficing_share"] == 0).all() and (high["satisficing_share"] == 1).all()


def test_a_failed_run_drops_its_scenario_for_every_policy():
    t = synthetic(3, scenarios=10)
    t.loc[(t["scenario"] == 4) & (t["policy"] == "p2"), "cost"] = np.nan
    out = robustness(t, {"cost": "min"})
    assert (out["scenarios"] == 9).all()


@pytest.mark.parametrize(
    ("text", "expected"),
    [("water_deficit_km3<=0.5", ("water_deficit_km3", "<=", 0.5)), ("res_share >= 0.1", ("res_share", ">=", 0.1))],
)
def test_thresholds_parse(text, expected):
    assert parse_threshold(text) == expected


@pytest.mark.parametrize("text", ["water_deficit_km3", "x<=abc", "<=3", "x==3", "x<=nan"])
def test_bad_thresholds_are_refused_clearly(text):
    with pytest.raises(WecsimError, match="--threshold: expected OUTCOME<=VALUE"):
        parse_threshold(text)


# ------------------------------------------------------------------ the design


def small_example(n: int = 3, end_year: int = 2027) -> dict:
    spec = read_yaml_mapping(EXAMPLE, str(EXAMPLE), ExperimentError, "name:, design:, ...")
    spec = copy.deepcopy(spec)
    spec["design"]["n"] = n
    spec["overrides"] = {"end_year": end_year}
    for d in spec["derived"]:
        if isinstance(d["years"], list):
            d["years"] = [min(d["years"][0], end_year), end_year]
        else:
            d["years"] = end_year
    return spec


def test_every_policy_meets_the_same_scenarios_under_the_same_weather():
    exp = load_experiment(small_example(n=5))
    assert exp.common_random_numbers
    design = design_points(exp)
    policies = list(exp.policies)
    assert len(design) == len(policies) * 5
    assert list(design["policy"]) == [p for p in policies for _ in range(5)]
    unc = [p.name for p in exp.parameters if p.name != "policy"]
    scen = scenario_of(exp, design.index.to_numpy())
    for s in range(5):
        same = design[scen == s][unc]
        assert (same.nunique() == 1).all()
    rows = run_rows(exp, design, list(range(len(design))))
    assert len({r["seed"] for r in rows}) == 1  # one replicate: every run has the same weather


POLICY_ERRORS = [
    (
        lambda s: s["policies"].update(grants={"budget_eu_grant_meu": 54}),
        "policies.grants.budget_eu_grant_meu: unknown lever; did you mean budget_eu_grant_meur",
    ),
    (
        lambda s: s["policies"].update(grants={"drought_probability_south": 0.2}),
        "policies.grants.drought_probability_south: an uncertainty: vary it under parameters",
    ),
    (lambda s: s["policies"].update(grants={"budget_eu_grant_meur": 900}), "policies.grants.budget_eu_grant_meur"),
    (lambda s: s["policies"].update(grants=[1, 2]), "policies.grants: expected a mapping of lever: value"),
    (lambda s: s.update(policies={"only": {}}), "policies: expected at least 2 named policies"),
    (lambda s: s["policies"].update({"bad name!": {}}), "policies.bad name!: a policy name must be"),
    (
        lambda s: s["parameters"].update(budget_eib_meur="range"),
        "parameters.budget_eib_meur: a policies x scenarios design samples uncertainties only",
    ),
    (lambda s: s["design"].pop("n"), "design.n: missing: the number of scenarios"),
    (
        lambda s: s["design"].update(kind="latin_hypercube", n=4),
        "policies: policies go with `design: {kind: policies_x_scenarios",
    ),
]


@pytest.mark.parametrize(("change", "expected"), POLICY_ERRORS)
def test_bad_policies_get_clear_messages(change, expected):
    spec = small_example()
    change(spec)
    with pytest.raises(ExperimentError) as exc:
        load_experiment(spec)
    assert expected in str(exc.value)


# ------------------------------------------------------------------ end to end


@pytest.fixture(scope="module")
def example_results(tmp_path_factory):
    out = tmp_path_factory.mktemp("robust") / "eu_mix"
    run_batch(load_experiment(small_example(n=3)), out, executor="serial")
    return out


def test_the_shipped_example_runs_end_to_end_and_policies_act(example_results):
    res = load_results(example_results)
    assert (res.runs["status"] == "ok").all() and len(res.runs) == 4 * 3
    # a policy's levers reach the model: the grants policy commits more EU grant money in every scenario
    t = robustness_report(res, ["eu_grants_committed_meur"], directions={"eu_grants_committed_meur": "max"})
    by_policy = res.derived.join(res.runs.set_index("run_id")[["point"]]).assign(
        policy=lambda d: res.design["policy"].to_numpy()[d["point"]], scenario=lambda d: d["point"] % 3
    )
    wide = by_policy.pivot(index="scenario", columns="policy", values="eu_grants_committed_meur")
    assert (wide["grants"] > wide["status_quo"]).all()
    # the two policies with EU grants commit the most grant money (with preparation the grants find more
    # bankable projects, so the smaller grant budget may commit more: preparation is what binds)
    assert set(t.sort_values("rank")["policy"][:2]) == {"grants", "preparation_grants"}
    assert (
        wide[["grants", "preparation_grants"]].min(axis=1) > wide[["status_quo", "blending_guarantees"]].max(axis=1)
    ).all()
    # policies set only EU levers: the run without EU money is the same for every policy of a scenario,
    # so the additionality of the deficit has the same regrets as the deficit itself
    both = robustness_report(res, ["deficit_cum_km3", "eu_deficit_effect_km3"]).set_index(["outcome", "policy"])
    for col in ("regret_mean", "regret_max"):
        np.testing.assert_allclose(
            both.loc["deficit_cum_km3"][col].sort_index(),
            both.loc["eu_deficit_effect_km3"][col].sort_index(),
            atol=1e-9,
        )


def test_robustness_cli_prints_and_writes_a_tidy_csv(example_results, tmp_path):
    csv = tmp_path / "rob.csv"
    args = ["robustness", str(example_results), "--outcome", "deficit_cum_km3", "--outcome", "res_share_2030"]
    args += ["--outcome", "water_deficit_km3", "--year", "2027", "--threshold", "deficit_cum_km3<=3", "--csv", str(csv)]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    assert "deficit_cum_km3 in 2027 (less is better; 3 scenarios)" in r.output
    assert "res_share_2030 in 2027 (more is better" in r.output
    table = pd.read_csv(csv)
    assert len(table) == 3 * 4
    assert set(table["policy"]) == {"status_quo", "grants", "blending_guarantees", "preparation_grants"}
    assert (table[["regret_mean", "regret_p90", "regret_max"]] >= 0).all().all()
    for _, part in table.groupby("outcome"):
        assert part["best_in_share"].max() > 0
        assert sorted(part["rank"]) == [1, 2, 3, 4]
    sat = table[table["outcome"] == "deficit_cum_km3"]["satisficing_share"]
    assert sat.between(0, 1).all()
    # the CSV is not replaced without --overwrite
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 2 and "--overwrite" in r.output


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--outcome", "eu_grants_committed_meur"], "eu_grants_committed_meur has no direction"),
        (["--outcome", "deficit_cum_km3", "--direction", "deficit_cum_km3=up"], "--direction: expected OUTCOME=min"),
        (["--outcome", "deficit_cum_km3", "--threshold", "deficit_cum_km3=3"], "--threshold: expected OUTCOME<=VALUE"),
        (
            ["--outcome", "deficit_cum_km3", "--threshold", "res_share<=3"],
            "--threshold: 'res_share' is not an --outcome",
        ),
        (["--outcome", "nope"], "no output named 'nope'"),
    ],
)
def test_robustness_cli_errors_exit_2(example_results, extra, expected):
    r = CliRunner().invoke(app, ["robustness", str(example_results), *extra])
    assert r.exit_code == 2, r.output
    assert expected in r.output and "Traceback" not in r.output


def test_robustness_refuses_other_designs(tmp_path):
    spec = {
        "name": "lhs",
        "overrides": {"end_year": 2026},
        "seed": 1,
        "design": {"kind": "latin_hypercube", "n": 2},
        "parameters": {"drought_probability_south": "range"},
        "outputs": {"indicators": ["water_deficit_km3"]},
    }
    run_batch(load_experiment(spec), tmp_path / "lhs", executor="serial")
    r = CliRunner().invoke(
        app, ["robustness", str(tmp_path / "lhs"), "--outcome", "water_deficit_km3", "--year", "2026"]
    )
    assert r.exit_code == 2 and "robustness needs a policies x scenarios design" in r.output


def test_discovery_on_a_policies_x_scenarios_batch_splits_on_the_policy(example_results):
    from wecsim.experiments.reports import cases_of_interest

    x, y, _ = cases_of_interest(example_results, "deficit_cum_km3 > 0", inputs="levers")
    assert list(x.columns) == ["policy"] and len(y) == 12
    x, _, _ = cases_of_interest(example_results, "deficit_cum_km3 > 0", inputs="uncertainties")
    assert "policy" not in x.columns and "drought_probability_south" in x.columns
    r = CliRunner().invoke(
        app, ["sensitivity", str(example_results), "--output", "deficit_cum_km3", "--method", "delta"]
    )
    assert r.exit_code == 2 and "wecsim robustness" in r.output
