"""Economic and financial appraisal of a proposal (rules F1 and F2).

ENPV values a project's physical effects at economic prices (water, electricity, recycled
material, treated wastewater, avoided CO2 and flood damage) at the social discount rate,
times the project's site factor (sites differ); FNPV counts only the cash it earns
(tariffs, PPAs, EPR reimbursements, gate fees) at the financial rate, or at the sponsor's
cost of capital for auctioned renewables. Funders
read both: IFIs and the EU need ENPV >= 0 (World Bank OP 10.04); grants are capped by the
funding gap that brings FNPV to zero (ECA SR 16/2014); private money needs FNPV >= 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.special import ndtr

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
    ban_gate_fee_eur_per_t, landfill_ban_year
        Gate fee a waste-to-energy plant earns once landfilling is banned [EUR/t], and the year of the ban.
    curtailed_mwh
        Variable renewable energy curtailed last year [MWh].
    wte_emission_t_per_mwh
        Fossil CO2 of waste-to-energy electricity [t/MWh].
    wte_utilisation
        Share of a waste-to-energy plant's capacity in use [-].
    field_duty_m3_per_ha
        Water a conventionally irrigated hectare needs at the field [m3/ha/yr].
    renewal_benefit_eur_per_km
        Yearly benefit of renewing one km of worn pipe: water no longer lost and failures
        avoided [EUR/km/yr].
    reservoir_yield_m3_per_mcm
        Water one million m3 of new storage delivers in a year [m3/yr].
    interconnection_mwh_per_mw
        Variable renewable energy one MW of grid link lets the grid absorb [MWh/MW/yr].
    sewer_saving_m3_per_km
        Wastewater one km of renewed sewer brings back to treatment [m3/km/yr].
    structure_saving_m3
        Irrigation water one rebuilt hydraulic structure saves, by region [m3/yr].
    """

    social_discount_rate: float
    financial_discount_rate: float
    water_tariff_eur_per_m3: float
    capacity_factor: dict[str, float]
    grid_emission_t_per_mwh: float
    expected_flood_damage_meur: dict[str, float]
    epr_multiplier: float
    gate_fee_eur_per_t: float
    ban_gate_fee_eur_per_t: float
    landfill_ban_year: int
    curtailed_mwh: float
    wte_emission_t_per_mwh: float
    wte_utilisation: float
    field_duty_m3_per_ha: float
    renewal_benefit_eur_per_km: float
    reservoir_yield_m3_per_mcm: float
    interconnection_mwh_per_mw: float
    sewer_saving_m3_per_km: float
    structure_saving_m3: dict[str, float]


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
    opex = project.capex_estimate_meur * tech.opex_share_per_yr
    benefit = revenue = 0.0
    if t in ("desalination", "wastewater_reuse", "network_loss_reduction"):
        m3 = size * tech.water_m3_per_unit_yr
        value = (
            P["value_water_industry_eur_per_m3"] if t == "wastewater_reuse" else P["value_water_municipal_eur_per_m3"]
        )
        energy_mwh = m3 * tech.energy_use_kwh_per_m3 * MWH_PER_KWH
        benefit = m3 * value - energy_mwh * (P["value_electricity_eur_per_mwh"] + ef * scc)
        revenue = m3 * ctx.water_tariff_eur_per_m3 - energy_mwh * P["value_electricity_eur_per_mwh"]
    elif t == "wastewater_treatment":
        m3 = size * tech.water_m3_per_unit_yr
        energy_mwh = m3 * tech.energy_use_kwh_per_m3 * MWH_PER_KWH
        benefit = m3 * P["value_wastewater_treated_eur_per_m3"] - energy_mwh * (
            P["value_electricity_eur_per_mwh"] + ef * scc
        )
        revenue = (
            m3 * ctx.water_tariff_eur_per_m3 * P["sewer_share_of_tariff"]
            - energy_mwh * P["value_electricity_eur_per_mwh"]
        )
    elif t == "network_renewal":
        benefit = size * ctx.renewal_benefit_eur_per_km
        revenue = size * P["renewal_repair_cost_saved_eur_per_km"]
    elif t == "sewer_renewal":
        benefit = size * (
            ctx.sewer_saving_m3_per_km * P["value_wastewater_treated_eur_per_m3"]
            + P["renewal_repair_cost_saved_eur_per_km"]
            + P["renewal_service_value_eur_per_km"]
        )
        revenue = size * P["renewal_repair_cost_saved_eur_per_km"]
    elif t == "hydraulic_rehabilitation":
        benefit = size * ctx.structure_saving_m3.get(project.region_id, 0.0) * P["value_water_irrigation_eur_per_m3"]
    elif t == "canal_lining":
        benefit = size * tech.water_m3_per_unit_yr * P["value_water_irrigation_eur_per_m3"]
    elif t == "reservoir":
        benefit = size * ctx.reservoir_yield_m3_per_mcm * P["value_water_irrigation_eur_per_m3"]
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
        # warnings also save lives and livestock, which simulated flood damage does not count
        avoided_share *= 1 + P["ews_cobenefit_share"]
        benefit = ctx.expected_flood_damage_meur.get(project.region_id, 0.0) / MEUR_PER_EUR * avoided_share * size
    elif t == "flood_protection":
        avoided_share = P["flood_protection_share_per_structure"] * P["flood_protection_ead_share"]
        benefit = ctx.expected_flood_damage_meur.get(project.region_id, 0.0) / MEUR_PER_EUR * avoided_share * size
    elif t in ("solar_pv", "wind"):
        mwh = size * project.capacity_factor * HOURS_PER_YEAR
        benefit = mwh * (P["value_electricity_eur_per_mwh"] + ef * scc)
        revenue = mwh * project.ppa_eur_per_mwh
    elif t == "landfill_gas":
        mwh = size * ctx.capacity_factor[t] * HOURS_PER_YEAR
        benefit = mwh * (P["value_electricity_eur_per_mwh"] + ef * scc + P["landfill_gas_t_co2e_per_mwh"] * scc)
        revenue = mwh * P["lfg_tariff_eur_per_mwh"]
    elif t == "grid_interconnection":
        mwh = min(ctx.curtailed_mwh, size * ctx.interconnection_mwh_per_mw)
        benefit = mwh * (P["value_electricity_eur_per_mwh"] + ef * scc)
    elif t == "sorting_recycling":
        tonnes = size * P["recycling_utilisation_mature"]
        benefit_t, revenue_t = sorting_flows_eur_per_t(
            project.separate_input_share, ctx.epr_multiplier, ctx.gate_fee_eur_per_t, scc, P
        )
        benefit, revenue = tonnes * benefit_t, tonnes * (revenue_t + project.msw_tariff_eur_per_t)
    elif t == "waste_to_energy":
        tonnes = size * ctx.wte_utilisation
        mwh = tonnes * P["wte_mwh_per_t"]
        benefit = (
            mwh * (P["value_electricity_eur_per_mwh"] + (ef - ctx.wte_emission_t_per_mwh) * scc)
            + tonnes * P["landfill_emission_t_per_t"] * scc
        )
        fee = ctx.gate_fee_eur_per_t
        if ctx.landfill_ban_year <= project.proposed_year + tech.build_time_yr:
            fee = max(fee, ctx.ban_gate_fee_eur_per_t)
        revenue = mwh * P["wte_tariff_eur_per_mwh"] + tonnes * fee
    benefit *= project.site_factor
    return benefit * MEUR_PER_EUR, revenue * MEUR_PER_EUR, opex


