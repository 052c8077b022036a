"""Tendering and contracts: firms bid for financed projects; the winner's price, overrun and delay (D1-D5).

Who wins depends on the rules of the money behind the project. Where foreign money pays
more than ``external_procurement_share`` of the cost (0: any IFI or donor share, as their
procurement rules cover contracts they finance "in whole or in part"), the IFIs' rules apply:
bids are scored on price and quality (the technology's ``quality_weight``), and firms of the
country of a bilateral donor that co-finances the project bid on its concessional terms
(``tied_finance_advantage``). Otherwise Kazakh public procurement applies: lowest price,
and bids below ``dumping_limit_share`` under the estimate count as dumping, so firms bid no
lower than that. Either way
every firm adds its own estimating error to its price, so the lowest-cost firm does not
always win.
"""

from __future__ import annotations

from collections import Counter
from itertools import chain
from typing import TYPE_CHECKING

import numpy as np
from scipy.special import ndtr, ndtri

from wecsim.agents.firm import DEFAULT_MARKUP_POLICY, Firm, FreeFirms
from wecsim.projects.pipeline import Project, Stage

if TYPE_CHECKING:
    from wecsim.model import WECModel

EPS = 1e-9


def _bid_errors(u: np.ndarray, n: int, sigma: float) -> np.ndarray:
    """Return lognormal estimating errors (mean 1) for ``n`` bidders on each project (common random numbers).

    ``u`` holds one uniform per project; bidder ``k`` reads it shifted by ``k`` golden-ratio
    steps (a rotated low-discrepancy sequence), so each firm's error on a project is the
    same whatever the scenario. Returns an array of shape ``(len(u), n)``.
    """
    q = (u[:, None] + _GOLDEN * np.arange(1, n + 1)) % 1.0
    z = ndtri(np.clip(q, 1e-12, 1 - 1e-12))
    return np.exp(sigma * z - sigma**2 / 2)


_GOLDEN = (5**0.5 - 1) / 2
#: Tenders of one technology in a year from which keeping its free firms in order (:class:`FreeFirms`)
#: costs less than sorting them for each tender (measured: 3 tenders on 80 firms cost the same either way).
_KEEP_ORDER_FROM = 3


