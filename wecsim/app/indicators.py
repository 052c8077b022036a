"""What the app shows: headline numbers, indicator labels and per-region map values.

Every function here *reads* the tables of :class:`~wecsim.results.Results` (sums, picks a
year, divides by a total); none of them models anything. Labels come from the column
names' unit suffixes, so an indicator the model adds later is shown with a sensible label
without a change here; :data:`NICE_LABELS` only improves the wording of known ones.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Literal

import numpy as np
import pandas as pd

from wecsim import additionality, i18n
from wecsim.agents.funder import CAPEX_INSTRUMENTS
from wecsim.datasets import table
from wecsim.i18n import N_, _
from wecsim.results import Results
from wecsim.scenario import largest

Better = Literal["up", "down"] | None

#: The national recycling target the headline card compares against [%] (Kazakhstan's
#: 40% municipal waste recycling goal).
RECYCLING_TARGET_PCT = 40.0

#: Hand-written labels for indicators whose generated label reads badly.
NICE_LABELS: dict[str, str] = {
    "population_m": N_("Population [million]"),
    "water_demand_km3": N_("Water demand [km³/yr]"),
    "water_demand_municipal_km3": N_("Water demand of towns (municipal) [km³/yr]"),
    "water_demand_industry_km3": N_("Water demand of industry [km³/yr]"),
    "water_demand_irrigation_km3": N_("Water demand of irrigation [km³/yr]"),
    "withdrawal_km3": N_("Water withdrawn from rivers and aquifers [km³/yr]"),
    "desalination_km3": N_("Desalinated water [km³/yr]"),
    "reuse_km3": N_("Reused wastewater [km³/yr]"),
    "water_deficit_km3": N_("Water deficit [km³/yr]"),
    "water_deficit_pct": N_("Water deficit [% of demand]"),
    "water_losses_km3": N_("Water losses [km³/yr]"),
    "basins_in_drought": N_("Basins in drought [count]"),
    "water_tariff_eur_per_m3": N_("Water tariff [EUR/m³]"),
    "electricity_demand_twh": N_("Electricity demand [TWh/yr]"),
    "generation_twh": N_("Electricity generation [TWh/yr]"),
    "res_share": N_("Renewable share of generation [%]"),
    "curtailed_twh": N_("Curtailed renewable power [TWh/yr]"),
    "unserved_twh": N_("Unserved electricity [TWh/yr]"),
    "backstop_gas_mw_added": N_("Back-up gas capacity added [MW]"),
    "co2_power_mt": N_("CO₂ from power [Mt/yr]"),
    "co2_waste_mt": N_("CO₂ from waste [Mt/yr]"),
    "co2_total_mt": N_("CO₂ from power and waste [Mt/yr]"),
    "grid_emission_factor_t_per_mwh": N_("Grid emission factor [t CO₂/MWh]"),
    "msw_generated_mt": N_("Municipal waste generated [Mt/yr]"),
    "sorted_mt": N_("Waste through sorting plants (official basis) [Mt/yr]"),
    "recycled_mt": N_("Waste recycled into secondary material [Mt/yr]"),
    "energy_recovered_mt": N_("Waste burnt for energy [Mt/yr]"),
    "landfilled_mt": N_("Waste landfilled [Mt/yr]"),
    "recycling_rate": N_("Recycling rate [%]"),
    "recycling_target": N_("Recycling target path [%]"),
    "separated_share": N_("Waste separated at source [%]"),
    "flood_return_period_yr": N_("Flood return period [years]"),
    "flood_damage_meur": N_("Flood damage [EUR M/yr]"),
    "flood_damage_avoided_meur": N_("Flood damage avoided [EUR M/yr]"),
    "ews_coverage": N_("Flood early-warning coverage [% of exposed people]"),
    "committed_meur": N_("Money committed in the year [EUR M]"),
    "disbursed_meur": N_("Money disbursed in the year [EUR M]"),
    "projects_proposed": N_("Projects proposed in the year [count]"),
    "projects_operating": N_("Projects operating [count]"),
    "projects_under_construction": N_("Projects under construction [count]"),
    "projects_built": N_("Projects built, cumulative [count]"),
    "capex_built_meur": N_("Capital cost of projects built, cumulative [EUR M]"),
    "capacity_built_ref_meur": N_("Capacity built, cumulative, at reference prices [EUR M]"),
    "wastewater_treated_share": N_("Wastewater treated [%]"),
    # regions
    "population": N_("Population [people]"),
    "water_demand_mm3": N_("Water demand [million m³/yr]"),
    "water_supplied_mm3": N_("Water supplied [million m³/yr]"),
    "water_deficit_mm3": N_("Water deficit [million m³/yr]"),
    "municipal_deficit_mm3": N_("Deficit for towns and industry [million m³/yr]"),
    "irrigation_deficit_mm3": N_("Deficit for irrigation [million m³/yr]"),
    "water_losses_mm3": N_("Water losses [million m³/yr]"),
    "desalination_mm3": N_("Desalinated water [million m³/yr]"),
    "reuse_mm3": N_("Reused wastewater [million m³/yr]"),
    "network_loss_share": N_("Losses in town water networks [%]"),
    "conveyance_loss_share": N_("Losses in irrigation canals [%]"),
    "water_saving_irrigation_share": N_("Irrigated land with drip or sprinklers [%]"),
    "msw_generated_kt": N_("Municipal waste generated [kt/yr]"),
    "sorted_kt": N_("Waste through sorting plants (official basis) [kt/yr]"),
    "recycled_kt": N_("Waste recycled into secondary material [kt/yr]"),
    "landfilled_kt": N_("Waste landfilled [kt/yr]"),
    "cofinance_reserve_meur": N_("Regional co-finance reserve [EUR M]"),
}

#: Unit suffixes of column names -> (unit text, factor to apply to the values).
_SUFFIXES: tuple[tuple[str, str, float], ...] = (
    ("_t_per_mwh", N_("t/MWh"), 1.0),
    ("_eur_per_m3", N_("EUR/m³"), 1.0),
    ("_km3", N_("km³/yr"), 1.0),
    ("_mm3", N_("million m³/yr"), 1.0),
    ("_twh", N_("TWh/yr"), 1.0),
    ("_meur", N_("EUR M"), 1.0),
    ("_mt", N_("Mt/yr"), 1.0),
    ("_kt", N_("kt/yr"), 1.0),
    ("_mw", N_("MW"), 1.0),
    ("_pct", N_("%"), 1.0),
    ("_share", N_("%"), 100.0),
    ("_rate", N_("%"), 100.0),
    ("_coverage", N_("%"), 100.0),
    ("_yr", N_("years"), 1.0),
    ("_m", N_("million"), 1.0),
)

#: Indicators where less is better (colour scales and deltas use it).
LOWER_IS_BETTER = re.compile(r"deficit|loss|co2|emission|damage|landfilled|unserved|curtailed|drought|coal|gas_share")
#: Indicators where more is better.
HIGHER_IS_BETTER = re.compile(
    r"res_share|recycl|saving|desalination|reuse|coverage|avoided|separated|hydro_share|solar|wind|supplied"
)


def _split_unit(column: str) -> tuple[str, str, float]:
    for suffix, unit, factor in _SUFFIXES:
        if column.endswith(suffix) or column == suffix.lstrip("_"):
            return column[: -len(suffix)], unit, factor
    return column, "", 1.0


def label(column: str) -> str:
    """Return a plain-language label with the unit in brackets for an indicator column.

    Examples
    --------
    >>> label("res_share")
    'Renewable share of generation [%]'
    >>> label("generation_small_hydro_twh")
    'Generation small hydro [TWh/yr]'
    """
    if column in NICE_LABELS:
        return _(NICE_LABELS[column])
    stem, unit, _factor = _split_unit(column)
    text = stem.replace("_", " ").strip().capitalize()
    return f"{text} [{_(unit)}]" if unit else text


def scale(column: str) -> float:
    """Return the factor that turns a column's values into the unit of :func:`label` (x100 for shares)."""
    return _split_unit(column)[2]


