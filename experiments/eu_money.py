"""What EU money changes: the tables of docs/model.md, section "What EU money changes".

    uv run python experiments/eu_money.py            # 10 seeds (about 4 minutes on 2 cores)
    uv run python experiments/eu_money.py --seeds 3  # a quick look

For each shipped scenario it removes all EU money, then each EU instrument alone, seed by
seed (same weather: common random numbers), and reports the mean and the 10-90% band over
seeds of what the money added, in total, per EUR 100 M of the instrument's money and per
region. Then it adds the same EUR 20 M a year to each instrument of the baseline in turn,
to show which instrument buys the most of each outcome per euro. Tables are printed as
Markdown, written to ``results/eu_money/tables.md`` (with the commit and date they come
from) and, as tidy data, to ``results/eu_money/*.csv``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
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
#: Outcomes divided by the instrument's money (per EUR 100 M spent).
PER_MONEY = ("projects_added", "water_deficit_avoided_km3", "co2_avoided_mt", "flood_damage_avoided_meur")
#: Regional outcomes: (label, unit, digits, how a run's yearly differences are reduced).
REGION_SHOWN = {
    "water_deficit_mm3": ("water deficit avoided, 2025-2050", "million m3", 0, "sum"),
    "wastewater_treated_share": ("wastewater treated added, 2050", "points", 1, "last"),
    "network_loss_share": ("network losses avoided, 2050", "points", 1, "last"),
    "water_saving_irrigation_share": ("water-saving irrigation added, 2050", "points", 1, "last"),
    "flood_damage_meur": ("flood damage avoided, 2025-2050", "EUR M", 0, "sum"),
}
#: Regional outcomes where less is better: their sign is turned so that "avoided" is positive.
REGION_LESS_IS_BETTER = {"water_deficit_mm3", "network_loss_share", "flood_damage_meur"}


def _region_totals(region: pd.DataFrame) -> pd.DataFrame:
    """Reduce a run's regional differences (all EU money removed) to one row per region."""
    last = region["year"].max()
    rows = []
    for (rid, name), g in region.groupby(["region_id", "region"], sort=True):
        row = {"region_id": rid, "region": name}
        for col, (_, unit, _, how) in REGION_SHOWN.items():
            d = g[g["indicator"] == col]
            v = d["additional"].sum() if how == "sum" else d.loc[d["year"] == last, "additional"].sum()
            v = -v if col in REGION_LESS_IS_BETTER else v
            row[col] = 100 * v if unit == "points" else v
        rows.append(row)
    return pd.DataFrame(rows)


