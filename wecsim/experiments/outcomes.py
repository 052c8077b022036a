"""Outcomes an experiment keeps beyond the national indicators, and outcomes derived from them.

An experiment's ``outputs:`` may keep, besides the national indicators (stored in
``outputs/``), indicators of the model's other tidy tables, each stored as its own Parquet
dataset with ``run_id, year``, its key columns and one float column per indicator:

``region``         one row per run, year and region (``region_id``, ``basin_id``)
``basin``          one row per run, year and basin (``basin_id``)
``funder``         one row per run, year and funder (``funder_id``)
``additionality``  one row per run and year: a national indicator with the EU money of
                   ``scope`` less the same run without it (same seed, same weather),
                   :mod:`wecsim.additionality`

``derived:`` declares outcomes computed from the stored tables by DuckDB SQL (the view
``derived``, one row per run), so the analysis reads them like any indicator::

    derived:
      - {name: deficit_cum_km3, indicator: water_deficit_km3, how: cumulative, years: [2026, 2030]}
      - {name: south_deficit_2030_mm3, table: region, indicator: water_deficit_mm3, how: value,
         years: 2030, where: {basin_id: [aral_syrdarya, balkhash_alakol]}}

``how``: ``cumulative`` (sum over the years), ``mean``, ``max``, ``min`` or ``value`` (one
year). Rows that match ``where`` in a year are first combined by ``across`` (default
``sum``: the regions of a basin add up; say ``mean`` for a share).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from wecsim.errors import WecsimError

#: Stored tables besides ``runs``, ``outputs`` (national) and ``timings``, and their key columns.
TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "region": ("region_id", "basin_id"),
    "basin": ("basin_id",),
    "funder": ("funder_id",),
    "additionality": (),
}
EXTRA_TABLES = tuple(TABLE_KEYS)
#: Tables a derived outcome may read (``national`` is the store's ``outputs``).
DERIVED_TABLES = ("national", *EXTRA_TABLES)
#: How a derived outcome reduces the years, and the SQL aggregate that does it.
HOW_SQL = {"cumulative": "sum", "mean": "avg", "max": "max", "min": "min", "value": "max"}
#: How rows of one year that match ``where`` (regions, basins, funders) are combined.
ACROSS_SQL = {"sum": "sum", "mean": "avg", "max": "max", "min": "min"}
#: Additionality scopes (:data:`wecsim.additionality.SCOPES`).
SCOPES = ("eu", "team_europe")
#: Names of derived outcomes: they become SQL columns.
DERIVED_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
#: Basin and funder indicators (the numeric columns of the model's basin and funder records).
BASIN_INDICATORS = (
    "surface_flow_km3",
    "drought",
    "available_km3",
    "withdrawn_km3",
    "unallocated_km3",
    "demand_km3",
    "supplied_km3",
    "local_supply_km3",
    "deficit_km3",
    "losses_km3",
    "reservoir_storage_mcm",
)
FUNDER_INDICATORS = ("envelope_meur", "committed_meur", "released_meur", "disbursed_meur", "unused_meur")
#: Which way region and basin indicators are better (-1 less, +1 more), as
#: :data:`wecsim.experiments.ema.DIRECTIONS` says for the national ones.
TABLE_DIRECTIONS: dict[str, int] = {
    "water_deficit_mm3": -1,
    "municipal_deficit_mm3": -1,
    "irrigation_deficit_mm3": -1,
    "water_losses_mm3": -1,
    "landfilled_kt": -1,
    "deficit_km3": -1,
    "losses_km3": -1,
    "recycled_kt": 1,
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AdditionalitySection(_Strict):
    """``outputs.additionality``: national indicators with EU money less without it."""

    indicators: list[str] = Field(min_length=1, description="national indicators compared")
    scope: Literal["eu", "team_europe"] = Field("eu", description="eu: the EU budget's instruments; team_europe: all")


class DerivedOutcome(_Strict):
    """One entry of ``derived:``: an outcome per run computed from a stored table."""

    name: str = Field(min_length=1, max_length=63)
    table: str = "national"
    indicator: str
    how: Literal["cumulative", "mean", "max", "min", "value"]
    years: int | list[int]
    where: dict[str, str | list[str]] = Field(default_factory=dict)
    across: Literal["sum", "mean", "max", "min"] = "sum"

    def year_range(self) -> tuple[int, int]:
        """Return ``(first, last)`` year (equal for a single year)."""
        if isinstance(self.years, int):
            return self.years, self.years
        return self.years[0], self.years[-1]


def table_indicators(table: str) -> tuple[str, ...]:
    """Return the indicators of a stored table (national: :data:`wecsim.model.NATIONAL_INDICATORS`)."""
    from wecsim.model import NATIONAL_INDICATORS, REGION_INDICATORS

    return {
        "national": tuple(NATIONAL_INDICATORS),
        "additionality": tuple(NATIONAL_INDICATORS),
        "region": tuple(REGION_INDICATORS),
        "basin": BASIN_INDICATORS,
        "funder": FUNDER_INDICATORS,
    }[table]


@cache
def key_values(key: str) -> tuple[str, ...]:
    """Return the ids a key column may hold, from the model's data (regions, basins, funders)."""
    from wecsim.datasets import table

    source = {"region_id": "regions", "basin_id": "basins", "funder_id": "funders"}[key]
    return tuple(str(v) for v in table(source)[key])


