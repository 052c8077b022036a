"""Region: an oblast or city of republican significance (akimat and its farmers)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from wecsim.model import WECModel


class Region(mesa.Agent):
    """A region raises irrigation and flood-resilience needs and pays its co-finance.

    Decision rules
    --------------
    * **Canal lining** (Water Concept 2024-30): the national programme (lever, km/yr) is
      shared among regions in proportion to the irrigation losses still to remove; a region
      proposes its share when it is at least ``canal_min_km``.
    * **Drip adoption** (Bass, rule R2): ``dA = (p(s) + q A/M) (M - A)`` with
      ``p(s) = p0 (1 + beta (s - 0.5))``, ``M`` = irrigated area x the water-saving target.
    * **Flood early warning** (FEW1): propose a system when coverage is below the target
      and the expected damage makes one worth appraising.
    * **Co-finance**: pay from a reserve that grows by the yearly budget per resident and
      is capped at ``cofinance_reserve_years`` years of budget.
    """

    def __init__(self, model: WECModel, idx: int, row: dict):
        super().__init__(model)
        self.idx = idx
        self.region_id: str = row["region_id"]
        self.name: str = row["name"]
        self.basin_id: str = row["basin_id"]
        self.kind: str = row["kind"]
        self.coastal: bool = bool(row["coastal"])
        self.reserve_meur = 0.0
        self.results: dict[str, float] = {}

    @property
    def population(self) -> float:
        """Residents this year [people]."""
        return float(self.model.state.population[self.idx])

    def add_budget(self) -> float:
        """Add this year's co-finance budget to the reserve; return the amount added [EUR M]."""
        yearly = self.population * self.model.value("local_budget_eur_per_capita") * 1e-6
        before = self.reserve_meur
        self.reserve_meur = min(self.reserve_meur + yearly, self.model.P["cofinance_reserve_years"] * yearly)
        return self.reserve_meur - before

    def propose_canal_lining(self, km_share: float, removable_km: float) -> None:
        """Propose this year's share of the national canal programme, if large enough.

        The share never exceeds the lining that still removes losses above the floor.
        """
        km = min(self.model.value("canal_lining_km_per_yr") * km_share, removable_km)
        if km >= self.model.P["canal_min_km"] and not self.model.has_pending("canal_lining", self.region_id):
            self.model.propose(self, "canal_lining", self.region_id, round(km, 1))

    def propose_drip(self) -> None:
        """Propose the year's drip/sprinkler adoption from the Bass diffusion rule (R2)."""
        P, s = self.model.P, self.model.state
        market = s.irrigated_ha[self.idx] * self.model.value("water_saving_target_share")
        adopted = s.saving_ha_total[self.idx]
        if market <= adopted or self.model.has_pending("drip_irrigation", self.region_id):
            return
        subsidy = self.model.value("irrigation_subsidy_share")
        p = P["bass_p0"] * (1 + P["bass_subsidy_beta"] * (subsidy - 0.5))
        d_ha = (p + P["bass_q"] * adopted / market) * (market - adopted)
        if d_ha >= P["drip_min_ha"]:
            self.model.propose(self, "drip_irrigation", self.region_id, round(d_ha))

    def propose_flood_warning(self) -> None:
        """Propose an early-warning system where coverage is below target (FEW1)."""
        P = self.model.P
        coverage = self.model.state.ews_coverage[self.idx]
        target = self.model.value("flood_ews_target_coverage")
        share = self.model.state.flood_damage_share[self.idx]
        if (
            coverage < target
            and share >= P["ews_min_damage_share"]
            and not self.model.has_active("flood_ews", self.region_id)
        ):
            self.model.propose(self, "flood_ews", self.region_id, 1)