def better(column: str) -> Better:
    """Return ``"down"`` if less of the indicator is better, ``"up"`` if more is, else None."""
    if LOWER_IS_BETTER.search(column):
        return "down"
    if HIGHER_IS_BETTER.search(column):
        return "up"
    return None


# ----------------------------------------------------------------------------- headline cards
def _nat(res: Results, column: str, year: int) -> float:
    nat = res.national
    row = nat.loc[nat["year"] == year, column]
    return float(row.iloc[0]) if len(row) else float("nan")


def deficit_share_pct(runs: Sequence[Results], year: int) -> float:
    """Return the water deficit as a share of demand in ``year`` over replicates [%].

    The mean deficit across ``runs`` (the deficit card's number) over the mean demand across
    the same runs; for one run, that run's ``water_deficit_pct``. NaN when the year is missing.
    """
    if not runs:
        return float("nan")
    deficit = float(np.mean([_nat(r, "water_deficit_km3", year) for r in runs]))
    demand = float(np.mean([_nat(r, "water_demand_km3", year) for r in runs]))
    if not demand > 0:  # also NaN: the year is not in the runs
        return float("nan")
    return 100 * deficit / demand


@cache
def capex_funders() -> tuple[str, ...]:
    """Return the funders whose money pays for projects' capital cost (not studies, buy-downs, guarantees)."""
    df = table("funders")
    return tuple(df.loc[df["instrument"].isin(CAPEX_INSTRUMENTS), "funder_id"])


