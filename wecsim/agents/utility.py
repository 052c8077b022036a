"""Utilities: a region's water and waste operators, and the national grid operator."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

import mesa
import numpy as np

from wecsim.agents.sizes import round_size
from wecsim.projects.appraisal import sorting_paying_sites
from wecsim.projects.pipeline import Project, Stage
from wecsim.systems.finance import capital_recovery_factor, debt_service_schedule
from wecsim.systems.waste import new_plant_separate_share

if TYPE_CHECKING:
    from wecsim.model import WECModel


class TariffPolicy:
    """The default decisions of a water utility: its tariff (rule U1, with EU conditionality) and its renewal (U3).

    Replaceable by any object with the same three methods.
    """

    def tariff_growth(self, utility: WaterUtility) -> float:
        """Return this year's real tariff growth: the lever, plus the EU condition while it binds [-]."""
        m = utility.model
        g = m.value("water_tariff_growth_pct") / 100
        if m.year <= utility.condition_until:
            g += m.value("eu_tariff_condition_pct") / 100
        return g

    def accepts_condition(self, utility: WaterUtility, extra_pct: float) -> bool:
        """Accept EU money tied to ``extra_pct`` more tariff growth a year if the path stays acceptable.

        Acceptable: total real growth within what the regulator and akimat allow
        (``max_acceptable_tariff_growth_pct``) and the tariff at the end of the condition
        still within the affordability cap (F5).
        """
        m, P = utility.model, utility.model.P
        growth = m.value("water_tariff_growth_pct") + extra_pct
        if growth > P["max_acceptable_tariff_growth_pct"]:
            return False
        after = utility.tariff * (1 + growth / 100) ** P["eu_condition_years"]
        return after <= utility.affordable_tariff()

    def renewal(self, utility: WaterUtility, asset_id: str) -> float:
        """Return the renewal of ``asset_id`` to propose this year: what keeps it on the national wear path (U3)."""
        return utility.model.renewal_gap(asset_id, utility.idx)


