"""Farmers' own purchases: a drip or sprinkler system is bought from a supplier, not tendered.

A Kazakh farmer who installs a water-saving irrigation system chooses and pays the supplier
himself; the state then reimburses a share of the costs he has incurred (the investment
subsidy: 50% of the cost of modern irrigation systems until 2023, Vice-Minister of
Agriculture Sultanov, el.kz 108497, Feb 2024) on an application filed once the investment is
made: Rules of subsidising the reimbursement of part of the costs of agro-industrial
investments (Order of the Acting Minister of Agriculture No. 317 of 23 July 2018, adilet.zan.kz V1800017320,
applications through the qoldau.kz portal) and, since 2025, the Rules of subsidising the
reimbursement of part of the costs of investments in water-saving irrigation (Order of the
Minister of Water Resources and Irrigation No. 100-НҚ of 28 May 2025, cis-legislation.com
document 167395). So the farmer is his own buyer: no public tender, no firm contract, no
procurement rule, and no construction year: the system is installed before the growing
season and waters it. In the model a farmer project financed in a year's round (his money
and the subsidy pledged) is bought at the start of the next model year, before that year's
season: it is paid in full at its estimated price and commissioned that year. Nothing
financed in a year's round changes that year's water balance (the base year stays the
observed one), and the farmer skips the tender year and the build year of a public project
(financed in ``t``, watering in ``t + 1`` instead of ``t + 2``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wecsim.projects.pipeline import Project, Stage

if TYPE_CHECKING:
    from wecsim.model import WECModel

EPS = 1e-9
#: The ownership route whose projects are bought directly (``technologies.csv`` column ``route``).
FARMER_ROUTE = "farmer"


def buy_farmer_systems(model: WECModel) -> None:
    """Buy and commission every farmer project financed last year (before the tender: none reaches it)."""
    for p in model.pipeline.in_stage(Stage.FINANCED):
        if p.route == FARMER_ROUTE:
            _buy(model, p)


def _buy(model: WECModel, p: Project) -> None:
    """Pay the supplier's price in full, give back the unused contingency and commission the system."""
    year, price = model.year, p.capex_estimate_meur
    committed = p.committed_meur
    if committed > price + EPS:
        # the contingency financed for a tendered contract's overrun is not needed: each funder
        # (the farmer and the subsidy) keeps its share of the price
        share = price / committed
        for funder_id, amount in list(p.commitments.items()):
            model._commit(p, funder_id, -amount * (1 - share), "release")
    p.contract_cost_meur = p.committed_meur
    p.build_years = 0
    p.schedule_meur = (p.contract_cost_meur,)
    p.construction_start_year = year
    model.pipeline.move(
        p,
        Stage.UNDER_CONSTRUCTION,
        year,
        "bought by the farmer from a supplier (no public tender), installed this season",
    )
    for funder_id, amount in model.pipeline.disburse(p, p.contract_cost_meur, year).items():
        model.funder_by_id[funder_id].disbursed_meur += amount
    model.commission(p)
