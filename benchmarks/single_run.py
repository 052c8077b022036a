"""Benchmark: how long one wecsim run takes, against a baseline measured in the same process.

Baseline: the bare Mesa framework cost of the same run shape (same number of agents, same 26
yearly steps, agents doing nothing). The ratio wecsim / baseline shows what the model's own
work costs; the absolute figure is checked against the 1-second budget of issue 3.

    uv run python benchmarks/single_run.py [--repeats 10]
    uv run python benchmarks/single_run.py --reference PATH [--pairs 40] [--seeds 10] [--scenario baseline]
        [--restarts 4]
    uv run python benchmarks/single_run.py --reference PATH --instructions [--seeds 10]

With ``--reference PATH`` (a checkout of an earlier wecsim, e.g. the model before a rewrite) it
measures one scenario side by side instead (issue 11: not slower than before). Two worker
processes stay up, one importing the reference (its own ``.venv`` Python if it has one, with
``PYTHONPATH=PATH``), one this checkout; they take turns, one ``wecsim.run`` each with the same
seed (the order swapped every pair), and each run's CPU time (``time.process_time``) is kept.
It prints both medians and new / old as the median of the pairs' ratios, which stays fair on a
machine shared with other work (load that comes and goes hits both runs of a pair). Both workers
run with one hash seed, and fresh workers are started ``--restarts`` times (a process's memory
layout alone moved the same code 2% against itself).

With ``--instructions`` it counts the CPU instructions of the same runs instead, under valgrind
(``cachegrind``, no cache simulation; ~50 x slower): a count that no other load on the machine
moves, where CPU time on a shared 2-core machine moves by 10-30% from run to run. Each checkout
runs its warm-up and then ``--seeds`` runs, and again the warm-up alone; the difference over the
seeds is the instructions of one run. Fewer instructions is not less time (a NumPy call or a
cache miss costs more time per instruction than the interpreter's own work), so this complements
the timing, it does not replace it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import mesa
import numpy as np

import wecsim
from wecsim.model import WECModel
from wecsim.runner import collect_results
from wecsim.scenario import SCENARIO_DIR, load_scenario

BUDGET_S = 1.0


class _Idle(mesa.Agent):
    def step(self) -> None:
        pass


class _IdleModel(mesa.Model):
    """Same shape as a wecsim run: agents stepping once a year, a DataCollector row per year."""

    def __init__(self, n_agents: int, seed: int = 0):
        super().__init__(rng=seed)
        for _ in range(n_agents):
            _Idle(self)
        self.datacollector = mesa.DataCollector(model_reporters={"n": lambda m: len(m.agents)})

    def step(self) -> None:
        self.agents.do("step")
        self.datacollector.collect(self)


def _time(fn, repeats: int) -> float:
    fn()  # warm-up (imports, caches)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


#: A worker in either checkout: warms up, then runs ``wecsim.run`` for each seed it reads and prints its CPU seconds.
_WORKER = """
import sys, time
import wecsim
from wecsim.scenario import load_scenario
sc = load_scenario(sys.argv[1])
wecsim.run(sc, seed=0)
print(wecsim.__file__, flush=True)
for line in sys.stdin:
    t = time.process_time()
    wecsim.run(sc, seed=int(line))
    print(time.process_time() - t, flush=True)