class WaterUtility(mesa.Agent):
    """A region's water and wastewater utility (vodokanal): tariffs, money, assets and proposals.

    Decision rules
    --------------
    * **Tariff** (U1, F5): grows each year by the real growth lever (plus the EU condition
      while one binds), never above the affordability cap: ``affordability_cap_pct`` of the
      bottom-40% income per m3 a person uses (a parameter: it does not bind before 2050).
    * **Money** (F4): revenue = tariff x water sold; what is left after operating costs and
      debt service goes to the utility's reserve (its own funds). It may borrow from IFIs only
      while the debt-service cover ratio stays at least ``utility_min_dscr``; a blending grant
      lets it borrow that much more.
    * **Renewal** (U3): pipes and sewers age by ``1 / service_life_yr`` a year (``assets.csv``);
      the utility proposes renewal to bring their wear down the national path (water pipes
      49% to 33% by 2030, sewers to 41%, then held).
    * **Treatment**: proposes plants to keep up with the national target for treated wastewater
      as old plants fail.
    * **Losses** (U2): cut network losses while a saved m3 costs less than new supply.
    * **Gaps**: where municipal or industrial demand goes unmet, propose reuse, and on the
      Caspian coast desalination sized to the gap.
    """

    def __init__(self, model: WECModel, region):
        super().__init__(model)
        P = model.P
        self.region = region
        self.idx = region.idx
        self.name = f"water utility {region.region_id}"
        self.tariff = P["tariff_water_eur_per_m3"]
        self.revenue_meur = self.opex_meur = self.cash_meur = 0.0
        self.condition_until = -1
        horizon = len(model.years) + P["debt_schedule_padding_yr"]
        #: debt service due each model year (index = year - base year) [EUR M]
        self.debt_service = np.zeros(int(horizon))
        #: ``(t, largest debt service due after model year t)``, kept until the next loan [EUR M]
        self._debt_peak: tuple[int, float] = (-1, 0.0)
        self.policy = TariffPolicy()
        # fixed for the run: the region's income relative to the nation's (F5), the water a person
        # uses [m3/yr] and the yearly payment per euro of a sub-sovereign loan
        self._income_weight = region.fiscal_capacity ** P["income_fiscal_elasticity"]
        self._m3_per_person = P["municipal_lpcd_delivered"] * 365 / 1e3
        self._loan_crf = capital_recovery_factor(
            P["subsovereign_loan_rate_pct"] / 100, int(P["ifi_loan_tenor_yr"]) - int(P["ifi_loan_grace_yr"])
        )

    # ------------------------------------------------------------------ money
    def affordable_tariff(self) -> float:
        """Return the highest tariff the affordability cap allows this year (F5) [EUR/m3]."""
        m, P = self.model, self.model.P
        income = P["income_bottom40_eur_per_capita_yr"] * m.gdp_factor * self._income_weight
        return P["affordability_cap_pct"] / 100 * income / self._m3_per_person

    def update_finances(self) -> float:
        """Set this year's tariff, revenue, costs and cash; return the cash left for the reserve [EUR M].

        The utility keeps all of its positive cash for its own investment ("tariff in exchange
        for investment": tariff margins are meant for investment programmes).
        """
        m, P = self.model, self.model.P
        t = m.year - m.base_year
        if t > 0:
            self.tariff = min(
                self.tariff * (1 + self.policy.tariff_growth(self)), max(self.affordable_tariff(), self.tariff)
            )
        billed_m3 = m.last["delivered_municipal_m3"][self.idx]
        produced_m3 = m.last["supplied_municipal_m3"][self.idx]
        self.revenue_meur = self.tariff * billed_m3 / 1e6
        self.opex_meur = P["utility_opex_eur_per_m3"] * produced_m3 / 1e6
        self.cash_meur = self.revenue_meur - self.opex_meur - float(self.debt_service[t])
        return max(self.cash_meur, 0.0)

    def debt_capacity_meur(self) -> float:
        """Return the largest new loan the utility can service at the minimum cover ratio [EUR M].

        Next year's operating margin divided by the minimum debt-service cover ratio, less the
        debt service already due, is what a new loan's yearly payment may be; its principal
        follows from the sub-sovereign loan terms.
        """
        m, P = self.model, self.model.P
        t = m.year - m.base_year
        tariff_next = min(
            self.tariff * (1 + self.policy.tariff_growth(self)), max(self.affordable_tariff(), self.tariff)
        )
        margin = tariff_next * m.last["delivered_municipal_m3"][self.idx] / 1e6 - self.opex_meur
        room = margin / P["utility_min_dscr"] - self._debt_due_peak(t)
        if room <= 0:
            return 0.0
        return room / self._loan_crf

    def _debt_due_peak(self, t: int) -> float:
        """Return the largest yearly debt service due after model year ``t`` [EUR M].

        Worked out once a year and again after a loan (a run asks ~500 times, borrows far less).
        """
        if self._debt_peak[0] != t:
            self._debt_peak = (t, float(self.debt_service[t + 1 :].max(initial=0.0)))
        return self._debt_peak[1]

    def borrow(self, principal_meur: float, tenor: int, grace: int) -> None:
        """Add a sub-sovereign loan signed this year (``tenor`` and ``grace`` in years) to the debt service."""
        P, m = self.model.P, self.model
        rate = P["subsovereign_loan_rate_pct"] / 100
        start = m.year - m.base_year + 1
        ds = debt_service_schedule(principal_meur, rate, tenor, grace)
        self.debt_service[start : start + tenor] += ds[: len(self.debt_service) - start]
        self._debt_peak = (-1, 0.0)

    # ------------------------------------------------------------------ proposals
    def propose(self) -> None:
        """Run the utility's proposal rules for the year."""
        self.propose_renewal()
        self.propose_treatment()
        self.propose_loss_reduction()
        self.propose_supply()

    def propose_renewal(self) -> None:
        """Propose pipe and sewer renewal that brings the networks' wear down the national path (U3)."""
        m = self.model
        for asset_id in ("water_network", "sewer_network"):
            tech_id = m.assets[asset_id]["renewal_tech"]
            if m.has_pending(tech_id, self.region.region_id):
                continue
            size = self.policy.renewal(self, asset_id)
            if size > 0:
                m.propose(self, tech_id, self.region.region_id, round_size(size, 1), programme=True)

    def propose_treatment(self) -> None:
        """Propose treatment capacity that keeps the treated share on the national target path."""
        m, P = self.model, self.model.P
        if m.has_pending("wastewater_treatment", self.region.region_id):
            return
        size = _treatment_gaps(m)[self.idx]
        if size >= P["wastewater_min_m3_per_day"]:
            size = min(size, P["wastewater_max_plant_multiple"] * m.tech("wastewater_treatment").typical_size)
            m.propose(self, "wastewater_treatment", self.region.region_id, round_size(size, -3), programme=True)

    def propose_loss_reduction(self) -> None:
        """Cut network losses while a saved m3 costs less than new supply (U2)."""
        m, P = self.model, self.model.P
        i = self.idx
        loss = m.state.network_loss_share[i]
        if loss > P["network_loss_floor"] + P["network_loss_margin"] and not m.has_active(
            "network_loss_reduction", self.region.region_id
        ):
            saved_m3_per_day = (loss - P["network_loss_floor"]) * m.last["demand_municipal_m3"][i] / 365.0
            size = min(m.tech("network_loss_reduction").typical_size, saved_m3_per_day)
            if m.unit_cost_of_saving("network_loss_reduction") < P["value_water_municipal_eur_per_m3"]:
                m.propose(self, "network_loss_reduction", self.region.region_id, round_size(size))

    def propose_supply(self) -> None:
        """Where municipal or industrial demand went unmet: reuse inland, desalination on the coast."""
        m, P, r = self.model, self.model.P, self.region
        i = self.idx
        gap_m3 = m.last["deficit_municipal_m3"][i] + m.last["deficit_industry_m3"][i]
        if gap_m3 <= 0:
            return
        if r.coastal and not m.has_active("desalination", r.region_id):
            step = P["desal_rounding_m3_per_day"]
            size = math.ceil(gap_m3 / m.tech("desalination").water_m3_per_unit_yr / step) * step
            m.propose(self, "desalination", r.region_id, float(size))
        elif not r.coastal and not m.has_active("wastewater_reuse", r.region_id):
            room = P["reuse_max_share_of_municipal"] * m.last["supplied_municipal_m3"][i] - m.state.reuse_m3[i]
            size = min(gap_m3, room) / m.tech("wastewater_reuse").water_m3_per_unit_yr
            if size >= P["reuse_min_m3_per_day"]:
                m.propose(self, "wastewater_reuse", r.region_id, round_size(size, -3))


