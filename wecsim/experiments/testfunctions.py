"""Test functions with known answers, run through the same batch pipeline as wecsim.

An experiment file names one with ``model: wecsim.experiments.testfunctions:ishigami``.
A function model takes ``seed`` and its parameters as keyword arguments and returns a
mapping of output names to numbers (stored with ``year = 0``).
"""

from __future__ import annotations

import math

import numpy as np


def ishigami(seed: int, x1: float, x2: float, x3: float, a: float = 7.0, b: float = 0.1) -> dict[str, float]:
    r"""Return the Ishigami function, a standard test of sensitivity analysis.

    Parameters
    ----------
    seed
        Ignored (the function is deterministic); part of the function-model interface.
    x1, x2, x3
        Inputs, each uniform on [-pi, pi] in the standard test [-].
    a, b
        Constants (7 and 0.1 in the standard test) [-].

    Returns
    -------
    dict
        ``{"y": f(x)}``.

    Notes
    -----
    .. math:: f(x) = \sin x_1 + a \sin^2 x_2 + b x_3^4 \sin x_1

    With ``a = 7, b = 0.1`` the total-order Sobol indices are about 0.558 (x1), 0.442 (x2)
    and 0.244 (x3), so the ranking is x1 > x2 > x3.

    References
    ----------
    Ishigami, T. and Homma, T. (1990), An importance quantification technique in
    uncertainty analysis for computer models, ISUMA '90, doi:10.1109/ISUMA.1990.151285.
    """
    return {"y": math.sin(x1) + a * math.sin(x2) ** 2 + b * x3**4 * math.sin(x1)}


def noisy_linear(seed: int, x1: float, x2: float, fail_above: float = math.inf) -> dict[str, float]:
    """Return ``y = 2 x1 + x2 + noise``; raise when ``x1 > fail_above`` (to test error handling).

    Parameters
    ----------
    seed
        Seed of the noise (standard normal, scaled by 0.01).
    x1, x2
        Inputs [-].
    fail_above
        Threshold on ``x1`` above which the run raises ``ValueError`` [-].
    """
    if x1 > fail_above:
        raise ValueError(f"x1={x1:.3f} is above {fail_above}")
    noise = 0.01 * float(np.random.default_rng(seed).standard_normal())
    return {"y": 2 * x1 + x2 + noise, "x1_copy": x1}


def failing_sometimes(seed: int, x1: float, x2: float) -> dict[str, float]:
    """Return ``noisy_linear`` but raise for ``x1 > 0.7`` (a model that fails in part of the space)."""
    return noisy_linear(seed, x1, x2, fail_above=0.7)


def slow_linear(seed: int, x1: float, x2: float) -> dict[str, float]:
    """Return ``noisy_linear`` after 50 ms (a batch slow enough to be stopped half-way by a test)."""
    import time

    time.sleep(0.05)
    return noisy_linear(seed, x1, x2)


def weather_noise(seed: int, x1: float, x2: float, x3: float) -> dict[str, float]:
    """Return ``y = x1 + 0.3 x2 + e``, ``e`` standard normal from ``seed``: "weather" larger than the signal.

    With common random numbers every sample row shares ``e`` and the Sobol indices are
    those of ``x1 + 0.3 x2`` (S1 about 0.92 and 0.08; x3 does nothing); with independent
    seeds the noise (variance 1 against 0.09) swamps them. Used to test the self-checks.
    """
    return {"y": x1 + 0.3 * x2 + float(np.random.default_rng(seed).standard_normal())}
