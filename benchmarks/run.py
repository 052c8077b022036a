"""Run every wecsim benchmark with one command and print each one's ratios.

    uv run python benchmarks/run.py            # all: single run, batch executors and memory, app latency
    uv run python benchmarks/run.py --quick    # smaller batch sizes (about 2 minutes in all)
    uv run python benchmarks/run.py --only single_run batch

Each benchmark measures its own baseline in the same run and prints ratios against it:

- ``single_run.py``  one run of every shipped scenario vs the bare Mesa framework (1 s budget)
- ``batch.py``       serial vs process pool vs Dask LocalCluster throughput; peak RSS 1x vs 10x runs
- ``app_latency.py`` lever-to-headline-card time in headless Chromium (300 ms target)
- ``app_load.py``    8 Chromium tabs at once, a move during 50 replicates, server RSS over 100 tabs
- ``batch_outcomes.py`` peak RSS of the outcomes store and its analysis, 1,000 vs 10,000 runs
- ``workshop_load.py`` a workshop of 8 teams, a projector and a facilitator in 10 Chromium pages vs 1 team

JSON results go to ``benchmarks/out/``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = {
    "single_run": (["single_run.py"], ["single_run.py", "--repeats", "3"]),
    "batch": (["batch.py"], ["batch.py", "--quick"]),
    "app_latency": (["app_latency.py"], ["app_latency.py", "--steps", "6"]),
    "app_load": (["app_load.py"], ["app_load.py", "--moves", "2", "--sessions", "20"]),
    "batch_outcomes": (["batch_outcomes.py"], ["batch_outcomes.py", "--quick"]),
    "workshop_load": (["workshop_load.py"], ["workshop_load.py", "--rounds", "2"]),
}


def main() -> int:
    """Run the chosen benchmarks in turn; return non-zero if any failed to run."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes, for a quick look")
    ap.add_argument("--only", nargs="+", choices=sorted(BENCHMARKS), default=list(BENCHMARKS))
    args = ap.parse_args()
    failed = []
    for name in args.only:
        full, quick = BENCHMARKS[name]
        no_chromium = not Path("/usr/bin/chromium").exists() and not shutil.which("chromium")
        if name.startswith(("app_", "workshop_")) and no_chromium:
            print(f"== {name}: skipped, Chromium is not installed (apt-get install -y chromium)")
            continue
        cmd = [sys.executable, str(HERE / (quick if args.quick else full)[0]), *(quick if args.quick else full)[1:]]
        print(f"== {name}: {' '.join(cmd[1:])}", flush=True)
        start = time.perf_counter()
        rc = subprocess.call(cmd)
        print(f"== {name}: exit {rc} after {time.perf_counter() - start:.0f} s\n", flush=True)
        if rc != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
