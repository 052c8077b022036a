"""Firm: an EU or local contractor that bids for, builds and learns from projects."""

from __future__ import annotations

import functools
import math
from bisect import bisect_left, insort
from collections.abc import Iterable
from typing import TYPE_CHECKING

import mesa

from wecsim.systems.finance import bid_price

if TYPE_CHECKING:
    from wecsim.model import WECModel
    from wecsim.projects.pipeline import Project


class MarkupPolicy:
    """The default bidding rule of a firm (D3); replaceable by any object with ``markup(firm, n)`` and ``bids``."""

    def bids(self, firm: Firm, project: Project) -> bool:
        """Whether the firm bids for a tender it may enter (its technology, a free slot, local content): always."""
        return True

    def markup(self, firm: Firm, n_bidders: int) -> float:
        """Return the markup over cost for a tender with ``n_bidders`` bidders: ``m0 exp(-k (n - 1))`` [-]."""
        P = firm.model.P
        return _markup(n_bidders, P["bid_markup_m0"], P["bid_markup_k"])


#: The default bidding policy of every firm.
DEFAULT_MARKUP_POLICY = MarkupPolicy()


@functools.cache
def _markup(n_bidders: int, m0: float, k: float) -> float:
    return float(bid_price(1.0, n_bidders, m0, k) - 1.0)


@functools.cache
def _learning(completed: int, rate: float) -> float:
    return (1 + completed) ** math.log2(1 - rate)


