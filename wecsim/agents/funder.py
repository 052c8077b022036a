"""Funders: the EU and its instruments, bilateral donors, IFIs, the national budget, regions, utilities, investors.

A funder keeps its envelope and its hard rules (mandate, economic gate, share caps: the
*gates*) and asks its policy how to share the envelope among the candidates that pass them
(:mod:`wecsim.agents.policy`; default rule F7). What each funder weighs is its own: its
sector priorities and focus in ``funders.csv``, and one of three ranking rules
(``rank_by``): economic return (``bcr``), financial return (``fnpv``) or the national
budget's political order (``national``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from wecsim.agents.policy import DEFAULT_FUNDER_POLICY
from wecsim.projects.market import EPS, FOCUS, ROUTES, SECTORS, UTILITY, Book, Screen

if TYPE_CHECKING:
    from wecsim.model import WECModel

#: Why a funder offers nothing to a candidate of its route and mandate (``refusals.reason``), by code.
REFUSAL_REASONS = (
    "economic NPV below zero",
    "not prepared to the funder's standard",
    "does not pay for itself",
    "below the funder's minimum size",
    "borrower cannot service more debt",
    "borrower refused the tariff condition",
    "no room under the share caps",
    "envelope used up",
    "ranked below other proposals",
)
_ENPV, _PREP, _FNPV, _SIZE, _DEBT, _COND, _ROOM, _USED, _RANK = range(len(REFUSAL_REASONS))
#: code of a candidate the funder did pledge to (no refusal)
_NONE = -1

#: the code of a candidate the policy gave something (first) or nothing (second), by whether the envelope is used up
_UNCHOSEN = (np.array([_NONE, _RANK], dtype=np.int8), np.array([_NONE, _USED], dtype=np.int8))
#: the code of a candidate of a region's money: pledged, offered nothing, offered nothing with the reserve used up
_REGION_CODES = np.array([_NONE, _RANK, _USED], dtype=np.int8)

#: Instruments whose money pays for a project's capex (the others support it: see ``SupportFunder``).
CAPEX_INSTRUMENTS = ("grant", "loan", "budget", "cofinance", "own_funds", "equity", "farm_equity")


class Funder(mesa.Agent):
    """A source of money for projects: gates, a score, an envelope and a policy.

    Gates (hard rules, checked on the whole candidate table at once)
    ---------------------------------------------------------------
    * **Route and mandate**: only projects of the funder's routes (public, utility, private,
      farmer) and sectors with priority above 0.
    * **Economic gate** (F1, World Bank OP 10.04): ENPV >= 0 where ``requires_enpv``.
    * **Preparation**: IFIs and EU/bilateral grants need a bankable feasibility study.
    * **Minimum size**: IFIs do not process small projects.
    * **Grant additionality** (F2, ECA SR 16/2014): grants at most the funding gap.
    * **Share caps** (F3): ``max_share_of_capex`` x the sector's relative priority; grants and
      foreign loans together at most ``1 - cofinance_share_required`` of the cost.
    * **Private money** needs FNPV >= 0 after grants.

    The envelope is the yearly lever (or parameter) plus money released by earlier projects;
    what is not committed by year end lapses.
    """

    def __init__(self, model: WECModel, row, overrides: dict | None = None):
        super().__init__(model)
        row = dict(row) | {k: v for k, v in (overrides or {}).items() if v is not None}
        self.funder_id: str = row["funder_id"]
        self.institution: str = row["institution"]
        self.name: str = row["name"]
        self.instrument: str = row["instrument"]
        self.order = int(row["order"])
        self.max_share = float(row["max_share_of_capex"])
        self.priority = np.array([float(row[f"priority_{s}"]) for s in SECTORS])
        self.requires_enpv = bool(row["requires_enpv"])
        self.requires_fnpv = bool(row["requires_fnpv"])
        self.additional = bool(row["grant_additionality"])
        self.needs_preparation = bool(row["needs_preparation"])
        self.min_project_meur = float(row["min_project_meur"])
        self.focus: str = str(row["focus"]) if isinstance(row["focus"], str) else ""
        self.rank_by: str = row["rank_by"]
        self.routes = np.array([r in str(row["routes"]).split("|") for r in ROUTES])
        self.loan_rate = float(row["loan_rate_pct"]) / 100
        self.tenor_yr = int(row["tenor_yr"])
        self.grace_yr = int(row["grace_yr"])
        self.budget_source: str = row["budget_lever"]
        self.budget_unit: str = row["budget_unit"]
        #: whether the money is foreign (counts against the domestic counterpart rule)
        self.is_external = bool(row["external"])
        #: whether the money comes with the EU tariff condition for utilities
        self.conditional = bool(row["conditional"])
        self.is_grant = self.instrument == "grant"
        self.is_loan = self.instrument == "loan"
        # a foreign funder's share of a project scales with the sector's priority (F7); domestic
        # money (the state, regions, utilities, investors) may pay up to its share cap in any sector it serves
        top = self.priority.max()
        if not self.is_external:
            self.scale = (self.priority > 0).astype(float)
        else:
            self.scale = self.priority / top if top > 0 else np.zeros_like(self.priority)
        #: routes x sectors the funder may finance
        self.mandate = np.outer(self.routes, self.priority > 0)
        #: the most the funder may pay of a project's cost, by sector [-]
        self.share_cap = self.max_share * self.scale
        self.policy = DEFAULT_FUNDER_POLICY
        self.available_meur = self.envelope_meur = 0.0
        #: money left after the funder's last pass of the finance round [EUR M]
        self.available_after_pass = 0.0
        self.committed_meur = self.released_meur = self.disbursed_meur = 0.0
        #: the last offers of :meth:`allocate` and their sum (read by :meth:`refuse_unchosen`)
        self._offered: tuple[np.ndarray | None, float | None] = (None, None)

    # ------------------------------------------------------------------ money
    def open_year(self, envelope_meur: float) -> None:
        """Start a year: the envelope becomes available; last year's leftovers lapse."""
        self.envelope_meur = envelope_meur
        self.available_meur = envelope_meur
        self.committed_meur = self.released_meur = self.disbursed_meur = 0.0

    def has_money(self) -> bool:
        """Whether anything is left to offer this year."""
        return self.available_meur > EPS

    def allocate(self, book: Book, rows: np.ndarray, cap: np.ndarray) -> np.ndarray:
        """Ask the policy how much to offer each candidate, within the caps and the money left [EUR M]."""
        amounts = self.policy.allocate(self, book, rows, cap)
        if self.policy is not DEFAULT_FUNDER_POLICY:
            # a policy may offer less than the cap, never more (the default rule's offers are within it)
            amounts = np.minimum(np.maximum(np.asarray(amounts, dtype=float), 0.0), cap)
        # nor more than the funder has
        total = amounts.sum()
        if total > self.available_meur:
            amounts = amounts * (self.available_meur / total)
            total = None
        self._offered = (amounts, total)  # the sum, for refuse_unchosen (None: not known)
        return amounts

    def withdraw(self, book: Book, rows: np.ndarray, amounts: np.ndarray) -> None:
        """Take pledged money out of what is available (``rows``: the pledged projects in ``book``)."""
        offered, total = self._offered
        if offered is not amounts or total is None:  # (the sum of the last offers, if these are they)
            total = amounts.sum()
        self.available_meur -= float(total)

    def commit(self, amount_meur: float) -> None:
        """Count a commitment; the money already left ``available_meur`` when it was pledged."""
        self.committed_meur += amount_meur

    def unpledge(self, region: int, amount_meur: float) -> None:
        """Take back a pledge to a project (in ``region``) that did not close this year."""
        self.available_meur += amount_meur

    def release(self, amount_meur: float, region: int | None = None) -> None:
        """Take back money released by a project (cancelled, or cheaper than financed)."""
        self.available_meur += amount_meur
        self.released_meur += amount_meur

    #: whether the funder's caps follow the money given back to it (a region's reserve: ``_route_caps``)
    caps_follow_refunds = False

    # ------------------------------------------------------------------ gates
    def finds_nothing_new(self, book: Book) -> bool:
        """Whether the funder's last look found nothing and nothing it read has changed since.

        Then a new look would find nothing again and record the same refusals: in the round
        the rows only leave, and the room under every cap only shrinks, except what this
        checks: grants pledged (the financial test), a utility's debt capacity or blending
        grant (up when pledges are withdrawn, down when a loan draws on it: a refusal may turn
        between "no room" and "cannot service more debt") and a region's reserve given back.
        """
        since = book.empty_since.get(self.funder_id)
        if since is None:
            return False
        if book.grant_tick > since and self.requires_fnpv:
            return False
        if book.debt_tick > since and self.is_loan and self.routes[UTILITY]:
            return False
        return not (self.caps_follow_refunds and book.refund_tick.get(self.funder_id, -1) > since)

    def max_offers(self, book: Book) -> tuple[np.ndarray, np.ndarray]:
        """Return the candidate rows this funder may finance and the most it may offer each [EUR M].

        Candidates of the funder's route and mandate that fail a gate are recorded as
        refusals with the reason; so are those the policy then gives nothing.
        """
        fid = self.funder_id
        screen = book.screens.get(fid)
        if screen is None:
            screen = book.screens[fid] = self.screen(book)
        if fid not in book.looked:
            book.looked.add(fid)
            rows = screen.rows[book.live[screen.rows]]
            if not len(rows):
                return rows, np.zeros(0)
            # a candidate that fails a gate of ``before`` keeps that reason all round
            reason = screen.before[rows]
            passing = reason < 0
            if np.count_nonzero(passing) < len(rows):
                self.model.record_refusals(fid, book, rows, reason)  # -1 (no refusal yet) for those passing
                rows = rows[passing]
        else:
            rows = screen.open_rows[book.live[screen.open_rows]]
        if not len(rows):
            return rows, np.zeros(0)
        # every row passes the gates of ``before``; ``reason`` holds the first later gate it fails (None: none yet)
        reason = None
        if screen.after is not None:
            # the financial test (grants pledged so far count), then the fixed gates after it
            fails = ~(book.fnpv[rows] + book.grants[rows] >= book.fnpv_floor[rows])
            reason = screen.after[rows]
            reason[fails] = _FNPV
        cap = screen.cap[rows]
        minimum = np.minimum
        if self.is_grant:
            cap = minimum(cap, book.grant_room[rows], out=cap)
            if self.additional:
                minimum(cap, book.gap_room[rows], out=cap)
        if self.is_loan:
            minimum(cap, book.debt_room[rows], out=cap)
        if self.is_loan and self.routes[UTILITY]:
            # only a utility's borrowing is limited by what it can service (``Book.borrower_capacity``)
            debt_limit = book.borrower_capacity(rows)
            no_debt = debt_limit <= EPS
            if reason is None:
                reason = np.where(no_debt, _DEBT, _NONE)
            else:
                reason[(reason < 0) & no_debt] = _DEBT
            minimum(cap, debt_limit, out=cap)
        if self.is_external:
            minimum(cap, book.external_room[rows], out=cap)
        cap = minimum(self._route_caps(book, rows, cap), book.need[rows])
        no_room = cap <= EPS
        if reason is None:
            if not np.count_nonzero(no_room):
                return rows, cap
            # the candidates that pass get their last word from refuse_unchosen, right after the policy
            self.model.record_refusals(fid, book, rows[no_room], _ROOM)
            ok = ~no_room
            return rows[ok], cap[ok]
        reason[(reason < 0) & no_room] = _ROOM
        # the candidates that pass get their last word from refuse_unchosen, right after the policy
        ok = reason < 0
        if np.count_nonzero(ok) < len(rows):
            self.model.record_refusals(fid, book, rows, reason)
            return rows[ok], cap[ok]
        return rows, cap

    def screen(self, book: Book) -> Screen:
        """Return the gates that stay fixed during the round: mandate, economic test, preparation, size, condition.

        Gates are checked in the order economic NPV, preparation, financial return (not
        fixed: grants pledged count), minimum size, tariff condition; a candidate's reason
        is the first it fails. :func:`screen_all` works them out for many funders at once.
        """
        return screen_all([self], book)[self.funder_id]

    def _in_scope(self, book: Book) -> np.ndarray | bool:
        """Whether each candidate is the kind of project this funder finances at all (beyond route and sector)."""
        return True

    def _fixed_caps(self, book: Book, cap: np.ndarray) -> np.ndarray:
        """Further caps a funder kind applies that stay fixed during the round, on every row (none by default)."""
        return cap

    def _route_caps(self, book: Book, rows: np.ndarray, cap: np.ndarray) -> np.ndarray:
        """Further caps a funder kind applies that change during the round (none by default)."""
        return cap

    def refuse_unchosen(self, book: Book, rows: np.ndarray, amounts: np.ndarray) -> None:
        """Record the candidates that passed the gates but got nothing from the policy."""
        offered, total = self._offered
        if offered is not amounts or total is None:
            total = amounts.sum()
        # -1 (pledged) or the reason of those offered nothing
        codes = _UNCHOSEN[int(self.available_meur - total <= EPS)][(amounts <= EPS).view(np.uint8)]
        self.model.record_refusals(self.funder_id, book, rows, codes)

    # ------------------------------------------------------------------ preferences
    def score(self, book: Book, rows: np.ndarray) -> np.ndarray:
        """Return how much the funder wants each candidate (higher first).

        ``bcr``: sector priority x benefit-cost ratio; ``fnpv``: sector priority x financial
        return per euro; ``national``: see :class:`NationalBudget`. A project that matches
        the funder's focus (``funders.csv``) scores ``funder_focus_bonus`` higher.
        """
        return self._merit(book)[rows]

    def _merit(self, book: Book) -> np.ndarray:
        """Return the score of every candidate of the book (worked out once a round)."""
        merit = book.scores.get(self.funder_id)
        if merit is None:
            weight = self.priority[book.sector]
            if self.rank_by == "fnpv":
                merit = weight * (1.0 + book.fnpv / np.maximum(book.cost, EPS))
            else:
                merit = weight * book.bcr_score
            if self.focus:
                merit = merit * (1.0 + self.model.P["funder_focus_bonus"] * book.has_focus(self.focus))
            book.scores[self.funder_id] = merit
        return merit


