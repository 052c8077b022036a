"""wecsim as a model in EMA Workbench (XLRM: uncertainties, levers, outcomes).

EMA Workbench (Kwakkel 2017) runs a Python function as a model. :func:`ema_model` wraps
:func:`wecsim.run` that way, with the uncertainties and levers taken from
``wecsim/data/levers.csv`` (the same declaration the experiment files use) and one
``ScalarOutcome`` per indicator and year, named ``<indicator>_<year>``. Replications get
their seeds from ``numpy.random.SeedSequence``, as in ``wecsim batch``.

EMA Workbench is an optional dependency: ``pip install wecsim[ema]`` (``uv sync`` installs
it with the dev tools).

Example
-------
>>> from ema_workbench import perform_experiments            # doctest: +SKIP
>>> from wecsim.experiments.ema import ema_model
>>> model = ema_model(uncertainties=["drought_probability_south", "flow_change_scale"],
...                   levers=["budget_eu_grant_meur"], outcomes=["water_deficit_km3"],
...                   years=[2030], overrides={"end_year": 2030})   # doctest: +SKIP
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
from collections.abc import Sequence
from typing import Any

import numpy as np

from wecsim.errors import WecsimError


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


def run_for_ema(base_scenario: str, outputs: str, seed: int = 42, **params: Any) -> dict[str, float]:
    """Run wecsim once and return scalar outcomes (the function EMA Workbench calls).

    Parameters
    ----------
    base_scenario
        The base scenario as JSON text (an EMA ``Constant``).
    outputs
        ``indicator:year`` items separated by commas (an EMA ``Constant``).
    seed
        Random seed (set per replication).
    **params
        Lever and uncertainty values by name.

    Returns
    -------
    dict
        ``{"<indicator>_<year>": value}``.
    """
    from wecsim.runner import run
    from wecsim.scenario import registry

    data = json.loads(base_scenario)
    declared = registry()
    for name, value in params.items():
        p = declared[name]
        if p.type == "int":
            value = int(value)
        elif p.type == "float":
            value = float(value)
        data[p.section][name] = value
    national = run(data, seed=int(seed)).national.set_index("year")
    out = {}
    for item in outputs.split(","):
        indicator, year = item.split(":")
        out[f"{indicator}_{year}"] = float(national.loc[int(year), indicator])
    return out


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


def ema_model(
    name: str = "wecsim",
    *,
    base: str = "baseline",
    overrides: dict[str, Any] | None = None,
    uncertainties: Sequence[str] | None = None,
    levers: Sequence[str] | None = None,
    outcomes: Sequence[str] = ("water_deficit_km3", "res_share", "recycling_rate", "co2_total_mt"),
    years: Sequence[int] = (2030, 2050),
    replications: int = 1,
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
    replications
        Runs per experiment, each with its own seed; more than one gives a ``ReplicatorModel``
        whose outcomes are the mean over the replications.
    seed
        Root of the replication seeds (``SeedSequence(seed).spawn(replications)``).
    """
    from wecsim.scenario import load_scenario
    from wecsim.scenario import uncertainties as declared_uncertainties
    from wecsim.scenario.load import deep_merge

    ema = _ema()
    scenario = load_scenario(base)
    data = deep_merge(scenario.model_dump(mode="json"), overrides or {})
    data = load_scenario(data).model_dump(mode="json")
    unc = list(uncertainties) if uncertainties is not None else [p.name for p in declared_uncertainties()]
    outputs = ",".join(f"{o}:{y}" for o in outcomes for y in years)
    seeds = [int(s.generate_state(1, np.uint32)[0]) for s in np.random.SeedSequence(seed).spawn(replications)]
    if replications > 1:
        model = ema.ReplicatorModel(name, function=run_for_ema)
        model.replications = [{"seed": s} for s in seeds]
    else:
        model = ema.Model(name, function=run_for_ema)
    model.uncertainties = ema_parameters(unc)
    model.levers = ema_parameters(list(levers or []))
    constants = [ema.Constant("base_scenario", json.dumps(data)), ema.Constant("outputs", outputs)]
    if replications == 1:
        constants.append(ema.Constant("seed", seeds[0]))
    model.constants = constants
    aggregate = np.mean if replications > 1 else None
    model.outcomes = [ema.ScalarOutcome(f"{o}_{y}", function=aggregate) for o in outcomes for y in years]
    return model
