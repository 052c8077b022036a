"""wecsim: test water, energy and circular-economy investment policy for Kazakhstan.

>>> from wecsim import load_scenario, run
>>> results = run("baseline")            # doctest: +SKIP
>>> results.national[["year", "water_deficit_km3"]]   # doctest: +SKIP
"""

from wecsim.errors import DataError, ScenarioError, WecsimError
from wecsim.results import Results
from wecsim.runner import run
from wecsim.scenario import Scenario, load_scenario
from wecsim.version import __version__

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
