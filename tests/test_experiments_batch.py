"""Batches: identical tables across executors, resume after kill -9, failures recorded, queries."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from wecsim.experiments import load_experiment, load_results, query, run_batch
from wecsim.experiments.store import StoreError

SMALL = {
    "name": "small",
    "base": "baseline",
    "overrides": {"end_year": 2027},
    "seed": 11,
    "replicates": 2,
    "design": {"kind": "latin_hypercube", "n": 6},
    "parameters": {
        "budget_eu_grant_meur": "range",
        "drought_probability_south": "range",
        "landfill_ban_year": {"range": [2026, 2051]},
        "climate_pathway": "range",
    },
    "outputs": {"indicators": ["water_deficit_km3", "recycling_rate", "res_share", "projects_built"]},
}


def write(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def tables(root: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    res = load_results(root)
    return res.runs, res.outputs


@pytest.fixture(scope="module")
def small_file(tmp_path_factory) -> Path:
    return write(tmp_path_factory.mktemp("exp") / "small.yaml", SMALL)


@pytest.fixture(scope="module")
def serial_reference(small_file, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("serial") / "out"
    summary = run_batch(small_file, out, executor="serial")
    assert summary.n_done == summary.n_runs == 12 and summary.n_failed == 0
    return out


def test_serial_results_are_the_runs_of_wecsim_run(serial_reference):
    """Each stored run is exactly wecsim.run with the run's seed and parameter values."""
    import wecsim

    runs, outputs = tables(serial_reference)
    assert list(runs["run_id"]) == list(range(12)) and (runs["status"] == "ok").all()
    row = runs.iloc[5]
    exp = load_experiment(serial_reference / "experiment.yaml")
    data = json.loads(json.dumps(exp.base_scenario))
    for p in exp.parameters:
        value = row[p.name]
        data["levers" if p.kind == "lever" else "uncertainties"][p.name] = (
            value.item() if hasattr(value, "item") else value
        )
    nat = wecsim.run(data, seed=int(row["seed"])).national
    mine = outputs[outputs["run_id"] == 5].reset_index(drop=True)
    assert list(mine["year"]) == list(nat["year"]) == [2025, 2026, 2027]
    for col in SMALL["outputs"]["indicators"]:
        assert np.array_equal(mine[col].to_numpy(), nat[col].to_numpy(dtype=float)), col


def test_pool_and_dask_give_identical_tables(small_file, serial_reference, tmp_path):
    from dask.distributed import LocalCluster

    ref_runs, ref_outputs = tables(serial_reference)
    run_batch(small_file, tmp_path / "pool", executor="pool", workers=2, chunk_size=2)
    runs, outputs = tables(tmp_path / "pool")
    pd.testing.assert_frame_equal(runs, ref_runs)
    pd.testing.assert_frame_equal(outputs, ref_outputs)

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    try:
        summary = run_batch(small_file, tmp_path / "dask", scheduler=cluster.scheduler_address, chunk_size=3)
    finally:
        cluster.close()
    assert summary.executor.startswith("dask tcp://")
    runs, outputs = tables(tmp_path / "dask")
    pd.testing.assert_frame_equal(runs, ref_runs)
    pd.testing.assert_frame_equal(outputs, ref_outputs)


def test_manifest_records_the_experiment(serial_reference, small_file):
    import hashlib

    m = json.loads((serial_reference / "manifest.json").read_text())
    assert m["experiment"]["file_sha256"] == hashlib.sha256(small_file.read_bytes()).hexdigest()
    assert m["seeds"]["experiment_seed"] == 11
    assert m["progress"] == {
        "n_runs": 12,
        "n_done": 12,
        "n_failed": 0,
        "complete": True,
        "done_ranges": [[0, 11]],
        "failed_ids": [],
    }
    assert m["versions"]["wecsim"] and m["sessions"][-1]["state"] == "finished"
    assert m["sessions"][-1]["wall_s"] > 0 and m["timings"]["run_s_mean"] > 0


def test_rerun_is_a_no_op_and_other_experiments_are_refused(small_file, serial_reference, tmp_path):
    summary = run_batch(small_file, serial_reference, executor="serial")
    assert summary.ran == 0 and summary.n_done == 12
    assert len(list((serial_reference / "runs").glob("*.parquet"))) >= 1
    other = write(tmp_path / "other.yaml", {**SMALL, "seed": 12})
    with pytest.raises(StoreError, match="another experiment"):
        run_batch(other, serial_reference, executor="serial")


def test_query_and_plain_tables(serial_reference):
    df = query(
        serial_reference,
        "SELECT year, count(*) AS n, avg(water_deficit_km3) AS d FROM results GROUP BY year ORDER BY year",
    )
    assert list(df["year"]) == [2025, 2026, 2027] and (df["n"] == 12).all()
    direct = pd.read_parquet(serial_reference / "outputs")
    assert len(direct) == 36
    import polars as pl

    lazy = pl.read_parquet(str(serial_reference / "outputs" / "*.parquet"))
    assert lazy.height == 36 and "recycling_rate" in lazy.columns


