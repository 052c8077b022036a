"""Scenario files: the schema, the lever registry and the loader."""

from wecsim.scenario.levers import Parameter, levers, registry, uncertainties
from wecsim.scenario.load import SCENARIO_DIR, dump_scenario, load_scenario, resolve_path
from wecsim.scenario.schedule import Schedule, largest, total_over
from wecsim.scenario.schema import PinnedProject, Scenario

__all__ = [
    "SCENARIO_DIR",
    "Parameter",
    "PinnedProject",
    "Scenario",
    "Schedule",
    "dump_scenario",
    "largest",
    "levers",
    "load_scenario",
    "registry",
    "resolve_path",
    "total_over",
    "uncertainties",
]