def cumulative_commitments_meur(res: Results, up_to_year: int | None = None) -> float:
    """Return the money all funders committed to projects' capital cost, net of releases, up to a year [EUR M].

    Read from the small ``funder`` table (so it works on the headline tables alone); equals
    the ``commitment`` rows of the ledger. Support that pays no capex (feasibility studies,
    interest buy-downs, guarantee provisions) is not counted.
    """
    f = res.funder
    keep = f["funder_id"].isin(capex_funders()).to_numpy()
    if up_to_year is not None:
        keep = keep & (f["year"].to_numpy() <= up_to_year)
    return math.fsum(f["committed_meur"].to_numpy()[keep].tolist()) - math.fsum(
        f["released_meur"].to_numpy()[keep].tolist()
    )


@dataclass(frozen=True)
class Headline:
    """One headline card: how to read its number from a run and how to judge a change.

    Attributes
    ----------
    key
        Identifier (used in tests and element ids).
    title
        Plain-language title.
    unit
        Unit of the value.
    digits
        Decimals shown.
    better
        ``"up"`` if more is better, ``"down"`` if less is, None if neither.
    value
        ``value(results, year)`` -> the number.
    whole_run
        True when the number covers the whole run rather than one year.
    cumulative
        True when the number in a year is the sum from the run's first year to that year
        (the card then says so: "Investment committed 2025-2050, cumulative").
    """

    key: str
    title: str
    unit: str
    digits: int
    better: Better
    value: Callable[[Results, int], float]
    whole_run: bool = False
    cumulative: bool = False

    def period(self, year: int, first_year: int) -> str:
        """Return the years the number covers, in words: ``2050``, or ``2025-2050, cumulative``."""
        if self.cumulative:
            return _("{first}-{year}, cumulative").format(first=first_year, year=year)
        return f"{first_year}-{year}" if self.whole_run else str(year)


HEADLINES: tuple[Headline, ...] = (
    Headline("deficit", N_("Water deficit"), N_("km³/yr"), 2, "down", lambda r, y: _nat(r, "water_deficit_km3", y)),
    Headline("res", N_("Renewable share of power"), "%", 1, "up", lambda r, y: 100 * _nat(r, "res_share", y)),
    Headline("co2", N_("CO₂ from power and waste"), N_("Mt/yr"), 1, "down", lambda r, y: _nat(r, "co2_total_mt", y)),
    Headline("recycling", N_("Recycling rate"), "%", 1, "up", lambda r, y: 100 * _nat(r, "recycling_rate", y)),
    Headline(
        "investment",
        N_("Investment committed"),
        N_("EUR bn"),
        2,
        "up",
        lambda r, y: cumulative_commitments_meur(r, y) / 1000,
        cumulative=True,
    ),
)
"""The headline cards read from one run each. The EU card (:func:`eu_outcomes`) reads a run and
its counterfactual without EU money."""


def headline_by_key(key: str) -> Headline:
    """Return the headline definition with this key."""
    return next(h for h in HEADLINES if h.key == key)


def fmt(x: float, digits: int = 1) -> str:
    """Return a number with the language's thousands separators and ``digits`` decimals (``–`` for NaN)."""
    return i18n.number(x, digits)


def fmt_delta(d: float, digits: int = 1) -> str:
    """Return a signed change, e.g. ``+1.2`` or ``−0.3`` (``±0`` when it rounds to zero)."""
    if d is None or math.isnan(d):
        return "–"
    if round(d, digits) == 0:
        return "±0"
    sign = "+" if d > 0 else "−"
    return sign + i18n.number(abs(d), digits)


def judge(delta: float, how: Better, digits: int) -> Literal["better", "worse", "same"]:
    """Return whether a change is an improvement, given which direction is better."""
    if delta is None or math.isnan(delta) or round(delta, digits) == 0 or how is None:
        return "same"
    return "better" if (delta > 0) == (how == "up") else "worse"


@dataclass(frozen=True)
class CardValue:
    """The numbers on one headline card.

    Attributes
    ----------
    headline
        Which card.
    value, low, high
        Mean across replicates and the 10th-90th percentile range.
    reference
        The same number in the reference scenario (mean across its replicates).
    """

    headline: Headline
    value: float
    low: float
    high: float
    reference: float

    @property
    def delta(self) -> float:
        """Return the change against the reference."""
        return self.value - self.reference

    @property
    def verdict(self) -> Literal["better", "worse", "same"]:
        """Return whether the change is an improvement."""
        return judge(self.delta, self.headline.better, self.headline.digits)

    @property
    def text(self) -> str:
        """Return the value as text."""
        return fmt(self.value, self.headline.digits)

    @property
    def delta_text(self) -> str:
        """Return the change as signed text."""
        return fmt_delta(self.delta, self.headline.digits)


def _across(runs: list[Results], fn: Callable[[Results], float]) -> tuple[float, float, float]:
    xs = np.array([fn(r) for r in runs], dtype=float)
    if len(xs) == 0 or np.all(np.isnan(xs)):
        return float("nan"), float("nan"), float("nan")
    return float(np.nanmean(xs)), float(np.nanpercentile(xs, 10)), float(np.nanpercentile(xs, 90))


