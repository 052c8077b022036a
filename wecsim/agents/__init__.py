"""The agents: regions, utilities, funders and firms. They decide (through replaceable policies); systems compute."""

from wecsim.agents.firm import Firm
from wecsim.agents.funder import Funder
from wecsim.agents.region import Region
from wecsim.agents.utility import GridOperator, WasteUtility, WaterUtility

__all__ = ["Firm", "Funder", "GridOperator", "Region", "WasteUtility", "WaterUtility"]