class NationalBudget(Funder):
    """The republican budget: water, sanitation, flood, waste loans and farm subsidies.

    Its claims come in this order: debt service on sovereign loans (taken off the envelope
    when the year opens), overruns of projects already under contract (at tender, before
    this round), then this round, ranked politically: packages that bring foreign money
    first (counterpart funds), then the state programmes, then the regions hit by a drought
    or a flood in the last years, each by sector priority x benefit-cost ratio. It pays up
    to the whole cost of public and utility projects, the drip subsidy share of farmers'
    projects and concessional loans (at most ``national_loan_max_share``) to private
    recycling plants.
    """

    def _in_scope(self, book: Book) -> np.ndarray:
        """Private projects only when they may borrow from the state (recycling plants)."""
        return (book.route != ROUTES.index("private")) | book.national_loan

    def _fixed_caps(self, book: Book, cap: np.ndarray) -> np.ndarray:
        """Farmers' projects get at most the subsidy share, private ones at most the state's loan share."""
        farmer = book.route == ROUTES.index("farmer")
        private = book.route == ROUTES.index("private")
        cap = np.where(farmer, np.minimum(cap, book.subsidy_room), cap)
        return np.where(private, np.minimum(cap, book.private_loan_room), cap)

    def score(self, book: Book, rows: np.ndarray) -> np.ndarray:
        """Rank packages with foreign money first, then programmes and shocked regions, then sector x BCR."""
        return self._merit(book)[rows] + self.model.P["national_package_bonus"] * (book.external[rows] > EPS)

    def _merit(self, book: Book) -> np.ndarray:
        merit = book.scores.get(self.funder_id)
        if merit is None:
            P = self.model.P
            merit = self.priority[book.sector] * book.bcr_score
            merit = merit * (1.0 + P["national_programme_bonus"] * book.programme)
            merit = book.scores[self.funder_id] = merit * (1.0 + P["national_shock_bonus"] * book.shocked)
        return merit


