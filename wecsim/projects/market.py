"""The yearly finance round: each funder ranks the proposals it may finance and pledges money.

A project is financed only when its pledges cover its whole cost. The round repeats (up to
``finance_rounds`` times a year): pledges to a project that cannot close are withdrawn, the
project leaves the round and waits for next year, and the money freed goes to the next
candidates in each funder's own ranking, as a ministry re-allocates lapsing money in the
mid-year budget clarification. The round is a table of candidates (one row
per project, components as arrays, PyPSA style) that each funder reads in turn, in the
order of ``funders.csv``: grants first, then loans, regional and utility money, the national
budget and private money. A funder's gates (its mandate and rules, :meth:`Funder.max_offers`)
say how much it *may* offer each candidate; its policy (:mod:`wecsim.agents.policy`) says how
much it *does* offer, so a person or an optimiser can take a funder's place.

Caps that bind across funders live on the book, not on the funders (rules F2, F3):

``grant_room``     grants at most ``1 - cofinance_share_required`` of the cost
``gap_room``       additional grants at most the funding gap (FNPV before grants below zero)
``external_room``  grants and foreign loans together at most ``1 - cofinance_share_required``
``debt_room``      loans at most ``max_debt_share`` of the cost
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import compress
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from wecsim.projects.pipeline import Project

if TYPE_CHECKING:
    from wecsim.agents.funder import Funder

#: How a project is owned and so which money it may receive (``technologies.csv`` column ``route``).
ROUTES = ("public", "utility", "private", "farmer")
#: Sectors in the order of the funders' priority columns.
SECTORS = ("water", "energy", "circular", "resilience")
EPS = 1e-9


class Screen(NamedTuple):
    """A funder's gates that do not change during a year's round (arrays over the whole book).

    ``rows`` are the candidates of the funder's routes, sectors and scope; ``before`` and
    ``after`` the first fixed gate each candidate fails before and after the financial test,
    which depends on the grants pledged so far (-1: none; ``after`` is ``None`` when the
    funder has no financial test and ``before`` holds every fixed gate); ``cap`` the funder's
    share cap [EUR M]; ``open_rows`` the rows that pass the gates in ``before``, the only ones
    whose reason can change during the round.
    """

    rows: np.ndarray
    before: np.ndarray
    after: np.ndarray | None
    cap: np.ndarray
    open_rows: np.ndarray


@dataclass
class Book:
    """The candidates for finance in one year's round, one entry per project (arrays in project order).

    Attributes
    ----------
    projects
        The appraised projects waiting for money.
    cost
        Money to raise: capex estimate plus contingency [EUR M].
    need
        Money still missing after the pledges so far [EUR M].
    sector, route, region, tech
        Index into :data:`SECTORS`, :data:`ROUTES`, the model's regions and technologies [-].
    enpv, fnpv, bcr
        Appraisal results: economic and financial NPV [EUR M], benefit-cost ratio [-].
    bcr_score
        The benefit-cost ratio funders rank by: 0 where it is missing [-].
    fnpv_floor
        The least FNPV after grants a funder with a financial test accepts: ``-EPS`` x cost [EUR M].
    close_tol
        The money a project may still miss and close: ``EPS`` x cost, at least ``EPS`` [EUR M].
    prepared
        Whether the project has a bankable feasibility study (rule of IFIs and EU grants).
    programme, shocked
        Whether the project belongs to a state programme; whether its region had a drought or
        a flood in the last years (the national budget's political order).
    focus
        Bit flags of the focus areas the project belongs to (see :data:`FOCUS`).
    grant_room, gap_room, external_room, debt_room
        Room left under the shared caps (see the module docstring) [EUR M].
    subsidy_room, private_loan_room, national_loan
        The national budget's caps on farmers' and private projects [EUR M], and whether a
        private project may borrow from it (recycling plants).
    utility_capacity, blending
        Debt each region's water utility can still service (as a loan principal) and the
        blending grant reserved for each candidate, which lets its borrower take that much
        more [EUR M].
    condition_ok
        Whether the project's owner accepts the tariff condition tied to EU money.
    lead
        The funder a scenario named to lead each pinned project (``""`` for none); it ranks
        that project ahead of its other candidates.
    signed
        Whether the project is a signed deal: pinned with a contract price (a PPA), its
        financing arranged before the year's other candidates come, so every funder ranks it
        ahead of them (after the projects it leads itself).
    leads
        The funders named in ``lead``, each with the rows it leads (a mask).
    ids
        Each row's project id.
    open
        Whether the project is still in this year's round (its pledges were not withdrawn).
    live
        Whether the project is open and still needs money.
    pledged
        Whether the project received a pledge this year (its pledges may since have been withdrawn).
    own_draw
        The part of each row's loans drawn on its utility's own debt capacity [EUR M].
    grants, loans, external
        Grants, loans and foreign money pledged so far [EUR M].
    pledged_by, pledged_as, pledged_to, pledged_meur
        The pledges as columns, in the order they were made, withdrawn ones included
        (:meth:`standing_pledges` leaves those out): funder id, instrument, row and amount [EUR M].
    standing
        Whether each pledge still stands (it was not withdrawn).
    pledge_rows
        The rows of the pledges, an array per call of :meth:`pledge` (joined when read).
    screens, scores
        Each funder's gates and scores that do not change during the round, by funder id
        (:func:`~wecsim.agents.funder.screen_all`; a funder missing works out its own on its first look).
    looked
        The funders that have looked at the candidates (a first look records the fixed gates' refusals).
    tick
        A counter of the changes to the book (each :meth:`pledge` and :meth:`withdraw`) [-].
    grant_tick, debt_tick, refund_tick
        The ``tick`` of the last grant pledged, of the last change to the utilities' debt capacity
        or the blending grants, and of each funder's last refund (pledges given back), by funder id.
    empty_since
        The ``tick`` of each funder's last look if it found nothing to offer (``None``: it did);
        see :meth:`~wecsim.agents.funder.Funder.finds_nothing_new`.
    """

    projects: list[Project]
    cost: np.ndarray
    sector: np.ndarray
    route: np.ndarray
    region: np.ndarray
    tech: np.ndarray
    enpv: np.ndarray
    fnpv: np.ndarray
    bcr: np.ndarray
    prepared: np.ndarray
    programme: np.ndarray
    shocked: np.ndarray
    focus: np.ndarray
    grant_room: np.ndarray
    gap_room: np.ndarray
    external_room: np.ndarray
    debt_room: np.ndarray
    subsidy_room: np.ndarray
    private_loan_room: np.ndarray
    national_loan: np.ndarray
    utility_capacity: np.ndarray
    blending: np.ndarray
    condition_ok: np.ndarray
    lead: np.ndarray
    signed: np.ndarray
    need: np.ndarray = field(init=False)
    ids: np.ndarray = field(init=False)
    open: np.ndarray = field(init=False)
    live: np.ndarray = field(init=False)
    pledged: np.ndarray = field(init=False)
    leads: dict[str, np.ndarray] = field(init=False)
    bcr_score: np.ndarray = field(init=False)
    fnpv_floor: np.ndarray = field(init=False)
    close_tol: np.ndarray = field(init=False)
    own_draw: np.ndarray = field(init=False)
    grants: np.ndarray = field(init=False)
    loans: np.ndarray = field(init=False)
    external: np.ndarray = field(init=False)
    pledged_by: list[str] = field(default_factory=list)
    pledged_as: list[str] = field(default_factory=list)
    pledged_to: list[int] = field(default_factory=list)
    pledged_meur: list[float] = field(default_factory=list)
    standing: list[bool] = field(default_factory=list)
    pledge_rows: list[np.ndarray] = field(default_factory=list)
    screens: dict[str, Screen] = field(default_factory=dict)
    looked: set[str] = field(default_factory=set)
    scores: dict[str, np.ndarray] = field(default_factory=dict)
    tick: int = 0
    grant_tick: int = -1
    debt_tick: int = -1
    refund_tick: dict[str, int] = field(default_factory=dict)
    empty_since: dict[str, int | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.need = self.cost.copy()
        self.grants = np.zeros(len(self.cost))
        self.loans = np.zeros(len(self.cost))
        self.external = np.zeros(len(self.cost))
        self.open = np.ones(len(self.cost), dtype=bool)
        self.live = self.need > EPS
        self.ids = np.fromiter((p.project_id for p in self.projects), dtype=np.int64, count=len(self.projects))
        self.own_draw = np.zeros(len(self.cost))
        self.pledged = np.zeros(len(self.cost), dtype=bool)
        # np.nan_to_num(bcr, nan=0.0), without its cost when no BCR is infinite
        missing = np.isnan(self.bcr)
        self.bcr_score = self.bcr.copy()
        self.bcr_score[missing] = 0.0
        if np.isinf(self.bcr_score).any():
            self.bcr_score = np.nan_to_num(self.bcr, nan=0.0)
        self.fnpv_floor = -EPS * self.cost
        self.close_tol = EPS * np.maximum(1.0, self.cost)
        self.leads = {fid: self.lead == fid for fid in set(self.lead.tolist()) if fid}

    def __len__(self) -> int:
        return len(self.projects)

    def has_focus(self, focus: str) -> np.ndarray:
        """Return whether each row belongs to a funder's focus area."""
        return (self.focus & FOCUS[focus]) > 0

    def borrower_capacity(self, rows: np.ndarray) -> np.ndarray:
        """Return the most each row's borrower can still take on as a loan [EUR M].

        Utilities are held to a debt-service cover ratio (:class:`~wecsim.agents.utility.WaterUtility`);
        a blending grant reserved for the project adds to what it can take. The state (public
        projects) and private sponsors are limited by the other caps only.
        """
        utility = self.route[rows] == UTILITY
        return np.where(utility, self.utility_capacity[self.region[rows]] + self.blending[rows], np.inf)

    def pledge(self, funder: Funder, rows: np.ndarray, amounts: np.ndarray) -> None:
        """Record a funder's pledges and take them off the shared caps and the funder's money."""
        keep = amounts > EPS
        n_kept = np.count_nonzero(keep)
        if not n_kept:
            return
        if n_kept < len(rows):
            rows, amounts = rows[keep], amounts[keep]
        self.tick += 1
        need = self.need[rows] - amounts
        self.need[rows] = need
        self.live[rows] = need > EPS
        if funder.is_grant:
            self.grant_tick = self.tick
            self.grants[rows] += amounts
            self.grant_room[rows] -= amounts
            self.gap_room[rows] -= amounts
        if funder.is_loan:
            self.loans[rows] += amounts
            self.debt_room[rows] -= amounts
            utility = self.route[rows] == UTILITY
            if utility.any():
                self.debt_tick = self.tick
                # a loan draws on the utility's own debt capacity first, then on the blending grant
                capacity, own_draw, blending = self.utility_capacity, self.own_draw, self.blending
                for r, region, a in zip(
                    rows[utility].tolist(), self.region[rows[utility]].tolist(), amounts[utility].tolist(), strict=True
                ):
                    own = min(a, max(capacity[region], 0.0))
                    capacity[region] -= own
                    own_draw[r] += own
                    blending[r] -= min(a - own, blending[r])
        if funder.is_external:
            self.external[rows] += amounts
            self.external_room[rows] -= amounts
        n = len(rows)
        self.pledged[rows] = True
        self.pledged_by += [funder.funder_id] * n
        self.pledged_as += [funder.instrument] * n
        self.pledged_to += rows.tolist()
        self.pledged_meur += amounts.tolist()
        self.standing += [True] * n
        self.pledge_rows.append(rows)
        funder.withdraw(self, rows, amounts)

    def complete(self) -> np.ndarray:
        """Return whether each row's pledges cover its whole cost."""
        return self.open & (self.need <= self.close_tol)

    def withdraw(self, rows: np.ndarray, funders: dict[str, Funder]) -> None:
        """Give back every pledge to ``rows`` (projects that cannot close) and take them out of the round."""
        self.tick = tick = self.tick + 1
        out = np.zeros(len(self), dtype=bool)
        out[rows] = True
        if len(self.pledge_rows) > 1:
            self.pledge_rows = [np.concatenate(self.pledge_rows)]
        by, to, meur, standing = self.pledged_by, self.pledged_to, self.pledged_meur, self.standing
        region, refund_tick = self.region, self.refund_tick
        # a row leaves the round when withdrawn, so every pledge to ``rows`` still stands
        for i in out[self.pledge_rows[0]].nonzero()[0].tolist() if self.pledge_rows else ():
            fid = by[i]
            funders[fid].unpledge(int(region[to[i]]), meur[i])
            refund_tick[fid] = tick
            standing[i] = False
        own_draw = self.own_draw[rows]
        if np.count_nonzero(own_draw):  # (adding nothing changes nothing: capacities are never -0.0)
            self.debt_tick = tick
            np.add.at(self.utility_capacity, self.region[rows], own_draw)
        self.own_draw[rows] = 0.0
        self.open[rows] = False
        self.live[rows] = False

    def standing_pledges(self) -> tuple[list[str], list[str], list[int], list[float]]:
        """Return the pledges that were not withdrawn, in the order they were made, as columns.

        Funder ids, instruments, rows and amounts [EUR M].
        """
        standing = self.standing
        by, instrument, row, meur = (
            list(compress(column, standing))
            for column in (self.pledged_by, self.pledged_as, self.pledged_to, self.pledged_meur)
        )
        return by, instrument, row, meur

    def stuck(self) -> np.ndarray:
        """Return the rows still in the round that have pledges but not enough to close."""
        return (self.pledged & self.open & ~self.complete()).nonzero()[0]


#: Focus areas a funder may favour (``funders.csv`` column ``focus``), as bit flags.
FOCUS = {
    "water_stress": 1,  # regions in basins that use most of their water
    "transboundary": 2,  # basins fed from abroad (Green Central Asia)
    "coastal_flood": 4,  # the Caspian coast, desalination and flood risk
    "wastewater": 8,  # wastewater treatment, reuse and network losses
    "south_irrigation": 16,  # irrigation canals and reservoirs
    "climate": 32,  # renewable power and grids
}
UTILITY = ROUTES.index("utility")


def greedy_fill(order: np.ndarray, max_offer: np.ndarray, budget: float) -> np.ndarray:
    """Give each row in ``order`` its ``max_offer`` until ``budget`` runs out (the last one gets the rest).

    Returns the amounts in ``order``'s order [EUR M]. The default allocation rule of every
    funder (rule F7: rank, then fill the envelope greedily).
    """
    offer = max_offer[order]
    before = offer.cumsum() - offer
    # np.clip(budget - before, 0.0, offer), bit for bit, without its wrappers
    return np.minimum(np.maximum(0.0, budget - before), offer)


def run_round(book: Book, funders: list[Funder], again: bool = False) -> None:
    """Let every funder, in order, pledge to the candidates still open in the round that it may finance.

    ``again``: a later pass of the same year, in which a funder looks again only if money came
    back to it (pledges withdrawn from projects that could not close), and not when its last
    look found nothing and nothing that look read has changed since (it would find nothing again
    and give the same refusals).
    """
    if not len(book):
        return
    for f in funders:
        if again and f.available_meur <= f.available_after_pass + EPS:
            continue
        if not f.has_money():
            continue
        if again and f.finds_nothing_new(book):
            continue
        rows, max_offer = f.max_offers(book)
        if not len(rows):
            book.empty_since[f.funder_id] = book.tick
            continue
        book.empty_since[f.funder_id] = None
        amounts = f.allocate(book, rows, max_offer)
        f.refuse_unchosen(book, rows, amounts)
        book.pledge(f, rows, amounts)
        f.available_after_pass = f.available_meur