def headline_value(res: Results, h: Headline, year: int) -> float:
    """Return one headline number of one run, computed once per run and year (runs never change)."""
    key = ("headline", h.key, year)
    if key not in res.derived:
        res.derived[key] = h.value(res, year)
    return res.derived[key]


def card_values(runs: list[Results], reference: list[Results], year: int) -> list[CardValue]:
    """Return every headline card for a year: mean and range across ``runs``, change vs ``reference``."""
    out = []
    for h in HEADLINES:
        mean, low, high = _across(runs, lambda r, h=h: headline_value(r, h, year))
        ref = _across(reference, lambda r, h=h: headline_value(r, h, year))[0] if reference else float("nan")
        out.append(CardValue(h, mean, low, high, ref))
    return out


# ----------------------------------------------------------------------------- EU card
#: Whose money the EU card attributes outcomes to (see :mod:`wecsim.additionality`), in words.
EU_SCOPES: dict[str, str] = {
    "eu": N_("EU money"),
    "team_europe": N_("Team Europe money"),
}
#: What each scope holds, in words.
EU_SCOPE_HELP: dict[str, str] = {
    "eu": N_(
        "the EU budget's instruments: investment grants, project preparation, blending, guarantees, SECCA and "
        "Horizon Europe"
    ),
    "team_europe": N_(
        "the EU budget's instruments plus Germany, the Netherlands, Finland, Green Central Asia and the EIB"
    ),
}


@dataclass(frozen=True)
class EUOutcome:
    """One line of the EU card: an outcome of :func:`wecsim.additionality.outcomes_to`.

    Attributes
    ----------
    key
        Key in the dictionary :func:`~wecsim.additionality.outcomes_to` returns.
    title
        Plain-language name of what EU money adds (more is always better).
    unit
        Unit of the number.
    digits
        Decimals shown.
    when
        ``"sum"``: summed from the first simulated year to the year; ``"year"``: in the year; ``"by"``: by the year.
    """

    key: str
    title: str
    unit: str
    digits: int
    when: Literal["sum", "year", "by"]

    def period(self, year: int, first_year: int) -> str:
        """Return the years the number covers, in words."""
        if self.when == "by":
            return _("by {year}").format(year=year)
        return f"{first_year}-{year}" if self.when == "sum" else str(year)


EU_OUTCOMES: tuple[EUOutcome, ...] = (
    EUOutcome("water_deficit_avoided_mm3", N_("Water deficit avoided"), N_("million m³"), 0, "sum"),
    EUOutcome("res_share_added_pt", N_("Renewable share of power"), N_("pt"), 2, "year"),
    EUOutcome("co2_avoided_mt", N_("CO₂ avoided"), N_("Mt/yr"), 2, "year"),
    EUOutcome("recycling_rate_added_pt", N_("Recycling rate"), N_("pt"), 2, "year"),
    EUOutcome("projects_added", N_("Projects built"), N_("projects"), 0, "by"),
)


def pair_outcomes(res: Results, without_eu: Results, year: int, scope: str = "eu") -> dict[str, float]:
    """Return :func:`wecsim.additionality.outcomes_to` for a run and its counterfactual, once per pair and year."""
    if without_eu is res:
        out = additionality.outcomes_to(res, res, year, scope)
        return {k: (float("nan") if k == "net_mobilisation" else 0.0) for k in out}
    meta = without_eu.meta
    key = ("additionality", meta.get("scenario_hash"), meta.get("seed"), year, scope)
    if key not in res.derived:
        res.derived[key] = additionality.outcomes_to(res, without_eu, year, scope)
    return res.derived[key]


def instrument_money(res: Results, year: int, scope: str = "eu") -> dict[str, float]:
    """Return the EU money of a run per instrument up to a year [EUR M], once per run and year."""
    key = ("eu_money", year, scope)
    if key not in res.derived:
        res.derived[key] = additionality.money_by_instrument(res, scope, year)
    return res.derived[key]


@cache
def instrument_labels(scope: str = "eu") -> dict[str, str]:
    """Return each instrument's short name by id (from ``wecsim/data/eu_instruments.csv``)."""
    inst = additionality.instruments(scope)
    short = {
        "grants": N_("grants"),
        "preparation": N_("preparation"),
        "blending": N_("blending"),
        "guarantees": N_("guarantees"),
        "technical_assistance": N_("SECCA and Horizon"),
        "member_states": N_("member states"),
        "eib": N_("EIB"),
    }
    return {i: short.get(i, lab) for i, lab in zip(inst["instrument_id"], inst["label"], strict=True)}


def instrument_label(scope: str, instrument_id: str) -> str:
    """Return an instrument's short name in the language in use."""
    return _(instrument_labels(scope)[instrument_id])


def scope_name(scope: str) -> str:
    """Return whose money the EU card counts (:data:`EU_SCOPES`), in the language in use."""
    return _(EU_SCOPES[scope])