class _SortingOutlook(NamedTuple):
    """Waste at the planning horizon in every region and the recycler's break-even (worked out once a year)."""

    expected_t: np.ndarray  # municipal waste generated [t/yr]
    collected_t: np.ndarray  # of it collected [t/yr]
    separate_t: np.ndarray  # recyclables collected apart [t/yr]
    plan_t: np.ndarray  # sorting the national target path asks for [t/yr]
    mixed_paying_share: float  # share of mixed waste whose sorting pays a recycler [-]
    paying_capex_factor: float  # mean capex of those sites over the catalogue's [-]


def _sorting_outlook(m: WECModel) -> _SortingOutlook:
    """Return this year's :class:`_SortingOutlook` (the same float steps as one region's own)."""
    outlook = m.year_tables.get("sorting_recycling")
    if outlook is None:
        P = m.P
        horizon = int(P["recycling_planning_horizon_yr"])
        expected_t = m.last["msw_generated_t"] * (1 + m.msw_growth_rate()) ** horizon
        collected_t = P["collection_coverage"] * expected_t
        separate_t = np.minimum(
            (m.separated_share + horizon * m.separated_share_growth) * expected_t,
            P["recycling_max_recoverable_share"] * collected_t,
        )
        mixed_paying_share, paying_capex_factor = sorting_paying_sites(
            m.tech("sorting_recycling"),
            P,
            m.value("epr_fee_multiplier"),
            m.value("landfill_gate_fee_kzt_per_t") / m.kzt_per_eur,
            m.capex_multiplier("sorting_recycling"),
        )
        plan_t = m.recycling_target(m.year + horizon) * expected_t
        outlook = m.year_tables["sorting_recycling"] = _SortingOutlook(
            expected_t, collected_t, separate_t, plan_t, mixed_paying_share, paying_capex_factor
        )
    return outlook