def sorting_recovered_share(separate_share: float, P: Parameters) -> float:
    """Share of a sorting plant's input sold as secondary material, by its mix of input [-].

    The recoveries of the waste process (``systems/waste.py``): recyclables collected apart
    and mixed waste.
    """
    return separate_share * P["sorting_recovery_separated"] + (1 - separate_share) * P["sorting_recovery_mixed"]


def sorting_flows_eur_per_t(
    separate_share: float, epr_multiplier: float, gate_fee_eur_per_t: float, scc: float, P: Parameters
) -> tuple[float, float]:
    """Return a sorting plant's (economic benefit, financial revenue) per tonne of input [EUR/t].

    Only the material recovered counts: its value (and the landfill emissions it avoids) to the
    economy, its sale price plus the EPR payment to the plant. The residues are landfilled as in
    the waste process and pay the landfill gate fee; mixed waste brings the plant the gate fee
    it would have paid at the landfill (a line at the landfill takes it), recyclables collected
    apart bring none. Net gate fee per tonne of input: ``fee x (mixed share - residue share)``.
    """
    recovered = sorting_recovered_share(separate_share, P)
    benefit = recovered * (P["value_recycled_eur_per_t"] + P["landfill_emission_t_per_t"] * scc)
    revenue = recovered * (
        P["recycled_material_revenue_eur_per_t"] + P["epr_reimbursement_eur_per_t"] * epr_multiplier
    ) + gate_fee_eur_per_t * ((1 - separate_share) - (1 - recovered))
    return benefit, revenue