def check_outcomes(
    outputs: Any,
    derived: list[DerivedOutcome],
    first: int,
    last: int,
    suggest,
) -> list[tuple[str, str]]:
    """Return the problems of ``outputs`` (tables kept) and ``derived`` (field path, message)."""
    from wecsim.model import NATIONAL_INDICATORS

    problems: list[tuple[str, str]] = []
    kept: dict[str, tuple[str, ...]] = {"national": tuple(outputs.indicators or NATIONAL_INDICATORS)}
    for name in ("region", "basin", "funder"):
        chosen = getattr(outputs, name)
        if chosen is None:
            continue
        known = table_indicators(name)
        for i, ind in enumerate(chosen):
            if ind not in known:
                problems.append((f"outputs.{name}[{i}]", f"unknown {name} indicator {ind!r}{suggest(ind, known)}"))
        kept[name] = tuple(chosen)
    if outputs.additionality is not None:
        for i, ind in enumerate(outputs.additionality.indicators):
            if ind not in NATIONAL_INDICATORS:
                where = f"outputs.additionality.indicators[{i}]"
                problems.append((where, f"unknown national indicator {ind!r}{suggest(ind, NATIONAL_INDICATORS)}"))
        kept["additionality"] = tuple(outputs.additionality.indicators)
    years = set(outputs.years) if outputs.years else set(range(first, last + 1))
    seen: set[str] = set()
    for i, d in enumerate(derived):
        at = f"derived[{i}]"
        if not DERIVED_NAME.match(d.name):
            problems.append(
                (f"{at}.name", f"expected lower-case letters, digits and _, starting with a letter; got {d.name!r}")
            )
        elif d.name in seen or d.name in NATIONAL_INDICATORS:
            problems.append((f"{at}.name", f"{d.name!r} is already the name of an indicator or derived outcome"))
        seen.add(d.name)
        if d.table not in DERIVED_TABLES:
            problems.append((f"{at}.table", f"expected one of {', '.join(DERIVED_TABLES)}, got {d.table!r}"))
            continue
        if d.table not in kept:
            what = "additionality: {indicators: [...]}" if d.table == "additionality" else f"{d.table}: [...]"
            problems.append((f"{at}.table", f"the experiment keeps no {d.table} table; add `outputs: {{{what}}}`"))
            continue
        if d.indicator not in kept[d.table]:
            problems.append(
                (
                    f"{at}.indicator",
                    f"{d.indicator!r} is not kept in the {d.table} table; kept: {', '.join(kept[d.table])}"
                    + suggest(d.indicator, kept[d.table]),
                )
            )
        problems += _check_years(d, at, years, first, last)
        problems += _check_where(d, at)
    return problems