"""


def _python_of(checkout: Path) -> tuple[str, dict[str, str]]:
    """Return the Python that runs ``checkout`` (its own ``.venv``'s, if it has one) and its environment.

    One hash seed for every checkout: set and dict layouts (and so their speed) then match.
    """
    venv_python = checkout / ".venv" / "bin" / "python"
    python = str(venv_python) if venv_python.exists() else sys.executable
    return python, {**os.environ, "PYTHONPATH": str(checkout), "PYTHONHASHSEED": "0"}


class _Worker:
    """A Python process that imports ``checkout``'s wecsim (its own ``.venv`` Python if it has one)."""

    def __init__(self, checkout: Path, scenario: str):
        python, env = _python_of(checkout)
        self.proc = subprocess.Popen(
            [python, "-c", _WORKER, scenario],
            cwd=checkout,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        found = self.proc.stdout.readline().strip()
        if not found or not Path(found).resolve().is_relative_to(checkout.resolve()):
            self.close()
            raise SystemExit(f"{checkout}: the worker did not start or imported wecsim from elsewhere ({found!r})")

    def run(self, seed: int) -> float:
        """Return the CPU seconds of one run."""
        self.proc.stdin.write(f"{seed}\n")
        self.proc.stdin.flush()
        return float(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


#: Runs ``wecsim.run`` for seeds 0 (warm-up) to ``argv[2]`` in one process: counted under valgrind.
_COUNTED = """
import sys
import wecsim
from wecsim.scenario import load_scenario
sc = load_scenario(sys.argv[1])
for seed in range(int(sys.argv[2]) + 1):
    wecsim.run(sc, seed=seed)
"""


def _instructions(checkout: Path, scenario: str, runs: int) -> int:
    """Return the instructions valgrind counts for the warm-up and ``runs`` runs in ``checkout``."""
    python, env = _python_of(checkout)
    cmd = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]
    done = subprocess.run(
        [*cmd, python, "-c", _COUNTED, scenario, str(runs)], cwd=checkout, env=env, capture_output=True, text=True
    )
    for line in done.stderr.splitlines():
        if "I   refs:" in line:
            return int(line.rsplit(":", 1)[1].replace(",", ""))
    raise SystemExit(f"{checkout}: valgrind counted no instructions (exit {done.returncode}): {done.stderr[-500:]}")


def instructions_side_by_side(reference: Path, scenario: str, seeds: int) -> dict:
    """Count the instructions of one run (mean of seeds 1 to ``seeds``) in the reference and here; print new / old."""
    if shutil.which("valgrind") is None:
        raise SystemExit("--instructions needs valgrind on PATH (Debian: apt-get install valgrind)")
    here = Path(__file__).resolve().parent.parent
    per_run = {}
    for name, checkout in (("old", reference), ("new", here)):
        per_run[name] = (_instructions(checkout, scenario, seeds) - _instructions(checkout, scenario, 0)) / seeds
    ratio = per_run["new"] / per_run["old"]
    print(
        f"{scenario}: old {per_run['old'] / 1e9:.3f}, new {per_run['new'] / 1e9:.3f} billion instructions per run "
        f"(seeds 1-{seeds}, valgrind cachegrind)\nnew / old = {ratio:.3f}"
    )
    return {
        "scenario": scenario,
        "reference": str(reference),
        "old_instructions": per_run["old"],
        "new_instructions": per_run["new"],
        "new_over_old": ratio,
        "seeds": seeds,
    }


#: Bootstrap resamples for the interval of the median ratio, and their seed (the same pairs give the same interval).
BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED = 10_000, 0


def _median_interval(ratios: list[float]) -> tuple[float, float]:
    """Return a 95% bootstrap (percentile) interval of the median of ``ratios``.

    Resampling the pairs says how far the median could move by which pairs happened to be
    measured: an interval that spans 1 means these pairs cannot tell the two apart.
    """
    x = np.asarray(ratios)
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    medians = np.median(x[rng.integers(0, len(x), size=(BOOTSTRAP_RESAMPLES, len(x)))], axis=1)
    low, high = np.percentile(medians, [2.5, 97.5])
    return float(low), float(high)


def side_by_side(reference: Path, scenario: str, pairs: int, seeds: int, restarts: int = 4) -> dict:
    """Run the reference and this checkout one run each in turn; print and return medians and new / old.

    Both workers stay up, so each pair of runs (same seed, the order swapped every pair) sees
    the same load; the median of the pairs' ratios is robust to load that changes meanwhile.
    A process's speed also depends on its memory layout (the same code measured against itself
    came out 2% apart in one pair of processes): fresh workers are started ``restarts`` times,
    the pairs shared among them, so that luck averages out.
    """
    here = Path(__file__).resolve().parent.parent
    old: list[float] = []
    new: list[float] = []
    restarts = max(1, min(restarts, pairs))
    for block in range(restarts):
        old_w, new_w = _Worker(reference, scenario), _Worker(here, scenario)
        try:
            for i in range(block * pairs // restarts, (block + 1) * pairs // restarts):
                seed = i % seeds
                if i % 2:
                    new.append(new_w.run(seed))
                    old.append(old_w.run(seed))
                else:
                    old.append(old_w.run(seed))
                    new.append(new_w.run(seed))
        finally:
            old_w.close()
            new_w.close()
    ratios = sorted(n / o for o, n in zip(old, new, strict=True))
    ratio = statistics.median(ratios)
    low, high = _median_interval(ratios)
    if high <= 1:
        verdict = "not slower than the reference"
    elif low > 1:
        verdict = "SLOWER than the reference"
    else:
        verdict = "no difference from the reference that these pairs can show (the interval spans 1)"
    o, n = statistics.median(old) * 1e3, statistics.median(new) * 1e3
    print(
        f"{scenario}: old {o:.1f} ms, new {n:.1f} ms CPU per run (medians of {pairs} alternating runs, "
        f"seeds 0-{seeds - 1}, load {os.getloadavg()[0]:.1f})\n"
        f"new / old = {ratio:.3f} (median of paired ratios; quartiles {ratios[len(ratios) // 4]:.3f}-"
        f"{ratios[3 * len(ratios) // 4]:.3f}; 95% interval of the median {low:.3f}-{high:.3f}): {verdict}"
    )
    return {
        "scenario": scenario,
        "reference": str(reference),
        "old_ms": o,
        "new_ms": n,
        "new_over_old": ratio,
        "new_over_old_95": [low, high],
        "pairs": pairs,
    }


def main() -> None:
    """Run the benchmark and print a table of medians and ratios."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--reference", type=Path, help="checkout of an earlier wecsim to measure side by side")
    ap.add_argument("--pairs", type=int, default=40, help="pairs of runs (old, new) with --reference")
    ap.add_argument("--seeds", type=int, default=10, help="seeds cycled through with --reference")
    ap.add_argument("--scenario", default="baseline", help="scenario measured with --reference")
    ap.add_argument("--restarts", type=int, default=4, help="fresh pairs of workers with --reference")
    ap.add_argument("--instructions", action="store_true", help="with --reference: count instructions (valgrind)")
    args = ap.parse_args()
    if args.instructions:
        if args.reference is None:
            raise SystemExit("--instructions compares with a reference: give --reference PATH")
        res = instructions_side_by_side(args.reference, args.scenario, args.seeds)
        out = Path(__file__).parent / "out"
        out.mkdir(exist_ok=True)
        (out / "single_run_instructions.json").write_text(json.dumps(res, indent=2))
        return
    if args.reference is not None:
        res = side_by_side(args.reference, args.scenario, args.pairs, args.seeds, args.restarts)
        out = Path(__file__).parent / "out"
        out.mkdir(exist_ok=True)
        (out / "single_run_reference.json").write_text(json.dumps(res, indent=2))
        return
    base = load_scenario("baseline")
    model = WECModel(base)
    n_agents, n_years = len(model.agents), len(model.years)

    def idle():
        m = _IdleModel(n_agents)
        for _ in range(n_years):
            m.step()

    idle_s = _time(idle, args.repeats)
    rows = []
    for path in sorted(SCENARIO_DIR.glob("*.yaml")):
        sc = load_scenario(path)
        total = _time(lambda sc=sc: wecsim.run(sc), args.repeats)

        def model_only(sc=sc):
            m = WECModel(sc)
            m.run()
            return m

        model_s = _time(model_only, args.repeats)
        m = model_only()
        collect_s = _time(lambda m=m: collect_results(m), args.repeats)
        rows.append(
            {
                "scenario": path.stem,
                "run_s": total,
                "model_s": model_s,
                "tables_s": collect_s,
                "projects": len(m.pipeline.projects),
                "ratio_vs_bare_mesa": total / idle_s,
                "share_of_1s_budget": total / BUDGET_S,
            }
        )
    print(f"baseline (bare Mesa, {n_agents} idle agents x {n_years} steps): {idle_s * 1e3:.1f} ms")
    print(
        f"{'scenario':26s} {'run ms':>8s} {'model ms':>9s} {'tables ms':>10s} {'projects':>9s} "
        f"{'x bare Mesa':>12s} {'of 1 s':>7s}"
    )
    for r in rows:
        print(
            f"{r['scenario']:26s} {r['run_s'] * 1e3:8.1f} {r['model_s'] * 1e3:9.1f} {r['tables_s'] * 1e3:10.1f} "
            f"{r['projects']:9d} {r['ratio_vs_bare_mesa']:12.1f} {r['share_of_1s_budget']:7.2f}"
        )
    worst = max(r["run_s"] for r in rows)
    print(
        f"slowest single run: {worst * 1e3:.0f} ms = {worst / BUDGET_S:.2f} of the 1 s budget "
        f"({'met' if worst < BUDGET_S else 'MISSED'})"
    )
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    (out / "single_run.json").write_text(json.dumps({"bare_mesa_s": idle_s, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