def sorting_paying_sites(
    tech: Technology, P: Parameters, epr_multiplier: float, gate_fee_eur_per_t: float, capex_multiplier: float
) -> tuple[float, float]:
    """Return the share of mixed waste whose sorting pays a recycler, and the mean capex factor of its sites [-, -].

    Sites differ in what a sorting plant costs against what their waste earns (land, hall,
    hand or machine picking, how much of the waste is recyclable): a site's capex per tonne is
    lognormal with mean the catalogue's and log SD ``sorting_site_cost_log_sd``. A plant on
    mixed waste pays (FNPV >= 0 at the 3% of the recycling loans) where its capex is at most
    the break-even capex; FNPV is linear in capex, so the share is the lognormal CDF there,
    and the paying sites' capex is the mean of the lognormal below it, as a factor of the
    catalogue's. The share rises smoothly with the EPR payment and the gate fee.
    """
    capex = tech.capex_meur_per_unit * capex_multiplier / P["recycling_utilisation_mature"]  # per t/yr of input
    if capex <= 0:
        return 1.0, 1.0
    rate = P["concessional_recycling_rate_pct"] / 100
    revenue = sorting_flows_eur_per_t(0.0, epr_multiplier, gate_fee_eur_per_t, 0.0, P)[1] * MEUR_PER_EUR
    at_no_cost = npv(0.0, revenue, rate, tech.lifetime_yr, tech.build_time_yr)
    at_capex = npv(capex, revenue - capex * tech.opex_share_per_yr, rate, tech.lifetime_yr, tech.build_time_yr)
    if at_no_cost <= 0:
        return 0.0, 1.0
    sigma = P["sorting_site_cost_log_sd"]
    # the site's capex over the catalogue's is exp(sigma z - sigma^2 / 2), z standard normal
    z = (math.log(at_no_cost / (at_no_cost - at_capex)) + sigma**2 / 2) / sigma
    share = float(ndtr(z))
    factor = float(ndtr(z - sigma)) / share if share > 0 else 1.0
    return share, factor


def sorting_tariff_eur_per_t(project: Project, tech: Technology, ctx: AppraisalContext, P: Parameters) -> float:
    """Fee per tonne of input that a sorting line of the akimat's plan earns from the MSW tariff [EUR/t].

    Kazakh MSW tariffs (collection, transport, sorting, burial) are set by the maslikhat on the
    cost of the service (Ecological Code 2021, art. 365(3)(3); the tariff methodology, order
    of the Minister of Energy no. 404 of 1 Sep 2016): a
    plan line (a programme project: the akimat's line within the tariffed service, built and run
    by a private operator) recovers its cost net of its sales of material, at the 3% of the
    recycling loans. So the fee is what brings its FNPV from :func:`annual_flows` without a fee
    to zero; 0 when sales already pay. A recycler's own plant (not in the plan) earns no tariff.
    """
    if tech.tech_id != "sorting_recycling" or not project.programme:
        return 0.0
    rate = P["concessional_recycling_rate_pct"] / 100
    _, revenue, opex = annual_flows(project, tech, ctx, P)
    tonnes = project.size * P["recycling_utilisation_mature"]
    revenue -= tonnes * project.msw_tariff_eur_per_t * MEUR_PER_EUR  # without a fee already set
    fnpv = npv(project.capex_estimate_meur, revenue - opex, rate, tech.lifetime_yr, tech.build_time_yr)
    per_eur_yr = npv(0.0, MEUR_PER_EUR, rate, tech.lifetime_yr, tech.build_time_yr)  # EUR M now per EUR/yr
    return max(0.0, -fnpv / (tonnes * per_eur_yr)) if tonnes > 0 else 0.0


def appraise(project: Project, tech: Technology, ctx: AppraisalContext, P: Parameters) -> None:
    """Set ``enpv_meur``, ``fnpv_meur`` and ``bcr`` on the project (rules F1, F2).

    A sorting line of the akimat's plan first gets its MSW tariff fee (:func:`sorting_tariff_eur_per_t`).
    """
    if tech.tech_id == "sorting_recycling":
        project.msw_tariff_eur_per_t = sorting_tariff_eur_per_t(project, tech, ctx, P)
    benefit, revenue, opex = annual_flows(project, tech, ctx, P)
    capex = project.capex_estimate_meur
    rate = project.wacc if project.wacc == project.wacc else ctx.financial_discount_rate
    if tech.tech_id == "sorting_recycling":
        rate = P["concessional_recycling_rate_pct"] / 100  # recyclers borrow from the state at 3%
    project.enpv_meur = npv(capex, benefit - opex, ctx.social_discount_rate, tech.lifetime_yr, tech.build_time_yr)
    project.fnpv_meur = npv(capex, revenue - opex, rate, tech.lifetime_yr, tech.build_time_yr)
    project.bcr = (project.enpv_meur + capex) / capex if capex > 0 else 0.0