@dataclass(frozen=True)
class EUCard:
    """The numbers on the EU card: what EU money adds, against the same runs without it.

    Attributes
    ----------
    year
        Last year counted.
    scope
        ``eu`` or ``team_europe``.
    n
        Number of replicates (pairs of runs).
    money
        EU money spent per instrument, from the first year to ``year`` (mean across replicates) [EUR M].
    values
        Per :data:`EU_OUTCOMES` key (and ``net_mobilisation``, ``other_money_added_meur``):
        ``(mean, low, high)`` across replicates (10th-90th percentile).
    reference
        The same means for the reference scenario (None when not shown).
    tariff_condition_pct
        The EU tariff condition of the scenario [%/yr of extra real tariff growth; 0 = none].
    first_year
        First simulated year (money and sums count from it).
    """

    year: int
    scope: str
    n: int
    money: dict[str, float]
    values: dict[str, tuple[float, float, float]]
    reference: dict[str, float] | None
    tariff_condition_pct: float
    first_year: int

    @property
    def eu_money_meur(self) -> float:
        """Return all EU money spent, from the first year to the year [EUR M]."""
        return math.fsum(self.money.values())

    @property
    def has_eu_money(self) -> bool:
        """Return whether the scenario spent any EU money by the year."""
        return self.eu_money_meur > 1e-6


def eu_card(
    runs: list[Results],
    without_eu: list[Results],
    year: int,
    scope: str = "eu",
    ref_runs: list[Results] | None = None,
    ref_without_eu: list[Results] | None = None,
) -> EUCard:
    """Return the EU card's numbers: each run against its counterfactual (same seed), across replicates."""
    pairs = [pair_outcomes(r, w, year, scope) for r, w in zip(runs, without_eu, strict=True)]
    keys = [o.key for o in EU_OUTCOMES] + ["net_mobilisation", "other_money_added_meur", "eu_money_meur"]
    values = {k: _across(pairs, lambda p, k=k: p[k]) for k in keys}
    money_runs = [instrument_money(r, year, scope) for r in runs]
    money = {i: float(np.mean([m[i] for m in money_runs])) for i in money_runs[0]}
    reference = None
    if ref_runs and ref_without_eu:
        ref_pairs = [pair_outcomes(r, w, year, scope) for r, w in zip(ref_runs, ref_without_eu, strict=True)]
        reference = {k: _across(ref_pairs, lambda p, k=k: p[k])[0] for k in keys}
    levers = runs[0].meta.get("scenario_resolved", {}).get("levers", {})
    condition = largest(levers.get("eu_tariff_condition_pct", 0.0))
    return EUCard(year, scope, len(runs), money, values, reference, condition, first_year(runs[0]))


def eu_explanation(scope: str) -> str:
    """Return the one-line explanation of the EU card for officials."""
    return _(
        "Each number: this scenario minus the same run without {who} (same seed, same weather), "
        "so it is what {who} adds, not what it pays for."
    ).format(who=scope_name(scope))


def first_year(res: Results) -> int:
    """Return the first simulated year of a run."""
    return int(res.national["year"].iloc[0])


def eu_money_text(card: EUCard) -> str:
    """Return the EU money line: the total and each instrument that spent something [EUR M]."""
    parts = [f"{instrument_label(card.scope, i)} {fmt(m, 0)}" for i, m in card.money.items() if m > 0.5]
    cond = (
        _("; tariff condition +{pct}%/yr on utilities receiving EU money").format(
            pct=f"{card.tariff_condition_pct:g}".replace(".", i18n.locale().number_symbols["latn"]["decimal"])
        )
        if card.tariff_condition_pct > 0
        else ""
    )
    return (
        _("EUR {amount} M of {who}, {first}-{year}").format(
            amount=fmt(card.eu_money_meur, 0), who=scope_name(card.scope), first=card.first_year, year=card.year
        )
        + (f" ({', '.join(parts)})" if parts else "")
        + cond
    )


def mobilisation_text(card: EUCard) -> str:
    """Return net mobilisation with its definition written out (it replaces "leverage")."""
    mob = card.values["net_mobilisation"][0]
    other = card.values["other_money_added_meur"][0]
    return _(
        "Net mobilisation: {mobilisation} EUR of other money per EUR of {who}, i.e. other "
        "funders' commitments to project costs with it minus without it (EUR {other} M), divided "
        "by it; money it displaces, such as the state's budget, counts against it."
    ).format(mobilisation=fmt(mob, 2).replace("-", "−"), who=scope_name(card.scope), other=fmt_delta(other, 0))


#: Instruments whose unused money is kept in each region's reserve (``RegionalFunds`` in
#: ``wecsim/agents/funder.py``): their ``unused_meur`` is a balance carried from year to year, not
#: money that lapsed, so it must not be summed over years (issue 14: 8,792 "lapsed" of a 493 envelope).
RESERVE_INSTRUMENTS = ("cofinance", "own_funds")


def keeps_reserves(funder_id: str) -> bool:
    """Whether a funder keeps its unused money in regional reserves (akimats, water utilities)."""
    f = table("funders")
    row = f[f["funder_id"] == funder_id]
    return bool(len(row)) and str(row["instrument"].iloc[0]) in RESERVE_INSTRUMENTS


