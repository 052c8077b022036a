"""A sceptic's grid: every numeric lever over its whole range, to find knife-edges and turns.

    uv run python experiments/lever_grid.py                       # baseline, 9 points, seeds 1-3 (3 min on 2 cores)
    uv run python experiments/lever_grid.py --levers epr_fee_multiplier --points 25

A dead-lever sweep moves each lever from its minimum to its maximum; this moves it over a grid
of evenly spaced values (the other levers at their scenario values), runs each value with the
same seeds (common random numbers) and flags, per headline and year, a response where one step
of the grid carries most of the change (a knife-edge or a threshold) or that turns both ways
(a non-monotone response). Tidy results go to ``results/lever_grid/grid.csv`` and the flags to
``flags.csv``; flags are printed. A flag is a lead to read, not a verdict: a threshold at the
bottom of a range (no money at all) is often real, and one year's flood damage moves with any
change of which projects are built when.
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from wecsim.experiments.parameter_sources import VISIBLE
from wecsim.runner import run_national
from wecsim.scenario import load_scenario, registry

YEARS = (2030, 2050)
#: A step of the grid that carries more than this share of a headline's whole change is flagged.
STEP_SHARE = 0.6
#: A response that moves by more than this share of its range both up and down is flagged.
TURN_SHARE = 0.2
#: Changes smaller than this many visible amounts are not read.
MIN_VISIBLE = 5


def grid_values(name: str, points: int) -> list[float]:
    """Return ``points`` evenly spaced values of a numeric lever over its declared range (integers rounded)."""
    p = registry()[name]
    values = np.linspace(p.low, p.high, points)
    if p.type == "int":
        return [int(v) for v in np.unique(np.round(values))]
    return [round(float(v), 6) for v in values]


def _run(args: tuple[str, str, float, tuple[int, ...]]) -> list[dict]:
    scenario, name, value, seeds = args
    sc = load_scenario(scenario, [f"{name}={value}"])
    rows = []
    for seed in seeds:
        nat = run_national(sc, seed).set_index("year")
        for year in YEARS:
            if year in nat.index:
                rows += [
                    {"lever": name, "value": value, "seed": seed, "year": year, "indicator": c}
                    | {"level": nat.loc[year, c]}
                    for c in VISIBLE
                ]
    return rows


def grid(
    scenario: str = "baseline",
    levers: list[str] | None = None,
    points: int = 9,
    seeds: tuple[int, ...] = (1, 2, 3),
    workers: int = 2,
) -> pd.DataFrame:
    """Run every lever over its grid; return the mean over ``seeds`` as a tidy table."""
    numeric = [n for n, p in registry().items() if not p.choices]
    tasks = [(scenario, n, v, seeds) for n in (levers or numeric) for v in grid_values(n, points)]
    with ProcessPoolExecutor(workers) as pool:
        rows = [r for part in pool.map(_run, tasks, chunksize=4) for r in part]
    df = pd.DataFrame(rows)
    return df.groupby(["lever", "indicator", "year", "value"], as_index=False)["level"].mean()


def flags(table: pd.DataFrame) -> pd.DataFrame:
    """Return the responses to read: one step carrying most of the change, or a turn both ways.

    ``table`` has columns ``lever, indicator, year, value, level`` (:func:`grid`).
    """
    out = []
    for (lever, indicator, year), g in table.groupby(["lever", "indicator", "year"]):
        levels = g.sort_values("value")["level"].to_numpy(float)
        steps = np.diff(levels)
        change = levels.max() - levels.min()
        if len(steps) < 2 or change < MIN_VISIBLE * VISIBLE[indicator]:
            continue
        step_share = float(np.abs(steps).max() / change)
        turns = steps.max() > TURN_SHARE * change and steps.min() < -TURN_SHARE * change
        if step_share > STEP_SHARE or turns:
            out.append(
                {
                    "lever": lever,
                    "indicator": indicator,
                    "year": year,
                    "change": change,
                    "largest_step_share": step_share,
                    "turns": bool(turns),
                    "levels": " ".join(f"{v:.4g}" for v in levels),
                }
            )
    return pd.DataFrame(out, columns=["lever", "indicator", "year", "change", "largest_step_share", "turns", "levels"])


def main(argv: list[str] | None = None) -> int:
    """Run the grid from the command line, write its tables and print the flags."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="baseline")
    parser.add_argument("--levers", nargs="*", help="lever names (default: every numeric lever)")
    parser.add_argument("--points", type=int, default=9)
    parser.add_argument("--seeds", type=int, nargs="*", default=[1, 2, 3])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("results/lever_grid"))
    args = parser.parse_args(argv)
    table = grid(args.scenario, args.levers, args.points, tuple(args.seeds), args.workers)
    found = flags(table)
    args.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out / "grid.csv", index=False)
    found.to_csv(args.out / "flags.csv", index=False)
    with pd.option_context("display.width", 200, "display.max_colwidth", 90, "display.max_rows", 500):
        print(found.to_string(index=False) if len(found) else "no flags")
    print(f"{len(found)} responses to read; tables in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
