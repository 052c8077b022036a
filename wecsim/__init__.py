"""wecsim: test water, energy and circular-economy investment policy for Kazakhstan.

>>> from wecsim import load_scenario, run
>>> results = run("baseline")            # doctest: +SKIP
>>> results.national[["year", "water_deficit_km3"]]   # doctest: +SKIP

Names are imported lazily, so ``wecsim validate`` and ``wecsim list`` start without Mesa,
and importing the package itself costs nothing (Ctrl-C during start-up is then handled by
:func:`wecsim.__main__.main`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

_LAZY = {
    "__version__": "wecsim.version",
    "DataError": "wecsim.errors",
    "ScenarioError": "wecsim.errors",
    "WecsimError": "wecsim.errors",
    "Results": "wecsim.results",
    "run": "wecsim.runner",
    "Scenario": "wecsim.scenario",
    "load_scenario": "wecsim.scenario",
}

__all__ = [
    "DataError",
    "Results",
    "Scenario",
    "ScenarioError",
    "WecsimError",
    "__version__",
    "load_scenario",
    "run",
]

if TYPE_CHECKING:  # pragma: no cover
    from wecsim.errors import DataError, ScenarioError, WecsimError
    from wecsim.results import Results
    from wecsim.runner import run
    from wecsim.scenario import Scenario, load_scenario
    from wecsim.version import __version__


def __getattr__(name: str):
    """Import public names on first use (PEP 562)."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'wecsim' has no attribute {name!r}")
