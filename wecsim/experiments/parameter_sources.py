"""Find which fixed parameters drive the headlines, and how well those are sourced.

Levers and uncertainties are swept by experiments; the fixed numbers of ``parameters.csv``
are not. This module moves each of them alone by a factor (one at a time, the same seed),
finds those that move a headline indicator visibly (the *drivers*), and classifies every
parameter's source: a value found in a cited source (``[V]``), an estimate derived from
cited sources (``[E]`` with a citation), or an assumption.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from wecsim.datasets import table
from wecsim.runner import run_national
from wecsim.scenario import load_scenario

#: Headline indicators and the smallest change a planner would notice (as in the lever sweep).
VISIBLE = {
    "water_deficit_km3": 0.01,
    "res_share": 0.001,
    "co2_total_mt": 0.1,
    "recycling_rate": 0.001,
    "flood_damage_meur": 1.0,
    "wastewater_treated_share": 0.001,
    "network_loss_share": 0.001,
}
#: Parameters that are dates, switches or model bookkeeping rather than quantities.
NOT_QUANTITIES = ("data_year",)
_CITED = re.compile(
    r"\[V|\b(19|20)\d\d\b|\.(kz|com|org|net|az|ru|eu|gov|int|info|media)\b|doi:|\b[A-Z][A-Za-z&]+ (et al\.|\d{4})"
)
#: A number labelled an assumption inside a cited entry ("rho ~0.5: assumption"): the value is not sourced.
_ASSUMED_NUMBER = re.compile(r"\d\s*:\s*assumption\b", re.IGNORECASE)


def source_kind(text: str) -> str:
    """Classify a ``source`` entry: ``sourced`` (a value or estimate backed by a citation) or ``assumption``.

    An entry that starts with ``assumption`` counts as an assumption even if it mentions a
    source for context, and so does one that labels a number itself an assumption
    ("rho ~0.5: assumption"), since a citation of the context is not a source of the value;
    any other that cites a source (a ``[V]`` tag, a year, a web domain or a DOI) counts as
    sourced.
    """
    text = str(text).strip()
    if text.lower().startswith("assumption") or _ASSUMED_NUMBER.search(text):
        return "assumption"
    return "sourced" if _CITED.search(text) else "assumption"


def _headlines(scenario, seed: int, changes: dict[str, float] | None) -> dict[str, np.ndarray]:
    nat = run_national(scenario, seed, changes).set_index("year")
    return {c: nat[c].to_numpy(float) for c in VISIBLE}


def sweep_parameters(scenario: str = "baseline", seed: int = 42, factor: float = 1.25) -> pd.DataFrame:
    """Move each parameter of ``parameters.csv`` alone by ``factor`` and report what it moves.

    Returns one row per parameter: its source kind, the mean absolute change of each
    headline over the years, and whether it is a *driver* (some mean change at least the
    visible amount). The mean over years, not the largest change of a single year, keeps
    out the chaotic knock-on effects any change has on which projects happen to be built.
    """
    config = load_scenario(scenario)
    base = _headlines(config, seed, None)
    params = table("parameters")
    rows = []
    for name, value, source in zip(params["name"], params["value"], params["source"], strict=True):
        row = {"parameter": name, "value": float(value), "source_kind": source_kind(source)}
        if name in NOT_QUANTITIES or float(value) == 0:
            row["driver"] = False
            rows.append(row)
            continue
        new = float(value) * factor
        if float(value).is_integer() and abs(value) >= 1000:  # years: one year later
            new = float(value) + 1
        moved = _headlines(config, seed, {name: new})
        changes = {c: float(np.mean(np.abs(moved[c] - base[c]))) for c in VISIBLE}
        row |= changes
        row["driver"] = any(changes[c] >= VISIBLE[c] for c in VISIBLE)
        rows.append(row)
    return pd.DataFrame(rows)


def sourced_share(sweep: pd.DataFrame) -> float:
    """Return the share of driver parameters whose source is a citation, not an assumption."""
    drivers = sweep[sweep["driver"]]
    return float((drivers["source_kind"] == "sourced").mean()) if len(drivers) else float("nan")


def driver_summary(sweep: pd.DataFrame) -> dict:
    """Summarise a :func:`sweep_parameters` table: how many drivers, how many of them sourced.

    Returns the number of parameters swept, of drivers and of sourced drivers, the sourced
    share, the drivers needed for 85% (the aim of issue 11), and the drivers that are still
    assumptions, most influential first (influence = the largest change of a headline over
    its visible amount).
    """
    drivers = sweep[sweep["driver"]].copy()
    drivers["x_visible"] = np.max([drivers[c] / v for c, v in VISIBLE.items()], axis=0)
    sourced = int((drivers["source_kind"] == "sourced").sum())
    assumptions = drivers[drivers["source_kind"] == "assumption"].sort_values("x_visible", ascending=False)
    return {
        "parameters": len(sweep),
        "drivers": len(drivers),
        "sourced": sourced,
        "sourced_share": sourced / len(drivers) if len(drivers) else float("nan"),
        "sourced_needed_for_85pct": int(np.ceil(0.85 * len(drivers))),
        "assumption_drivers": list(assumptions["parameter"]),
    }
