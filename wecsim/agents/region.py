"""Region: an oblast or city of republican significance (akimat and its farmers)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from wecsim.agents.sizes import round_size

if TYPE_CHECKING:
    from wecsim.model import WECModel


class RegionPolicy:
    """The default proposal rules of a region (the ``propose`` decision of :mod:`wecsim.agents.policy`).

    A workshop team or another rule can replace it: any object with ``propose(region)``.
    """

    def propose(self, region: Region) -> None:
        """Propose this year's canal, reservoir, drip, early-warning and flood-protection projects."""
        region.propose_canal_lining()
        region.propose_hydraulic_rehabilitation()
        region.propose_reservoir()
        region.propose_drip()
        region.propose_flood_warning()
        region.propose_flood_protection()


class Region(mesa.Agent):
    """A region raises irrigation and flood-resilience needs and reacts to what happened to it.

    Decision rules
    --------------
    * **Canal lining** (Water Concept 2024-30): the national programme (lever, km/yr) is
      shared among regions in proportion to the irrigation losses still to remove; a region
      proposes ``canal_tranche_yr`` years of its share at once.
    * **Hydraulic structures** (Comprehensive Water Plan 2024-28, U3): headworks age; the
      region proposes rebuilding them on the national path (37 structures by 2028, then held).
    * **Reservoirs** (Comprehensive Water Plan 2024-28): the region proposes its share of the
      programme's new storage each year until the programme ends; afterwards a region whose
      irrigation went short in a drought proposes storage of its own.
    * **Drip adoption** (Bass, rule R2): ``dA = x(s) (p + q A/M) (M - A)`` with
      ``p = p0 (1 + gamma (stress - mean stress))`` and ``x(s) = 1 + beta (s - 0.5)``: scarcer water
      in the region's basin raises the innovation rate, a drought in the last ``drought_memory_yr``
      years raises it by ``drought_adoption_boost``, and a higher subsidy ``s`` (a lower price for
      the farmer) scales the whole adoption, imitators' included (Generalized Bass Model).
    * **Flood early warning** (FEW1): propose a system when coverage is below the target; a
      flood that hit the region raises its own target to ``flood_reaction_ews_target``.
    * **Flood protection**: after a damaging flood the region proposes protection works
      (the 16 priority projects after the 2024 floods).
    * **Co-finance**: the akimat saves its yearly budget per resident x fiscal capacity
      (``RegionalFunds``) for at most ``cofinance_reserve_years`` years.
    """

    def __init__(self, model: WECModel, idx: int, row):
        super().__init__(model)
        self.idx = idx
        self.region_id: str = row["region_id"]
        self.name: str = row["name"]
        self.basin_id: str = row["basin_id"]
        self.kind: str = row["kind"]
        self.coastal: bool = bool(row["coastal"])
        self.fiscal_capacity = float(row["fiscal_capacity"])
        self.reservoir_share = float(row["reservoir_programme_share"])
        self.last_drought_year: int | None = None
        self.last_flood_year: int | None = None
        self.policy = RegionPolicy()

    @property
    def results(self) -> dict[str, float]:
        """The region's indicators of the latest recorded year, by name (empty before the first).

        Read from the model's region columns of that year when asked: the workshop and a few
        tests ask, a run itself never does (no dict of ~27 items per region and year).
        """
        columns = getattr(self.model, "region_columns", None)
        if columns is None:
            return {}
        i = self.idx
        return {k: values[i] for k, values in columns.items()}

    @property
    def population(self) -> float:
        """Residents this year [people]."""
        return float(self.model.state.population[self.idx])

    def yearly_budget_meur(self) -> float:
        """Return the akimat's co-finance budget for this year [EUR M]."""
        return self.population * self.model.value("local_budget_eur_per_capita") * self.fiscal_capacity * 1e-6

    def remember(self, drought: bool, flood_damage_meur: float) -> None:
        """Remember a drought in the region's basin or a damaging flood (they change later decisions)."""
        if drought:
            self.last_drought_year = self.model.year
        if flood_damage_meur >= self.model.P["flood_reaction_min_damage_meur"]:
            self.last_flood_year = self.model.year

    def recently(self, year: int | None, memory_key: str = "drought_memory_yr") -> bool:
        """Whether ``year`` lies within the region's memory of shocks."""
        return year is not None and self.model.year - year <= self.model.P[memory_key]

    @property
    def shocked(self) -> bool:
        """Whether a drought or a flood hit the region within memory (the national budget favours it)."""
        return self.recently(self.last_drought_year) or self.recently(self.last_flood_year)

    # ------------------------------------------------------------------ proposals
    def propose_canal_lining(self) -> None:
        """Propose this year's share of the national canal programme, if large enough.

        The share never exceeds the lining that still removes losses above the floor.
        """
        m = self.model
        km = min(
            m.value("canal_lining_km_per_yr") * m.P["canal_tranche_yr"] * m.canal_km_share[self.idx],
            m.canal_removable_km[self.idx],
        )
        if km >= m.P["canal_min_km"] and not m.has_pending("canal_lining", self.region_id):
            m.propose(self, "canal_lining", self.region_id, round_size(km, 1), programme=True)

    def propose_hydraulic_rehabilitation(self) -> None:
        """Propose rebuilding worn headworks and hydraulic structures on the national wear path (U3)."""
        m = self.model
        if m.has_pending("hydraulic_rehabilitation", self.region_id):
            return
        size = m.renewal_gap("irrigation_structures", self.idx)
        if size > 0:
            m.propose(self, "hydraulic_rehabilitation", self.region_id, round_size(size, 1), programme=True)

    def propose_reservoir(self) -> None:
        """Propose the region's share of the reservoir programme, or storage after a drought that left fields dry."""
        m, P = self.model, self.model.P
        if m.has_active("reservoir", self.region_id):
            return
        programme = P["reservoir_programme_start_year"] <= m.year <= P["reservoir_programme_end_year"]
        if programme and self.reservoir_share > 0:
            size = P["reservoir_programme_mcm_per_yr"] * self.reservoir_share * P["reservoir_proposal_years"]
            m.propose(self, "reservoir", self.region_id, round_size(size, 1), programme=True)
            return
        short_m3 = m.last["deficit_irrigation_m3"][self.idx]
        if self.recently(self.last_drought_year) and short_m3 / 1e6 >= P["reservoir_min_mcm"]:
            size = min(short_m3 / 1e6 / P["reservoir_yield_share"], P["reservoir_max_mcm"])
            m.propose(self, "reservoir", self.region_id, round_size(size, 1))

    def bass_innovation(self) -> float:
        """Return this year's Bass innovation rate ``p`` of drip adoption in the region [1/yr].

        Water stress in the region's basin and a recent drought raise it; the subsidy acts on the
        whole adoption (:meth:`subsidy_response`), not on ``p`` alone.
        """
        m, P = self.model, self.model.P
        p = P["bass_p0"] * (1 + P["bass_stress_gamma"] * (m.basin_stress[self.idx] - m.mean_basin_stress))
        if self.recently(self.last_drought_year):
            p *= 1 + P["drought_adoption_boost"]
        return max(p, 0.0)

    def subsidy_response(self) -> float:
        """Return the factor by which this year's subsidy scales drip adoption [-] (1 at a 50% subsidy).

        The subsidy lowers the farmer's price, and price multiplies the whole adoption hazard,
        innovators' and imitators' alike (Robinson & Lakhani 1975; the Generalized Bass Model,
        Bass, Krishnan & Jain 1994): ``x(s) = 1 + beta (s - 0.5)``.
        """
        subsidy = self.model.value("irrigation_subsidy_share")
        return max(1 + self.model.P["bass_subsidy_beta"] * (subsidy - 0.5), 0.0)

    def propose_drip(self) -> None:
        """Propose the year's drip/sprinkler adoption from the Bass diffusion rule (R2)."""
        m, P, s = self.model, self.model.P, self.model.state
        market = s.irrigated_ha[self.idx] * m.value("water_saving_target_share")
        adopted = s.saving_ha_total[self.idx]
        if market <= adopted or m.has_pending("drip_irrigation", self.region_id):
            return
        hazard = self.bass_innovation() + P["bass_q"] * adopted / market
        d_ha = self.subsidy_response() * hazard * (market - adopted)
        if d_ha >= P["drip_min_ha"]:
            m.propose(self, "drip_irrigation", self.region_id, round_size(d_ha))

    def ews_target(self) -> float:
        """Return the early-warning coverage the region aims at (higher after a flood hit it) [-]."""
        target = self.model.value("flood_ews_target_coverage")
        if self.recently(self.last_flood_year, "flood_memory_yr"):
            target = max(target, self.model.P["flood_reaction_ews_target"])
        return target

    def propose_flood_warning(self) -> None:
        """Propose an early-warning system where coverage is below target (FEW1)."""
        m, P = self.model, self.model.P
        share = m.state.flood_damage_share[self.idx]
        if (
            m.state.ews_coverage[self.idx] < self.ews_target()
            and share >= P["ews_min_damage_share"]
            and not m.has_active("flood_ews", self.region_id)
        ):
            m.propose(self, "flood_ews", self.region_id, 1)

    def propose_flood_protection(self) -> None:
        """After a damaging flood, propose protection works until the region's exposure is covered."""
        m, P = self.model, self.model.P
        if (
            self.recently(self.last_flood_year, "flood_memory_yr")
            and m.state.flood_protected_share[self.idx] < P["flood_protection_max_share"]
            and not m.has_active("flood_protection", self.region_id)
        ):
            m.propose(
                self, "flood_protection", self.region_id, P["flood_protection_structures_per_proposal"], programme=True
            )