class RegionalFunds(Funder):
    """Money that belongs to one region: the akimats' co-finance or a water utility's own funds.

    Each region (or utility) offers only to projects in its own region, from its own
    reserve; the policy shares each reserve among that region's candidates.
    """

    caps_follow_refunds = True

    def __init__(self, model: WECModel, row, overrides: dict | None = None):
        super().__init__(model, row, overrides)
        self.reserve_meur = np.zeros(len(model.region_agents))

    def _route_caps(self, book: Book, rows: np.ndarray, cap: np.ndarray) -> np.ndarray:
        return np.minimum(cap, self.reserve_meur[book.region[rows]])

    def has_money(self) -> bool:
        """Whether any region has money left."""
        return bool(self.reserve_meur.max() > EPS)

    def allocate(self, book: Book, rows: np.ndarray, cap: np.ndarray) -> np.ndarray:
        """Share each region's reserve among its own candidates with the funder's policy."""
        regions = book.region[rows]
        if self.policy is DEFAULT_FUNDER_POLICY:
            # rule F7 region by region, done for all regions at once: rank within each region,
            # then fill each region's reserve greedily
            order = np.lexsort((rows, -self.score(book, rows), regions))
            offer = cap[order]
            before = offer.cumsum() - offer
            group = regions[order]
            start = np.searchsorted(group, group, side="left")
            spent_before = before - before[start]
            amounts = np.empty(len(rows))
            amounts[order] = np.minimum(np.maximum(0.0, self.reserve_meur[group] - spent_before), offer)
            return amounts
        amounts = np.zeros(len(rows))
        for r in np.unique(regions).tolist():
            sel = np.flatnonzero(regions == r)
            self.available_meur = float(self.reserve_meur[r])
            amounts[sel] = super().allocate(book, rows[sel], cap[sel])
        self.available_meur = float(self.reserve_meur.sum())
        return amounts

    def refuse_unchosen(self, book: Book, rows: np.ndarray, amounts: np.ndarray) -> None:
        """Record the candidates that got nothing (their region's reserve ran out, or they ranked lower)."""
        used = self.reserve_meur[book.region[rows]] <= EPS
        # nothing given: 1 + whether the region's reserve is used up; pledged: 0
        codes = _REGION_CODES[(amounts <= EPS) * (used + 1)]
        self.model.record_refusals(self.funder_id, book, rows, codes)

    def withdraw(self, book: Book, rows: np.ndarray, amounts: np.ndarray) -> None:
        """Take pledged money out of each project's region reserve."""
        # one pledge after another, as a loop would (two pledges may share a region)
        np.subtract.at(self.reserve_meur, book.region[rows], amounts)
        self.available_meur = float(self.reserve_meur.sum())

    def unpledge(self, region: int, amount_meur: float) -> None:
        """Give a pledge back to its region's reserve."""
        self.reserve_meur[region] += amount_meur
        self.available_meur += amount_meur

    def release(self, amount_meur: float, region: int | None = None) -> None:
        """Take back money released by a project of ``region``."""
        self.reserve_meur[region] += amount_meur
        self.available_meur += amount_meur
        self.released_meur += amount_meur


