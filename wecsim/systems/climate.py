"""Climate drivers: river-flow trends, droughts, upstream withdrawals and spring floods.

All randomness comes from the ``numpy.random.Generator`` passed in, so a seed reproduces
a run exactly.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri


def trend_fraction(year: int, base_year: int, target_year: int = 2050) -> float:
    """Return how far a linear trend from ``base_year`` to ``target_year`` has gone [0..>1]."""
    return max(0.0, (year - base_year) / (target_year - base_year))


def flow_trend_factor(change_2050_pct: np.ndarray, scale: float, frac: float) -> np.ndarray:
    """Return each basin's mean-flow multiplier for a year.

    Parameters
    ----------
    change_2050_pct
        Flow change by 2050 under the pathway, per basin [%].
    scale
        Uncertainty multiplier on that change [-].
    frac
        Progress of the trend, see :func:`trend_fraction` [-].

    Notes
    -----
    ``factor = 1 + scale * change_2050_pct / 100 * frac``, floored at 0.
    """
    return np.maximum(0.0, 1.0 + scale * change_2050_pct / 100.0 * frac)


def upstream_factor(
    transboundary_share: np.ndarray, growth_pct_2050: float, cooperation: float, frac: float
) -> np.ndarray:
    """Return the share of a basin's water left after extra upstream withdrawals [-].

    Notes
    -----
    ``1 - transboundary_share * growth/100 * frac * (1 - cooperation)``: only the part of
    the flow formed abroad is exposed, and cooperation (0..1) offsets the growth.
    """
    return 1.0 - transboundary_share * growth_pct_2050 / 100.0 * frac * (1.0 - cooperation)


def drought_latent(shocks: np.ndarray, shared: np.ndarray, persistence: float, correlation: float) -> np.ndarray:
    """Draw each basin's yearly dryness index: standard normal, persistent in time, shared across a region.

    Parameters
    ----------
    shocks
        Independent standard normals ``(n_years, 1 + n_basins)``: each year's common signal,
        then each basin's own.
    shared
        True for the basins that share a common climate signal (the southern basins) [-].
    persistence
        Lag-1 autocorrelation of a basin's index from one year to the next [-].
    correlation
        Correlation of the index between two basins that share the signal [-].

    Returns
    -------
    numpy.ndarray
        Array ``(n_years, n_basins)``; every entry is marginally N(0, 1), so a drought with
        probability ``p`` is the event ``z < Phi^-1(p)`` whatever the persistence.

    Notes
    -----
    ``e = sqrt(c) e_common + sqrt(1 - c) e_basin`` (``c`` = correlation for shared basins, 0
    otherwise) and ``z_t = rho z_(t-1) + sqrt(1 - rho^2) e_t``: a Gaussian AR(1) with a common
    factor, the usual way to give synthetic annual flows their persistence and spatial
    coherence (e.g. Salas et al. 1980, *Applied Modeling of Hydrologic Time Series*).
    """
    n_years, n_basins = len(shocks), len(shared)
    c = np.where(shared, correlation, 0.0)
    common, own = shocks[:, :1], shocks[:, 1 : 1 + n_basins]
    e = np.sqrt(c) * common + np.sqrt(1.0 - c) * own
    z = np.empty_like(e)
    z[0] = e[0]
    innovation = np.sqrt(1.0 - persistence**2)
    for t in range(1, n_years):
        z[t] = persistence * z[t - 1] + innovation * e[t]
    return z


def drought_threshold(probability: np.ndarray) -> np.ndarray:
    """Return the dryness index below which a year is a drought, ``Phi^-1(p)`` [-]."""
    return ndtri(np.clip(np.asarray(probability, dtype=float), 1e-12, 1 - 1e-12))


def flood_return_period(u: float, frequency_multiplier: float) -> float:
    """Return the return period of a year's worst spring flood from a uniform draw [yr].

    Parameters
    ----------
    u
        A draw from U(0, 1) [-].
    frequency_multiplier
        How many times more frequent each flood severity is than today [-].

    Notes
    -----
    ``T = m / (1 - u)``: the annual maximum of an event with return period ``T`` is
    exceeded with probability ``1/T``; a frequency multiplier ``m`` makes each severity
    ``m`` times more frequent.
    """
    return frequency_multiplier / (1.0 - u)


def flood_damage_meur(
    return_period_yr: float,
    ref_damage_meur: float,
    ref_return_period_yr: float,
    min_return_period_yr: float,
    severity_scale: float,
) -> float:
    """Return the national flood damage of a year before early warning [EUR M].

    Notes
    -----
    Damage grows with the log of the return period and equals the reference damage at the
    reference return period (the 2024 floods): ``D = D_ref * s * ln(T/T_min) / ln(T_ref/T_min)``
    for ``T > T_min``, else 0. A common log-linear damage-frequency form (assumption).
    """
    if return_period_yr <= min_return_period_yr:
        return 0.0
    ratio = np.log(return_period_yr / min_return_period_yr) / np.log(ref_return_period_yr / min_return_period_yr)
    return float(ref_damage_meur * severity_scale * ratio)


def expected_flood_damage_meur(
    ref_damage_meur: float, ref_return_period_yr: float, min_return_period_yr: float, frequency_multiplier: float
) -> float:
    """Return the expected yearly national flood damage under :func:`flood_damage_meur` [EUR M/yr].

    Notes
    -----
    With ``ln T = ln m + E``, ``E ~ Exp(1)``, ``E[max(0, ln T - ln T_min)]`` is ``m / T_min``
    when ``m <= T_min`` and ``ln(m / T_min) + 1`` otherwise; the damage is that times
    ``D_ref / ln(T_ref / T_min)``.
    """
    m, t_min = frequency_multiplier, min_return_period_yr
    excess = m / t_min if m <= t_min else np.log(m / t_min) + 1.0
    return float(ref_damage_meur * excess / np.log(ref_return_period_yr / t_min))
