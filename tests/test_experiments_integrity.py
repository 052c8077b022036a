"""A results folder is never silently corrupted: one writer, one model, killed sessions marked, dry runs."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from experiment_files import FAST, write
from typer.testing import CliRunner

from wecsim.cli import app
from wecsim.experiments import load_results, run_batch
from wecsim.experiments.lock import LOCK_FILE, FolderLock, LockedError
from wecsim.experiments.provenance import model_fingerprint, package_files
from wecsim.experiments.store import StoreError


def test_a_second_writer_is_refused_while_the_first_holds_the_folder(tmp_path):
    exp = write(tmp_path / "fast.yaml", FAST)
    out = tmp_path / "out"
    run_batch(exp, out, executor="serial", max_runs=10)
    with FolderLock(out):  # a batch writing there now (this process, another open file: flock refuses)
        r = CliRunner().invoke(app, ["batch", str(exp), "--out", str(out), "--executor", "serial", "--no-progress"])
        assert r.exit_code == 2, r.output
        assert f"batch pid {os.getpid()} on {socket.gethostname()}" in r.output
        assert "two batches must not write to one folder at once" in r.output
        with pytest.raises(LockedError):
            run_batch(exp, out, executor="serial", fresh=True)  # --fresh deletes nothing under a lock either
        r = CliRunner().invoke(app, ["batch", str(exp), "--out", str(out), "--dry-run"])
        assert r.exit_code == 2 and "is writing to this folder now" in r.output
    assert len(load_results(out).runs) == 10  # nothing was written or deleted meanwhile
    summary = run_batch(exp, out, executor="serial")
    assert summary.ran == 20 and not (out / LOCK_FILE).exists()


def test_a_stale_lock_of_a_dead_batch_is_taken_over_and_recorded(tmp_path):
    exp = write(tmp_path / "fast.yaml", FAST)
    out = tmp_path / "out"
    run_batch(exp, out, executor="serial", max_runs=5)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = {"pid": int(dead.stdout), "host": socket.gethostname(), "started": "2026-01-01T00:00:00+00:00"}
    (out / LOCK_FILE).write_text(json.dumps(stale))
    summary = run_batch(exp, out, executor="serial")
    assert summary.n_done == 30
    m = json.loads((out / "manifest.json").read_text())
    assert any(f"took over the lock of batch pid {stale['pid']}" in w for w in m["warnings"])


def test_two_writers_before_locks_are_repaired_on_the_next_open(tmp_path):
    """A folder where every run was stored twice (as two unlocked batches did) is repaired, not called complete."""
    exp = write(tmp_path / "fast.yaml", FAST)
    out = tmp_path / "out"
    run_batch(exp, out, executor="serial")
    ref = load_results(out)
    for sub in ("runs", "outputs", "timings"):  # what the second writer left: the same runs in other chunks
        for f in list((out / sub).glob("chunk-*.parquet")):
            (out / sub / f.name.replace("chunk-", "chunk-9")).write_bytes(f.read_bytes())
    with pytest.raises(StoreError, match=r"30 run\(s\) stored twice"):
        load_results(out)
    summary = run_batch(exp, out, executor="serial")
    assert summary.ran == 0 and summary.n_done == 30
    res = load_results(out)
    pd.testing.assert_frame_equal(res.runs, ref.runs)
    pd.testing.assert_frame_equal(res.outputs, ref.outputs)
    m = json.loads((out / "manifest.json").read_text())
    assert any("repaired 30 run(s) stored twice" in w for w in m["warnings"])


def test_the_fingerprint_covers_code_data_and_scenarios():
    labels = {label for label, _ in package_files()}
    assert {"wecsim/model.py", "wecsim/data/parameters.csv", "wecsim/data/levers.csv"} <= labels
    assert not any(label.startswith("wecsim/app/") for label in labels)
    a = model_fingerprint("wecsim")
    assert a == model_fingerprint("wecsim") and len(a["sha256"]) == 64


def _with_own_base(tmp_path: Path) -> Path:
    (tmp_path / "mybase.yaml").write_text("extends: baseline\nname: mybase\nend_year: 2026\n")
    data = {
        "name": "own_base",
        "base": "mybase",
        "seed": 3,
        "design": {"kind": "latin_hypercube", "n": 6},
        "parameters": {"drought_probability_south": "range"},
        "outputs": {"indicators": ["water_deficit_km3"]},
    }
    return write(tmp_path / "exp.yaml", data)


def test_resuming_with_another_model_is_refused_unless_asked(tmp_path):
    exp = _with_own_base(tmp_path)
    out = tmp_path / "out"
    run_batch(exp, out, executor="serial", max_runs=2)
    m = json.loads((out / "manifest.json").read_text())
    assert {"scenario:mybase.yaml", "scenario:baseline.yaml", "wecsim/data/parameters.csv"} <= set(m["model"]["files"])
    # an edit that keeps the resolved scenario (a comment) keeps the experiment, but not the model's files
    with open(tmp_path / "mybase.yaml", "a") as fh:
        fh.write("# edited\n")
    args = ["batch", str(exp), "--out", str(out), "--executor", "serial", "--no-progress"]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 2, r.output
    assert "the model changed since these results were started (scenario:mybase.yaml)" in r.output
    assert "--allow-model-change" in r.output
    assert len(load_results(out).runs) == 2  # nothing ran
    r = CliRunner().invoke(app, [*args, "--dry-run"])
    assert r.exit_code == 2 and "changed since the folder was started: scenario:mybase.yaml" in r.output
    r = CliRunner().invoke(app, [*args, "--allow-model-change"])
    assert r.exit_code == 0, r.output
    m = json.loads((out / "manifest.json").read_text())
    change = m["model_changes"][-1]
    assert change["changed"] == ["scenario:mybase.yaml"] and change["runs_before"] == 2
    assert m["model"]["sha256"] == change["to_sha256"] != change["from_sha256"]
    assert m["progress"]["complete"]


def test_dry_run_prints_runs_time_and_outputs_and_writes_nothing(tmp_path):
    exp = _with_own_base(tmp_path)
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["batch", str(exp), "--out", str(out), "--dry-run", "--workers", "2"])
    assert r.exit_code == 0, r.output
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["exp.yaml", "mybase.yaml"]
    assert "6 design points x 1 replicate(s) = 6 runs" in r.output
    assert "0 runs stored, 6 to run" in r.output
    assert "6 x " in r.output and "/ (2 x 0.87)" in r.output  # the estimate, from one timed run
    assert "+12 rows x 3 columns" in r.output  # outputs: 6 runs x 2 years (2025, 2026), run_id + year + 1
    run_batch(exp, out, executor="serial", max_runs=4)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    r = CliRunner().invoke(app, ["batch", str(exp), "--out", str(out), "--dry-run", "--executor", "serial"])
    assert r.exit_code == 0, r.output
    assert "4 runs stored, 2 to run" in r.output
    r = CliRunner().invoke(app, ["batch", str(exp), "--out", str(out), "--dry-run", "--executor", "serial", "--fresh"])
    text = " ".join(r.output.split())
    assert r.exit_code == 0 and "4 runs stored, 6 to run (--fresh: the stored runs would be deleted first)" in text
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before


def test_a_killed_session_is_marked_on_the_next_open(tmp_path):
    data = {
        **FAST,
        "model": "wecsim.experiments.testfunctions:slow_linear",
        "design": {"kind": "latin_hypercube", "n": 200},
    }
    exp = write(tmp_path / "slow.yaml", data)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "wecsim", "batch", str(exp), "--out", str(out), "--executor", "serial"]
    cmd += ["--chunk-size", "1", "--no-progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 60
    while len(list((out / "runs").glob("*.parquet")) if (out / "runs").exists() else []) < 3:
        assert time.monotonic() < deadline and proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    os.kill(proc.pid, 9)
    proc.wait(timeout=10)
    m = json.loads((out / "manifest.json").read_text())
    assert m["sessions"][-1]["state"] == "running" and m["sessions"][-1]["pid"] == proc.pid
    assert (out / LOCK_FILE).exists()  # left behind, but no longer held
    run_batch(exp, out, executor="serial", max_runs=1)
    m = json.loads((out / "manifest.json").read_text())
    first, second = m["sessions"]
    assert first["state"] == "killed" and "ended without closing" in first["note"]
    assert second["state"] == "finished"
    assert any(f"took over the lock of batch pid {proc.pid}" in w for w in m["warnings"])