def _treatment_gaps(m: WECModel) -> np.ndarray:
    """Treatment capacity each region lacks when a plant proposed now would run [m3/day] (worked out once a year).

    Wastewater expected then (``lead`` years of growth) times the national target share,
    less the plants still in service then and those in the pipeline.
    """
    gaps = m.year_tables.get("wastewater_treatment")
    if gaps is None:
        tech = m.tech("wastewater_treatment")
        lead = tech.build_time_yr + 1
        generated = m.last["wastewater_generated_m3"] * (1 + m.municipal_growth_rate()) ** lead
        in_pipeline = m.in_pipeline_by_region("wastewater_treatment")
        capacity = m.treatment_capacities_m3(m.year + lead) + in_pipeline * tech.water_m3_per_unit_yr
        gap_m3 = m.treatment_target(m.year + lead) * generated - capacity
        gaps = m.year_tables["wastewater_treatment"] = gap_m3 / tech.water_m3_per_unit_yr
    return gaps


def _waits(project: Project | None) -> bool:
    """Whether a proposal still waits for finance."""
    return project is not None and project.stage in (Stage.PROPOSED, Stage.APPRAISED)


class WasteUtility(mesa.Agent):
    """A region's waste operator.

    Decision rules
    --------------
    * **Sorting** (W1-W3): propose the sorting capacity a region needs when a plant would
      run (planning horizon): the akimat's plan (the national target path: the Ministry sets
      regions yearly plans toward 40% by 2030; seven regions missed 2024's 30%), a line of
      the tariffed MSW service whose operator recovers its cost net of sales through the
      maslikhat's cost-based tariff; or, if larger, a recycler's plant for the
      recyclables collected apart and the mixed waste of the sites where sorting it pays
      (EPR money and gate fees make more sites pay). The target drives capacity but
      is no ceiling on it; plants are built only if financed.
    * **Waste-to-energy** (W4): propose a plant when enough residual waste is left and a
      landfill ban is coming (or in the three big cities).
    * **Landfill gas**: capture it where much is landfilled.
    """

    def __init__(self, model: WECModel, region):
        super().__init__(model)
        self.region = region
        self.name = f"waste utility {region.region_id}"
        self._market_plant: Project | None = None

    def _propose_sorting(self) -> None:
        """W1-W3: propose the sorting capacity the plan or a recycler's business case asks for.

        At the planning horizon: the akimat's plan is the national target path times waste;
        recyclers' business case is the recyclables collected apart plus the mixed waste of the
        sites where a plant on it pays for itself (``sorting_paying_sites``); the larger
        wins, at most the waste collected, less the capacity operating or in the pipeline.
        """
        m, P, r = self.model, self.model.P, self.region
        i = r.idx
        use = P["recycling_utilisation_mature"]
        outlook = _sorting_outlook(m)
        collected_t, separate_t, plan_t = outlook.collected_t[i], outlook.separate_t[i], outlook.plan_t[i]
        capacity_t = m.recycling_capacity_mature_t(i) + m.pipeline_recycling_t(r.region_id)
        tech = m.tech("sorting_recycling")
        market_t = separate_t + outlook.mixed_paying_share * max(0.0, collected_t - separate_t)
        gap_t = min(collected_t, max(plan_t, market_t)) - capacity_t
        if gap_t >= P["recycling_min_plant_t"]:
            size = round_size(min(gap_t / use, P["recycling_max_plant_multiple"] * tech.typical_size), -3)
            share = new_plant_separate_share(separate_t, capacity_t, size * use)
            # the akimat's line at its landfill is a public service of the state's plan, run by a
            # private operator (as Almaty's Green Recycle) and paid its cost net of sales through
            # the MSW tariff (Ecological Code art. 365; appraisal.sorting_tariff_eur_per_t); a
            # recycler's plant earns only its sales, EPR and fees, and may come while a plan line
            # still waits for money
            planned = plan_t > market_t
            if _waits(self._market_plant) or (planned and m.has_pending("sorting_recycling", r.region_id)):
                return
            p = m.propose(
                self,
                "sorting_recycling",
                r.region_id,
                size,
                programme=planned,
                separate_input_share=share,
                **({} if planned else {"capex_factor": outlook.paying_capex_factor}),
            )
            if not planned:
                self._market_plant = p

    def propose(self) -> None:
        """Run the waste utility's proposal rules for the year."""
        m, P, r = self.model, self.model.P, self.region
        i = r.idx
        self._propose_sorting()
        residual = m.last["landfilled_t"][i]
        lead = m.tech("waste_to_energy").build_time_yr + P["wte_ban_lead_yr"]
        ban_soon = m.value("landfill_ban_year") <= m.year + lead
        if (
            residual >= P["wte_min_residual_t"]
            and not m.has_active("waste_to_energy", r.region_id)
            and (ban_soon or r.kind == "city")
        ):
            size = min(residual, m.tech("waste_to_energy").typical_size)
            m.propose(self, "waste_to_energy", r.region_id, round_size(size, -4))
        if (
            residual >= P["lfg_min_landfilled_t"]
            and not m.has_active("landfill_gas", r.region_id)
            and m.state.lfg_mw[i] == 0
        ):
            mw = residual / 1e5 * P["lfg_mw_per_100kt_landfilled"]
            m.propose(self, "landfill_gas", r.region_id, round_size(mw, 1))


