"""The four agent kinds: regions, utilities, funders and firms. They decide; systems compute."""

from wecsim.agents.firm import Firm
from wecsim.agents.funder import Funder
from wecsim.agents.region import Region
from wecsim.agents.utility import Utility

__all__ = ["Firm", "Funder", "Region", "Utility"]