# ----------------------------------------------------------------------------- names
@cache
def funder_names() -> dict[str, str]:
    """Return each funder's display name by id (from ``wecsim/data/funders.csv``)."""
    df = table("funders")
    return dict(zip(df["funder_id"], df["name"], strict=True))


def funder_name(funder_id: str, missing: str | None = None) -> str:
    """Return a funder's name in the language in use (``missing``, else the id, when it has none)."""
    name = funder_names().get(funder_id)
    return _(name) if name is not None else (missing if missing is not None else funder_id)


def technology_name(tech_id: str) -> str:
    """Return a technology's name in the language in use (the id when it has none)."""
    name = technology_names().get(tech_id)
    return _(name) if name is not None else tech_id


@cache
def technology_names() -> dict[str, str]:
    """Return each technology's display name by id (from ``wecsim/data/technologies.csv``)."""
    df = table("technologies")
    return dict(zip(df["tech_id"], df["name"], strict=True))


@cache
def region_names() -> dict[str, str]:
    """Return each region's name by ISO id (from ``wecsim/data/regions.csv``)."""
    df = table("regions")
    return dict(zip(df["region_id"], df["name"], strict=True))


def region_name(region_id: str) -> str:
    """Return a region's name in the language in use (names of ``wecsim/app/data/tile_layout.csv``)."""
    name = region_names().get(region_id)
    return _(name) if name is not None else region_id


@cache
def firm_names() -> dict[str, str]:
    """Return each firm archetype's display name by id (from ``wecsim/data/firms.csv``)."""
    df = table("firms")
    return dict(zip(df["firm_id"], df["name"], strict=True))


def firm_name(firm_id: object) -> str:
    """Return a firm as people would say it: ``loc_water_3-06`` -> ``<archetype's name> no. 6``.

    The model's firms are instances of the archetypes of ``firms.csv`` (id ``<archetype>-<nn>``);
    an id that is not one is returned unchanged, a missing one as a dash.
    """
    if firm_id is None or (isinstance(firm_id, float) and math.isnan(firm_id)) or firm_id in ("", "–"):
        return "–"
    text = str(firm_id)
    base, _sep, number = text.rpartition("-")
    if base in firm_names() and number.isdigit():
        return _("{firm} no. {number}").format(firm=_(firm_names()[base]), number=int(number))
    return _(firm_names()[text]) if text in firm_names() else text


def funder_list_names(ids: object) -> str:
    """Return a comma-separated list of funder ids (the project table's ``funders``) as names."""
    if not isinstance(ids, str) or not ids.strip():
        return "–"
    return ", ".join(funder_name(f.strip()) for f in ids.split(","))


@cache
def scenario_titles() -> dict[str, str]:
    """Return each shipped scenario's title in plain words by name (``wecsim/app/data/scenario_titles.csv``)."""
    from importlib import resources

    with resources.files("wecsim.app").joinpath("data", "scenario_titles.csv").open("r", encoding="utf-8") as fh:
        df = pd.read_csv(fh)
    return dict(zip(df["scenario"], df["title"], strict=True))


def scenario_title(name: str) -> str:
    """Return a scenario's title in plain words (in the language in use), or its name when it has none (uploads)."""
    title = scenario_titles().get(name)
    return _(title) if title is not None else name


#: Abbreviations the app's pages, tables and levers use, written out (shown on hover, and in
#: the tables' notes). Standard terms; the NPV and BCR definitions are those of the model
#: (docs/model.md, appraisal) and of the EU's Economic Appraisal Vademecum 2021-2027.
ABBREVIATIONS: dict[str, str] = {
    "ENPV": N_("economic net present value: benefits minus costs to society, discounted at the social rate"),
    "FNPV": N_("financial net present value: the owner's revenue minus costs, discounted at the financial rate"),
    "NPV": N_("net present value: future benefits minus costs, discounted to today"),
    "BCR": N_("benefit-cost ratio: discounted benefits to society per euro of investment"),
    "RES": N_("renewable energy sources: wind, solar, small hydro and waste"),
    "EPR": N_("extended producer responsibility: producers pay fees for the waste their packaging and goods become"),
    "MSW": N_("municipal solid waste: household and similar waste collected by towns"),
    "EFSD+": N_("European Fund for Sustainable Development Plus, the EU's guarantee fund for investment abroad"),
    "SECCA": N_("Sustainable Energy Connectivity in Central Asia, an EU technical-assistance programme"),
    "IFI": N_("international financial institution: development banks such as the World Bank, EBRD, ADB, EIB, IsDB"),
    "EBRD": N_("European Bank for Reconstruction and Development"),
    "EIB": N_("European Investment Bank"),
    "ADB": N_("Asian Development Bank"),
    "IsDB": N_("Islamic Development Bank"),
    "AIIB": N_("Asian Infrastructure Investment Bank"),
    "KfW": N_("Kreditanstalt für Wiederaufbau, Germany's development bank"),
    "GIZ": N_("Deutsche Gesellschaft für Internationale Zusammenarbeit, Germany's development agency"),
    "EWS": N_("early-warning system (floods)"),
    "SWRO": N_("seawater reverse osmosis (desalination)"),
    "KZT": N_("Kazakhstani tenge"),
    "SSP": N_("Shared Socioeconomic Pathway: the IPCC's climate and development scenarios"),
}

