"""Levers and uncertainties that change over time: a value by year, with a rule between points.

A scenario gives any numeric lever or uncertainty either as a constant or as a schedule::

    res_auction_mw_per_yr: {2018: 250, 2021: 1000}              # step: 250 from 2018, 1000 from 2021
    res_auction_mw_per_yr: {linear: {2018: 250, 2030: 1000}}    # straight line between the points

The rule between points (documented in ``docs/scenarios.md``):

- **step** (the default): a point's value holds from its year until the next point's year;
- **linear**: values change along a straight line between consecutive points;
- before the first point the first value holds, after the last point the last value holds.

Years that are themselves dates (``landfill_ban_year``) and categorical choices
(``climate_pathway``) cannot be schedules: a date does not change by year, and a climate
pathway is a whole path already.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from wecsim.names import short

Rule = Literal["step", "linear"]
RULES: tuple[Rule, ...] = ("step", "linear")
#: Most points in one schedule (a year each from 1990 to 2100 would be 111).
MAX_POINTS = 120
#: Earliest and latest year a point may name before the scenario's own horizon is checked.
YEAR_RANGE = (1900, 2200)


@dataclass(frozen=True)
class Schedule:
    """A value by year: ``points`` sorted by year, and the ``rule`` between them."""

    points: tuple[tuple[int, float], ...]
    rule: Rule = "step"

    @property
    def years(self) -> tuple[int, ...]:
        """Return the years of the points."""
        return tuple(y for y, _ in self.points)

    @property
    def values(self) -> tuple[float, ...]:
        """Return the values of the points."""
        return tuple(v for _, v in self.points)

    def at(self, year: int) -> float:
        """Return the value in ``year``."""
        return float(self.series([year])[0])

    def series(self, years: Iterable[int]) -> np.ndarray:
        """Return the value in each of ``years`` (an array of floats)."""
        ys = np.asarray(list(years), dtype=float)
        xp, fp = np.array(self.years, dtype=float), np.array(self.values, dtype=float)
        if self.rule == "linear":
            return np.interp(ys, xp, fp)
        idx = np.searchsorted(xp, ys, side="right") - 1
        return fp[np.clip(idx, 0, len(fp) - 1)]

    def scaled(self, factor: float) -> Schedule:
        """Return the schedule with every value multiplied by ``factor`` (a batch design's parameter)."""
        return Schedule(tuple((y, v * factor) for y, v in self.points), self.rule)

    def to_plain(self) -> dict[Any, Any]:
        """Return the schedule as a scenario file writes it (``{year: value}``, or under ``linear:``)."""
        points = {y: v for y, v in self.points}
        return points if self.rule == "step" else {self.rule: points}

    def describe(self, unit: str = "") -> str:
        """Return the schedule as short text, e.g. ``2018: 250, 2021: 1000 MW/yr (step)``."""
        text = ", ".join(f"{y}: {v:g}" for y, v in self.points)
        unit = "" if unit in ("", "-") else f" {unit}"
        return f"{text}{unit} ({self.rule})"


def is_schedule_input(raw: Any) -> bool:
    """Whether a raw scenario value is meant as a schedule (a mapping)."""
    return isinstance(raw, Mapping | Schedule)


def parse_schedule(raw: Any, cast: type = float) -> Schedule:
    """Read a schedule from a scenario value; raise ``ValueError`` with a plain message if it is wrong.

    Accepts ``{year: value, ...}`` (step), ``{step: {...}}`` or ``{linear: {...}}``, and an
    existing :class:`Schedule`. Years are whole numbers (``2030`` or ``"2030"``), values are
    numbers. Range checks of the values are the caller's (they depend on the parameter).
    """
    if isinstance(raw, Schedule):
        return raw
    if not isinstance(raw, Mapping) or not raw:
        raise ValueError("expected a number, or a schedule such as {2018: 250, 2021: 1000}")
    rule: Rule = "step"
    keys = list(raw)
    if len(keys) == 1 and isinstance(keys[0], str) and not keys[0].strip().isdigit():
        if keys[0] not in RULES:
            raise ValueError(
                f"unknown schedule rule {short(keys[0], 30)}; expected step or linear, "
                "e.g. {linear: {2018: 250, 2030: 1000}}"
            )
        rule, raw = keys[0], raw[keys[0]]  # type: ignore[assignment]
        if not isinstance(raw, Mapping) or not raw:
            raise ValueError(f"expected the points of the {rule} schedule as {{year: value, ...}}")
    if len(raw) > MAX_POINTS:
        raise ValueError(f"a schedule has at most {MAX_POINTS} points; got {len(raw)}")
    points: dict[int, float] = {}
    for key, value in raw.items():
        year = _year(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"year {year}: expected a number; got {short(value)}")
        if not np.isfinite(value):
            raise ValueError(f"year {year}: expected a finite number; got {value}")
        if cast is int and not float(value).is_integer():
            raise ValueError(f"year {year}: expected a whole number; got {value}")
        if year in points:
            raise ValueError(f"year {year} is given twice")
        points[year] = float(value)
    return Schedule(tuple(sorted(points.items())), rule)


def _year(key: Any) -> int:
    if isinstance(key, bool):
        raise ValueError(f"expected a year as the key of a schedule point; got {key}")
    if isinstance(key, str) and key.strip().isdigit():
        key = int(key.strip())
    if not isinstance(key, int):
        raise ValueError(f"expected a year as the key of a schedule point, e.g. 2030; got {short(key)}")
    low, high = YEAR_RANGE
    if not low <= key <= high:
        raise ValueError(f"schedule year {key} is not a plausible year ({low}-{high})")
    return key


def total_over(raw: Any, years: Iterable[int]) -> float:
    """Return a yearly value summed over ``years``: a constant, a schedule or a file's mapping of one."""
    years = list(years)
    if is_schedule_input(raw):
        return math.fsum(parse_schedule(raw).series(years).tolist())
    return len(years) * float(raw)


def largest(raw: Any) -> float:
    """Return the largest value a constant or a schedule takes."""
    return max(parse_schedule(raw).values) if is_schedule_input(raw) else float(raw)


def scale_value(raw: Any, factor: float) -> Any:
    """Return a constant or a schedule (as a scenario file writes it) multiplied by ``factor``."""
    if is_schedule_input(raw):
        return parse_schedule(raw).scaled(factor).to_plain()
    return float(raw) * factor
