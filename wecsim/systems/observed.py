"""Observed weather: the droughts and floods that really happened, replayed in a history run.

``observed_events.csv`` lists, for the observed years (``observed_weather_first_year`` to
``observed_weather_last_year`` in ``parameters.csv``), every severe drought by basin and
every damaging spring flood (as the return period of its damage). A year of that period
with no drought row had no severe drought, and one with no flood row had no damaging
flood. A scenario replays them up to ``observed_weather_until``; later years draw from the
stochastic climate, whose draws are made as usual, so replaying history does not change the
random numbers of the years after it.

``history_drivers.csv`` holds the observed drivers a history run follows over the same years
instead of the model's growth rule: the official irrigated area (between its sourced years,
linear), which the model's own stock is scaled to.
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


@cache
def _irrigated_official() -> pd.Series:
    """Return the official irrigated area by sourced year [kha] (``history_drivers.csv``)."""
    d = table("history_drivers")
    d = d[d["item"] == "irrigated_kha_official"]
    return pd.Series(d["value"].to_numpy(float), index=d["year"].to_numpy(int)).sort_index()


def observed_irrigated_years() -> tuple[int, int]:
    """Return the first and last year of the official irrigated area series."""
    official = _irrigated_official()
    return int(official.index[0]), int(official.index[-1])


def observed_irrigated_factor(year: int, base_year: int) -> float:
    """Return the official irrigated area of ``year`` over that of ``base_year`` [-].

    Linear between the sourced years; both years must lie within them
    (:func:`observed_irrigated_years`). The model's area is on its own basis (it includes estuary
    irrigation), so only the ratio is used: the run's area moves as the official one did.
    """
    official = _irrigated_official()
    years = official.index.to_numpy(float)
    area = np.interp([float(year), float(base_year)], years, official.to_numpy(float))
    return float(area[0] / area[1])