def _check_years(d: DerivedOutcome, at: str, years: set[int], first: int, last: int) -> list[tuple[str, str]]:
    if isinstance(d.years, list) and (len(d.years) != 2 or d.years[0] > d.years[1]):
        return [(f"{at}.years", f"expected a year or [from, to] with from <= to, got {d.years}")]
    lo, hi = d.year_range()
    if d.how == "value" and lo != hi:
        return [(f"{at}.years", f"how: value takes one year, got [{lo}, {hi}]; use cumulative, mean, max or min")]
    if lo < first or hi > last:
        return [(f"{at}.years", f"[{lo}, {hi}] is outside the simulated years {first}-{last}")]
    missing = [y for y in range(lo, hi + 1) if y not in years]
    if missing:
        return [(f"{at}.years", f"year(s) {', '.join(map(str, missing[:5]))} are not kept (outputs.years)")]
    return []


def _check_where(d: DerivedOutcome, at: str) -> list[tuple[str, str]]:
    problems = []
    keys = TABLE_KEYS.get(d.table, ())
    for key, value in d.where.items():
        if key not in keys:
            allowed = ", ".join(keys) if keys else "nothing (one row per run and year)"
            problems.append((f"{at}.where.{key}", f"the {d.table} table can be filtered by {allowed}"))
            continue
        known = key_values(key)
        for v in [value] if isinstance(value, str) else value:
            if v not in known:
                problems.append((f"{at}.where.{key}", f"unknown {key} {v!r}; expected one of {', '.join(known)}"))
    return problems


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def sql_identifier(name: str) -> str:
    """Return a SQL identifier, quoted (the names were checked at the door; a manifest may be edited)."""
    return '"' + name.replace('"', '""') + '"'


def derived_sql(d: DerivedOutcome, source: str) -> str:
    """Return the SQL of one derived outcome: ``run_id`` and one column named ``d.name``.

    ``source`` is the view holding ``d.table`` (its names were validated at the door).
    """
    if d.table not in DERIVED_TABLES or d.how not in HOW_SQL or d.across not in ACROSS_SQL:
        raise WecsimError(f"derived outcome {d.name!r}: table, how or across is not one wecsim knows")
    lo, hi = d.year_range()
    conditions = [f"year BETWEEN {int(lo)} AND {int(hi)}"]
    for key, value in d.where.items():
        values = [value] if isinstance(value, str) else value
        conditions.append(f"{sql_identifier(key)} IN ({', '.join(_quote(v) for v in values)})")
    # ordered aggregates: DuckDB sums in parallel, in whatever order its threads meet the rows,
    # and floating-point sums depend on the order (runs differed by 2e-16 from one process to
    # the next, enough to reorder tied values in a sensitivity analysis); a fixed order makes
    # every derived outcome the same bit for bit
    keys = ", ".join(sql_identifier(k) for k in TABLE_KEYS.get(d.table, ())) or "year"
    value = f"{ACROSS_SQL[d.across]}({sql_identifier(d.indicator)} ORDER BY {keys})"
    per_year = (
        f"SELECT run_id, year, {value} AS v FROM {sql_identifier(source)} "
        f"WHERE {' AND '.join(conditions)} GROUP BY run_id, year"
    )
    return (
        f"SELECT run_id, {HOW_SQL[d.how]}(v ORDER BY year) AS {sql_identifier(d.name)} "
        f"FROM ({per_year}) GROUP BY run_id"
    )


def derived_view_sql(derived: list[DerivedOutcome] | tuple[DerivedOutcome, ...]) -> str:
    """Return the SQL of the ``derived`` view: one row per successful run, one column per derived outcome."""
    cols = ["r.run_id"]
    joins = []
    for i, d in enumerate(derived):
        source = "outputs" if d.table == "national" else d.table
        joins.append(f"LEFT JOIN ({derived_sql(d, source)}) d{i} USING (run_id)")
        cols.append(f"d{i}.{sql_identifier(d.name)}")
    body = " ".join(joins)
    return f"SELECT {', '.join(cols)} FROM (SELECT run_id FROM runs WHERE status = 'ok') r {body}"
