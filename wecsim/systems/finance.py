"""Project economics: discounting, disbursement profiles, bids and learning curves."""

from __future__ import annotations

import functools

import numpy as np


def annuity_factor(rate: float, years: int) -> float:
    """Return the present value of 1 per year for ``years`` years at ``rate`` [-].

    Notes
    -----
    ``A = (1 - (1 + r)^-n) / r`` (``n`` when ``r = 0``).
    """
    if rate == 0:
        return float(years)
    return (1.0 - (1.0 + rate) ** -years) / rate


def capital_recovery_factor(rate: float, years: int) -> float:
    """Return the yearly payment that repays 1 over ``years`` years at ``rate`` [-/yr] (``1 / A``)."""
    return 1.0 / annuity_factor(rate, years)


def debt_service_schedule(principal: float, rate: float, tenor_yr: int, grace_yr: int) -> np.ndarray:
    """Return a loan's yearly debt service, year 1 after signature first [EUR/yr] (rule F4).

    Notes
    -----
    Interest only during the grace period, then an annuity over the remaining
    ``tenor - grace`` years; the present value at ``rate`` equals the principal.
    """
    # the schedule of a loan of 1 scaled: the same products as ``principal * rate`` and ``principal * crf``
    return _unit_debt_service(rate, tenor_yr, grace_yr) * principal


@functools.lru_cache(maxsize=4096)  # bounded: a sweep over loan rates makes a new key per rate
def _unit_debt_service(rate: float, tenor_yr: int, grace_yr: int) -> np.ndarray:
    """Return the yearly debt service of a loan of 1 (see :func:`debt_service_schedule`), read-only [-/yr]."""
    grace_yr = min(grace_yr, tenor_yr - 1)
    out = np.full(tenor_yr, rate)
    out[grace_yr:] = capital_recovery_factor(rate, tenor_yr - grace_yr)
    out.flags.writeable = False
    return out


def grant_element(rate: float, reference_rate: float, tenor_yr: int, grace_yr: int) -> float:
    """Return the OECD DAC grant element of a loan: ``1 - PV(debt service at the reference rate) / face`` [-]."""
    ds = debt_service_schedule(1.0, rate, tenor_yr, grace_yr)
    disc = (1.0 + reference_rate) ** -np.arange(1, tenor_yr + 1)
    return float(1.0 - (ds * disc).sum())


def lcoe(
    capex_per_kw: float | np.ndarray,
    opex_share: float,
    wacc: float,
    life_yr: int,
    capacity_factor: float | np.ndarray,
    build_yr: int = 0,
) -> float | np.ndarray:
    """Return a power plant's levelised cost of electricity [money per MWh when capex is per kW].

    ``capex_per_kw`` and ``capacity_factor`` may be arrays (one plant each).

    Notes
    -----
    ``LCOE = capex ((1 + wacc)^build CRF(wacc, life) + opex share) / (CF x 8.76 MWh/kW/yr)``:
    the price at which :func:`npv` of the plant, paid up front and earning from the end of
    its ``build_yr`` years of construction, is zero.
    """
    yearly = capex_per_kw * ((1.0 + wacc) ** build_yr * capital_recovery_factor(wacc, life_yr) + opex_share)
    return yearly / (capacity_factor * 8.76)


def npv(capex: float, annual_net: float, rate: float, years: int, build_years: int = 0) -> float:
    """Return the net present value of a project: ``-capex + annual_net * A / (1+r)^build``."""
    annuity, discount = _npv_factors(rate, years, build_years)
    return -capex + annual_net * annuity / discount


@functools.lru_cache(maxsize=4096)  # bounded: a sweep over discount rates makes new keys
def _npv_factors(rate: float, years: int, build_years: int) -> tuple[float, float]:
    """Return the two factors of :func:`npv`: the annuity factor and ``(1 + rate)^build``.

    A year's ~75 appraisals use a few (rate, lifetime, build time) triples, so each pair is worked out once.
    """
    return annuity_factor(rate, years), (1.0 + rate) ** build_years


def funding_gap(fnpv: float) -> float:
    """Return the grant that brings the financial NPV up to zero (rule F2), never negative."""
    return max(0.0, -fnpv)


def stretch_profile(profile: np.ndarray, years: int) -> np.ndarray:
    """Spread a disbursement profile over ``years`` years, keeping its cumulative shape.

    Notes
    -----
    The cumulative profile is interpolated at ``k / years``; differences give the shares,
    which sum to 1 exactly.
    """
    cum = np.concatenate([[0.0], np.cumsum(profile)])
    x = np.linspace(0.0, 1.0, len(cum))
    at = np.interp(np.linspace(0.0, 1.0, years + 1), x, cum)
    shares = np.diff(at)
    return shares / shares.sum()


def bid_price(cost: float, n_bidders: int, m0: float, k: float) -> float:
    """Return a bid price under competition (rule D3).

    Notes
    -----
    ``bid = cost * (1 + m0 * exp(-k (n - 1)))``: the markup falls as bidders are added
    (Tas; Carr 2005).
    """
    return cost * (1.0 + m0 * np.exp(-k * (n_bidders - 1)))


def learning_factor(cumulative: float, initial: float, learning_rate: float) -> float:
    """Return the cost multiplier after learning (rule D4).

    Notes
    -----
    ``C(Q)/C0 = (Q/Q0)^-b`` with ``b = -log2(1 - LR)`` (Wiser et al. 2022).
    """
    if initial <= 0 or cumulative <= initial:
        return 1.0
    b = -np.log2(1.0 - learning_rate)
    return float((cumulative / initial) ** -b)
