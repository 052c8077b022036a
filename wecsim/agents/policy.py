"""Decision policies: what each agent decides, behind one small interface per kind of agent.

An agent holds a ``policy`` object and asks it for its decisions; the agent itself keeps its
state and enforces its hard rules (mandate, caps, envelope). So a person in a workshop, an
optimiser or a researcher's alternative rule can take an agent's place without touching the
model: give the agent another object with the same methods (see :func:`use_policy`).

==============  ===========================================  =====================================
agent           method the model calls                       what comes back
==============  ===========================================  =====================================
Funder          ``allocate(funder, book, rows, max_offer)``  EUR M offered to each candidate row
Akimats' money  ``allocate``, one region's rows at a time    the same (:class:`ByRegion`)
Support funder  ``choose(funder, candidates, cost)``         EUR M of support given to each one
Region          ``propose(region)``                          nothing; proposals go to the model
Water utility   ``tariff_growth(utility)``                   real tariff growth this year [-]
                ``renewal(utility, asset_id)``               renewal to propose [asset's unit]
Firm            ``markup(firm, n_bidders)``                  bid markup over the firm's cost [-]
                ``bids(firm, project)``                      whether it bids for this tender
==============  ===========================================  =====================================

The default policies are the documented rules of ``docs/model.md`` (F7, R2, U1, D3).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np

from wecsim.projects.market import greedy_fill

if TYPE_CHECKING:
    from wecsim.agents.funder import Funder
    from wecsim.projects.market import Book


class FunderPolicy(Protocol):
    """How a funder shares its envelope among the candidates it may finance."""

    def allocate(self, funder: Funder, book: Book, rows: np.ndarray, max_offer: np.ndarray) -> np.ndarray:
        """Return the money offered to each of ``rows`` [EUR M]; at most ``max_offer`` each."""
        ...


class SupportPolicy(Protocol):
    """How a support instrument (preparation, blending, guarantee) picks what it supports."""

    def choose(self, funder: Funder, score: np.ndarray, cost: np.ndarray) -> np.ndarray:
        """Return the money given to each candidate [EUR M]; at most ``cost`` each."""
        ...


class RankedFill:
    """Rule F7: rank the candidates by the funder's own score, then fill the envelope greedily.

    A scenario's pinned project comes first with its ``lead_funder``, then the signed deals
    (``Book.signed``: pinned with a contract price, their financing arranged), then the rest by
    score. Ties go to the older project (lower project id), so the rule is deterministic.
    """

    def allocate(self, funder: Funder, book: Book, rows: np.ndarray, max_offer: np.ndarray) -> np.ndarray:
        """Give the best-scored candidates their whole ``max_offer`` until the envelope runs out."""
        score = funder.score(book, rows)
        led = book.leads.get(funder.funder_id)
        unsigned = ~book.signed[rows]
        if led is None:
            order = np.lexsort((rows, -score, unsigned))
        else:
            order = np.lexsort((rows, -score, unsigned, ~led[rows]))
        amounts = np.empty(len(rows))
        amounts[order] = greedy_fill(order, max_offer, funder.available_meur)
        return amounts

    def choose(self, funder: Funder, score: np.ndarray, cost: np.ndarray) -> np.ndarray:
        """Support the best-scored candidates in full until the envelope runs out."""
        order = np.lexsort((np.arange(len(score)), -score))
        amounts = np.empty(len(score))
        amounts[order] = greedy_fill(order, cost, funder.available_meur)
        return amounts


#: The default policy of every funder.
DEFAULT_FUNDER_POLICY = RankedFill()


class ByRegion:
    """The policy of money that belongs to the regions (the akimats' co-finance): one policy per region.

    :class:`~wecsim.agents.funder.RegionalFunds` asks its policy one region's candidates at a
    time, with that region's reserve as the money available; a region without a policy of its
    own here keeps the default rule (F7). So one akimat's decision (a workshop team's) binds
    only its own money.
    """

    def __init__(self, by_region: dict[int, FunderPolicy]):
        self.by_region = dict(by_region)

    def allocate(self, funder: Funder, book: Book, rows: np.ndarray, max_offer: np.ndarray) -> np.ndarray:
        """Let the policy of the rows' region (one region's rows) share its reserve [EUR M]."""
        if not len(rows):
            return np.zeros(0)
        policy = self.by_region.get(int(book.region[rows[0]]), DEFAULT_FUNDER_POLICY)
        return policy.allocate(funder, book, rows, max_offer)


def use_policy(agent, policy) -> None:
    """Let ``policy`` take the decisions of ``agent`` from now on (e.g. a workshop team)."""
    agent.policy = policy