def _one(args: tuple[str, int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    scenario, seed = args
    a = additionality(scenario, seed=seed)
    summary = a.summary.assign(scenario=scenario, seed=seed)
    region = _region_totals(a.region).assign(scenario=scenario, seed=seed)
    return summary, region


def _plus(args: tuple[str, int, float]) -> pd.DataFrame:
    scenario, seed, extra = args
    return compare_instruments(scenario, extra_meur=extra, seeds=[seed])


def _band(values: pd.Series, digits: int, scale: float = 1.0) -> str:
    v = values.to_numpy(float) * scale
    if np.isnan(v).all():
        return "-"
    mean, lo, hi = (round(float(x), digits) + 0.0 for x in (np.nanmean(v), *np.nanpercentile(v, [10, 90])))
    return f"{mean:,.{digits}f} ({lo:,.{digits}f} to {hi:,.{digits}f})"


def removal_table(seeds: list[int], workers: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the additionality summary and regional totals of every shipped scenario and seed (tidy)."""
    jobs = [(s, seed) for s in SCENARIOS for seed in seeds]
    with ProcessPoolExecutor(workers) as pool:
        out = list(pool.map(_one, jobs))
    return (
        pd.concat([o[0] for o in out], ignore_index=True),
        pd.concat([o[1] for o in out], ignore_index=True),
    )


def plus_table(seeds: list[int], workers: int, extra: float) -> pd.DataFrame:
    """Return :func:`compare_instruments` on the baseline, one seed per job."""
    with ProcessPoolExecutor(workers) as pool:
        return pd.concat(pool.map(_plus, [("baseline", seed, extra) for seed in seeds]), ignore_index=True)


#: A seed whose instrument spent less than this gives no per-money figure [EUR M]: the ratio of two
#: small numbers says nothing (aktau_desalination, seed 6: EUR 0.36 M of guarantees, whose knock-on
#: effects on floods and water came out at EUR -29 bn per EUR 100 M and dominated the mean of 10 seeds).
MIN_MONEY_MEUR = 1.0


def per_money(df: pd.DataFrame) -> pd.DataFrame:
    """Add each outcome of :data:`PER_MONEY` per EUR 100 M of the EU money removed (per seed).

    Seeds where the money spent is under :data:`MIN_MONEY_MEUR` get NaN (left out of the means and bands).
    """
    money = df["eu_money_meur"].where(df["eu_money_meur"] >= MIN_MONEY_MEUR)
    return df.assign(**{f"{c}_per_100meur": 100 * df[c] / money for c in PER_MONEY})


def shown_mobilisation(df: pd.DataFrame) -> pd.DataFrame:
    """Leave out the net mobilisation (money per euro of the same money) of seeds under :data:`MIN_MONEY_MEUR`.

    For the tables only: the CSV files keep every value.
    """
    return df.assign(net_mobilisation=df["net_mobilisation"].where(df["eu_money_meur"] >= MIN_MONEY_MEUR))


def _provenance() -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True, check=True).stdout
        commit += " (with uncommitted changes)" if dirty.strip() else ""
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return f"commit {commit}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"


def markdown(df: pd.DataFrame, key: str, cols: dict) -> str:
    """Format mean (10-90% band) per group as a Markdown table."""
    head = f"| {key} | " + " | ".join(f"{label} [{unit}]" if unit else label for label, unit, _ in cols.values()) + " |"
    lines = [head, "|" + "---|" * (len(cols) + 1)]
    for name, g in df.groupby(key, sort=False):
        cells = [_band(g[c], d, 100 if c in PERCENT else 1) for c, (_, _, d) in cols.items()]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    """Compute the tables, print them and write them to ``results/eu_money/``."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--extra", type=float, default=20.0, help="EUR M/yr added to each instrument")
    ap.add_argument("--out", default="results/eu_money", help="folder for tables.md and the CSV files")
    args = ap.parse_args()
    seeds = list(range(1, args.seeds + 1))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    n = len(seeds)
    md: list[str] = []

    def emit(text: str) -> None:
        print(text, flush=True)
        md.append(text)

    emit(f"<!-- `uv run python {' '.join(sys.argv)}`; {_provenance()} -->\n")
    removed, regions = removal_table(seeds, args.workers)
    removed = per_money(removed)
    removed.to_csv(out / "removal.csv", index=False)
    regions.to_csv(out / "regions.csv", index=False)
    every = shown_mobilisation(removed[removed["counterfactual"] == "all"])
    emit(f"### All EU money removed, by scenario ({n} seeds: mean and 10-90% band)\n")
    emit(markdown(every, "scenario", SHOWN))
    per = {f"{c}_per_100meur": (SHOWN[c][0] + " per EUR 100 M", SHOWN[c][1], max(SHOWN[c][2], 1)) for c in PER_MONEY}
    inst_cols = {"eu_money_meur": SHOWN["eu_money_meur"]} | per
    inst_cols |= {k: SHOWN[k] for k in ("res_share_added_end", "net_mobilisation")}
    for scenario in SCENARIOS:
        one = shown_mobilisation(removed[(removed["scenario"] == scenario) & (removed["counterfactual"] != "all")])
        emit(f"\n### {scenario}: each EU instrument removed alone ({n} seeds, per EUR 100 M of its money)\n")
        emit(markdown(one, "counterfactual", inst_cols))
    base = regions[regions["scenario"] == "baseline"]
    cols = {c: v[:3] for c, v in REGION_SHOWN.items()}
    emit(f"\n### baseline: all EU money removed, by region ({n} seeds)\n")
    emit(markdown(base, "region", cols))
    added = plus_table(seeds, args.workers, args.extra)
    added.to_csv(out / "instruments_plus.csv", index=False)
    cols = {"eu_money_added_meur": ("EU money spent", "EUR M", 0)} | per
    emit(f"\n### baseline: EUR {args.extra:g} M/yr more in one instrument ({n} seeds)\n")
    emit(markdown(added, "instrument", cols))
    (out / "tables.md").write_text("\n".join(md) + "\n")


if __name__ == "__main__":
    main()
