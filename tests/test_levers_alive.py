"""No dead lever: every lever and uncertainty moves a headline indicator (issue 11, item 5).

Each parameter of ``levers.csv`` is moved alone from its minimum to its maximum (categories:
first to last) on the baseline, seed 42, and must move at least one headline indicator, in
some year, by more than a visible amount. A lever whose system is idle in the baseline may
show its effect in the shipped scenario that exercises it instead: SECCA's grid work only
matters once variable power nears what the grid absorbs (curtailment 0.6 TWh in 2050 in the
baseline, 16 TWh with the accelerated Team Europe renewables). ``../shared/tools/lever-sweep`` does the same for
five headlines; this test adds wastewater treatment and network losses, which some water
levers act on first.
"""

import numpy as np
import pytest

import wecsim
from wecsim.experiments.parameter_sources import VISIBLE  # headlines and the smallest visible change
from wecsim.scenario import registry

#: Where a lever idle in the baseline is tried next.
BUSY_SCENARIO = "team_europe_accelerated"


def _headlines(overrides: list[str], scenario: str = "baseline") -> dict[str, np.ndarray]:
    t = wecsim.run(scenario, seed=42, overrides=overrides).national.set_index("year")
    return {c: t[c].to_numpy(float) for c in VISIBLE}


def _ends(p):
    if p.type == "categorical":
        return p.choices[0], p.choices[-1]
    return p.low, p.high


@pytest.mark.slow
@pytest.mark.parametrize("name", list(registry()))
def test_every_lever_and_uncertainty_moves_a_headline(name):
    p = registry()[name]
    lo, hi = _ends(p)
    for scenario in ("baseline", BUSY_SCENARIO):
        a, b = _headlines([f"{name}={lo}"], scenario), _headlines([f"{name}={hi}"], scenario)
        moved = {c: float(np.max(np.abs(a[c] - b[c]))) for c in VISIBLE}
        if any(moved[c] >= VISIBLE[c] for c in VISIBLE):
            return
    pytest.fail(f"{name} moves nothing visible in the baseline or {BUSY_SCENARIO}: {moved}")