def test_query_cli(serial_reference, tmp_path):
    from typer.testing import CliRunner

    from wecsim.cli import app

    out = tmp_path / "q.csv"
    r = CliRunner().invoke(app, ["query", str(serial_reference), "SELECT count(*) AS n FROM runs", "--csv", str(out)])
    assert r.exit_code == 0, r.output
    assert pd.read_csv(out)["n"].item() == 12
    r = CliRunner().invoke(app, ["query", str(serial_reference), "SELECT nope FROM runs"])
    assert r.exit_code == 2 and "query failed" in r.output


def test_failing_runs_are_recorded_and_the_batch_goes_on(tmp_path):
    exp = {
        "name": "fails",
        "model": "wecsim.experiments.testfunctions:failing_sometimes",
        "seed": 5,
        "design": {"kind": "latin_hypercube", "n": 40},
        "parameters": {"x1": {"range": [0, 1]}, "x2": {"range": [0, 1]}},
        "outputs": {"indicators": ["y"]},
    }
    path = write(tmp_path / "fails.yaml", exp)
    summary = run_batch(path, tmp_path / "out", executor="dask", workers=2, chunk_size=4)
    runs, outputs = tables(tmp_path / "out")
    bad = runs[runs["status"] == "error"]
    assert summary.n_done == 40 and summary.n_failed == len(bad) > 0
    assert (bad["x1"] > 0.7).all() and (runs.loc[runs["status"] == "ok", "x1"] <= 0.7).all()
    assert bad["error"].str.startswith("ValueError: x1=").all()
    assert bad["traceback"].str.contains("failing_sometimes").all()
    assert set(outputs["run_id"]) == set(runs.loc[runs["status"] == "ok", "run_id"])
    # failed runs count as done; --retry-failed runs them again (they fail again) without duplicates
    again = run_batch(path, tmp_path / "out", executor="serial", retry_failed=True)
    assert again.ran == len(bad)
    runs2, outputs2 = tables(tmp_path / "out")
    assert runs2["run_id"].is_unique and len(runs2) == 40
    pd.testing.assert_frame_equal(runs2, runs)
    pd.testing.assert_frame_equal(outputs2, outputs)


def _runs_files(root: Path) -> int:
    return len(list((root / "runs").glob("*.parquet"))) if (root / "runs").exists() else 0


@pytest.mark.parametrize("how", ["kill9", "ctrl_c"])
def test_interrupted_batch_resumes_without_loss_or_duplicates(tmp_path, how):
    """Start `wecsim batch` in a subprocess, stop it mid-way, rerun it, compare with a clean run."""
    data = {**SMALL, "name": f"resume_{how}", "design": {"kind": "latin_hypercube", "n": 30}, "replicates": 1}
    # runs long enough (16 years) that the batch is still running when the signal lands: at 2 years a
    # run, the serial batch's last 26 runs took less time than the signal (0.8 s for all 30), and at 6
    # years, after the model got faster, once again (1.6 s for all 30, fresh clone, 1 Dec 2026)
    end_year = 2040
    data["overrides"] = {"end_year": end_year}
    path = write(tmp_path / "resume.yaml", data)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "wecsim", "batch", str(path), "--out", str(out), "--chunk-size", "1", "--no-progress"]
    cmd += ["--executor", "pool", "--workers", "2"] if how == "kill9" else ["--executor", "serial"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 60
    while _runs_files(out) < 4 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, f"the batch ended before it could be interrupted: {proc.communicate()}"
    if how == "kill9":
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    else:
        os.kill(proc.pid, signal.SIGINT)
        stdout, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, (proc.returncode, stdout.decode(), err.decode())
        assert b"run the same command again" in err
    done_before = _runs_files(out)
    assert 4 <= done_before < 30, done_before
    m = json.loads((out / "manifest.json").read_text())
    assert m["sessions"][-1]["state"] in {"running", "interrupted"}

    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    runs, outputs = tables(out)
    assert list(runs["run_id"]) == list(range(30))
    assert not outputs.duplicated(["run_id", "year"]).any() and len(outputs) == 30 * (end_year - 2025 + 1)
    for sub in ("runs", "outputs", "timings"):
        for f in (out / sub).glob("*.parquet"):
            pq.read_table(f)  # every visible file is complete
    assert not list((out / ".tmp").iterdir())
    ref = tmp_path / "ref"
    run_batch(path, ref, executor="serial")
    ref_runs, ref_outputs = tables(ref)
    pd.testing.assert_frame_equal(runs, ref_runs)
    pd.testing.assert_frame_equal(outputs, ref_outputs)
    m = json.loads((out / "manifest.json").read_text())
    assert m["progress"]["complete"] and len(m["sessions"]) == 2