def auction_bids(cost: np.ndarray, qualified: np.ndarray, ceiling: float, slots: int) -> np.ndarray:
    """Return each bid of a pay-as-bid auction under a ceiling price [same unit as ``cost``].

    A bidder bids its cost plus a share of the gap to the ceiling, ``cost + (ceiling - cost)
    x min(1, slots / qualified bidders)``. With one award this is the equilibrium bid of a
    first-price procurement auction whose bidders' costs are uniform up to the ceiling
    (``cost + (ceiling - cost) / n``; Krishna 2010, *Auction Theory*, 2nd ed., ch. 2); with
    ``slots`` awards the margin grows with the share of bidders who win, and a bidder who
    wins anyway (no more qualified bids than awards) bids the ceiling. So a bid is never
    below its cost nor above the ceiling and a cheaper site bids lower; with the same
    bidders a higher ceiling raises every bid, while more bidders for the same awards lower
    them. Bids that do not qualify (``cost`` above the ceiling) are returned at their cost.
    """
    n = int(np.count_nonzero(qualified))
    share = min(1.0, slots / n) if n else 1.0
    return np.where(qualified, cost + np.maximum(ceiling - cost, 0.0) * share, cost)


class GridOperator(mesa.Agent):
    """The national grid operator (KEGOC and its settlement centre): renewables auctions and grid links.

    Decision rules
    --------------
    * **Auction** (D3, Kazakh RES auctions since 2018): offer the year's volume (lever) of
      wind and solar under a ceiling price (lever); developers whose levelised cost at their
      cost of capital is at or below the ceiling bid their cost plus a margin that shrinks
      with competition (:func:`auction_bids`); the cheapest bids win, pay-as-bid, until the
      volume is filled. The price paid is an outcome. Sites differ (capacity factor and cost
      drawn per site), so the volume built moves smoothly with the ceiling, the cost of
      capital and the learning curves. The EU guarantee may cover bids that come under the
      ceiling only at the lower cost of capital it brings (additionality); they then bid
      from that lower cost.
    * **Interconnection**: propose a grid link when last year's curtailment exceeds
      ``interconnection_trigger_curtailment``.
    """

    def __init__(self, model: WECModel):
        super().__init__(model)
        self.name = "national grid operator"
        self.region = None

    def propose(self) -> None:
        """Run the auction and the grid-link rule for the year."""
        self.model.run_auction(self)
        m, P = self.model, self.model.P
        var_mwh = m.last["variable_available_mwh"]
        curtailed = m.curtailed_mwh / var_mwh if var_mwh > 0 else 0.0
        if curtailed > P["interconnection_trigger_curtailment"] and not m.has_active("grid_interconnection"):
            m.propose(
                self,
                "grid_interconnection",
                m.interconnection_region,
                m.tech("grid_interconnection").typical_size,
                programme=True,
            )
