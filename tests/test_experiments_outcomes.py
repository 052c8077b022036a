"""Outcomes researchers need (issue 13, item 2): region, basin, funder and additionality tables
kept by a batch, derived outcomes declared in the experiment file, and the analysis reading them."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from wecsim.cli import app
from wecsim.errors import ExperimentError, WecsimError
from wecsim.experiments import load_experiment, load_results, query, run_batch
from wecsim.experiments.reports import cases_of_interest, sensitivity_report

SOUTH = ["aral_syrdarya", "balkhash_alakol"]

SPEC = {
    "name": "outcomes_tiny",
    "base": "baseline",
    "overrides": {"end_year": 2027},
    "seed": 11,
    "design": {"kind": "latin_hypercube", "n": 10},
    "parameters": {"drought_probability_south": "range", "budget_eu_grant_meur": "range"},
    "outputs": {
        "indicators": ["water_deficit_km3", "res_share", "projects_built"],
        "region": ["water_deficit_mm3", "wastewater_treated_share"],
        "basin": ["deficit_km3"],
        "funder": ["committed_meur"],
        "additionality": {"indicators": ["water_deficit_km3", "projects_built"], "scope": "eu"},
    },
    "derived": [
        {"name": "deficit_cum", "indicator": "water_deficit_km3", "how": "cumulative", "years": [2025, 2027]},
        {"name": "deficit_mean", "indicator": "water_deficit_km3", "how": "mean", "years": [2026, 2027]},
        {"name": "deficit_max", "indicator": "water_deficit_km3", "how": "max", "years": [2025, 2027]},
        {"name": "res_min", "indicator": "res_share", "how": "min", "years": [2025, 2027]},
        {"name": "projects_2027", "indicator": "projects_built", "how": "value", "years": 2027},
        {
            "name": "south_deficit_cum",
            "table": "region",
            "indicator": "water_deficit_mm3",
            "how": "cumulative",
            "years": [2025, 2027],
            "where": {"basin_id": SOUTH},
        },
        {
            "name": "south_treated_mean",
            "table": "region",
            "indicator": "wastewater_treated_share",
            "how": "value",
            "years": 2027,
            "where": {"basin_id": SOUTH},
            "across": "mean",
        },
        {
            "name": "syr_deficit_max",
            "table": "basin",
            "indicator": "deficit_km3",
            "how": "max",
            "years": [2025, 2027],
            "where": {"basin_id": "aral_syrdarya"},
        },
        {
            "name": "eu_grant_cum",
            "table": "funder",
            "indicator": "committed_meur",
            "how": "cumulative",
            "years": [2025, 2027],
            "where": {"funder_id": "eu_grant"},
        },
        {"name": "eu_projects", "table": "additionality", "indicator": "projects_built", "how": "value", "years": 2027},
    ],
}


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    out = tmp_path_factory.mktemp("outcomes") / "res"
    run_batch(load_experiment(copy.deepcopy(SPEC)), out, executor="serial")
    return out


def _national(root) -> pd.DataFrame:
    return pd.concat([pd.read_parquet(p) for p in sorted((root / "outputs").glob("chunk-*.parquet"))])


def test_every_table_is_stored_tidy_one_row_per_run_year_and_key(stored):
    res = load_results(stored)
    assert (res.runs["status"] == "ok").all() and len(res.runs) == 10
    counts = query(
        stored,
        "SELECT (SELECT count(*) FROM region) AS region, (SELECT count(DISTINCT region_id) FROM region) AS regions, "
        "(SELECT count(*) FROM basin) AS basin, (SELECT count(DISTINCT basin_id) FROM basin) AS basins, "
        "(SELECT count(*) FROM funder) AS funder, (SELECT count(DISTINCT funder_id) FROM funder) AS funders, "
        "(SELECT count(*) FROM additionality) AS additionality",
    ).iloc[0]
    years = 3
    assert counts["region"] == 10 * years * counts["regions"] and counts["regions"] >= 17
    assert counts["basin"] == 10 * years * counts["basins"] and counts["basins"] == 8
    assert counts["funder"] == 10 * years * counts["funders"]
    assert counts["additionality"] == 10 * years
    dup = query(
        stored,
        "SELECT count(*) AS n FROM (SELECT run_id, year, region_id FROM region GROUP BY ALL HAVING count(*) > 1)",
    )
    assert int(dup["n"].iloc[0]) == 0


def test_derived_outcomes_equal_a_direct_computation_from_the_stored_tables(stored):
    res = load_results(stored)
    nat = _national(stored).set_index(["run_id", "year"]).sort_index()
    d = res.derived
    assert list(d.index) == list(range(10))
    w = nat["water_deficit_km3"].unstack("year")
    np.testing.assert_allclose(d["deficit_cum"], w[[2025, 2026, 2027]].sum(axis=1).to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(d["deficit_mean"], w[[2026, 2027]].mean(axis=1).to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(d["deficit_max"], w.max(axis=1).to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(d["res_min"], nat["res_share"].unstack("year").min(axis=1).to_numpy(), rtol=1e-12)
    np.testing.assert_array_equal(d["projects_2027"], nat["projects_built"].unstack("year")[2027].to_numpy())
    region = query(stored, "SELECT * FROM region")
    south = region[region["basin_id"].isin(SOUTH)]
    direct = south.groupby("run_id")["water_deficit_mm3"].sum()
    np.testing.assert_allclose(d["south_deficit_cum"], direct.reindex(d.index).to_numpy(), rtol=1e-12)
    treated = south[south["year"] == 2027].groupby("run_id")["wastewater_treated_share"].mean()
    np.testing.assert_allclose(d["south_treated_mean"], treated.reindex(d.index).to_numpy(), rtol=1e-12)
    basin = query(stored, "SELECT * FROM basin WHERE basin_id = 'aral_syrdarya'")
    np.testing.assert_allclose(
        d["syr_deficit_max"], basin.groupby("run_id")["deficit_km3"].max().reindex(d.index).to_numpy(), rtol=1e-12
    )
    funder = query(stored, "SELECT * FROM funder WHERE funder_id = 'eu_grant'")
    np.testing.assert_allclose(
        d["eu_grant_cum"], funder.groupby("run_id")["committed_meur"].sum().reindex(d.index).to_numpy(), rtol=1e-12
    )
    # derived outcomes are read like any indicator
    pd.testing.assert_series_equal(
        res.outcome("deficit_cum"), d["deficit_cum"].reindex(res.runs["run_id"].to_numpy()), check_names=False
    )


def test_additionality_is_the_run_less_the_same_run_without_eu_money(stored):
    from wecsim.additionality import counterfactual
    from wecsim.runner import run_national
    from wecsim.scenario import Scenario

    res = load_results(stored)
    row = res.runs.iloc[3]
    data = copy.deepcopy(res.experiment.base_scenario)
    data["uncertainties"]["drought_probability_south"] = float(row["drought_probability_south"])
    data["levers"]["budget_eu_grant_meur"] = float(row["budget_eu_grant_meur"])
    scenario = Scenario.model_validate(data)
    with_eu = run_national(scenario, seed=int(row["seed"])).set_index("year")
    without = run_national(counterfactual(scenario, "eu"), seed=int(row["seed"])).set_index("year")
    stored_add = query(stored, f"SELECT * FROM additionality WHERE run_id = {int(row['run_id'])} ORDER BY year")
    np.testing.assert_array_equal(
        stored_add["water_deficit_km3"].to_numpy(),
        (with_eu["water_deficit_km3"] - without["water_deficit_km3"]).to_numpy(),
    )
    assert res.derived.loc[int(row["run_id"]), "eu_projects"] == (
        with_eu.loc[2027, "projects_built"] - without.loc[2027, "projects_built"]
    )
    # the stored national table is the run with EU money
    nat = _national(stored)
    mine = nat[nat["run_id"] == int(row["run_id"])].set_index("year")
    np.testing.assert_array_equal(mine["water_deficit_km3"].to_numpy(), with_eu["water_deficit_km3"].to_numpy())


def test_derived_outcomes_are_the_same_bit_for_bit_every_time_they_are_read(stored):
    """DuckDB sums in parallel threads; unordered, a cumulative outcome differed by 2e-16 from one
    read to the next (in 10 of 20 reads), enough to reorder tied runs in a sensitivity analysis."""
    first = load_results(stored).derived
    for _ in range(20):
        pd.testing.assert_frame_equal(load_results(stored).derived, first, check_exact=True)


def test_sensitivity_ranks_the_drivers_of_a_derived_outcome(tmp_path):
    spec = {
        "name": "derived_sensitivity",
        "overrides": {"end_year": 2027},
        "seed": 3,
        "common_random_numbers": True,
        "design": {"kind": "latin_hypercube", "n": 48},
        "parameters": {"drought_probability_south": "range", "budget_eu_grant_meur": "range"},
        "outputs": {"indicators": ["water_deficit_km3"]},
        "derived": [
            {"name": "deficit_cum", "indicator": "water_deficit_km3", "how": "cumulative", "years": [2025, 2027]}
        ],
    }
    run_batch(load_experiment(spec), tmp_path / "s", executor="serial")
    rep = sensitivity_report(tmp_path / "s", "deficit_cum", method="delta")
    # the cumulative water deficit is driven by southern droughts, not by the EU grant budget
    assert rep.table.index[0] == "drought_probability_south"
    assert rep.table.loc["drought_probability_south", "S1"] > 0.5 > rep.table.loc["budget_eu_grant_meur", "S1"]


def test_discover_accepts_derived_outcomes(stored):
    res = load_results(stored)
    cut = float(np.median(res.derived["deficit_cum"]))
    _x, y, n_failed = cases_of_interest(stored, f"deficit_cum > {cut}")
    assert n_failed == 0 and len(y) == 10
    np.testing.assert_array_equal(y, (res.derived["deficit_cum"] > cut).to_numpy())
    r = CliRunner().invoke(app, ["discover", str(stored), f"deficit_cum > {cut}", "--method", "cart"])
    assert r.exit_code == 0, r.output
    assert "of 10 runs have deficit_cum" in r.output
    r = CliRunner().invoke(app, ["sensitivity", str(stored), "--output", "nope"])
    assert r.exit_code == 2 and "derived: deficit_cum" in r.output


def test_an_experiment_without_new_outputs_keeps_its_spec_hash():
    exp = load_experiment("experiments/quick_lhs.yaml")
    d = exp.to_dict()
    assert not {"tables", "derived", "policies", "additionality_scope"} & set(d)
    again = type(exp).from_dict(d)
    assert again.spec_hash() == exp.spec_hash()


def _problems(change) -> str:
    spec = copy.deepcopy(SPEC)
    change(spec)
    with pytest.raises(ExperimentError) as exc:
        load_experiment(spec)
    return str(exc.value)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda s: s["outputs"].update(region=["water_deficit_mm"]),
            "outputs.region[0]: unknown region indicator 'water_deficit_mm'; did you mean water_deficit_mm3",
        ),
        (
            lambda s: s["outputs"].update(additionality={"indicators": ["nope"]}),
            "outputs.additionality.indicators[0]: unknown national indicator 'nope'",
        ),
        (
            lambda s: s["outputs"].update(additionality={"indicators": ["res_share"], "scope": "world"}),
            "outputs.additionality.scope",
        ),
        (lambda s: s["derived"][0].update(how="sum"), "derived.0.how"),
        (
            lambda s: s["derived"][0].update(colour="red"),
            "derived.0.colour: unknown key; expected one of: name, table, indicator, how, years, where, across",
        ),
        (
            lambda s: s["derived"][4].update(years=[2025, 2027]),
            "derived[4].years: how: value takes one year, got [2025, 2027]",
        ),
        (
            lambda s: s["derived"][0].update(years=[2027, 2025]),
            "derived[0].years: expected a year or [from, to] with from <= to",
        ),
        (
            lambda s: s["derived"][0].update(years=[2025, 2031]),
            "derived[0].years: [2025, 2031] is outside the simulated years 2025-2027",
        ),
        (
            lambda s: s["outputs"].update(years=[2025, 2027]),
            "derived[0].years: year(s) 2026 are not kept (outputs.years)",
        ),
        (lambda s: s["derived"][1].update(name="deficit_cum"), "derived[1].name: 'deficit_cum' is already the name"),
        (
            lambda s: s["derived"][1].update(name="res_share"),
            "derived[1].name: 'res_share' is already the name of an indicator",
        ),
        (lambda s: s["derived"][1].update(name="Bad name"), "derived[1].name: expected lower-case letters"),
        (
            lambda s: s["derived"][0].update(indicator="co2_total_mt"),
            "derived[0].indicator: 'co2_total_mt' is not kept in the national table",
        ),
        (
            lambda s: s["outputs"].pop("basin"),
            "derived[7].table: the experiment keeps no basin table; add `outputs: {basin: [...]}`",
        ),
        (
            lambda s: s["derived"][0].update(table="projects"),
            "derived[0].table: expected one of national, region, basin, funder, additionality",
        ),
        (
            lambda s: s["derived"][5].update(where={"basin_id": ["atlantis"]}),
            "derived[5].where.basin_id: unknown basin_id 'atlantis'; expected one of aral_syrdarya",
        ),
        (
            lambda s: s["derived"][5].update(where={"funder_id": "eu_grant"}),
            "derived[5].where.funder_id: the region table can be filtered by region_id, basin_id",
        ),
        (
            lambda s: s["derived"][0].update(where={"region_id": "KZ-75"}),
            "derived[0].where.region_id: the national table can be filtered by nothing",
        ),
    ],
)
def test_bad_outcome_declarations_get_clear_messages(change, expected):
    text = _problems(change)
    assert "<experiment mapping>" in text
    assert expected in text


def test_the_cli_refuses_a_bad_outcome_file_with_exit_2_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: bad\nseed: 1\noverrides: {end_year: 2027}\ndesign: {kind: latin_hypercube, n: 2}\n"
        "parameters: {drought_probability_south: range}\n"
        "derived:\n  - {name: x, indicator: water_deficit_km3, how: value, years: [2025, 2026]}\n",
        encoding="utf-8",
    )
    r = CliRunner().invoke(app, ["batch", str(bad), "--out", str(tmp_path / "out"), "--executor", "serial"])
    assert r.exit_code == 2
    assert f"{bad}: 1 problem(s)" in r.output and "derived[0].years: how: value takes one year" in r.output
    assert "Traceback" not in r.output
    assert not (tmp_path / "out").exists()


def test_resume_keeps_every_table_whole(tmp_path):
    spec = copy.deepcopy(SPEC)
    spec["design"]["n"] = 4
    exp = load_experiment(spec)
    run_batch(exp, tmp_path / "a", executor="serial", max_runs=2, chunk_size=1)
    run_batch(exp, tmp_path / "a", executor="serial", chunk_size=1)
    run_batch(exp, tmp_path / "b", executor="serial")
    for table in ("region", "basin", "funder", "additionality"):
        a = query(tmp_path / "a", f"SELECT * FROM {table} ORDER BY ALL")
        b = query(tmp_path / "b", f"SELECT * FROM {table} ORDER BY ALL")
        pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(load_results(tmp_path / "a").derived, load_results(tmp_path / "b").derived)


def test_the_dry_run_counts_the_rows_of_every_table_kept(tmp_path):
    from wecsim.datasets import table
    from wecsim.experiments.batch import plan_batch

    plan = plan_batch(load_experiment(copy.deepcopy(SPEC)), tmp_path / "out", probe=False)
    rows = plan.output_rows()
    years = 3
    assert rows["outputs"] == (10 * years, 2 + 3)
    assert rows["region"] == (10 * years * len(table("regions")), 2 + 2 + 2)
    assert rows["basin"] == (10 * years * len(table("basins")), 2 + 1 + 1)
    assert rows["funder"] == (10 * years * len(table("funders")), 2 + 1 + 1)
    assert rows["additionality"] == (10 * years, 2 + 2)
    assert not (tmp_path / "out").exists()


def test_derived_outcomes_can_be_declared_anew_without_running_again(tmp_path):
    spec = copy.deepcopy(SPEC)
    spec["design"]["n"] = 2
    spec["derived"] = spec["derived"][:1]
    first = load_experiment(spec)
    run_batch(first, tmp_path / "r", executor="serial")
    assert list(load_results(tmp_path / "r").derived.columns) == ["deficit_cum"]
    spec["derived"] = copy.deepcopy(SPEC["derived"][1:3])
    second = load_experiment(spec)
    assert second.spec_hash() == first.spec_hash()  # derived outcomes change no run
    summary = run_batch(second, tmp_path / "r", executor="serial")
    assert summary.ran == 0
    res = load_results(tmp_path / "r")
    assert list(res.derived.columns) == ["deficit_mean", "deficit_max"]
    assert len(res.runs) == 2
    assert any("derived outcomes declared anew (deficit_mean, deficit_max)" in w for w in res.manifest["warnings"])
    # but a change of what is stored is another experiment
    spec["outputs"]["basin"] = ["losses_km3"]
    r = CliRunner().invoke(
        app, ["batch", str(_write(tmp_path, spec)), "--out", str(tmp_path / "r"), "--executor", "serial"]
    )
    assert r.exit_code == 2 and "tables" in r.output


def _write(tmp_path, spec) -> str:
    import yaml

    path = tmp_path / "exp.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return str(path)


def test_every_table_is_the_same_serially_and_with_the_process_pool(tmp_path):
    spec = copy.deepcopy(SPEC)
    spec["design"]["n"] = 4
    exp = load_experiment(spec)
    run_batch(exp, tmp_path / "serial", executor="serial")
    run_batch(exp, tmp_path / "pool", executor="pool", workers=2, chunk_size=1)
    for table in ("outputs", "region", "basin", "funder", "additionality"):
        a = query(tmp_path / "serial", f"SELECT * FROM {table} ORDER BY ALL")
        b = query(tmp_path / "pool", f"SELECT * FROM {table} ORDER BY ALL")
        pd.testing.assert_frame_equal(a, b)


def test_a_manifest_edited_to_inject_sql_is_refused(stored, tmp_path):
    import json
    import shutil

    import duckdb

    copy_dir = tmp_path / "edited"
    shutil.copytree(stored, copy_dir)
    manifest = json.loads((copy_dir / "manifest.json").read_text())
    resolved = manifest["experiment"]["resolved"]
    resolved["derived"][0]["indicator"] = 'water_deficit_km3") AS v FROM outputs GROUP BY ALL; DROP VIEW runs; --'
    (copy_dir / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(duckdb.BinderException, match="not found"):  # quoted: one odd column name, not SQL
        load_results(copy_dir)
    resolved["derived"][0]["table"] = "outputs; DROP TABLE runs"
    (copy_dir / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(WecsimError, match="not one wecsim knows"):
        load_results(copy_dir)
    resolved["derived"][0] = {"name": 1}
    (copy_dir / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(WecsimError, match="the experiment it records is damaged"):
        load_results(copy_dir)
