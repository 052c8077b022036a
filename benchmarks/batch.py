"""Benchmark batch experiments: single-run time, throughput per executor, peak memory.

Run from the project folder (about 6 minutes on 2 cores; ``--quick`` takes about 1)::

    uv run python benchmarks/batch.py            # 1,000 runs per executor, 10,000 for memory
    uv run python benchmarks/batch.py --quick    # 200 and 2,000

Every batch is a real ``wecsim batch`` command in a fresh process (so each executor pays
its own start-up: process pool, Dask LocalCluster), on the same Latin hypercube experiment
(``end_year: 2030``). Throughput is runs / wall time of the batch as recorded in the
manifest (from before the executor starts to the last chunk written). Peak memory is the
resident set size (RSS) of the batch process, and of the batch process plus its workers,
sampled every 200 ms with psutil, for a batch of N and of 10 N runs (``end_year: 2026`` to
keep the long batch short). Ratios are printed against targets:

- process pool >= 1.7 x serial throughput on 2 cores
- Dask LocalCluster >= 0.9 x process pool
- peak RSS at 10 N runs within 20% of N runs

Results go to ``benchmarks/out/batch.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import yaml

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"


def experiment(name: str, n: int, end_year: int) -> Path:
    """Write the benchmark experiment (LHS over four levers and uncertainties) and return its path."""
    data = {
        "name": name,
        "description": "benchmark",
        "base": "baseline",
        "overrides": {"end_year": end_year},
        "seed": 2025,
        "design": {"kind": "latin_hypercube", "n": n},
        "parameters": {
            "budget_eu_grant_meur": "range",
            "res_auction_mw_per_yr": "range",
            "drought_probability_south": "range",
            "climate_pathway": "range",
        },
        "outputs": {"indicators": ["water_deficit_km3", "res_share", "recycling_rate", "co2_total_mt"]},
    }
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _tree_rss(proc: psutil.Process) -> tuple[int, int]:
    try:
        own = proc.memory_info().rss
        kids = sum(c.memory_info().rss for c in proc.children(recursive=True) if c.is_running())
    except psutil.Error:
        return 0, 0
    return own, own + kids


def batch(exp: Path, executor: str, workers: int, out: Path, sample_memory: bool = False) -> dict:
    """Run ``wecsim batch`` in a new process; return wall time, runs/s (and peak RSS if sampled)."""
    cmd = [sys.executable, "-m", "wecsim", "batch", str(exp), "--out", str(out), "--fresh", "--no-progress"]
    cmd += ["--executor", executor, "--workers", str(workers)]
    peak_own = peak_tree = 0
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    ps = psutil.Process(proc.pid)
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak_own, peak_tree
        while not stop.is_set():
            own, tree = _tree_rss(ps)
            peak_own, peak_tree = max(peak_own, own), max(peak_tree, tree)
            time.sleep(0.2)

    t = threading.Thread(target=sample, daemon=True)
    if sample_memory:  # sampling costs CPU: only for the memory batches
        t.start()
    stdout, stderr = proc.communicate()
    stop.set()
    if sample_memory:
        t.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{stdout.decode()}\n{stderr.decode()}")
    session = json.loads((out / "manifest.json").read_text())["sessions"][-1]
    return {
        "executor": executor,
        "workers": workers,
        "runs": session["runs_done"],
        "wall_s": session["wall_s"],
        "runs_per_s": session["runs_done"] / session["wall_s"],
        "peak_rss_batch_mib": peak_own / 2**20,
        "peak_rss_with_workers_mib": peak_tree / 2**20,
    }


def single_run_s(end_year: int, repeats: int = 10) -> float:
    """Median wall time of one ``wecsim.run`` (after one warm-up run) [s]."""
    import wecsim

    scenario = wecsim.load_scenario({"name": "bench", "end_year": end_year})
    wecsim.run(scenario, seed=0)
    times = []
    for i in range(repeats):
        t0 = time.perf_counter()
        wecsim.run(scenario, seed=i)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    """Run the benchmarks and print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000, help="runs per throughput batch (default 1000)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="workers (default: CPUs)")
    parser.add_argument("--quick", action="store_true", help="200 runs (2,000 for memory)")
    args = parser.parse_args()
    n = 200 if args.quick else args.runs
    w = args.workers
    print(
        f"wecsim batch benchmark: {n} runs per executor, {w} workers, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f} at start"
    )

    single = {"end_year_2030_s": single_run_s(2030), "end_year_2050_s": single_run_s(2050, 5)}
    ms_2030, ms_2050 = single["end_year_2030_s"] * 1000, single["end_year_2050_s"] * 1000
    print(f"single run: {ms_2030:.0f} ms to 2030, {ms_2050:.0f} ms to 2050")

    exp = experiment("bench_throughput", n, 2030)
    results = {}
    for executor, workers in (("serial", 1), ("pool", w), ("dask", w)):
        r = batch(exp, executor, workers, OUT / f"throughput_{executor}")
        results[executor] = r
        print(f"{executor:>6}: {r['runs']} runs in {r['wall_s']:.1f} s = {r['runs_per_s']:.1f} runs/s")

    mem = {}
    for size in (n, 10 * n):
        r = batch(experiment(f"bench_memory_{size}", size, 2026), "pool", w, OUT / f"memory_{size}", True)
        mem[size] = r
        print(
            f"memory, {size:>6} runs (pool): batch process {r['peak_rss_batch_mib']:.0f} MiB, "
            f"with workers {r['peak_rss_with_workers_mib']:.0f} MiB ({r['runs_per_s']:.0f} runs/s)"
        )

    pool_vs_serial = results["pool"]["runs_per_s"] / results["serial"]["runs_per_s"]
    dask_vs_pool = results["dask"]["runs_per_s"] / results["pool"]["runs_per_s"]
    rss_batch = mem[10 * n]["peak_rss_batch_mib"] / mem[n]["peak_rss_batch_mib"]
    rss_tree = mem[10 * n]["peak_rss_with_workers_mib"] / mem[n]["peak_rss_with_workers_mib"]
    checks = [
        ("process pool / serial throughput", pool_vs_serial, ">=", 1.7),
        ("Dask LocalCluster / process pool throughput", dask_vs_pool, ">=", 0.9),
        (f"peak RSS of the batch process, {10 * n} / {n} runs", rss_batch, "<=", 1.2),
        (f"peak RSS with workers, {10 * n} / {n} runs", rss_tree, "<=", 1.2),
    ]
    print()
    for label, value, op, target in checks:
        ok = value >= target if op == ">=" else value <= target
        print(f"{label:<48} {value:5.2f}  (target {op} {target})  {'ok' if ok else 'MISSED'}")
    report = {
        "runs": n,
        "workers": w,
        "cpus": os.cpu_count(),
        "single_run": single,
        "throughput": results,
        "memory": {str(k): v for k, v in mem.items()},
        "ratios": {label: value for label, value, _, _ in checks},
    }
    (OUT / "batch.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"\nwritten to {OUT / 'batch.json'}")


if __name__ == "__main__":
    main()