class SupportFunder(Funder):
    """An instrument that supports projects without paying their capex.

    ``preparation`` pays feasibility studies (projects become bankable in the same year's round, with
    smaller overruns and delays); ``blending`` buys down the interest of IFI loans (a utility
    can borrow more, the state pays less debt service); ``guarantee`` provisions a guarantee
    that lowers private investors' cost of capital. Its policy chooses among the
    candidates the model offers it (see :class:`~wecsim.agents.policy.SupportPolicy`).
    """

    def support(self, score: np.ndarray, cost: np.ndarray) -> np.ndarray:
        """Return the support given to each candidate [EUR M] (the policy chooses, the envelope binds)."""
        if not len(score) or self.available_meur <= EPS:
            return np.zeros(len(score))
        amounts = np.minimum(np.maximum(np.asarray(self.policy.choose(self, score, cost), dtype=float), 0.0), cost)
        total = amounts.sum()
        if total > self.available_meur:
            amounts = amounts * (self.available_meur / total)
        self.available_meur -= float(amounts.sum())
        return amounts


def screen_all(funders: list[Funder], book: Book) -> dict[str, Screen]:
    """Return each funder's gates that stay fixed during the round (:meth:`Funder.screen`), by funder id.

    Worked out for all funders at once, as tables of funders x candidates; a funder kind's own
    scope and fixed caps (``_in_scope``, ``_fixed_caps``) apply to its row.
    """
    mine = np.array([f.mandate for f in funders])[:, book.route, book.sector]
    cap = np.array([f.share_cap for f in funders])[:, book.sector] * book.cost
    for i, f in enumerate(funders):
        scope = f._in_scope(book)
        if scope is not True:
            mine[i] &= scope
        if type(f)._fixed_caps is not Funder._fixed_caps:
            cap[i] = f._fixed_caps(book, cap[i])

    def flag(name: str) -> np.ndarray:
        return np.array([getattr(f, name) for f in funders])[:, None]

    before = np.full(mine.shape, _NONE, dtype=np.int8)
    after = np.full(mine.shape, _NONE, dtype=np.int8)
    # gates are written last to first, so a candidate keeps the code of the first it fails
    after[flag("conditional") & ~book.condition_ok] = _COND
    min_size = flag("min_project_meur")
    after[(min_size > 0) & (book.cost < min_size)] = _SIZE
    before[flag("needs_preparation") & ~book.prepared] = _PREP
    before[flag("requires_enpv") & ~(book.enpv >= 0)] = _ENPV
    # a funder without a financial test has no gate between the two: the first it fails of all
    fnpv_test = flag("requires_fnpv")
    before = np.where(fnpv_test | (before >= 0), before, after)
    passing = mine & (before < 0)
    return {
        f.funder_id: Screen(
            mine[i].nonzero()[0], before[i], after[i] if f.requires_fnpv else None, cap[i], passing[i].nonzero()[0]
        )
        for i, f in enumerate(funders)
    }


