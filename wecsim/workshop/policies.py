"""The decision policies a workshop team's decision becomes (see :mod:`wecsim.agents.policy`).

Each class has the same methods as the agent's default policy, so the model uses a team's
decision exactly where it would use its own rule. The agent still enforces its hard rules
(gates, caps, the envelope, the affordability cap): a team decides only what the agent decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from wecsim.agents.utility import TariffPolicy
from wecsim.projects.market import SECTORS, greedy_fill

if TYPE_CHECKING:
    from wecsim.agents.firm import Firm
    from wecsim.agents.funder import Funder
    from wecsim.agents.region import Region
    from wecsim.agents.utility import WaterUtility
    from wecsim.projects.market import Book
    from wecsim.projects.pipeline import Project


def _budget(funder: Funder, envelope_share: float) -> float:
    """Money the team lets the funder commit now: what is left, less the part of the envelope held back [EUR M]."""
    return max(0.0, funder.available_meur - (1.0 - envelope_share) * funder.envelope_meur)


@dataclass(frozen=True)
class TeamAllocation:
    """A funder team's allocation: a weight per sector (0: none) and the share of the envelope to commit.

    Candidates are ranked by the team's sector weight first, then by the funder's own score
    (so within a sector the funder's appraisal still orders the proposals), and filled
    greedily until the committed share of the envelope is used.
    """

    sector_weight: tuple[float, ...]
    envelope_share: float

    def allocate(self, funder: Funder, book: Book, rows: np.ndarray, max_offer: np.ndarray) -> np.ndarray:
        """Offer the candidates of the team's sectors their ``max_offer``, best weighted first [EUR M]."""
        weight = np.asarray(self.sector_weight)[book.sector[rows]]
        score = funder.score(book, rows)
        order = np.lexsort((rows, -score, -weight))
        order = order[weight[order] > 0]
        amounts = np.zeros(len(rows))
        amounts[order] = greedy_fill(order, max_offer, _budget(funder, self.envelope_share))
        return amounts

    def choose(self, funder: Funder, score: np.ndarray, cost: np.ndarray) -> np.ndarray:
        """Support instruments have no sectors in their candidates: the best scored first, within the share."""
        order = np.lexsort((np.arange(len(score)), -score))
        amounts = np.empty(len(score))
        amounts[order] = greedy_fill(order, cost, _budget(funder, self.envelope_share))
        return amounts

    @staticmethod
    def sectors() -> tuple[str, ...]:
        """Return the sectors, in the order of ``sector_weight``."""
        return SECTORS


@dataclass(frozen=True)
class TeamProposals:
    """A region team's priorities: which kinds of project the akimat proposes, and its co-finance (``None``: F7)."""

    kinds: frozenset[str]
    cofinance: TeamCofinance | None = None

    def propose(self, region: Region) -> None:
        """Propose the chosen kinds only, each by the region's own sizing rule."""
        for kind in REGION_PROPOSALS:
            if kind in self.kinds:
                getattr(region, f"propose_{kind}")()


@dataclass(frozen=True)
class TeamCofinance:
    """An akimat team's co-finance: the order of its needs and the share of a project's cost it pays.

    The akimat's money (its co-finance reserve) goes to the projects of its region in the
    order the team ranks their kinds (the kinds it did not rank, and the utility's projects,
    come after, by the funder's own appraisal), each offered at most ``share`` of its cost
    (``None``: the share cap of ``funders.csv``), until the reserve runs out.
    """

    priority: tuple[str, ...]
    share: float | None

    def allocate(self, funder: Funder, book: Book, rows: np.ndarray, max_offer: np.ndarray) -> np.ndarray:
        """Offer the region's candidates their co-finance, the team's first need first [EUR M]."""
        kinds = [PROPOSAL_OF_TECH.get(book.projects[r].tech_id) for r in rows.tolist()]
        rank = np.array([self.priority.index(k) if k in self.priority else len(self.priority) for k in kinds])
        offer = max_offer if self.share is None else np.minimum(max_offer, self.share * book.cost[rows])
        order = np.lexsort((rows, -funder.score(book, rows), rank))
        amounts = np.empty(len(rows))
        amounts[order] = greedy_fill(order, offer, funder.available_meur)
        return amounts


#: The proposals a region makes (the ``propose_*`` methods of :class:`~wecsim.agents.region.Region`), in its order.
REGION_PROPOSALS = (
    "canal_lining",
    "hydraulic_rehabilitation",
    "reservoir",
    "drip",
    "flood_warning",
    "flood_protection",
)
#: The kind of proposal (:data:`REGION_PROPOSALS`) of each technology an akimat proposes.
PROPOSAL_OF_TECH = {
    "canal_lining": "canal_lining",
    "hydraulic_rehabilitation": "hydraulic_rehabilitation",
    "reservoir": "reservoir",
    "drip_irrigation": "drip",
    "flood_ews": "flood_warning",
    "flood_protection": "flood_protection",
}


@dataclass(frozen=True)
class TeamTariff(TariffPolicy):
    """A utility team's tariff path and maintenance: its real tariff growth, the EU condition, its network renewal.

    While an accepted EU condition binds, its extra growth is added (the condition is contractual).
    ``renewal_share`` scales the renewal the national wear path asks for (0: none; ``None``: the
    default rule's); the most a year of ``assets.csv`` still binds.
    """

    tariff_growth_pct: float
    accept_eu_condition: bool
    renewal_share: float | None = None

    def tariff_growth(self, utility: WaterUtility) -> float:
        """Return this year's real tariff growth: the team's, plus the EU condition while it binds [-]."""
        m = utility.model
        g = self.tariff_growth_pct / 100
        if m.year <= utility.condition_until:
            g += m.value("eu_tariff_condition_pct") / 100
        return g

    def accepts_condition(self, utility: WaterUtility, extra_pct: float) -> bool:
        """Accept EU money tied to more tariff growth only if the team said so."""
        return self.accept_eu_condition

    def renewal(self, utility: WaterUtility, asset_id: str) -> float:
        """Return the team's share of the renewal on the national wear path, within the most a year [asset unit]."""
        gap = super().renewal(utility, asset_id)
        if self.renewal_share is None:
            return gap
        m, a = utility.model, utility.model.assets[asset_id]
        most = a["renewal_max_share_per_yr"] * a["tranche_yr"] * float(m.asset_stock[asset_id][utility.idx])
        size = min(self.renewal_share * gap, most)
        return size if size >= a["min_renewal"] else 0.0


@dataclass(frozen=True)
class TeamMarkup:
    """A firm team's bids: its markup over cost, and which tenders of the round's years it bids for.

    ``technologies`` and ``regions`` (``None``: all) narrow the tenders the firms of the kind
    enter; an empty set of technologies passes every tender of the round. Where the firm bids,
    the model's rules still decide whether it may (its technologies, a free contract slot,
    the local-content rule) and who wins.
    """

    markup_share: float
    technologies: frozenset[str] | None = None
    regions: frozenset[str] | None = None

    def markup(self, firm: Firm, n_bidders: int) -> float:
        """Return the team's markup [-]."""
        return self.markup_share

    def bids(self, firm: Firm, project: Project) -> bool:
        """Whether the firm bids for this tender: its technology and its region are among the team's."""
        return (self.technologies is None or project.tech_id in self.technologies) and (
            self.regions is None or project.region_id in self.regions
        )
