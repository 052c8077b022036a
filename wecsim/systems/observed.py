"""Observed weather: the droughts and floods that really happened, replayed in a history run.

``observed_events.csv`` lists, for the observed years (``observed_weather_first_year`` to
``observed_weather_last_year`` in ``parameters.csv``), every severe drought by basin and
every damaging spring flood (as the return period of its damage). A year of that period
with no drought row had no severe drought, and one with no flood row had no damaging
flood. A scenario replays them up to ``observed_weather_until``; later years draw from the
stochastic climate, whose draws are made as usual, so replaying history does not change the
random numbers of the years after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np
import pandas as pd

from wecsim.datasets import table


@cache
def _events() -> pd.DataFrame:
    """Return ``observed_events.csv`` (read once per process; callers do not change it)."""
    return table("observed_events")


def observed_droughts(year: int, basin_ids: Sequence[str]) -> np.ndarray:
    """Return which basins had a severe drought in ``year`` (an observed year) [bool per basin]."""
    events = _events()
    hit = set(events.loc[(events["kind"] == "drought") & (events["year"] == year), "where"])
    return np.array([b in hit for b in basin_ids], dtype=bool)


def observed_flood_return_period(year: int, none_yr: float) -> float:
    """Return the return period of ``year``'s worst spring flood [yr]; ``none_yr`` when none did damage."""
    events = _events()
    rows = events.loc[(events["kind"] == "flood") & (events["year"] == year), "value"]
    return float(rows.max()) if len(rows) else float(none_yr)
