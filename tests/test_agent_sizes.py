"""Proposal sizes round exactly as the built-in ``round`` did, for NumPy scalars and Python floats."""

import math

import numpy as np
import pytest

from wecsim.agents.sizes import round_size


@pytest.mark.parametrize("digits", [1, 0, -3, -4])
def test_round_size_matches_the_builtin_bit_for_bit(digits):
    rng = np.random.default_rng(digits + 10)
    values = np.concatenate(
        [
            (rng.random(5_000) - 0.2) * 10.0 ** rng.integers(-3, 8, 5_000),
            np.arange(-5, 5, 0.05),  # halves and near-halves
            [0.0, -0.0, 1e-300, -1e-300, 2.5, 0.25, 1500.0, 25_000.0],
        ]
    )
    for x in values:
        for v in (np.float64(x), float(x)):
            want, got = float(round(v, digits)), round_size(v, digits)
            assert type(got) is float
            assert got == want and math.copysign(1.0, got) == math.copysign(1.0, want), (v, digits)


def test_round_size_keeps_nan_and_inf_as_numpy_does():
    assert math.isnan(round_size(np.float64("nan"), 1))
    assert round_size(np.float64("inf"), -3) == math.inf
