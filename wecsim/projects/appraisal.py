"""Economic and financial appraisal of a proposal (rules F1 and F2).

ENPV values a project's physical effects at economic prices (water, electricity, recycled
material, avoided CO2 and flood damage) at the social discount rate; FNPV counts only the
cash it earns (tariffs, PPAs, EPR reimbursements, gate fees) at the financial rate. Funders
read both: IFIs and the EU need ENPV >= 0 (World Bank OP 10.04); grants are capped by the
funding gap that brings FNPV to zero (ECA SR 16/2014); private money needs FNPV >= 0.
"""

from __future__ import annotations

from dataclasses import dataclass

from wecsim.datasets import Parameters
from wecsim.projects.catalog import Technology
from wecsim.projects.pipeline import Project
from wecsim.systems.energy import HOURS_PER_YEAR
from wecsim.systems.finance import npv

MWH_PER_KWH = 1e-3
MEUR_PER_EUR = 1e-6


@dataclass(frozen=True)
class AppraisalContext:
    """What an appraisal needs to know about the world this year.

    Attributes
    ----------
    social_discount_rate, financial_discount_rate
        Rates for ENPV and FNPV [-].
    water_tariff_eur_per_m3
        Current water tariff [EUR/m3].
    capacity_factor
        Capacity factor by power technology id [-].
    grid_emission_t_per_mwh
        Emission factor of the electricity a project displaces or uses [t/MWh].
    expected_flood_damage_meur
        Expected yearly flood damage by region, before early warning [EUR M/yr].
    epr_multiplier, gate_fee_eur_per_t
        EPR fee level [x] and landfill gate fee [EUR/t].
    curtailed_mwh
        Variable renewable energy curtailed last year [MWh].
    res_absorb_mwh_per_mw_interconnection
        Extra variable renewable energy the grid absorbs per MW of interconnection [MWh/MW].
    wte_emission_t_per_mwh
        Fossil CO2 of waste-to-energy electricity [t/MWh].
    wte_utilisation
        Share of a waste-to-energy plant's capacity in use [-].
    field_duty_m3_per_ha
        Water a conventionally irrigated hectare needs at the field [m3/ha/yr].
    """

    social_discount_rate: float
    financial_discount_rate: float
    water_tariff_eur_per_m3: float
    capacity_factor: dict[str, float]
    grid_emission_t_per_mwh: float
    expected_flood_damage_meur: dict[str, float]
    epr_multiplier: float
    gate_fee_eur_per_t: float
    curtailed_mwh: float
    res_absorb_mwh_per_mw_interconnection: float
    wte_emission_t_per_mwh: float
    wte_utilisation: float
    field_duty_m3_per_ha: float


def annual_flows(
    project: Project, tech: Technology, ctx: AppraisalContext, P: Parameters
) -> tuple[float, float, float]:
    """Return a project's yearly (economic benefit, financial revenue, opex) [EUR M/yr].

    The benefit of each technology follows from its physical effect per unit of ``size``
    times the unit values in ``parameters.csv``; CO2 is valued at the social cost of carbon.
    """
    size, t = project.size, tech.tech_id
    scc = P["social_cost_carbon_eur_per_t"]
    ef = ctx.grid_emission_t_per_mwh
    opex = tech.capex_meur_per_unit * size * tech.opex_share_per_yr
    benefit = revenue = 0.0
    if tech.water_m3_per_unit_yr > 0 and t != "canal_lining":
        m3 = size * tech.water_m3_per_unit_yr
        value = (
            P["value_water_industry_eur_per_m3"] if t == "wastewater_reuse" else P["value_water_municipal_eur_per_m3"]
        )
        energy_mwh = m3 * tech.energy_use_kwh_per_m3 * MWH_PER_KWH
        benefit = m3 * value - energy_mwh * (P["value_electricity_eur_per_mwh"] + ef * scc)
        revenue = m3 * ctx.water_tariff_eur_per_m3 - energy_mwh * P["value_electricity_eur_per_mwh"]
    elif t == "canal_lining":
        benefit = size * tech.water_m3_per_unit_yr * P["value_water_irrigation_eur_per_m3"]
    elif t == "drip_irrigation":
        m3 = size * ctx.field_duty_m3_per_ha * P["drip_field_saving_share"]
        benefit = m3 * P["value_water_irrigation_eur_per_m3"] + size * P["drip_yield_gain_eur_per_ha"]
        revenue = size * P["drip_yield_gain_eur_per_ha"]
    elif t == "flood_ews":
        avoided_share = (
            P["ews_damage_reduction"]
            * min(1.0, P["ews_lead_time_h"] / 24.0)
            * P["ews_coverage_per_system"]
            * P["ews_response_rate"]
        )
        benefit = ctx.expected_flood_damage_meur.get(project.region_id, 0.0) / MEUR_PER_EUR * avoided_share * size
    elif t in ("solar_pv", "wind", "landfill_gas"):
        fleet_id = {"solar_pv": "solar"}.get(t, t)
        mwh = size * ctx.capacity_factor[fleet_id] * HOURS_PER_YEAR
        benefit = mwh * (P["value_electricity_eur_per_mwh"] + ef * scc)
        if t == "landfill_gas":
            benefit += mwh * P["landfill_gas_t_co2e_per_mwh"] * scc
        revenue = mwh * P["ppa_eur_per_mwh"]
    elif t == "grid_interconnection":
        mwh = min(ctx.curtailed_mwh, size * ctx.res_absorb_mwh_per_mw_interconnection)
        benefit = mwh * (P["value_electricity_eur_per_mwh"] + ef * scc)
    elif t == "sorting_recycling":
        tonnes = size * P["recycling_utilisation_mature"]
        benefit = tonnes * (P["value_recycled_eur_per_t"] + P["landfill_emission_t_per_t"] * scc)
        revenue = tonnes * (
            P["recycled_material_revenue_eur_per_t"] + P["epr_reimbursement_eur_per_t"] * ctx.epr_multiplier
        )
    elif t == "waste_to_energy":
        tonnes = size * ctx.wte_utilisation
        mwh = tonnes * P["wte_mwh_per_t"]
        benefit = (
            mwh * (P["value_electricity_eur_per_mwh"] + (ef - ctx.wte_emission_t_per_mwh) * scc)
            + tonnes * P["landfill_emission_t_per_t"] * scc
        )
        revenue = mwh * P["wte_tariff_eur_per_mwh"] + tonnes * ctx.gate_fee_eur_per_t
    return benefit * MEUR_PER_EUR, revenue * MEUR_PER_EUR, opex


def appraise(project: Project, tech: Technology, ctx: AppraisalContext, P: Parameters) -> None:
    """Set ``enpv_meur``, ``fnpv_meur`` and ``bcr`` on the project (rules F1, F2)."""
    benefit, revenue, opex = annual_flows(project, tech, ctx, P)
    capex = project.capex_estimate_meur
    project.enpv_meur = npv(capex, benefit - opex, ctx.social_discount_rate, tech.lifetime_yr, tech.build_time_yr)
    project.fnpv_meur = npv(capex, revenue - opex, ctx.financial_discount_rate, tech.lifetime_yr, tech.build_time_yr)
    project.bcr = (project.enpv_meur + capex) / capex if capex > 0 else 0.0
