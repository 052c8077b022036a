"""Every error of a batch is one clear message and exit code 2, and no stored run is lost."""

from __future__ import annotations

import errno
import json
import socket

import pandas as pd
from experiment_files import FAST, write
from typer.testing import CliRunner

from wecsim.cli import app
from wecsim.experiments import load_results, run_batch
from wecsim.experiments.lock import LOCK_FILE


def test_a_full_disk_stops_the_batch_cleanly_and_keeps_every_stored_run(tmp_path, monkeypatch):
    import wecsim.experiments.store as store

    exp = write(tmp_path / "fast.yaml", FAST)
    ref = tmp_path / "ref"
    run_batch(exp, ref, executor="serial")
    real = store.atomic_write_parquet
    calls = {"n": 0}

    def full_after_four_chunks(table, path, tmp_dir):
        calls["n"] += 1
        if calls["n"] > 2 + 3 * 4:  # design + sample, then 4 chunks of 3 files
            raise OSError(errno.ENOSPC, "No space left on device")
        real(table, path, tmp_dir)

    monkeypatch.setattr(store, "atomic_write_parquet", full_after_four_chunks)
    out = tmp_path / "out"
    args = ["batch", str(exp), "--out", str(out), "--executor", "serial", "--chunk-size", "3", "--no-progress"]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 2, r.output
    assert "No space left on device" in r.output and "the 12 runs stored are kept" in r.output
    assert "Traceback" not in r.output
    assert len(load_results(out).runs) == 12
    m = json.loads((out / "manifest.json").read_text())
    assert m["sessions"][-1]["state"] == "failed" and not (out / LOCK_FILE).exists()
    monkeypatch.setattr(store, "atomic_write_parquet", real)
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    a, b = load_results(out), load_results(ref)
    pd.testing.assert_frame_equal(a.runs, b.runs)
    pd.testing.assert_frame_equal(a.outputs, b.outputs)


def test_a_scheduler_that_never_answers_is_a_clean_error(tmp_path, monkeypatch):
    import wecsim.experiments.executors as executors

    monkeypatch.setattr(executors, "CONNECT_TIMEOUT_S", 2.0)
    exp = write(tmp_path / "fast.yaml", FAST)
    out = tmp_path / "out"
    run_batch(exp, out, executor="serial", max_runs=5)
    with socket.socket() as silent:  # accepts connections (the kernel's backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        port = silent.getsockname()[1]
        r = CliRunner().invoke(app, ["batch", str(exp), "--out", str(out), "--scheduler", f"tcp://127.0.0.1:{port}"])
    assert r.exit_code == 2, r.output
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}: no answer within 2 s" in r.output
    for bad in ("tcp://host", "http://h:1", "tcp://h:0", "tcp://h:99999", " "):
        r = CliRunner().invoke(app, ["batch", str(exp), "--out", str(out), "--scheduler", bad])
        assert r.exit_code == 2 and "--scheduler: expected an address" in r.output, (bad, r.output)
    assert len(load_results(out).runs) == 5 and not (out / LOCK_FILE).exists()


def test_messages_show_plain_years(tmp_path):
    data = {**FAST, "model": "wecsim", "base": "baseline", "overrides": {"end_year": 2027}}
    data |= {"parameters": {"drought_probability_south": "range"}, "design": {"kind": "latin_hypercube", "n": 2}}
    data["outputs"] = {"indicators": ["water_deficit_km3"], "years": [2026, 2027]}
    out = tmp_path / "out"
    run_batch(write(tmp_path / "e.yaml", data), out, executor="serial")
    res = load_results(out)
    for call in (lambda: res.outcome("water_deficit_km3"), lambda: res.outcome("water_deficit_km3", 2030)):
        try:
            call()
        except Exception as exc:
            assert "the years 2026, 2027" in str(exc) and "np." not in str(exc)
        else:
            raise AssertionError("expected an error")