def tender(model: WECModel) -> None:
    """Tender every project financed last year, then settle the contracts tendered so far."""
    P = model.P
    local_content = model.value("local_content_share")
    financed = model.pipeline.in_stage(Stage.FINANCED)
    z = model.project_normals(financed) if financed else np.zeros((0, 3))
    most, min_bidders = int(P["max_bidders_per_tender"]), P["min_bidders"]
    errors = _bid_errors(ndtr(z[:, 2]), most, P["bid_sigma_log"]).tolist()
    awards: list[tuple[Project, Firm, int, float]] = []
    markups: dict[int, float] = {}  # 1 + the default policy's markup, by number of bidders
    # a firm that fails the local-content rule never wins here, so whether it has a free slot
    # stays as it is all loop: it counts one exclusion per tender of its technology
    tenders = Counter(p.tech_id for p in financed)
    # only the technologies tendered this year; a firm's cost per euro stays fixed all loop
    # (it learns from contracts completed, in ``_build``)
    # (kept from year to year while the rule stays and no firm localises: see the end of the loop)
    splits = model.local_content_splits
    local_enough = {}
    for t in tenders:
        split = splits.get((t, local_content))
        if split is None:
            split = splits[(t, local_content)] = Firm.split_by_local_content(model.firms_by_tech[t], local_content)
        local_enough[t] = split
    unit_cost = Firm.unit_costs(
        dict.fromkeys(chain.from_iterable(local_enough[t][0] for t in tenders)), P["local_learning_rate_pct"]
    )
    for tech_id, n_tenders in tenders.items():
        Firm.count_exclusions(local_enough[tech_id][1], n_tenders)
    # a firm with a policy of its own (a workshop team) may pass a tender: its technologies are asked per tender
    picky = {t for f in model.firms if f.policy is not DEFAULT_MARKUP_POLICY for t in f.technologies}
    # a technology tendered often keeps its free firms in order as they win
    free = {
        t: FreeFirms(local_enough[t][0])
        for t, n_tenders in tenders.items()
        if n_tenders >= _KEEP_ORDER_FROM and t not in picky
    }
    # the free-firm lists each firm is in (its technologies tendered often), found at its first win
    trackers: dict[Firm, list[FreeFirms]] = {}
    for p, err in zip(financed, errors, strict=True):
        tech_id = p.tech_id
        tech_free = free.get(tech_id)
        if tech_free is not None:
            bidders = tech_free.bidders(most)
        elif tech_id in picky:
            bidders = Firm.free_bidders([f for f in local_enough[tech_id][0] if f.policy.bids(f, p)], most)
        else:
            bidders = Firm.free_bidders(local_enough[tech_id][0], most)
        if len(bidders) < min_bidders:
            p.tender_failures += 1
            reason = f"tender failed: {len(bidders)} eligible bidder(s), {int(P['min_bidders'])} needed"
            if p.tender_failures >= P["tender_max_failures"]:
                model.release_all(p)
                model.pipeline.move(p, Stage.CANCELLED, model.year, f"{reason} (twice)")
            else:
                p.last_reason = reason
            continue
        # a Python float: an estimate kept as a NumPy scalar would make every price and score one (~5x slower)
        n, estimate = len(bidders), float(p.capex_estimate_meur)
        markup = markups.get(n)
        if markup is None:
            markup = markups[n] = 1 + DEFAULT_MARKUP_POLICY.markup(bidders[0], n)
        if tech_id in picky:
            price = [
                unit_cost[f]
                * (markup if f.policy is DEFAULT_MARKUP_POLICY else 1 + f.policy.markup(f, n))
                * e
                * estimate
                for f, e in zip(bidders, err, strict=False)
            ]
        else:  # every firm of the technology bids by the default policy
            price = [unit_cost[f] * markup * e * estimate for f, e in zip(bidders, err, strict=False)]
        firm, contract = _winner(model, p, bidders, price)
        firm.active_contracts += 1
        firm.won += 1
        tracked = trackers.get(firm)
        if tracked is None:
            tracked = trackers[firm] = [free[t] for t in firm.technologies if t in free]
        for firms in tracked:
            firms.won(firm, firm.active_contracts - 1)
        awards.append((p, firm, len(bidders), contract))
    if awards:
        _award(model, awards)
    # a firm kept out by no tender this year has nothing to consider (unless no exclusion is needed)
    anyone = P["localisation_trigger_exclusions"] <= 0
    for f in model.firms:
        if anyone or f.excluded_this_year:
            before = f.localisation
            f.consider_localising()
            if f.localisation != before:
                splits.clear()
    for p in model.pipeline.in_stage(Stage.TENDERED):
        settle_contract(model, p)


def _winner(model: WECModel, p: Project, bidders: list[Firm], price: list[float]) -> tuple[Firm, float]:
    """Return the firm that wins a tender under the rules of the money behind it, and its price [EUR M]."""
    P = model.P
    external = model.external_funder_ids
    committed = foreign = 0.0
    for f, a in p.commitments.items():
        committed += a
        if f in external:
            foreign += a
    ifi_rules = committed > 0 and foreign / committed > P["external_procurement_share"]
    if not ifi_rules:
        # firms know the dumping limit and bid no lower; among bids at the limit the firm
        # whose own price was lowest wins: the first of the lowest prices, at the limit or above
        floor = (1 - P["dumping_limit_share"]) * p.capex_estimate_meur
        best = price.index(min(price))
        return bidders[best], max(price[best], floor)
    funder_by_id = model.funder_by_id
    donors = {funder_by_id[f].institution for f, a in p.commitments.items() if a > EPS}
    if donors.isdisjoint([f.country for f in bidders]):
        effective = price  # no bidder comes from a donor's country
    else:
        tied = 1 - P["tied_finance_advantage"]
        effective = [pr * tied if f.country in donors else pr for f, pr in zip(bidders, price, strict=True)]
    w = model.catalog[p.tech_id].quality_weight
    price_part = (1 - w) * min(effective)  # (1 - w) * lowest / e, as ((1 - w) * lowest) / e
    score = [price_part / e + w * f.reliability for f, e in zip(bidders, effective, strict=True)]
    # the first of the best scores (scores are finite: prices are positive)
    best = score.index(max(score))
    return bidders[best], price[best]