def merit_all(funders: list[Funder], book: Book) -> dict[str, np.ndarray]:
    """Return each funder's score of every candidate (:meth:`Funder.score` before ``rows``), by funder id.

    Worked out for all funders at once, as one table of funders x candidates, with the same
    steps as :meth:`Funder._merit`; a funder kind with its own ``_merit`` works out its own.
    """
    plain = [f for f in funders if type(f)._merit is Funder._merit]
    if not plain or not len(book):
        return {}
    weight = np.array([f.priority for f in plain])[:, book.sector]
    by_fnpv = np.array([f.rank_by == "fnpv" for f in plain])
    per_euro = 1.0 + book.fnpv / np.maximum(book.cost, EPS)
    merit = weight * np.where(by_fnpv[:, None], per_euro, book.bcr_score)
    focused = np.array([bool(f.focus) for f in plain])
    if focused.any():
        bits = np.array([FOCUS[f.focus] for f in plain if f.focus])[:, None]
        bonus = plain[0].model.P["funder_focus_bonus"] * ((book.focus & bits) > 0)
        merit[focused] = merit[focused] * (1.0 + bonus)
    return {f.funder_id: merit[i] for i, f in enumerate(plain)}


#: Which class implements each instrument.
FUNDER_CLASSES: dict[str, type[Funder]] = {
    "budget": NationalBudget,
    "cofinance": RegionalFunds,
    "own_funds": RegionalFunds,
    "preparation": SupportFunder,
    "blending": SupportFunder,
    "guarantee": SupportFunder,
}


def make_funder(model: WECModel, row, overrides: dict | None = None) -> Funder:
    """Create the funder agent of one ``funders.csv`` row."""
    return FUNDER_CLASSES.get(row["instrument"], Funder)(model, row, overrides)
