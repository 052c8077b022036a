"""Utility: a regional water or waste operator, or the national power grid operator."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from wecsim.model import WECModel


class Utility(mesa.Agent):
    """A utility finds its service gaps and proposes projects to close them.

    Decision rules
    --------------
    * **Water** (U2): cut network losses while the cost of a saved m3 is below the value of
      new supply; where municipal or industrial demand goes unmet, propose reuse, and on the
      Caspian coast desalination sized to the gap.
    * **Waste** (W1-W4): propose sorting capacity for the separated feedstock expected
      when a plant would reach full use (planning horizon), up to the national target path
      (40% by 2030, 50% by 2050); propose waste-to-energy when enough residual waste is left
      and a landfill ban is coming (or in the three big cities); capture landfill gas where
      much is landfilled.
    * **Power** (national grid operator): auction the yearly wind/solar volume (lever) in
      ~100 MW projects across the resource regions; propose interconnection (SECCA) when
      variable renewables near what the grid can absorb.
    """

    def __init__(self, model: WECModel, sector: str, region=None):
        super().__init__(model)
        self.sector = sector
        self.region = region
        self.name = f"{sector} utility {region.region_id}" if region else "national grid operator"

    def propose(self) -> None:
        """Run this utility's proposal rule for the year."""
        {"water": self._propose_water, "waste": self._propose_waste, "power": self._propose_power}[self.sector]()

    def _propose_water(self) -> None:
        m, P, r = self.model, self.model.P, self.region
        last = m.last
        i = r.idx
        gross_muni = last["demand_municipal_m3"][i]
        loss = m.state.network_loss_share[i]
        if loss > P["network_loss_floor"] + P["network_loss_margin"] and not m.has_active(
            "network_loss_reduction", r.region_id
        ):
            saved_m3_per_day = (loss - P["network_loss_floor"]) * gross_muni / 365.0
            size = min(m.tech("network_loss_reduction").typical_size, saved_m3_per_day)
            if m.unit_cost_of_saving("network_loss_reduction") < P["value_water_municipal_eur_per_m3"]:
                m.propose(self, "network_loss_reduction", r.region_id, round(size))
        gap_m3 = last["deficit_municipal_m3"][i] + last["deficit_industry_m3"][i]
        if gap_m3 <= 0:
            return
        if r.coastal and not m.has_active("desalination", r.region_id):
            step = P["desal_rounding_m3_per_day"]
            size = math.ceil(gap_m3 / m.tech("desalination").water_m3_per_unit_yr / step) * step
            m.propose(self, "desalination", r.region_id, float(size))
        elif not r.coastal and not m.has_active("wastewater_reuse", r.region_id):
            room = P["reuse_max_share_of_municipal"] * last["supplied_municipal_m3"][i] - m.state.reuse_m3[i]
            size = min(gap_m3, room) / m.tech("wastewater_reuse").water_m3_per_unit_yr
            if size >= P["reuse_min_m3_per_day"]:
                m.propose(self, "wastewater_reuse", r.region_id, float(round(size, -3)))

    def _propose_waste(self) -> None:
        m, P, r = self.model, self.model.P, self.region
        i = r.idx
        horizon = int(P["recycling_planning_horizon_yr"])
        generated = m.last["msw_generated_t"][i]
        capacity = m.recycling_capacity_mature_t(r.idx)
        expected_share = min(
            m.separated_share + horizon * m.separated_share_growth, m.recycling_target(m.year + horizon)
        )
        expected_t = generated * (1 + m.msw_growth_rate()) ** horizon
        gap_t = expected_share * expected_t - capacity - m.pipeline_recycling_t(r.region_id)
        if gap_t >= P["recycling_min_plant_t"] and not m.has_pending("sorting_recycling", r.region_id):
            size = min(
                gap_t / P["recycling_utilisation_mature"],
                P["recycling_max_plant_multiple"] * m.tech("sorting_recycling").typical_size,
            )
            m.propose(self, "sorting_recycling", r.region_id, float(round(size, -3)))
        residual = m.last["landfilled_t"][i]
        lead = m.tech("waste_to_energy").build_time_yr + P["wte_ban_lead_yr"]
        ban_soon = m.value("landfill_ban_year") <= m.year + lead
        if (
            residual >= P["wte_min_residual_t"]
            and not m.has_active("waste_to_energy", r.region_id)
            and (ban_soon or r.kind == "city")
        ):
            size = min(residual, m.tech("waste_to_energy").typical_size)
            m.propose(self, "waste_to_energy", r.region_id, float(round(size, -4)))
        if (
            residual >= P["lfg_min_landfilled_t"]
            and not m.has_active("landfill_gas", r.region_id)
            and m.state.lfg_mw[i] == 0
        ):
            mw = residual / 1e5 * P["lfg_mw_per_100kt_landfilled"]
            m.propose(self, "landfill_gas", r.region_id, round(mw, 1))

    def _propose_power(self) -> None:
        m, P = self.model, self.model.P
        volume = m.value("res_auction_mw_per_yr")
        wind_mw = volume * m.value("wind_share_of_auctions")
        for tech_id, mw, sites in (("wind", wind_mw, m.wind_sites), ("solar_pv", volume - wind_mw, m.solar_sites)):
            unit = m.tech(tech_id).typical_size
            n = int(mw // unit)
            rest = mw - n * unit
            sizes = [unit] * n + ([rest] if rest >= 1 else [])
            for size in sizes:
                region_id = sites[m.next_site(tech_id) % len(sites)]
                m.propose(self, tech_id, region_id, float(size))
        headroom = m.variable_cap_share() - m.last["variable_res_share"]
        if headroom < P["interconnection_trigger_margin"] and not m.has_active("grid_interconnection"):
            m.propose(
                self, "grid_interconnection", m.interconnection_region, m.tech("grid_interconnection").typical_size
            )