def _award(model: WECModel, awards: list[tuple[Project, Firm, int, float]]) -> None:
    """Price the year's contracts: the winner's bid, then a lognormal overrun and delay (D1, D2).

    A project prepared to IFI standard starts from a smaller mean overrun and delay; a
    less reliable firm adds to both. The draws of all awards are made as arrays.
    """
    v, P = model.value, model.P
    projects = [p for p, _, _, _ in awards]
    techs = [model.tech(p.tech_id) for p in projects]
    z = model.project_normals(projects)
    rho = P["overrun_delay_correlation"]
    z1 = z[:, 0]
    z2 = rho * z1 + np.sqrt(1 - rho**2) * z[:, 1]
    reliability = np.array([f.reliability for _, f, _, _ in awards])
    quality = 1 + P["quality_overrun_slope"] * (model.reliability_ref - reliability)
    # the financed contingency depends on the technology and whether the project was prepared only
    contingency = {}
    for p in projects:
        key = (p.tech_id, p.prepared_year is None)
        if key not in contingency:
            contingency[key] = model.contingency(p)
    mean_overrun = np.array([contingency[p.tech_id, p.prepared_year is None] for p in projects]) * quality
    sigma = np.array([t.overrun_sigma_log for t in techs])
    overrun = (1 + mean_overrun) * np.exp(sigma * z1 - sigma**2 / 2) - 1
    prepared = np.array([p.prepared_year is not None for p in projects])
    delay_scale = v("delay_scale") * np.where(prepared, 1 - P["prep_delay_cut"], 1.0)
    d_mean = np.array([t.delay_mean_share for t in techs]) * delay_scale * (2 - reliability)
    build_time = np.array([t.build_time_yr for t in techs])
    ds = P["delay_sigma_log"]
    delay = np.round(build_time * d_mean * np.exp(ds * z2 - ds**2 / 2))
    # an auction's PPA sets a commissioning deadline counted from the auction, not from this tender
    deadline_months = {
        "solar_pv": P["auction_build_deadline_solar_pv_months"],
        "wind": P["auction_build_deadline_wind_months"],
    }
    deadline_yr = {tech_id: months / 12 for tech_id, months in deadline_months.items()}
    for (p, firm, n_bidders, price), t, over, late in zip(awards, techs, overrun.tolist(), delay.tolist(), strict=True):
        p.firm_id, p.n_bidders = firm.firm_id, n_bidders
        p.contract_cost_meur = float(price * (1 + over))
        planned = t.build_time_yr
        # an auction award (a PPA, not pinned: the large deals outside the auctions have their own timetables)
        if p.tech_id in deadline_yr and p.ppa_eur_per_mwh == p.ppa_eur_per_mwh and not p.pinned:
            planned = min(planned, max(1, int(deadline_yr[p.tech_id]) - (model.year - p.proposed_year)))
        p.build_years = planned + max(int(late), 0)
        model.pipeline.move(
            p,
            Stage.TENDERED,
            model.year,
            "awarded to %s among %s bidders; contract %.1f M EUR",
            firm.firm_id,
            n_bidders,
            p.contract_cost_meur,
        )


def settle_contract(model: WECModel, p: Project) -> None:
    """Match commitments to the contract price; start construction when covered.

    An overrun beyond the financed contingency is topped up by the owner's backer of last
    resort (private equity for private projects, the farmers for theirs, the national
    budget otherwise), before any new project is financed this year, with what the backer
    has this year and the rest in the next years (an overrun larger than one year's envelope
    can be raised over the wait); a cheaper contract releases the surplus to every funder
    pro rata.
    """
    committed = p.committed_meur
    diff = p.contract_cost_meur - committed
    if diff > EPS:
        backer = model.backer_of(p)
        paid = min(diff, max(0.0, backer.available_meur))
        if paid > EPS:
            backer.available_meur -= paid
            model._commit(p, backer.funder_id, paid, "overrun_topup")
            model.topups_meur += paid
            diff -= paid
        if diff > EPS:
            p.overrun_waited_yr += 1
            if p.overrun_waited_yr > model.P["overrun_max_wait_yr"]:
                model.release_all(p)
                model.firm_by_id[p.firm_id].active_contracts -= 1
                model.pipeline.move(p, Stage.CANCELLED, model.year, f"cost overrun of {diff:.1f} M EUR not financed")
            else:
                p.wait("waiting for %.1f M EUR of overrun financing from %s", diff, backer.funder_id)
            return
    elif diff < -EPS:
        share = p.contract_cost_meur / committed
        for funder_id, amount in list(p.commitments.items()):
            model._commit(p, funder_id, -amount * (1 - share), "release")
    cost = p.contract_cost_meur
    p.schedule_meur = tuple([cost * share for share in model.profile(p.tech_id, p.build_years).tolist()])
    p.construction_start_year = model.year
    model.pipeline.move(
        p, Stage.UNDER_CONSTRUCTION, model.year, "construction starts; %s years planned with delay", p.build_years
    )
