"""National power dispatch: must-run, zero-cost renewables, then merit order; RES share and CO2."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HOURS_PER_YEAR = 8760.0


@dataclass(frozen=True)
class Dispatch:
    """One year's dispatch; arrays are per technology (same order as the inputs) [MWh/yr]."""

    generation_mwh: np.ndarray
    curtailed_mwh: float
    unserved_mwh: float
    co2_t: np.ndarray


def absorbed_variable_mwh(available_mwh: float, limit_mwh: float, sharpness: float) -> float:
    """Return how much variable renewable energy the grid absorbs [MWh/yr].

    Notes
    -----
    A smooth minimum of what is available ``A`` and the grid's integration limit ``L``:
    ``A / (1 + (A/L)^n)^(1/n)``. Small amounts are absorbed almost whole, the marginal MWh is
    absorbed less and less as ``A`` nears ``L`` and the total tends to ``L``: curtailment
    grows continuously with the variable share, as in system studies of rising penetration,
    instead of starting at a threshold. ``n`` sets how sharp the bend is.
    """
    if available_mwh <= 0 or limit_mwh <= 0:
        return 0.0
    if limit_mwh <= available_mwh * 1e-12:
        return float(limit_mwh)  # the limit, to machine precision
    x = available_mwh / limit_mwh
    if x <= 1.0:
        return float(available_mwh / (1.0 + x**sharpness) ** (1.0 / sharpness))
    return float(limit_mwh / (1.0 + x**-sharpness) ** (1.0 / sharpness))  # the same, without overflow


def dispatch(
    demand_mwh: float,
    capacity_mw: np.ndarray,
    cf_max: np.ndarray,
    must_run_cf: np.ndarray,
    marginal_cost: np.ndarray,
    variable: np.ndarray,
    emission_t_per_mwh: np.ndarray,
    availability: np.ndarray,
    variable_limit_share: float,
    curtailment_sharpness: float,
) -> Dispatch:
    """Dispatch the national fleet for one year (energy balance, no network).

    Parameters
    ----------
    demand_mwh
        Electricity to serve [MWh/yr].
    capacity_mw, cf_max, must_run_cf
        Installed capacity [MW], its largest and its must-run capacity factor [-].
    marginal_cost
        Cost of one more MWh [EUR/MWh]; zero-cost plants run first.
    variable
        True for wind and solar, which the grid absorbs as :func:`absorbed_variable_mwh` says.
    emission_t_per_mwh
        CO2 emission factor [t/MWh].
    availability
        This year's multiplier on available energy, e.g. hydro flow [-].
    variable_limit_share
        Share of demand variable renewables tend to at most (the grid's flexibility) [-].
    curtailment_sharpness
        How sharply curtailment rises near that limit (``n`` of :func:`absorbed_variable_mwh`) [-].

    Notes
    -----
    ``available = capacity * cf_max * 8760 * availability``. Must-run output is taken
    first, then zero-cost plants, then the rest in merit order until demand is met;
    what cannot be met is unserved.
    """
    available = capacity_mw * cf_max * HOURS_PER_YEAR * availability
    must_run = np.minimum(capacity_mw * must_run_cf * HOURS_PER_YEAR, available)
    gen = must_run.copy()
    free = (marginal_cost <= 0) & (must_run_cf <= 0)
    zero_cost = np.where(free, available, 0.0)
    var_total = zero_cost[variable].sum()
    absorbed = absorbed_variable_mwh(var_total, variable_limit_share * demand_mwh, curtailment_sharpness)
    curtailed = var_total - absorbed
    if var_total > 0:
        zero_cost = np.where(variable, zero_cost * (absorbed / var_total), zero_cost)
    residual = demand_mwh - gen.sum()
    if zero_cost.sum() > residual:
        # more zero-cost energy than demand: curtail pro rata
        extra = zero_cost.sum() - max(residual, 0.0)
        curtailed += extra
        zero_cost = zero_cost * (max(residual, 0.0) / zero_cost.sum())
    gen = gen + zero_cost
    residual = demand_mwh - gen.sum()
    for i in np.argsort(marginal_cost, kind="stable"):
        if residual <= 0:
            break
        if free[i]:
            continue
        extra = min(available[i] - gen[i], residual)
        if extra > 0:
            gen[i] += extra
            residual -= extra
    return Dispatch(
        generation_mwh=gen,
        curtailed_mwh=float(curtailed),
        unserved_mwh=float(max(residual, 0.0)),
        co2_t=gen * emission_t_per_mwh,
    )
