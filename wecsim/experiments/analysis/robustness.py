"""Robustness of policies across scenarios (decision analysis on plain data).

Given one value per (policy, scenario) for each outcome (the mean over replicates), each
policy is scored per outcome as in robust decision making (Lempert et al. 2006; McPhail et
al. 2018, "Robustness metrics: how are they calculated, when should they be used and why
do they give different results?", Earth's Future 6, 169-191, doi:10.1002/2017EF000649):

- **regret** in a scenario: how much worse the policy does than the best policy in that
  scenario (Savage's minimax regret), in the outcome's unit, so always >= 0 and 0 for the
  best policy; summarised by its mean, 90th percentile and maximum over the scenarios;
- **satisficing share**: the share of scenarios in which the outcome meets a threshold
  (Starr's domain criterion);
- **percentiles** of the outcome across scenarios (10th, 50th, 90th) and its mean.

A direction says which way is better: ``min`` (less is better, e.g. a water deficit) or
``max`` (more is better, e.g. the RES share).
"""

from __future__ import annotations

import operator
from collections.abc import Mapping

import numpy as np
import pandas as pd

from wecsim.errors import WecsimError

#: Percentiles of each outcome reported across scenarios.
PERCENTILES = (10, 50, 90)
#: Comparison operators accepted in a satisficing threshold.
OPERATORS = {"<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt}
#: Column names of the robustness table.
COLUMNS = (
    "outcome",
    "policy",
    "direction",
    "scenarios",
    "mean",
    *(f"p{q}" for q in PERCENTILES),
    "regret_mean",
    "regret_p90",
    "regret_max",
    "best_in_share",
    "threshold",
    "satisficing_share",
    "rank",
)


def regret(values: pd.DataFrame, direction: str) -> pd.DataFrame:
    """Return the regret of each policy (columns) in each scenario (rows) for one outcome.

    ``values``: one row per scenario, one column per policy. Regret is the gap to the best
    policy of the scenario, in the outcome's unit: ``y - min`` for ``min``, ``max - y`` for ``max``.
    """
    if direction == "min":
        return values.sub(values.min(axis=1), axis=0)
    if direction == "max":
        return values.rsub(values.max(axis=1), axis=0)
    raise WecsimError(f"direction: expected min or max, got {direction!r}")


def parse_threshold(text: str) -> tuple[str, str, float]:
    """Parse ``NAME<=VALUE`` (or ``<``, ``>=``, ``>``) into (name, operator, value)."""
    for op in ("<=", ">=", "<", ">"):
        name, sep, value = text.partition(op)
        if sep:
            try:
                number = float(value)
            except ValueError:
                number = float("nan")
            if name.strip() and np.isfinite(number):
                return name.strip(), op, number
            break
    raise WecsimError(f"--threshold: expected OUTCOME<=VALUE (or <, >=, >), e.g. water_deficit_km3<=0.5; got {text!r}")


def robustness(
    table: pd.DataFrame,
    directions: Mapping[str, str],
    thresholds: Mapping[str, tuple[str, float]] | None = None,
) -> pd.DataFrame:
    """Return the robustness metrics of each policy for each outcome, one row each (tidy).

    Parameters
    ----------
    table
        One row per (policy, scenario): columns ``policy``, ``scenario`` and one column
        per outcome (the mean over replicates).
    directions
        ``min`` or ``max`` for each outcome analysed.
    thresholds
        Optional ``(operator, value)`` per outcome for the satisficing share.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`; ``rank`` 1 is the policy with the smallest maximum regret
        (ties broken by the mean regret). Scenarios where a policy has no value (a failed
        run) are left out of that outcome, for every policy, and ``scenarios`` says how
        many were used.
    """
    thresholds = dict(thresholds or {})
    rows = []
    for outcome, direction in directions.items():
        if outcome not in table.columns:
            raise WecsimError(f"no outcome named {outcome!r} in the table")
        wide = table.pivot(index="scenario", columns="policy", values=outcome).dropna()
        if wide.empty:
            raise WecsimError(f"{outcome}: no scenario where every policy has a value (failed runs?)")
        reg = regret(wide, direction)
        best = reg.eq(0)
        op, limit = thresholds.get(outcome, (None, np.nan))
        for policy in wide.columns:
            y = wide[policy].to_numpy(dtype=float)
            r = reg[policy].to_numpy(dtype=float)
            row = {
                "outcome": outcome,
                "policy": policy,
                "direction": direction,
                "scenarios": len(y),
                "mean": float(y.mean()),
                **{f"p{q}": float(np.percentile(y, q)) for q in PERCENTILES},
                "regret_mean": float(r.mean()),
                "regret_p90": float(np.percentile(r, 90)),
                "regret_max": float(r.max()),
                "best_in_share": float(best[policy].mean()),
                "threshold": f"{op} {limit:g}" if op else "",
                "satisficing_share": float(OPERATORS[op](y, limit).mean()) if op else np.nan,
            }
            rows.append(row)
    out = pd.DataFrame(rows)
    out["rank"] = (
        out.sort_values(["outcome", "regret_max", "regret_mean"]).groupby("outcome", sort=False).cumcount() + 1
    )
    return out[list(COLUMNS)].sort_values(["outcome", "rank"]).reset_index(drop=True)
