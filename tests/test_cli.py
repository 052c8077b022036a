"""End-to-end tests of the `wecsim` command line (the real entry point, in a subprocess)."""

import subprocess
import sys

import pandas as pd
import pytest

from wecsim.results import TABLE_NAMES, Results


def wecsim(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "wecsim", *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_run_prints_headline_and_writes_tidy_results(tmp_path):
    out = tmp_path / "res"
    p = wecsim("run", "baseline", "--seed", "5", "--out", str(out))
    assert p.returncode == 0, p.stderr
    for text in (
        "Water deficit [km3]",
        "RES share of generation [%]",
        "CO2, power and waste [Mt]",
        "Recycling rate [%]",
        "Projects built",
        "Committed by eu",
        "2025",
        "2030",
        "2050",
    ):
        assert text in p.stdout
    for name in TABLE_NAMES:
        assert (out / f"{name}.parquet").exists() and (out / f"{name}.csv").exists()
    res = Results.read(out)
    assert res.meta["seed"] == 5 and res.meta["scenario"] == "baseline"
    pd.testing.assert_frame_equal(res.national, pd.read_csv(out / "national.csv"), check_dtype=False)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "temporary folders left behind"


def test_run_twice_replaces_results_atomically_only_with_overwrite(tmp_path):
    out = tmp_path / "res"
    assert wecsim("run", "baseline", "--out", str(out), "--set", "end_year=2030").returncode == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    p = wecsim("run", "baseline", "--out", str(out), "--set", "end_year=2035")
    assert p.returncode == 2 and "already holds wecsim run results" in p.stderr and "--overwrite" in p.stderr
    assert "Water deficit" not in p.stdout, "the model must not run when the folder is refused"
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert wecsim("run", "baseline", "--out", str(out), "--set", "end_year=2035", "--overwrite").returncode == 0
    assert Results.read(out).national["year"].max() == 2035
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]


def test_written_results_read_back_equal_and_an_incomplete_folder_is_a_clear_error(tmp_path, baseline):
    from typer.testing import CliRunner

    from wecsim.cli import app
    from wecsim.errors import ResultsFolderError
    from wecsim.runner import tables_equal

    out = baseline.write(tmp_path / "res")
    assert tables_equal(Results.read(out), baseline)
    assert len(Results.read(out).refusals) == len(baseline.refusals) > 0
    # a folder written before the refusals table existed
    (out / "refusals.parquet").unlink()
    (out / "refusals.csv").unlink()
    with pytest.raises(ResultsFolderError, match=r"missing refusals\.parquet or refusals\.csv"):
        Results.read(out)
    result = CliRunner().invoke(app, ["compare", str(out), str(out)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output and "run the scenario again" in result.output


BAD_FILES = {
    "typo.yaml": "name: typo\nlevers:\n  budget_eu_grant_meru: 20\n",
    "range.yaml": "name: range\nuncertainties:\n  drought_probability_south: 0.9\n",
    "region.yaml": "name: r\nprojects:\n  - {name: x, technology: wind, region: Mars, size: 10, year: 2030}\n",
    "broken.yaml": "name: [\n",
}


@pytest.mark.parametrize("fname", sorted(BAD_FILES))
@pytest.mark.parametrize("command", ["run", "validate"])
def test_bad_input_exits_2_with_message_and_no_traceback(tmp_path, fname, command):
    """In-process (fast) through Typer's runner; the real entry point is checked below."""
    from typer.testing import CliRunner

    from wecsim.cli import app

    path = tmp_path / fname
    path.write_text(BAD_FILES[fname])
    args = [command, str(path)] + (["--out", str(tmp_path / "out")] if command == "run" else [])
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert fname in result.output
    assert not (tmp_path / "out").exists(), "nothing may be written for a bad scenario"


def test_bad_file_through_the_real_entry_point(tmp_path):
    path = tmp_path / "typo.yaml"
    path.write_text(BAD_FILES["typo.yaml"])
    p = wecsim("run", str(path))
    assert p.returncode == 2
    assert "Traceback" not in p.stderr + p.stdout
    assert "typo.yaml" in p.stderr and "levers.budget_eu_grant_meru: unknown key" in p.stderr


def test_bad_override_and_missing_file_exit_2():
    p = wecsim("run", "baseline", "--set", "levers.res_auction_mw_per_yr=-5")
    assert p.returncode == 2 and "levers.res_auction_mw_per_yr" in p.stderr and "Traceback" not in p.stderr
    p = wecsim("run", "no_such_scenario.yaml")
    assert p.returncode == 2 and "file not found" in p.stderr


def test_validate_shipped_scenarios_ok():
    from wecsim.scenario import SCENARIO_DIR

    p = wecsim("validate", *sorted(str(f) for f in SCENARIO_DIR.glob("*.yaml")))
    assert p.returncode == 0, p.stderr
    assert p.stdout.count("ok") >= 6


def test_list_shows_scenarios_levers_and_units():
    p = wecsim("list")
    assert p.returncode == 0, p.stderr
    for text in (
        "aktau_desalination",
        "budget_eu_grant_meur",
        "EUR M/yr",
        "climate_pathway",
        "SSP5-8.5",
        "drought_probability_south",
    ):
        assert text in p.stdout


def test_compare_prints_differences(tmp_path):
    p = wecsim("compare", "baseline", "drought_2030s", "--years", "2040")
    assert p.returncode == 0, p.stderr
    assert "2040 difference" in p.stdout and "drought_2030s" in p.stdout


def test_run_says_what_eu_money_changed_against_the_same_run_without_it(tmp_path):
    p = wecsim("run", "baseline", "--seed", "3", "--out", str(tmp_path / "a"))
    assert p.returncode == 0, p.stderr
    line = next(x for x in p.stdout.splitlines() if x.startswith("What EU money changed"))
    for text in ("same seed and weather", "projects built", "km3", "Mt", "net mobilisation"):
        assert text in line
    assert "leverage" not in p.stdout.lower()
    quiet = wecsim("run", "baseline", "--seed", "3", "--no-additionality", "--out", str(tmp_path / "b"))
    assert quiet.returncode == 0 and "What EU money changed" not in quiet.stdout
    none = wecsim("run", "no_eu_finance", "--seed", "3", "--out", str(tmp_path / "c"))
    assert "no EU money in this run" in none.stdout


def test_additionality_command_prints_each_instrument_and_writes_tidy_tables(tmp_path):
    out = tmp_path / "add"
    p = wecsim("additionality", "baseline", "--seed", "2", "--replicates", "2", "--out", str(out))
    assert p.returncode == 0, p.stderr
    for text in ("all EU money", "grants", "preparation", "blending", "guarantees", "net mobilisation", "["):
        assert text in p.stdout
    summary = pd.read_parquet(out / "summary.parquet")
    assert set(summary["seed"]) == {2, 3}
    assert {"all", "grants", "preparation", "blending", "guarantees"} <= set(summary["counterfactual"])
    # guarantees lower private investors' cost of capital: more renewables, less CO2, on every seed
    g = summary[summary["counterfactual"] == "guarantees"]
    assert (g["co2_avoided_mt"] > 0).all() and (g["res_share_added_end"] > 0).all()
    region = pd.read_csv(out / "region.csv")
    assert region["region_id"].nunique() == 20
    # a folder holding other files is refused before any run, and left as it was
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    bad = wecsim("additionality", "baseline", "--all-only", "--out", str(tmp_path / "mine"))
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep"
    assert wecsim("additionality", "baseline", "--replicates", "0").returncode == 2
