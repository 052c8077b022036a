"""What EU money changes: the tables of docs/model.md, section "What EU money changes".

    uv run python experiments/eu_money.py            # 10 seeds (about 4 minutes on 2 cores)
    uv run python experiments/eu_money.py --seeds 3  # a quick look

For each shipped scenario it removes all EU money, then each EU instrument alone, seed by
seed (same weather: common random numbers), and reports the mean and the 10-90% band over
seeds of what the money added. Then it adds the same EUR 20 M a year to each instrument of
the baseline in turn, to show which instrument buys the most of each outcome per euro.
Tables are printed as Markdown and written to ``results/eu_money/`` as CSV.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from wecsim.additionality import additionality, compare_instruments
from wecsim.scenario import SCENARIO_DIR

SCENARIOS = sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))
SHOWN = {
    "eu_money_meur": ("EU money spent", "EUR M", 0),
    "projects_added": ("projects added", "", 0),
    "capacity_added_meur": ("capacity added", "EUR M", 0),
    "water_deficit_avoided_km3": ("water deficit avoided, 2025-2050", "km3", 2),
    "co2_avoided_mt": ("CO2 avoided, 2025-2050", "Mt", 1),
    "flood_damage_avoided_meur": ("flood damage avoided, 2025-2050", "EUR M", 0),
    "res_share_added_end": ("RES share added, 2050", "points", 1),
    "wastewater_treated_share_added_end": ("wastewater treated added, 2050", "points", 1),
    "net_mobilisation": ("net mobilisation", "EUR per EUR", 2),
}
PERCENT = {"res_share_added_end", "wastewater_treated_share_added_end"}


def _one(args: tuple[str, int]) -> pd.DataFrame:
    scenario, seed = args
    s = additionality(scenario, seed=seed).summary
    return s.assign(scenario=scenario, seed=seed)


def _band(values: pd.Series, digits: int, scale: float = 1.0) -> str:
    v = values.to_numpy(float) * scale
    lo, hi = np.nanpercentile(v, [10, 90])
    return f"{np.nanmean(v):,.{digits}f} ({lo:,.{digits}f} to {hi:,.{digits}f})"


def removal_table(seeds: list[int], workers: int) -> pd.DataFrame:
    """Return the additionality summary of every shipped scenario and seed (tidy)."""
    jobs = [(s, seed) for s in SCENARIOS for seed in seeds]
    with ProcessPoolExecutor(workers) as pool:
        return pd.concat(pool.map(_one, jobs), ignore_index=True)


def markdown(df: pd.DataFrame, key: str, cols: dict) -> str:
    """Format mean (10-90% band) per group as a Markdown table."""
    head = f"| {key} | " + " | ".join(f"{label} [{unit}]" if unit else label for label, unit, _ in cols.values()) + " |"
    lines = [head, "|" + "---|" * (len(cols) + 1)]
    for name, g in df.groupby(key, sort=False):
        cells = [_band(g[c], d, 100 if c in PERCENT else 1) for c, (_, _, d) in cols.items()]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    """Compute and print the tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--extra", type=float, default=20.0, help="EUR M/yr added to each instrument")
    args = ap.parse_args()
    seeds = list(range(1, args.seeds + 1))
    out = Path("results/eu_money")
    out.mkdir(parents=True, exist_ok=True)
    removed = removal_table(seeds, args.workers)
    removed.to_csv(out / "removal.csv", index=False)
    every = removed[removed["counterfactual"] == "all"]
    print(f"## All EU money removed, by scenario ({len(seeds)} seeds: mean and 10-90% band)\n")
    print(markdown(every, "scenario", SHOWN))
    base = removed[(removed["scenario"] == "baseline") & (removed["counterfactual"] != "all")]
    print(f"\n## Baseline: each EU instrument removed alone ({len(seeds)} seeds)\n")
    print(markdown(base, "counterfactual", SHOWN))
    added = compare_instruments("baseline", extra_meur=args.extra, seeds=seeds)
    added.to_csv(out / "instruments_plus.csv", index=False)
    per = {
        f"{c}_per_100meur": (SHOWN[c][0] + " per EUR 100 M", SHOWN[c][1], max(SHOWN[c][2], 1))
        for c in ("projects_added", "water_deficit_avoided_km3", "co2_avoided_mt", "flood_damage_avoided_meur")
    }
    cols = {"eu_money_added_meur": ("EU money spent", "EUR M", 0)} | per
    print(f"\n## Baseline: EUR {args.extra:g} M/yr more in one instrument ({len(seeds)} seeds)\n")
    print(markdown(added, "instrument", cols))


if __name__ == "__main__":
    main()
