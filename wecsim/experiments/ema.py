r"""wecsim as a model in EMA Workbench (XLRM: uncertainties, levers, outcomes).

EMA Workbench (Kwakkel 2017) runs a Python function as a model. :func:`ema_model` wraps a
wecsim run that way:

- **X, L**: uncertainties and levers from ``wecsim/data/levers.csv`` (the declaration the
  experiment files use) as EMA ``RealParameter``, ``IntegerParameter`` or
  ``CategoricalParameter``;
- **M**: outcomes. Each indicator and year is a ``ScalarOutcome`` ``<indicator>_<year>``,
  and an indicator asked for as a time series a ``TimeSeriesOutcome`` ``<indicator>`` (one
  value per simulated year). A scalar outcome's ``kind`` is ``MINIMIZE`` or ``MAXIMIZE``
  when the indicator has a direction (:data:`DIRECTIONS`: a water deficit, CO2 or flood
  damage is minimised, the RES share or recycling rate maximised), ``INFO`` otherwise, so
  ``optimize`` knows its objectives;
- **weather**: wecsim is stochastic. ``common_random_numbers=True`` (the default) gives
  replication *r* of every experiment the same weather, the seed of replicate *r* in a
  ``wecsim batch`` with ``common_random_numbers: true`` and the same root ``seed``:
  :func:`wecsim.experiments.design.run_seed` ``(seed, 0, replicate=r)``. Policies are then
  compared under the same weather (EMA's ``ReplicatorModel`` convention), which
  ``optimize`` needs. ``common_random_numbers=False`` gives every experiment its own
  weather: an extra uncertainty ``weather`` (an integer EMA samples like any other) plays
  the part of the batch's design point, and replicate *r* gets the batch's seed of
  ``run_id = weather * replications + r``, ``run_seed(seed, run_id)``. The weather drawn is
  then a column of EMA's experiments table, so every run can be repeated from it.

With ``replications > 1`` the model is a ``ReplicatorModel`` and each outcome is the mean
over the replications (a time series year by year).

EMA Workbench is an optional dependency: ``pip install wecsim[ema]`` (``uv sync`` installs
it with the dev tools).

Example
-------
>>> from ema_workbench import perform_experiments            # doctest: +SKIP
>>> from wecsim.experiments.ema import ema_model
>>> model = ema_model(uncertainties=["drought_probability_south", "flow_change_scale"],
...                   levers=["budget_eu_grant_meur"], outcomes=["water_deficit_km3"],
...                   overrides={"end_year": 2030})   # doctest: +SKIP
>>> experiments, outcomes = perform_experiments(model, scenarios=20, policies=2)  # doctest: +SKIP

References
----------
Kwakkel, J. H. (2017), The Exploratory Modeling Workbench: An open source toolkit for
exploratory modeling, scenario discovery, and (multi-objective) robust decision making,
Environmental Modelling & Software 96, 239-250, doi:10.1016/j.envsoft.2017.06.054.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import numpy as np

from wecsim.errors import WecsimError
from wecsim.experiments.design import run_seed

#: Name of the uncertainty that picks an experiment's weather when it is not shared.
WEATHER = "weather"
#: Largest value of :data:`WEATHER` (run ids stay far below 2**63).
WEATHER_MAX = 2**31 - 1

#: Which way an indicator is better: ``-1`` minimise, ``+1`` maximise (EMA's ``kind``).
DIRECTIONS: dict[str, int] = {
    "water_deficit_km3": -1,
    "water_deficit_pct": -1,
    "water_losses_km3": -1,
    "conveyance_loss_share": -1,
    "network_loss_share": -1,
    "basins_in_drought": -1,
    "co2_total_mt": -1,
    "co2_power_mt": -1,
    "co2_waste_mt": -1,
    "grid_emission_factor_t_per_mwh": -1,
    "coal_share": -1,
    "unserved_twh": -1,
    "curtailed_twh": -1,
    "landfilled_mt": -1,
    "uncollected_mt": -1,
    "flood_damage_meur": -1,
    "financing_gap_meur": -1,
    "res_share": 1,
    "recycling_rate": 1,
    "recycled_mt": 1,
    "separated_share": 1,
    "wastewater_treated_share": 1,
    "water_saving_irrigation_share": 1,
    "reuse_km3": 1,
    "flood_damage_avoided_meur": 1,
    "flood_protected_share": 1,
    "ews_coverage": 1,
    "projects_built": 1,
    "capacity_built_ref_meur": 1,
}

_KINDS = {"min": -1, "minimize": -1, "max": 1, "maximize": 1, "info": 0}


def _ema():
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import ema_workbench
    except ImportError:
        raise WecsimError(
            "the EMA Workbench adapter needs ema-workbench: `pip install wecsim[ema]` (or `uv sync` for the dev tools)"
        ) from None
    return ema_workbench


@cache
def _base(base_json: str):
    from wecsim.scenario import Scenario

    return Scenario.model_validate(json.loads(base_json))


def _seed(seed: int, replicate: int, replications: int, weather: int | None) -> int:
    """Return a run's seed by the batch's rule (:func:`wecsim.experiments.design.run_seed`)."""
    if weather is None:
        return run_seed(seed, 0, replicate=replicate)
    return run_seed(seed, int(weather) * replications + replicate)


def run_for_ema(
    base_scenario: str,
    outputs: str,
    series: str = "",
    seed: int = 0,
    replications: int = 1,
    replicate: int = 0,
    **params: Any,
) -> dict[str, Any]:
    """Run wecsim once and return its outcomes (the function EMA Workbench calls).

    Parameters
    ----------
    base_scenario
        The base scenario as JSON text (an EMA ``Constant``).
    outputs
        ``indicator:year`` items separated by commas (an EMA ``Constant``).
    series
        Indicators returned as time series, separated by commas (an EMA ``Constant``).
    seed
        The root seed (an EMA ``Constant``); the run's own seed follows the batch's rule.
    replications
        Replications per experiment (an EMA ``Constant``).
    replicate
        This replication's number (from the ``ReplicatorModel``; 0 otherwise).
    **params
        Lever and uncertainty values by name, and :data:`WEATHER` when the weather is not
        shared.

    Returns
    -------
    dict
        ``{"<indicator>_<year>": float}`` and ``{"<indicator>": array over the years}``.
    """
    from wecsim.runner import run_national
    from wecsim.scenario import Scenario, registry

    weather = params.pop(WEATHER, None)
    declared = registry()
    data = _base(base_scenario).model_dump(mode="json")
    for name, value in params.items():
        p = declared[name]
        if p.type == "int":
            value = int(value)
        elif p.type == "float":
            value = float(value)
        data[p.section][name] = value
    run = _seed(int(seed), int(replicate), int(replications), weather)
    national = run_national(Scenario.model_validate(data), seed=run).set_index("year")
    out: dict[str, Any] = {}
    for item in filter(None, outputs.split(",")):
        indicator, year = item.split(":")
        out[f"{indicator}_{year}"] = float(national.loc[int(year), indicator])
    for indicator in filter(None, series.split(",")):
        out[indicator] = national[indicator].to_numpy(dtype=float)
    return out


def _mean_series(values: Sequence[np.ndarray]) -> np.ndarray:
    """Year-by-year mean over the replications of a time series."""
    return np.mean(np.stack(values), axis=0)


def ema_parameters(names: Sequence[str]) -> list[Any]:
    """Return EMA Workbench parameters for levers or uncertainties of ``levers.csv``.

    Parameters
    ----------
    names
        Lever or uncertainty names.
    """
    from wecsim.scenario import registry

    ema = _ema()
    declared = registry()
    out = []
    for name in names:
        if name not in declared:
            raise WecsimError(f"unknown lever or uncertainty {name!r} (see `wecsim list`)")
        p = declared[name]
        if p.type == "categorical":
            out.append(ema.CategoricalParameter(name, list(p.choices)))
        elif p.type == "int":
            out.append(ema.IntegerParameter(name, int(p.low), int(p.high)))
        else:
            out.append(ema.RealParameter(name, float(p.low), float(p.high)))
    return out


def default_years(start_year: int, end_year: int) -> tuple[int, ...]:
    """Return the years reported by default: 2030 (the targets' year) if simulated, and the last year.

    Examples
    --------
    >>> default_years(2025, 2050)
    (2030, 2050)
    >>> default_years(2025, 2030)
    (2030,)
    >>> default_years(2025, 2027)
    (2027,)
    """
    return tuple(sorted({y for y in (2030, end_year) if start_year < y <= end_year}))


def outcome_kind(indicator: str, directions: Mapping[str, str] | None = None) -> int:
    """Return EMA's ``kind`` of an indicator: ``-1`` minimise, ``1`` maximise, ``0`` neither.

    ``directions`` (``{"indicator": "min" | "max" | "info"}``) overrides :data:`DIRECTIONS`.
    """
    if directions and indicator in directions:
        word = str(directions[indicator]).lower()
        if word not in _KINDS:
            raise WecsimError(f"directions[{indicator!r}]: {directions[indicator]!r} is not one of min, max, info")
        return _KINDS[word]
    return DIRECTIONS.get(indicator, 0)


def ema_model(
    name: str = "wecsim",
    *,
    base: str = "baseline",
    overrides: dict[str, Any] | None = None,
    uncertainties: Sequence[str] | None = None,
    levers: Sequence[str] | None = None,
    outcomes: Sequence[str] = ("water_deficit_km3", "res_share", "recycling_rate", "co2_total_mt"),
    years: Sequence[int] | None = None,
    time_series: Sequence[str] = (),
    directions: Mapping[str, str] | None = None,
    replications: int = 1,
    common_random_numbers: bool = True,
    seed: int = 0,
):
    """Return wecsim as an EMA Workbench model.

    Parameters
    ----------
    name
        Model name in EMA (letters, digits and underscores).
    base
        Base scenario (name or file).
    overrides
        Fixed changes to the base scenario, e.g. ``{"end_year": 2030}``.
    uncertainties, levers
        Names from ``levers.csv`` (default: every uncertainty, no lever).
    outcomes, years
        Indicators and years reported; one ``ScalarOutcome`` ``<indicator>_<year>`` each.
        Default years: :func:`default_years` of the scenario's horizon (2030 and the last
        year). A year outside the horizon is refused here, not at run time.
    time_series
        Indicators reported as a ``TimeSeriesOutcome`` ``<indicator>``, one value per year
        of the national table, ``start_year`` (the starting stocks) to ``end_year``
        (:func:`simulated_years`).
    directions
        ``{"indicator": "min" | "max" | "info"}``, overriding :data:`DIRECTIONS`.
    replications
        Runs per experiment; more than one gives a ``ReplicatorModel`` whose outcomes are
        the mean over the replications.
    common_random_numbers
        ``True``: replication *r* of every experiment has the same weather (the batch's
        seed of replicate *r* with common random numbers). ``False``: every experiment has
        its own weather, drawn by EMA as the uncertainty :data:`WEATHER`.
    seed
        Root seed, as an experiment file's ``seed``.
    """
    from wecsim.model import NATIONAL_INDICATORS
    from wecsim.scenario import load_scenario
    from wecsim.scenario import uncertainties as declared_uncertainties
    from wecsim.scenario.load import deep_merge

    ema = _ema()
    if not isinstance(replications, int) or isinstance(replications, bool) or replications < 1:
        raise WecsimError(f"replications: {replications!r} must be a whole number >= 1")
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**63:
        raise WecsimError(f"seed: {seed!r} must be a whole number from 0 to 2**63 - 1")
    for indicator in [*outcomes, *time_series]:
        if indicator not in NATIONAL_INDICATORS:
            raise WecsimError(
                f"outcomes: unknown national indicator {indicator!r} (see NATIONAL_INDICATORS in wecsim/model.py)"
            )
    scenario = load_scenario(base)
    data = deep_merge(scenario.model_dump(mode="json"), overrides or {})
    scenario = load_scenario(data)
    first, last = scenario.start_year, scenario.end_year
    years = default_years(first, last) if years is None else tuple(int(y) for y in years)
    for y in years:
        if not first <= y <= last:
            raise WecsimError(f"years: {y} is outside the scenario's years {first}-{last} (end_year {last})")
    unc = list(uncertainties) if uncertainties is not None else [p.name for p in declared_uncertainties()]
    if WEATHER in unc or WEATHER in (levers or []):
        raise WecsimError(f"{WEATHER!r} is set by common_random_numbers, not given as a parameter")
    outputs = ",".join(f"{o}:{y}" for o in outcomes for y in years)

    if replications > 1:
        model = ema.ReplicatorModel(name, function=run_for_ema)
        model.replications = [{"replicate": r} for r in range(replications)]
    else:
        model = ema.Model(name, function=run_for_ema)
    parameters = ema_parameters(unc)
    if not common_random_numbers:
        parameters.append(ema.IntegerParameter(WEATHER, 0, WEATHER_MAX))
    model.uncertainties = parameters
    model.levers = ema_parameters(list(levers or []))
    constants = [
        ema.Constant("base_scenario", json.dumps(scenario.model_dump(mode="json"), sort_keys=True)),
        ema.Constant("outputs", outputs),
        ema.Constant("series", ",".join(time_series)),
        ema.Constant("seed", seed),
        ema.Constant("replications", replications),
    ]
    if replications == 1:
        constants.append(ema.Constant("replicate", 0))
    model.constants = constants
    scalar_mean = np.mean if replications > 1 else None
    series_mean = _mean_series if replications > 1 else None
    model.outcomes = [
        *(
            ema.ScalarOutcome(f"{o}_{y}", kind=outcome_kind(o, directions), function=scalar_mean)
            for o in outcomes
            for y in years
        ),
        *(ema.TimeSeriesOutcome(o, function=series_mean) for o in time_series),
    ]
    return model


def simulated_years(model) -> np.ndarray:
    """Return the years of a time-series outcome of ``model`` (``start_year`` to ``end_year``)."""
    data = json.loads(model.constants["base_scenario"].value)
    return np.arange(data["start_year"], data["end_year"] + 1)
