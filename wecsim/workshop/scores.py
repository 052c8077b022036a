"""What the teams' decisions added: each role's score on its own objectives, and the country against its targets.

A score compares the workshop's run with the same scenario run without the teams (same seed
and events, every agent on its default rule; see
:meth:`~wecsim.workshop.service.Workshops.counterfactuals`), so it counts only what a team's
decisions changed. Each role's objectives, the direction that is better, how the years are
summed and what one point is worth live in ``role_objectives.csv``, each with its rationale;
the national targets in ``targets.csv``, each with its source (the recycling targets the
model itself reads come from ``parameters.csv``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd

from wecsim.datasets import parameters
from wecsim.i18n import N_
from wecsim.workshop.errors import WorkshopError
from wecsim.workshop.replay import HEADLINE
from wecsim.workshop.roles import Role

#: Plain names and units of the national indicators the projector and the report show (translated where shown).
NATIONAL_LABELS = {
    "water_deficit_km3": (N_("Water deficit"), N_("km3/yr")),
    "recycling_rate": (N_("Waste recycled"), N_("share")),
    "res_share": (N_("Renewable share of power"), N_("share")),
    "co2_total_mt": (N_("CO2 (power and waste)"), N_("Mt/yr")),
    "committed_meur": (N_("Money committed"), N_("EUR M/yr")),
    "eu_committed_meur": (N_("EU money committed"), N_("EUR M/yr")),
    "water_tariff_eur_per_m3": (N_("Water tariff"), N_("EUR/m3")),
    "basins_in_drought": (N_("Basins in drought"), N_("basins")),
    "flood_damage_meur": (N_("Flood damage"), N_("EUR M/yr")),
}
#: Indicators whose yearly values add up over the rounds (money, damage); the others are read in the last year.
FLOWS = ("committed_meur", "eu_committed_meur", "flood_damage_meur")
NATIONAL_COLUMNS = [
    "indicator",
    "label",
    "unit",
    "year",
    "workshop",
    "without_teams",
    "change",
    "target",
    "target_year",
]
SCORE_COLUMNS = ["role", "team", "objective", "unit", "better", "workshop", "without_teams", "change", "points"]


def _csv(name: str, columns: set[str]) -> pd.DataFrame:
    path = resources.files("wecsim.workshop").joinpath(name)
    with resources.as_file(path) as p:
        df = pd.read_csv(p)
    missing = columns - set(df.columns)
    if missing:
        raise WorkshopError(f"wecsim/workshop/{name}: missing column(s) {sorted(missing)}")
    why = "rationale" if "rationale" in df.columns else "source"
    if df[why].isna().any():
        raise WorkshopError(f"wecsim/workshop/{name}: a row has no {why}; every number needs one")
    return df


@cache
def objectives() -> pd.DataFrame:
    """Return each kind of role's objectives (``role_objectives.csv``), checked."""
    df = _csv("role_objectives.csv", {"kind", "objective", "direction", "aggregate", "points_per", "label"})
    bad = df[~df["direction"].isin(["higher", "lower"]) | ~df["aggregate"].isin(["sum", "last"])]
    if len(bad) or (df["points_per"] <= 0).any():
        raise WorkshopError(
            "wecsim/workshop/role_objectives.csv: direction must be higher|lower, aggregate sum|last, "
            "points_per above 0"
        )
    return df


#: Targets the model already reads from ``parameters.csv``: (indicator, year, parameter), not repeated in targets.csv.
MODEL_TARGETS = (
    ("recycling_rate", 2030, "recycling_target_2030"),
    ("recycling_rate", 2050, "recycling_target_2050"),
)


@cache
def targets() -> pd.DataFrame:
    """Return the national targets: ``targets.csv``, and the recycling targets of ``parameters.csv``."""
    own = _csv("targets.csv", {"indicator", "year", "value", "label"})
    P = parameters()
    rows = [
        {
            "indicator": indicator,
            "year": year,
            "value": P[name],
            "unit": "share of waste",
            "label": f"Recycling {P[name]:.0%} of waste by {year}",
            "source": f"parameters.csv {name}",
        }
        for indicator, year, name in MODEL_TARGETS
    ]
    return pd.concat([own, pd.DataFrame(rows)], ignore_index=True)