_ABBR = re.compile(
    r"(?<![\w-])(" + "|".join(re.escape(a) for a in sorted(ABBREVIATIONS, key=len, reverse=True)) + r")(?![\w])"
)


def abbreviations_in(text: str) -> dict[str, str]:
    """Return the abbreviations of :data:`ABBREVIATIONS` that ``text`` uses, with their meaning, in order."""
    return {m: _(ABBREVIATIONS[m]) for m in dict.fromkeys(_ABBR.findall(text))}


def explain_abbreviations(escaped_html: str) -> str:
    """Return HTML text with each known abbreviation wrapped in ``<abbr title="meaning">`` (shown on hover)."""
    import html as _html

    return _ABBR.sub(
        lambda m: f'<abbr title="{_html.escape(_(ABBREVIATIONS[m.group(1)]))}">{m.group(1)}</abbr>', escaped_html
    )


def year_text(years: pd.Series) -> pd.Series:
    """Return years as text, with ``–`` where there is none (not yet operating, say)."""
    return years.map(lambda y: "–" if pd.isna(y) else str(int(y)))


#: Lifecycle stages of a project in plain words (:class:`wecsim.projects.pipeline.Stage`).
STAGES: dict[str, str] = {
    "proposed": N_("proposed"),
    "appraised": N_("appraised"),
    "financed": N_("financed"),
    "tendered": N_("tendered"),
    "under_construction": N_("under construction"),
    "operating": N_("operating"),
    "retired": N_("retired"),
    "rejected": N_("rejected"),
    "cancelled": N_("cancelled"),
}


def stage_label(stage: str) -> str:
    """Return a lifecycle stage in plain words (``under_construction`` -> ``under construction``)."""
    return _(STAGES.get(str(stage), str(stage).replace("_", " ")))


#: A funder's refusal reasons (the ``reason`` column of the ``refusals`` table) in plain words,
#: in the order the model checks them (``wecsim.agents.funder.REFUSAL_REASONS``).
REFUSAL_TEXT: dict[str, str] = {
    "economic NPV below zero": N_("Costs society more than it brings (economic NPV below zero)"),
    "not prepared to the funder's standard": N_("No feasibility study to the funder's standard yet (not prepared)"),
    "does not pay for itself": N_("Would not pay for itself, even with the grants offered (financial NPV below zero)"),
    "below the funder's minimum size": N_("Too small for this funder (below its minimum project size)"),
    "borrower cannot service more debt": N_(
        "The borrower, a water utility, cannot repay more debt from its revenue (debt-service cover too low)"
    ),
    "borrower refused the tariff condition": N_(
        "The water utility would not raise its tariff as the EU condition asks, so no EU money"
    ),
    "no room under the share caps": N_("No room left under the caps on its share of the cost, on grants or on loans"),
    "envelope used up": N_("The year's budget was already used up"),
    "ranked below other proposals": N_("Other proposals ranked higher by the funder's own priorities took the money"),
}


def refusal_label(reason: str) -> str:
    """Return a refusal reason in plain words (unknown reasons are returned unchanged)."""
    return _(REFUSAL_TEXT[reason]) if reason in REFUSAL_TEXT else reason


# ----------------------------------------------------------------------------- map values
@dataclass(frozen=True)
class RegionIndicator:
    """One indicator the map can colour regions by.

    Attributes
    ----------
    key
        Identifier (a region-table column, or a derived name).
    title
        Label with unit.
    better
        Direction of improvement (sets the colour scale).
    """

    key: str
    title: str
    better: Better


#: Derived region indicators (computed from the region, ledger and project tables).
DERIVED_REGION = (
    RegionIndicator("water_deficit_pct", N_("Water deficit [% of demand]"), "down"),
    RegionIndicator("committed_cum_meur", N_("Money committed to the region's projects, cumulative [EUR M]"), "up"),
    RegionIndicator("committed_per_person_eur", N_("Money committed per resident, cumulative [EUR/person]"), "up"),
    RegionIndicator("projects_operating", N_("Projects operating [count]"), "up"),
)

#: What EU money adds per region: the run against its counterfactual (same seed).
EU_REGION = (
    RegionIndicator(
        "eu_water_deficit_avoided_mm3", N_("{who}: water deficit avoided, summed to the year [million m³]"), "up"
    ),
    RegionIndicator(
        "eu_water_deficit_avoided_year_mm3", N_("{who}: water deficit avoided in the year [million m³/yr]"), "up"
    ),
    RegionIndicator("eu_projects_added", N_("{who}: projects built by the year [count]"), "up"),
    RegionIndicator(
        "eu_flood_damage_avoided_meur", N_("{who}: flood damage avoided, summed to the year [EUR M]"), "up"
    ),
    RegionIndicator("eu_committed_cum_meur", N_("{who} committed to the region's projects, cumulative [EUR M]"), "up"),
)

