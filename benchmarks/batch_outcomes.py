"""Benchmark the outcomes store and its analysis: peak memory from 1,000 to 10,000 runs.

Run from the project folder (about 2 minutes on 2 cores)::

    uv run python benchmarks/batch_outcomes.py            # 1,000 and 10,000 runs
    uv run python benchmarks/batch_outcomes.py --quick    # 200 and 2,000

Running 10,000 wecsim runs with region, funder and additionality tables would take hours
on 2 cores, so the stored results are synthetic: the shipped ``eu_mix_robustness``
experiment (4 policies x N/4 scenarios, to 2030) is designed as usual, and its runs are
written through the real results store (:class:`wecsim.experiments.store.ResultStore`,
chunks of 64 runs with the real schemas: national, region, funder and additionality
tables) with random numbers instead of model runs. Each step runs in a fresh process and
reports its peak resident set size (``getrusage``):

- *write*: design the experiment and store every run, chunk by chunk;
- *analyse*: ``load_results`` (national table and the derived outcomes, computed by DuckDB
  over the stored Parquet: cumulative, value, a maximum over southern regions, additionality,
  funder sums) and ``robustness_report`` for three outcomes.

Target: the peak RSS of each step at 10 N runs within 20% of N runs. Results go to
``benchmarks/out/batch_outcomes.json``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
EXPERIMENT = ROOT / "experiments" / "eu_mix_robustness.yaml"
#: Runs written per chunk (the batch's largest chunk).
CHUNK = 64


def _experiment(n_runs: int):
    from wecsim.experiments import load_experiment
    from wecsim.scenario.load import read_yaml_mapping

    spec = read_yaml_mapping(EXPERIMENT, str(EXPERIMENT), keys="name:, design:, ...")
    spec["design"]["n"] = n_runs // len(spec["policies"])
    return load_experiment(spec)


def write(folder: Path, n_runs: int) -> None:
    """Store ``n_runs`` synthetic runs of the experiment in ``folder`` through the results store."""
    import numpy as np
    import pyarrow as pa

    from wecsim.datasets import table
    from wecsim.experiments.batch import run_context
    from wecsim.experiments.design import design_points, run_rows
    from wecsim.experiments.outcomes import TABLE_KEYS
    from wecsim.experiments.store import ResultStore
    from wecsim.experiments.worker import schemas

    exp = _experiment(n_runs)
    design = design_points(exp)
    context = run_context(exp)
    sch = schemas(context)
    years = np.arange(int(exp.base_scenario["start_year"]), int(exp.base_scenario["end_year"]) + 1)
    regions = table("regions")[["region_id", "basin_id"]]
    keys = {"region": regions, "funder": table("funders")[["funder_id"]]}
    rng = np.random.default_rng(0)
    store = ResultStore.open(folder, exp, design, None, EXPERIMENT.read_text(encoding="utf-8"))
    store.start_session("synthetic", CHUNK, n_runs)
    for start in range(0, n_runs, CHUNK):
        rows = run_rows(exp, design, np.arange(start, min(start + CHUNK, n_runs)))
        ids = np.array([r["run_id"] for r in rows])
        runs = {f.name: [r.get(f.name) for r in rows] for f in sch["runs"]}
        runs["status"] = ["ok"] * len(rows)
        tables = {"runs": pa.Table.from_pydict(runs, schema=sch["runs"])}
        for name in ("outputs", *context_tables(context)):
            base = keys.get(name)
            per = 1 if base is None else len(base)
            n = len(ids) * len(years) * per
            cols = {"run_id": np.repeat(ids, len(years) * per), "year": np.tile(np.repeat(years, per), len(ids))}
            for k in TABLE_KEYS.get(name, ()):
                cols[k] = np.tile(base[k].to_numpy(dtype=str), len(ids) * len(years)).tolist()
            for f in sch[name]:
                if f.name not in cols:
                    cols[f.name] = rng.random(n)
            tables[name] = pa.Table.from_pydict(cols, schema=sch[name])
        tables["timings"] = pa.Table.from_pydict(
            {"run_id": ids, "elapsed_s": np.zeros(len(ids)), "worker": ["synthetic"] * len(ids)},
            schema=sch["timings"],
        )
        store.write_chunk(tables)
    store.close()


def context_tables(context) -> list[str]:
    """Return the names of the other tables a run context keeps."""
    return [name for name, _ in context.tables]


def analyse(folder: Path) -> None:
    """Load the results with their derived outcomes and compute the robustness of the policies."""
    from wecsim.experiments import load_results
    from wecsim.experiments.reports import robustness_report

    res = load_results(folder)
    assert len(res.derived) == len(res.runs)
    robustness_report(res, ["deficit_cum_km3", "south_deficit_max_mm3", "eu_deficit_effect_km3"])


def step(kind: str, folder: Path, n_runs: int) -> dict:
    """Run one step in a fresh process; return its wall time and peak RSS."""
    code = (
        "import sys, resource, time; sys.path.insert(0, 'benchmarks'); import batch_outcomes as b; "
        f"t = time.perf_counter(); b.{kind}(b.Path({str(folder)!r}){', ' + str(n_runs) if kind == 'write' else ''}); "
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    wall, rss_kib = out.stdout.split()[-2:]
    return {"wall_s": float(wall), "peak_rss_mib": int(rss_kib) / 1024}


def main() -> None:
    """Measure both steps at N and 10 N runs and print the ratios against the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 and 2,000 runs")
    parser.add_argument("--tmp", default=str(OUT / "batch_outcomes_tmp"), help="scratch folder")
    args = parser.parse_args()
    n = 200 if args.quick else 1_000
    tmp = Path(args.tmp)
    import shutil

    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    results: dict[str, dict] = {}
    for size in (n, 10 * n):
        folder = tmp / f"runs_{size}"
        results[str(size)] = {"write": step("write", folder, size), "analyse": step("analyse", folder, size)}
        for kind, r in results[str(size)].items():
            print(f"{kind:>8}, {size:>6} runs: peak RSS {r['peak_rss_mib']:.0f} MiB, {r['wall_s']:.1f} s", flush=True)
    checks = []
    for kind in ("write", "analyse"):
        ratio = results[str(10 * n)][kind]["peak_rss_mib"] / results[str(n)][kind]["peak_rss_mib"]
        checks.append({"what": f"peak RSS of {kind}, {10 * n} / {n} runs", "ratio": ratio, "target": "<= 1.2"})
        print(f"{checks[-1]['what']}: {ratio:.2f} (target <= 1.2) {'ok' if ratio <= 1.2 else 'MISSED'}")
    OUT.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    report = {"when": stamp, "runs": results, "checks": checks}
    (OUT / "batch_outcomes.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