def _series(rounds: Sequence[Mapping[str, Any]], role_id: str | None = None) -> list[dict]:
    """Return the yearly rows of every round played, in order (the nation's, or one role's)."""
    return [row for o in rounds for row in (o["national"] if role_id is None else o["roles"][role_id])]


def _aggregate(rows: list[dict], field: str, how: str) -> float:
    return float(sum(r[field] for r in rows)) if how == "sum" else float(rows[-1][field])


def role_scores(
    roles: Sequence[Role], outcomes: Sequence[Mapping[str, Any]], without_teams: Sequence[Mapping[str, Any]]
) -> pd.DataFrame:
    """Return one row per role and objective: the workshop's value, the no-team value, the change and its points.

    Points are ``(workshop - without teams) / points_per``, with the sign turned for objectives
    where lower is better, so a positive score is always what the team's decisions added.
    """
    table = objectives()
    rows: list[dict] = []
    if not outcomes:
        return pd.DataFrame(rows, columns=SCORE_COLUMNS)
    for role in roles:
        mine, base = _series(outcomes, role.role_id), _series(without_teams, role.role_id)
        for o in table[table["kind"] == role.kind].to_dict("records"):
            field, how = o["objective"], o["aggregate"]
            value, ref = _aggregate(mine, field, how), _aggregate(base, field, how)
            sign = 1.0 if o["direction"] == "higher" else -1.0
            rows.append(
                {
                    "role": role.role_id,
                    "team": role.label,
                    "objective": o["label"],
                    "unit": o["unit"],
                    "better": o["direction"],
                    "workshop": value,
                    "without_teams": ref,
                    "change": value - ref,
                    "points": sign * (value - ref) / float(o["points_per"]) + 0.0,  # + 0.0: no "-0" shown
                }
            )
    return pd.DataFrame(rows, columns=SCORE_COLUMNS)


def score_totals(scores: pd.DataFrame) -> pd.DataFrame:
    """Return each role's total points (the sum over its objectives), best first."""
    if scores.empty:
        return pd.DataFrame(columns=["role", "team", "points"])
    totals = scores.groupby(["role", "team"], sort=False, as_index=False)["points"].sum()
    return totals.sort_values("points", ascending=False, kind="stable").reset_index(drop=True)


def national_against_targets(
    outcomes: Sequence[Mapping[str, Any]], without_teams: Sequence[Mapping[str, Any]]
) -> pd.DataFrame:
    """Return the headline indicators of the last year played: workshop, no-team run, change and the next target."""
    if not outcomes:
        return pd.DataFrame(columns=NATIONAL_COLUMNS)
    mine, base = _series(outcomes), _series(without_teams)
    year = int(mine[-1]["year"])
    goals = targets()
    rows = []
    for key in HEADLINE:
        label, unit = NATIONAL_LABELS.get(key, (key, ""))
        how = "sum" if key in FLOWS else "last"
        value, ref = _aggregate(mine, key, how), _aggregate(base, key, how)
        ahead = goals[(goals["indicator"] == key) & (goals["year"] >= year)].sort_values("year")
        target = ahead.iloc[0] if len(ahead) else None
        rows.append(
            {
                "indicator": key,
                "label": label + (" (sum over the years played)" if how == "sum" else ""),
                "unit": unit.removesuffix("/yr") if how == "sum" else unit,
                "year": year,
                "workshop": value,
                "without_teams": ref,
                "change": value - ref,
                "target": None if target is None else float(target["value"]),
                "target_year": "" if target is None else str(int(target["year"])),
            }
        )
    return pd.DataFrame(rows)