_REGION_ID_COLUMNS = {"year", "region_id", "region", "basin_id"}


def eu_region_indicators(scope: str = "eu") -> list[RegionIndicator]:
    """Return the map's additionality indicators, named after the scope's money."""
    who = scope_name(scope)
    return [RegionIndicator(i.key, _(i.title).format(who=who), i.better) for i in EU_REGION]


def region_indicators(res: Results, eu: bool = False, scope: str = "eu") -> list[RegionIndicator]:
    """Return every indicator the map offers: the derived ones, then each region-table column.

    With ``eu``, the additionality indicators (:data:`EU_REGION`) come right after the deficit
    share; they need the run's counterfactual (see :func:`region_values`).
    """
    cols = [
        c for c in res.region.columns if c not in _REGION_ID_COLUMNS and pd.api.types.is_numeric_dtype(res.region[c])
    ]
    first = [
        "water_deficit_mm3",
        "water_saving_irrigation_share",
        "recycling_rate",
        "ews_coverage",
        "flood_damage_meur",
    ]
    ordered = [c for c in first if c in cols] + [c for c in cols if c not in first]
    extra = eu_region_indicators(scope) if eu else []
    derived = [RegionIndicator(i.key, _(i.title), i.better) for i in DERIVED_REGION]
    return [derived[0], *extra, *derived[1:], *(RegionIndicator(c, label(c), better(c)) for c in ordered)]


def region_values(res: Results, key: str, year: int, without_eu: Results | None = None, scope: str = "eu") -> pd.Series:
    """Return one map indicator for every region in a year, indexed by region id, in display units.

    The additionality indicators (keys of :data:`EU_REGION`) compare ``res`` with
    ``without_eu``, its counterfactual; they are NaN when it is not given.
    """
    reg = res.region[res.region["year"] == year].set_index("region_id")
    if key == "eu_committed_cum_meur":
        led = res.ledger
        led = led[
            led["kind"].isin(("commitment", "support"))
            & (led["year"] <= year)
            & led["funder_id"].isin(additionality.scope_funders(scope))
        ]
        return led.groupby("region_id")["amount_meur"].sum().reindex(reg.index, fill_value=0.0)
    if key.startswith("eu_"):
        if without_eu is None:
            return pd.Series(np.nan, index=reg.index)
        if without_eu is res:
            return pd.Series(0.0, index=reg.index)
        added = additionality.region_outcomes_to(res, without_eu, year)
        return added[key.removeprefix("eu_")].reindex(reg.index, fill_value=0.0).astype(float)
    if key == "water_deficit_pct":
        demand = reg["water_demand_mm3"].replace(0, np.nan)
        return (100 * reg["water_deficit_mm3"] / demand).fillna(0.0)
    if key in ("committed_cum_meur", "committed_per_person_eur"):
        led = res.ledger[(res.ledger["kind"] == "commitment") & (res.ledger["year"] <= year)]
        money = led.groupby("region_id")["amount_meur"].sum().reindex(reg.index, fill_value=0.0)
        if key == "committed_cum_meur":
            return money
        return money * 1e6 / reg["population"].replace(0, np.nan)
    if key == "projects_operating":
        p = res.project
        on = (p["operating_year"] <= year) & ~(p["retire_year"] <= year)
        return p[on].groupby("region_id").size().reindex(reg.index, fill_value=0).astype(float)
    return reg[key].astype(float) * scale(key)


def region_balance(res: Results, region_id: str) -> pd.DataFrame:
    """Return a region's water balance by year [million m³/yr]: demand, supplied, deficit, losses, new sources."""
    reg = res.region[res.region["region_id"] == region_id].set_index("year")
    return pd.DataFrame(
        {
            "demand": reg["water_demand_mm3"],
            "supplied": reg["water_supplied_mm3"],
            "deficit": reg["water_deficit_mm3"],
            "losses": reg["water_losses_mm3"],
            "desalination": reg["desalination_mm3"],
            "reuse": reg["reuse_mm3"],
        }
    )


def region_decisions(res: Results, region_id: str) -> pd.DataFrame:
    """Return every lifecycle step of the region's projects: year, project, step and the agent's reason."""
    p = res.project.loc[res.project["region_id"] == region_id, ["project_id", "name", "technology"]]
    t = res.transitions.merge(p, on="project_id", how="inner")
    t = t.assign(step=t["from_stage"].fillna("").map(stage_label) + " → " + t["to_stage"].map(stage_label))
    t["step"] = t["step"].str.removeprefix(" → ")
    t = t.sort_values(["year", "project_id"], ascending=[False, True])
    return t[["year", "project_id", "name", "step", "reason"]].reset_index(drop=True)