class Firm(mesa.Agent):
    """A contractor decides whether to bid, at what price, and whether to localise.

    Decision rules
    --------------
    * **Bid** when the firm has the technology, a free contract slot (D5) and meets the
      local-content requirement.
    * **Price** (D3): ``estimate * efficiency * learning * (1 + markup(n)) * noise``; the
      markup falls with the number of bidders; local learning lowers cost by
      ``local_learning_rate`` per doubling of completed contracts (D4); each bid carries the
      firm's own estimating error (lognormal, ``bid_sigma_log``).
    * **Quality**: the firm's ``reliability`` is its quality score in tenders that weigh
      quality, and sets its projects' delays and overruns.
    * **Localise**: a firm shut out by the local-content rule twice in a year raises its
      local share by ``localisation_step`` at a ``localisation_cost_premium`` on costs
      (``localisation_trigger_exclusions`` sets "twice").
    """

    def __init__(self, model: WECModel, row: dict):
        super().__init__(model)
        self.firm_id: str = row["firm_id"]
        self.name: str = row["name"]
        self.origin: str = row["origin"]
        self.country: str = row["country"]
        self.policy = DEFAULT_MARKUP_POLICY
        self.technologies = frozenset(str(row["technologies"]).split("|"))
        self.max_contracts = int(row["max_contracts"])
        self.cost_efficiency = float(row["cost_efficiency"])
        self.reliability = float(row["reliability"])
        self.localisation = float(row["localisation_share"])
        self.active_contracts = 0
        self.completed = 0
        self.won = 0
        self.excluded_this_year = 0

    def meets_local_content(self, local_content: float) -> bool:
        """Whether the firm's localisation meets the local-content rule."""
        return self.localisation + 1e-9 >= local_content

    @staticmethod
    def split_by_local_content(firms: list[Firm], local_content: float) -> tuple[list[Firm], list[Firm]]:
        """Split the firms of one technology into those that meet the local-content rule and the others."""
        ok: list[Firm] = []
        not_ok: list[Firm] = []
        for f in firms:
            (ok if f.meets_local_content(local_content) else not_ok).append(f)
        return ok, not_ok

    @staticmethod
    def bidders(local: list[Firm], not_local: list[Firm], most: int | None = None) -> list[Firm]:
        """Return the firms that bid for a project of their technology.

        Those are the firms with a free contract slot among ``local`` (the firms meeting the
        local-content rule, from :meth:`split_by_local_content`), at most ``most`` of them,
        the least busy first. Firms with a free slot that fail the rule count an exclusion
        (they localise after two).
        """
        Firm.count_exclusions(not_local)
        return Firm.free_bidders(local, most)

    @staticmethod
    def count_exclusions(not_local: list[Firm], tenders: int = 1) -> None:
        """Count ``tenders`` exclusions for each firm of ``not_local`` with a free contract slot."""
        for f in not_local:
            if f.active_contracts < f.max_contracts:
                f.excluded_this_year += tenders

    @staticmethod
    def free_bidders(local: list[Firm], most: int | None = None) -> list[Firm]:
        """Return the firms of ``local`` with a free contract slot, at most ``most``, the least busy first."""
        free = [f for f in local if f.active_contracts < f.max_contracts]
        if most is not None and len(free) > most:
            # the least busy (contracts in hand over the most a firm can take); ties keep the firms' order
            load = [f.active_contracts / f.max_contracts for f in free]
            free = [free[i] for i in sorted(range(len(free)), key=load.__getitem__)[:most]]
        return free

    def learning(self) -> float:
        """Return the firm's cost multiplier from completed contracts (D4) [-]."""
        return _learning(self.completed, self.model.P["local_learning_rate_pct"] / 100)

    def unit_cost(self) -> float:
        """Return the firm's cost per euro of estimated cost: efficiency x learning [-]."""
        return self.cost_efficiency * self.learning()

    @staticmethod
    def unit_costs(firms: Iterable[Firm], learning_rate_pct: float) -> dict[Firm, float]:
        """Return :meth:`unit_cost` of each of ``firms`` (``local_learning_rate_pct`` read once for all)."""
        rate = learning_rate_pct / 100
        return {f: f.cost_efficiency * _learning(f.completed, rate) for f in firms}

    def bid(self, cost_meur: float, n_bidders: int, error: float = 1.0) -> float:
        """Return the firm's price for a job whose estimated cost is ``cost_meur`` [EUR M].

        ``error`` is the firm's estimating error on this job (a multiplier around 1).
        """
        return cost_meur * self.unit_cost() * (1.0 + self.policy.markup(self, n_bidders)) * error

    def consider_localising(self) -> None:
        """Localise one step if the local-content rule kept the firm out twice this year."""
        P = self.model.P
        if self.excluded_this_year >= P["localisation_trigger_exclusions"] and self.localisation < 1:
            self.localisation = min(1.0, self.localisation + P["localisation_step"])
            self.cost_efficiency *= 1 + P["localisation_cost_premium"]
        self.excluded_this_year = 0


class FreeFirms:
    """The firms of one technology with a free contract slot, least busy first, through one year's tenders.

    What :meth:`Firm.free_bidders` gives, kept up to date as firms win (:meth:`won`) instead of
    worked out again for each tender: a year tenders ~60 projects to up to ~80 firms a technology.
    """

    def __init__(self, local: list[Firm]):
        self.local = local
        self.place = {f: i for i, f in enumerate(local)}
        #: (contracts in hand over the most a firm can take, place in ``local``) of each free firm, sorted
        self.order = sorted(
            (f.active_contracts / f.max_contracts, i)
            for i, f in enumerate(local)
            if f.active_contracts < f.max_contracts
        )

    def bidders(self, most: int) -> list[Firm]:
        """Return at most ``most`` free firms, the least busy first (all of them, in their order, if few)."""
        local, order = self.local, self.order
        if len(order) > most:
            return [local[i] for _, i in order[:most]]
        return [local[i] for i in sorted(i for _, i in order)]

    def won(self, firm: Firm, contracts_before: int) -> None:
        """Move a firm that had ``contracts_before`` contracts and won one more (out, once it is full)."""
        i = self.place.get(firm)
        if i is None:
            return
        order = self.order
        del order[bisect_left(order, (contracts_before / firm.max_contracts, i))]
        if firm.active_contracts < firm.max_contracts:
            insort(order, (firm.active_contracts / firm.max_contracts, i))