def national_years(outcomes: Sequence[Mapping[str, Any]], without_teams: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Return the national headline indicators year by year, tidy: year, indicator, run, value."""
    rows = []
    for run, rounds in (("workshop", outcomes), ("without teams", without_teams)):
        for r in _series(rounds):
            rows += [{"year": int(r["year"]), "indicator": k, "run": run, "value": float(r[k])} for k in HEADLINE]
    return pd.DataFrame(rows)


def round_outcomes(
    roles: Sequence[Role], outcomes: Sequence[Mapping[str, Any]], without_teams: Sequence[Mapping[str, Any]]
) -> list[dict[str, pd.DataFrame]]:
    """Return, for each round played, the country and each role's objectives in the round's last year, both runs.

    ``[{"national": DataFrame, "roles": DataFrame}, ...]``: indicator (or role and objective),
    the workshop's value, the no-team value and the change.
    """
    table = objectives()
    out = []
    for mine, base in zip(outcomes, without_teams, strict=True):
        last, ref = mine["national"][-1], base["national"][-1]
        national = pd.DataFrame(
            [
                {
                    "indicator": NATIONAL_LABELS.get(k, (k, ""))[0],
                    "unit": NATIONAL_LABELS.get(k, (k, ""))[1],
                    "workshop": float(last[k]),
                    "without_teams": float(ref[k]),
                    "change": float(last[k]) - float(ref[k]),
                }
                for k in HEADLINE
            ]
        )
        rows = []
        for role in roles:
            a, b = mine["roles"][role.role_id][-1], base["roles"][role.role_id][-1]
            for o in table[table["kind"] == role.kind].to_dict("records"):
                k = o["objective"]
                rows.append(
                    {
                        "team": role.label,
                        "objective": o["label"],
                        "unit": o["unit"],
                        "workshop": float(a[k]),
                        "without_teams": float(b[k]),
                        "change": float(a[k]) - float(b[k]),
                    }
                )
        out.append({"national": national, "roles": pd.DataFrame(rows)})
    return out


#: The regions' table on the projector: region id, then each region's numbers (see :func:`regions_against_targets`).
REGION_COLUMNS = [
    "region_id",
    "water_deficit_mm3",
    "deficit_change_mm3",
    "water_deficit_pct",
    "recycling_rate",
    "recycling_gap_pp",
    "water_saving_irrigation_share",
    "network_loss_share",
    "ews_coverage",
    "flood_damage_meur",
]


def regions_against_targets(
    outcomes: Sequence[Mapping[str, Any]], without_teams: Sequence[Mapping[str, Any]]
) -> pd.DataFrame:
    """Return every region in the last year played: its key numbers, against the run without the teams and the targets.

    The water deficit [million m3/yr] with its change against the run without the teams and its
    share of the region's demand [%]; recycling [share] and how far it is above (+) or below the
    national recycling target path of that year [percentage points, the model's
    ``recycling_target``]; the rest as the region table holds them. Worst deficit share first.
    Empty when the rounds were played before the regions were stored with them; the change is
    blank while the round's run without the teams is still being computed.
    """
    if not outcomes or "regions" not in outcomes[-1]:
        return pd.DataFrame(columns=REGION_COLUMNS)
    # the same round without the teams; while it is being computed (see Workshops.advance) the change stays blank
    played = len(outcomes)
    base = without_teams[played - 1].get("regions", {}) if len(without_teams) >= played else {}
    mine = outcomes[-1]["regions"]
    target = float(outcomes[-1]["national"][-1]["recycling_target"])
    rows = []
    for region_id, r in mine.items():
        demand = r["water_demand_mm3"]
        rows.append(
            {
                "region_id": region_id,
                "water_deficit_mm3": r["water_deficit_mm3"],
                "deficit_change_mm3": r["water_deficit_mm3"] - base[region_id]["water_deficit_mm3"]
                if region_id in base
                else float("nan"),
                "water_deficit_pct": 100 * r["water_deficit_mm3"] / demand if demand > 0 else 0.0,
                "recycling_rate": r["recycling_rate"],
                "recycling_gap_pp": 100 * (r["recycling_rate"] - target),
                **{k: r[k] for k in REGION_COLUMNS[6:]},
            }
        )
    df = pd.DataFrame(rows, columns=REGION_COLUMNS)
    return df.sort_values(["water_deficit_pct", "region_id"], ascending=[False, True], kind="stable").reset_index(
        drop=True
    )
