"""WECModel: the Mesa model that owns the yearly schedule of wecsim.

Each step is one year, a script of phases (ARCHITECTURE.md section 1):

1. drivers   climate, droughts, floods, population, demand growth, tariffs, learning
2. propose   regions and utilities find their gaps and propose projects
3. appraise  every proposal gets its economic and financial NPV
4. finance   funders make offers; a project is financed only when fully covered
5. tender    firms bid; the lowest price wins; overruns and delays are drawn
6. build     construction disburses money; commissioning adds assets; old assets retire
7. operate   water balance, power dispatch, waste flows and floods (``wecsim.systems``)
8. record    Mesa DataCollector (national, regions) plus basin and money tables

Agents decide; the physics is in ``wecsim.systems``; every number comes from
``wecsim/data/*.csv`` or the scenario.
"""

from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass

import mesa
import numpy as np

from wecsim.agents import Firm, Funder, Region, Utility
from wecsim.datasets import parameters
from wecsim.model_data import climate_data, model_data
from wecsim.projects.appraisal import AppraisalContext, appraise
from wecsim.projects.catalog import Technology, catalog
from wecsim.projects.pipeline import Pipeline, Project, Stage
from wecsim.scenario.schema import Scenario
from wecsim.systems import climate, energy, flood, waste, water
from wecsim.systems.finance import annuity_factor, learning_factor, stretch_profile

ACTIVE = (Stage.PROPOSED, Stage.APPRAISED, Stage.FINANCED, Stage.TENDERED, Stage.UNDER_CONSTRUCTION)
KM3 = 1e9  # m3 per km3
EPS = 1e-9
#: Distinct random draws per (year, technology, region); later projects reuse them cyclically.
PROJECTS_PER_KEY = 8


@functools.cache
def _financed_reason(n_offers: int) -> str:
    """Return the ``%``-format of a financing reason naming ``n_offers`` offers (funder, EUR M, instrument)."""
    return "financed: " + ", ".join(["%s %.1f (%s)"] * n_offers) + " (M EUR)"


@dataclass
class State:
    """Per-region arrays the model updates each year (components as tables, PyPSA style)."""

    population: np.ndarray
    irrigated_ha: np.ndarray
    saving_ha_base: np.ndarray
    saving_ha_total: np.ndarray
    network_loss_share: np.ndarray
    conveyance_loss_share: np.ndarray
    flood_damage_share: np.ndarray
    ews_coverage: np.ndarray
    desal_m3: np.ndarray
    reuse_m3: np.ndarray
    lfg_mw: np.ndarray


class WECModel(mesa.Model):
    """Kazakhstan's water, energy and circular-economy investment system, year by year.

    Parameters
    ----------
    scenario
        A validated :class:`~wecsim.scenario.schema.Scenario`.
    seed
        Random seed; defaults to the scenario's. Three independent streams are spawned from
        it with ``numpy.random.SeedSequence``: climate, projects and the agents' ``rng``.
        Climate draws are made up front, so scenarios run with one seed share their weather
        (common random numbers) and differ only by policy.
    """

    def __init__(self, scenario: Scenario, seed: int | None = None):
        self.seed_used = int(scenario.seed if seed is None else seed)
        climate_ss, project_ss, agent_ss = np.random.SeedSequence(self.seed_used).spawn(3)
        super().__init__(rng=np.random.default_rng(agent_ss))
        self.config = scenario
        self._values = {**scenario.levers.model_dump(), **scenario.uncertainties.model_dump()}
        self.P = parameters()
        self.base_year = int(self.P["base_year"])
        self.year = self.base_year
        self.end_year = scenario.end_year
        self.years = np.arange(self.base_year, self.end_year + 1)
        self.catalog: dict[str, Technology] = catalog()
        self._tech_order = {t: i for i, t in enumerate(self.catalog)}
        self._project_z = np.random.default_rng(project_ss).standard_normal(
            (len(self.years), len(self.catalog), len(model_data().regions_df), PROJECTS_PER_KEY, 2)
        )
        self.pipeline = Pipeline()
        self._active: list[Project] = []
        self._active_keys: set[tuple[str, str]] = set()
        self._pending_keys: set[tuple[str, str]] = set()
        self._active_techs: set[str] = set()
        self._assets: dict[str, np.ndarray] | None = None
        self._recycling_horizon: np.ndarray | None = None
        self._recycling_pipeline: dict[str, float] | None = None
        self._capex_multipliers: dict[tuple[str, float], float] = {}
        self._retiring: dict[int, list[Project]] = {}
        self._built: list[Project] = []  # commissioned projects, in project order
        self._built_totals: tuple[float, float] | None = None
        self._proposed_this_year = 0
        self._recycling_targets: dict[int, float] = {}
        self._ordinals: dict[tuple, int] = {}
        self._profiles: dict[tuple[str, int], np.ndarray] = {}
        self._rejected_year: dict[tuple[str, str], int] = {}
        self._built_cum: dict[str, float] = {}
        self._site_counter: dict[str, int] = {}
        self._setup_tables()
        self._draw_climate(np.random.default_rng(climate_ss))
        self._setup_agents()
        self._setup_state()
        self.basin_records: list[dict] = []
        self.money_records: list[dict] = []
        #: One ``(year, funder_id, project_id, sector, region_id, reason)`` per offer a funder refused.
        self.refusals: list[tuple[int, str, int, str, str, str]] = []
        self.ind: dict[str, float] = {}
        self.last = self._operate(record=False)
        # utilities expect separate collection to keep growing at the base-year pace
        self.separated_share_growth = self._next_separated_share() - self.separated_share
        self.datacollector = mesa.DataCollector(
            model_reporters={k: (lambda m, k=k: m.ind[k]) for k in NATIONAL_INDICATORS},
            agenttype_reporters={Region: {k: (lambda a, k=k: a.results[k]) for k in REGION_INDICATORS}},
        )

    # ------------------------------------------------------------------ set-up
    def _setup_tables(self) -> None:
        v, d = self.value, model_data()
        self.regions_df, self.basins_df, self.fleet = d.regions_df, d.basins_df, d.fleet
        self.region_index = d.region_index
        self.basin_ids = d.basin_ids
        self.basin_of_region, self.basin_masks = d.basin_of_region, d.basin_masks
        self.flow_change_2050, self.drought_multiplier_2050, self.flood_multiplier_2050 = climate_data(
            v("climate_pathway")
        )
        self.fleet_index = d.fleet_index
        self.wte_utilisation = float(d.fleet_cf_by_tech["waste_to_energy"])
        self.wind_sites, self.solar_sites = list(d.wind_sites), list(d.solar_sites)
        self.interconnection_region = self.solar_sites[0]
        self.kzt_per_eur = float(v("kzt_per_eur"))
        # the tables' columns as read-only arrays (the yearly physics reads them every step)
        self.basin_col, self.basin_south, self.hydro_weight_total = d.basin_col, d.basin_south, d.hydro_weight_total
        self.fleet_col, self.fleet_variable, self.fleet_res = d.fleet_col, d.fleet_variable, d.fleet_res
        self.fleet_cf_by_tech = d.fleet_cf_by_tech

    def _draw_climate(self, rng: np.random.Generator) -> None:
        n_years, n_basins = len(self.years), len(self.basins_df)
        self.drought_u = rng.random((n_years, n_basins))
        self.flood_u = rng.random(n_years)
        self.drought_u[0] = 1.0  # the base year reproduces observed conditions

    def _setup_agents(self) -> None:
        d = model_data()
        self.region_agents: list[Region] = [Region(self, i, row) for i, row in enumerate(d.region_records)]
        self.region_by_id = {r.region_id: r for r in self.region_agents}
        for r in self.region_agents:
            Utility(self, "water", r)
            Utility(self, "waste", r)
        Utility(self, "power")
        overrides = {k: o.model_dump() for k, o in self.config.funders.items()}
        self.funders: list[Funder] = [Funder(self, row, overrides.get(row["funder_id"])) for row in d.funder_records]
        self.funder_by_id = {f.funder_id: f for f in self.funders}
        #: funders in the order they are asked, by the project's lead funder (who is asked first)
        self._funder_order: dict[str | None, list[Funder]] = {}
        self.local_max_share = d.local_max_share
        self.firms: list[Firm] = [
            Firm(self, row | {"firm_id": f"{row['firm_id']}-{k + 1:02d}"})
            for row in d.firm_records
            for k in range(int(row["count"]))
        ]
        self.firm_by_id = {f.firm_id: f for f in self.firms}
        self.firms_by_tech = {t: [f for f in self.firms if t in f.technologies] for t in self.catalog}

    def _setup_state(self) -> None:
        P, df = self.P, self.regions_df
        irrigated = df["irrigated_kha"].to_numpy(float) * 1e3
        saving_share = P["water_saving_kha_2025"] * 1e3 / irrigated.sum()
        self.state = State(
            population=df["population_k"].to_numpy(float) * 1e3,
            irrigated_ha=irrigated.copy(),
            saving_ha_base=irrigated * saving_share,
            saving_ha_total=irrigated * saving_share,
            network_loss_share=np.full(len(df), P["network_loss_share"]),
            conveyance_loss_share=np.full(len(df), P["conveyance_loss_share"]),
            flood_damage_share=df["flood_damage_share"].to_numpy(float),
            ews_coverage=np.full(len(df), P["ews_coverage_2025"]),
            desal_m3=np.zeros(len(df)),
            reuse_m3=np.zeros(len(df)),
            lfg_mw=np.zeros(len(df)),
        )
        self.population0 = self.state.population.copy()
        self.irrigated0 = irrigated
        # field duty of conventional hectares, so the 2025 gross duty matches the data
        self.field_duty_m3_per_ha = (
            P["irrigation_duty_gross_m3_per_ha"]
            * (1 - P["conveyance_loss_share"])
            / (1 - saving_share * P["drip_field_saving_share"])
        )
        self.industry0_m3 = df["industry_withdrawal_mm3"].to_numpy(float) * 1e6
        cap = df["conventional_supply_cap_mm3"].to_numpy(float) * 1e6
        self.conventional_cap_m3 = np.where(np.isnan(cap), np.inf, cap)
        msw_t = self.state.population * P["msw_kg_per_capita_2025"] / 1e3
        self.recycling_base_t = (
            msw_t * P["recycling_rate_base"] / P["recycling_utilisation_mature"] * P["recycling_capacity_headroom"]
        )
        self.separated_share = P["recycling_rate_base"]
        self.separated_share_growth = 0.0
        self.gas_backstop_mw = 0.0
        self.gdp_factor = 1.0
        self.water_tariff = P["tariff_water_eur_per_m3"]
        self.curtailed_mwh = 0.0

    # ------------------------------------------------------------------ helpers for agents
    def value(self, name: str):
        """Return the value of a lever or uncertainty of this run's scenario."""
        return self._values[name]

    def tech(self, tech_id: str) -> Technology:
        """Return a technology from the catalog."""
        return self.catalog[tech_id]

    def has_active(self, tech_id: str, region_id: str | None = None) -> bool:
        """Whether a project of this technology (in this region) is in the pipeline."""
        if region_id is None:
            return tech_id in self._active_techs
        return (tech_id, region_id) in self._active_keys

    def has_pending(self, tech_id: str, region_id: str) -> bool:
        """Whether a project of this technology in this region still waits for finance."""
        return (tech_id, region_id) in self._pending_keys

    def msw_growth_rate(self) -> float:
        """Yearly growth of municipal waste from population and income [-/yr]."""
        v = self.value
        return (1 + v("population_growth_pct") / 100) * (1 + v("gdp_growth_pct") / 100) ** self.P[
            "msw_gdp_elasticity"
        ] - 1

    def recycling_capacity_mature_t(self, idx: int) -> float:
        """Sorting capacity of a region still operating at the planning horizon, at mature use [t/yr]."""
        if self._recycling_horizon is None:
            horizon = self.year + self.P["recycling_planning_horizon_yr"]
            life = self.tech("sorting_recycling").lifetime_yr
            built = np.zeros(len(self.regions_df))
            for p in self.pipeline.in_stage(Stage.OPERATING):
                if p.tech_id == "sorting_recycling" and p.operating_year + life > horizon:
                    built[self.region_index[p.region_id]] += p.size
            self._recycling_horizon = (self.recycling_base_t + built) * self.P["recycling_utilisation_mature"]
        return float(self._recycling_horizon[idx])

    def pipeline_recycling_t(self, region_id: str) -> float:
        """Sorting capacity appraised, financed or being built in a region, at mature utilisation [t/yr].

        Summed once a step over the projects active at its start (new proposals do not count).
        """
        if self._recycling_pipeline is None:
            sizes: dict[str, float] = {}
            for p in self._active:
                if p.tech_id == "sorting_recycling" and p.stage != Stage.PROPOSED:
                    sizes[p.region_id] = sizes.get(p.region_id, 0) + p.size
            self._recycling_pipeline = sizes
        return self._recycling_pipeline.get(region_id, 0) * self.P["recycling_utilisation_mature"]

    def next_site(self, tech_id: str) -> int:
        """Return a rotating counter used to spread auctioned projects across sites."""
        self._site_counter[tech_id] = self._site_counter.get(tech_id, -1) + 1
        return self._site_counter[tech_id]

    def recycling_target(self, year: int) -> float:
        """National recycling-rate target path: linear to 40% in 2030, then to 50% in 2050."""
        if year not in self._recycling_targets:
            self._recycling_targets[year] = self._recycling_target(year)
        return self._recycling_targets[year]

    def _recycling_target(self, year: int) -> float:
        P = self.P
        points = (
            [self.base_year, 2030, 2050],
            [P["recycling_rate_base"], P["recycling_target_2030"], P["recycling_target_2050"]],
        )
        return float(np.interp(year, *points))

    def variable_cap_share(self) -> float:
        """Share of demand variable renewables can cover before curtailment this year."""
        mw = self._operating_size("grid_interconnection").sum()
        return self.P["res_integration_cap_share"] + self.P["res_integration_per_100mw_interconnection"] * mw / 100

    def unit_cost_of_saving(self, tech_id: str) -> float:
        """Levelised cost of one m3 saved or supplied by a water technology [EUR/m3] (U2)."""
        t = self.tech(tech_id)
        rate = self.value("social_discount_rate_pct") / 100
        yearly = t.capex_meur_per_unit * 1e6 * (1 / annuity_factor(rate, t.lifetime_yr) + t.opex_share_per_yr)
        return yearly / t.water_m3_per_unit_yr

    def capex_multiplier(self, tech_id: str) -> float:
        """Capex multiplier from learning on cumulative capacity (D4)."""
        key = (tech_id, self._built_cum.get(tech_id, 0.0))
        if key not in self._capex_multipliers:
            self._capex_multipliers[key] = self._learned_capex_multiplier(tech_id)
        return self._capex_multipliers[key]

    def _learned_capex_multiplier(self, tech_id: str) -> float:
        t = self.tech(tech_id)
        if t.learning == "none":
            return 1.0
        lr = self.value(f"learning_rate_{t.learning}_pct") / 100
        if t.learning == "desal":
            q0 = self.P["desal_installed_m3_per_day_2025"]
        else:
            q0 = float(self.fleet.loc[self.fleet_index["solar" if t.learning == "solar" else "wind"], "capacity_mw"])
        return learning_factor(q0 + self._built_cum.get(tech_id, 0.0), q0, lr)

    def propose(
        self,
        owner,
        tech_id: str,
        region_id: str,
        size: float,
        name: str | None = None,
        pinned: bool = False,
        lead_funder: str | None = None,
    ) -> Project | None:
        """Put a new proposal into the pipeline (capex estimated from the catalog).

        Returns ``None`` when the owner's last proposal of this technology in this region was
        rejected less than ``reproposal_wait_yr`` years ago (pinned projects always go in).
        """
        rejected = self._rejected_year.get((tech_id, region_id))
        if not pinned and rejected is not None and self.year - rejected < self.P["reproposal_wait_yr"]:
            return None
        t = self.tech(tech_id)
        capex = size * t.capex_meur_per_unit * self.capex_multiplier(tech_id)
        key = (tech_id, region_id, self.year)
        self._ordinals[key] = self._ordinals.get(key, -1) + 1
        project = self.pipeline.add(
            self.year,
            ordinal=self._ordinals[key],
            name=name or f"{t.name}, {self.region_by_id[region_id].name}",
            tech_id=tech_id,
            sector=t.sector,
            region_id=region_id,
            owner=getattr(owner, "name", str(owner)),
            size=float(size),
            capex_estimate_meur=capex,
            pinned=pinned,
            lead_funder=lead_funder,
        )
        self._active.append(project)
        self._proposed_this_year += 1
        self._active_keys.add((tech_id, region_id))
        self._active_techs.add(tech_id)
        self._pending_keys.add((tech_id, region_id))
        return project

    # ------------------------------------------------------------------ the schedule
    def step(self) -> None:
        """Simulate one year."""
        self._active = self.pipeline.in_stage(*ACTIVE)
        self._active_keys = {(p.tech_id, p.region_id) for p in self._active}
        self._active_techs = {p.tech_id for p in self._active}
        waiting = (Stage.PROPOSED, Stage.APPRAISED)
        self._pending_keys = {(p.tech_id, p.region_id) for p in self._active if p.stage in waiting}
        self._recycling_horizon = None
        self._recycling_pipeline = None
        self._proposed_this_year = 0
        self._drivers()
        self._open_budgets()
        self._propose()
        self._appraise()
        self._finance()
        self._tender()
        self._build()
        self.last = self._operate(record=True)
        self.datacollector.collect(self)
        self.year += 1
        if self.year > self.end_year:
            self.running = False

    def run(self) -> None:
        """Run every year from the base year to ``end_year``."""
        while self.running and self.year <= self.end_year:
            self.step()

    def close(self) -> None:
        """Free the run's objects now; the model cannot be used afterwards.

        The model and its agents refer to each other, so without this a finished run (about
        50,000 objects) waits for Python's cycle collector, whose pause of 50-150 ms then
        falls in the middle of a later run. Dropping the model's attributes breaks the cycles
        and reference counting frees everything at once (about 6 ms).
        """
        self.__dict__.clear()

    # 1. drivers --------------------------------------------------------------
    def _drivers(self) -> None:
        v, P, s = self.value, self.P, self.state
        t = self.year - self.base_year
        s.population = self.population0 * (1 + v("population_growth_pct") / 100) ** t
        self.gdp_factor = (1 + v("gdp_growth_pct") / 100) ** t
        s.irrigated_ha = self.irrigated0 * (1 + P["irrigated_area_growth_pct"] / 100) ** t
        income = P["income_bottom40_eur_per_capita_yr"] * self.gdp_factor
        m3_per_person = P["municipal_lpcd_delivered"] * 365 / 1e3
        affordable = v("affordability_cap_pct") / 100 * income / m3_per_person
        planned = P["tariff_water_eur_per_m3"] * (1 + v("water_tariff_growth_pct") / 100) ** t
        self.water_tariff = min(planned, affordable)
        self.tariff_capped = planned > affordable
        if t > 0:
            new_share = self._next_separated_share()
            self.separated_share_growth = new_share - self.separated_share
            self.separated_share = new_share

    def _next_separated_share(self) -> float:
        """W2: EPR revenue reinvested in separate collection raises the separated share.

        ``s(t+1) = min(cap, s(t) + alpha * reinvested EPR / cost per tonne / waste)``.
        """
        P = self.P
        msw_t = float(self.last["msw_generated_t"].sum())
        added_t = (
            P["epr_alpha"]
            * P["epr_reinvested_share"]
            * self.epr_revenue_meur()
            * 1e6
            / P["separate_collection_cost_eur_per_t"]
        )
        cap = P["recycling_max_recoverable_share"] * P["collection_coverage"]
        return min(cap, self.separated_share + added_t / msw_t)

    def epr_revenue_meur(self) -> float:
        """EPR fees collected this year [EUR M/yr], growing with the volume of municipal waste."""
        P = self.P
        volume = self.state.population.sum() / self.population0.sum() * self.gdp_factor ** P["msw_gdp_elasticity"]
        return P["epr_revenue_meur_2025"] * self.value("epr_fee_multiplier") * volume

    def _open_budgets(self) -> None:
        v = self.value
        # EPR fees not spent on separate collection (W2) reach the national budget
        epr = self.epr_revenue_meur() * (1 - self.P["epr_reinvested_share"])
        for f in self.funders:
            amount = float(v(f.budget_lever))
            if f.budget_unit == "bn_kzt":
                amount = amount * 1e3 / self.kzt_per_eur + (epr if f.funder_id == "national" else 0.0)
            f.open_year(amount)
        self.local_added_meur = sum(r.add_budget() for r in self.region_agents)
        self.local_committed_meur = self.local_released_meur = self.local_disbursed_meur = 0.0
        self.topups_meur = 0.0

    # 2. propose -------------------------------------------------------------
    def _propose(self) -> None:
        _v, P, s = self.value, self.P, self.state
        # conveyance losses still removable by lining, net of lining already in the pipeline
        saved_per_km = self.tech("canal_lining").water_m3_per_unit_yr
        in_pipeline_km = np.zeros(len(self.region_agents))
        for p in self._active:
            if p.tech_id == "canal_lining":
                in_pipeline_km[self.region_index[p.region_id]] += p.size
        # losses work on the loss-to-delivery ratio L/(1-L) (see _operate): lining can remove
        # field x (L/(1-L) - floor/(1-floor)), with field = gross demand x (1 - L)
        loss, floor = s.conveyance_loss_share, P["conveyance_loss_floor"]
        field = self.last["demand_irrigation_m3"] * (1 - loss)
        removable_m3 = np.maximum(field * (loss / (1 - loss) - floor / (1 - floor)), 0)
        removable_km = np.maximum(removable_m3 / saved_per_km - in_pipeline_km, 0)
        km_share = removable_km / removable_km.sum() if removable_km.sum() > 0 else removable_km
        for r in self.region_agents:
            r.propose_canal_lining(float(km_share[r.idx]), float(removable_km[r.idx]))
            r.propose_drip()
            r.propose_flood_warning()
        self.agents_by_type[Utility].do("propose")
        self._propose_pinned()

    def _propose_pinned(self) -> None:
        v = self.value
        pinned = [(p.name, p.technology, p.region, p.size, p.year, p.lead_funder) for p in self.config.projects]
        if v("aktau_desal_m3_per_day") > 0:
            pinned.append(
                (
                    "Aktau desalination plant",
                    "desalination",
                    "KZ-47",
                    float(v("aktau_desal_m3_per_day")),
                    int(v("aktau_desal_first_year")),
                    "netherlands",
                )
            )
        for name, tech_id, region_id, size, year, lead in pinned:
            if year == self.year:
                self.propose("scenario", tech_id, region_id, size, name=name, pinned=True, lead_funder=lead)

    # 3. appraise ------------------------------------------------------------
    def appraisal_context(self) -> AppraisalContext:
        """Return what appraisals need to know this year."""
        v, P = self.value, self.P
        cf = self.fleet_cf_by_tech
        m = self._flood_multiplier()
        expected = climate.expected_flood_damage_meur(
            P["flood_damage_ref_meur"] * v("flood_severity_scale"),
            P["flood_ref_return_period_yr"],
            P["flood_min_return_period_yr"],
            m,
        )
        demand_mwh = self.last["electricity_demand_mwh"]
        return AppraisalContext(
            social_discount_rate=v("social_discount_rate_pct") / 100,
            financial_discount_rate=P["financial_discount_rate_pct"] / 100,
            water_tariff_eur_per_m3=self.water_tariff,
            capacity_factor=dict(cf),
            grid_emission_t_per_mwh=float(self.fleet_col["emission_t_per_mwh"][self.fleet_index["coal"]]),
            expected_flood_damage_meur=dict(
                zip(self.regions_df["region_id"], expected * self.state.flood_damage_share, strict=True)
            ),
            epr_multiplier=v("epr_fee_multiplier"),
            gate_fee_eur_per_t=v("landfill_gate_fee_kzt_per_t") / self.kzt_per_eur,
            curtailed_mwh=self.curtailed_mwh,
            res_absorb_mwh_per_mw_interconnection=P["res_integration_per_100mw_interconnection"] / 100 * demand_mwh,
            wte_emission_t_per_mwh=float(self.fleet_col["emission_t_per_mwh"][self.fleet_index["waste_to_energy"]]),
            wte_utilisation=self.wte_utilisation,
            field_duty_m3_per_ha=self.field_duty_m3_per_ha,
        )

    def _appraise(self) -> None:
        ctx = self.appraisal_context()
        for p in self.pipeline.in_stage(Stage.PROPOSED):
            appraise(p, self.tech(p.tech_id), ctx, self.P)
            if p.enpv_meur < 0 and p.fnpv_meur < 0 and not p.pinned:
                self._rejected_year[(p.tech_id, p.region_id)] = self.year
                self.pipeline.move(
                    p,
                    Stage.REJECTED,
                    self.year,
                    "economic NPV %.1f and financial NPV %.1f M EUR both below zero",
                    p.enpv_meur,
                    p.fnpv_meur,
                )
            else:
                self.pipeline.move(
                    p,
                    Stage.APPRAISED,
                    self.year,
                    "ENPV %.1f M EUR, FNPV %.1f M EUR, BCR %.2f",
                    p.enpv_meur,
                    p.fnpv_meur,
                    p.bcr,
                )

    # 4. finance -------------------------------------------------------------
    def _contingency(self, p: Project) -> float:
        return self.tech(p.tech_id).overrun_mean * self.value("cost_overrun_scale")

    def _assemble(self, p: Project) -> tuple[list[tuple[str, str, float]], float]:
        """Collect offers for one project; return ``[(funder, instrument, EUR M)]`` and what is still missing.

        Order: grants (capped by ``1 - co-finance share`` of the cost and, for funders bound by
        additionality, by the funding gap), the national co-grant, IFI loans (at most
        ``max_debt_share`` in total), private equity, then a national budget credit to public
        owners and the owner's own reserve. Nothing is committed here.
        """
        v, P = self.value, self.P
        contingency = self._contingency(p)
        cost = p.capex_estimate_meur * (1 + contingency)
        if p.tech_id == "drip_irrigation":  # the subsidy share is the policy (R1)
            grant_room = gap_room = v("irrigation_subsidy_share") * cost
        else:
            grant_room = (1 - v("cofinance_share_required")) * cost
            gap_room = max(0.0, -p.fnpv_meur) * (1 + contingency)
        debt_room = P["max_debt_share"] * cost
        need, grants, offers = cost, 0.0, []
        order = self._funder_order.get(p.lead_funder)
        if order is None:
            order = self._funder_order[p.lead_funder] = sorted(
                self.funders, key=lambda f: (f.funder_id != p.lead_funder, f.order)
            )
        for f in order:
            if need <= EPS:
                break
            room = min(grant_room, gap_room) if f.is_grant and f.additional else grant_room
            amount = f.offer(p, need, room, debt_room, cost, grants / (1 + contingency))
            if amount > 0:
                offers.append((f.funder_id, f.instrument, amount))
                need -= amount
                if f.is_grant:
                    grants += amount
                    grant_room -= amount
                    gap_room -= amount
                if f.is_loan:
                    debt_room -= amount
        public_owner = self._public_owner(p)
        national = self.funder_by_id["national"]
        if need > EPS and public_owner and debt_room > EPS:
            # budget credit: the republican budget lends to the public owner (after IFIs)
            pledged = sum(a for fid, _, a in offers if fid == "national")
            amount = min(need, debt_room, national.available_meur - pledged)
            if amount > EPS:
                offers.append(("national", "budget_credit", amount))
                need -= amount
        if need > EPS and public_owner and self.tech(p.tech_id).owner != "power":
            # the region's own money goes only to projects of the region and its utilities
            region = self.region_by_id[p.region_id]
            amount = min(need, region.reserve_meur, self.local_max_share * cost)
            if amount > EPS:
                offers.append(("local", "cofinance", amount))
                need -= amount
        return offers, need

    @staticmethod
    def _public_owner(p: Project) -> bool:
        """Whether a public body owns the project: all but power projects that pay for themselves.

        Auctioned wind and solar with a PPA are private; grid interconnection (no revenue) is
        built by the state grid operator.
        """
        return not (p.sector == "energy" and p.fnpv_meur >= 0)

    def _finance(self) -> None:
        P = self.P
        candidates = sorted(self.pipeline.in_stage(Stage.APPRAISED), key=lambda p: (not p.pinned, -p.bcr, p.project_id))
        for p in candidates:
            offers, missing = self._assemble(p)
            if missing <= EPS:
                for funder_id, instrument, amount in offers:
                    self._commit(p, funder_id, amount, instrument)
                words = tuple(x for fid, ins, a in offers for x in (fid, a, ins))
                self.pipeline.move(p, Stage.FINANCED, self.year, _financed_reason(len(offers)), *words)
                continue
            p.waited_yr += 1
            reason = f"financing gap of {missing:.1f} M EUR"
            if p.waited_yr > P["proposal_max_wait_yr"]:
                self.pipeline.move(p, Stage.CANCELLED, self.year, "%s after %s years", reason, p.waited_yr)
            else:
                p.last_reason = reason

    def _commit(self, p: Project, funder_id: str, amount: float, instrument: str) -> None:
        """Record a commitment (negative: a release) and move the money in or out of the source."""
        if funder_id == "local":
            region = self.region_by_id[p.region_id]
            region.reserve_meur -= amount
            if amount > 0:
                self.local_committed_meur += amount
            else:
                self.local_released_meur -= amount
        else:
            f = self.funder_by_id[funder_id]
            if amount > 0:
                f.commit(amount)
            else:
                f.release(-amount)
        self.pipeline.commit(p, funder_id, amount, self.year, instrument)

    def _release_all(self, p: Project) -> None:
        for funder_id, amount in list(p.commitments.items()):
            if amount > EPS:
                self._commit(p, funder_id, -amount, "release")

    # 5. tender --------------------------------------------------------------
    def _project_normals(self, projects: list[Project]) -> np.ndarray:
        """Two standard normals per project, for its overrun and delay (common random numbers).

        Drawn up front per (year, technology, region, ordinal), so the same project in two
        scenarios run with one seed gets the same draw. Returns an array of shape ``(n, 2)``.
        """
        n = self._project_z.shape[3]
        index = np.array(
            [
                (
                    p.proposed_year - self.base_year,
                    self._tech_order[p.tech_id],
                    self.region_index[p.region_id],
                    p.ordinal % n,
                )
                for p in projects
            ]
        ).T
        return self._project_z[tuple(index)]

    def _tender(self) -> None:
        P = self.P
        local_content = self.value("local_content_share")
        # a firm's cost and localisation change only when it completes a contract or localises,
        # not during tendering: sort the firms of each technology by the rule once a step
        unit_cost = {f: f.unit_cost() for f in self.firms}
        local_enough = {t: Firm.split_by_local_content(firms, local_content) for t, firms in self.firms_by_tech.items()}
        awards: list[tuple[Project, Firm, int]] = []
        for p in self.pipeline.in_stage(Stage.FINANCED):
            bidders = Firm.bidders(*local_enough[p.tech_id])
            if len(bidders) < P["min_bidders"]:
                p.tender_failures += 1
                reason = f"tender failed: {len(bidders)} eligible bidder(s), {int(P['min_bidders'])} needed"
                if p.tender_failures >= P["tender_max_failures"]:
                    self._release_all(p)
                    self.pipeline.move(p, Stage.CANCELLED, self.year, f"{reason} (twice)")
                else:
                    p.last_reason = reason
                continue
            # every bidder applies the same competition markup (D3), so the lowest-cost firm wins
            firm = min(bidders, key=lambda f: (unit_cost[f], f.firm_id))
            firm.active_contracts += 1
            firm.won += 1
            awards.append((p, firm, len(bidders)))
        if awards:
            self._award(awards)
        for f in self.firms:
            f.consider_localising()
        for p in self.pipeline.in_stage(Stage.TENDERED):
            self._settle_contract(p)

    def _award(self, awards: list[tuple[Project, Firm, int]]) -> None:
        """Price the year's contracts: the winner's bid, then a lognormal overrun and delay (D1, D2).

        The draws of all awards are made as arrays (same numbers as one project at a time).
        """
        v, P = self.value, self.P
        projects = [p for p, _, _ in awards]
        techs = [self.tech(p.tech_id) for p in projects]
        z = self._project_normals(projects)
        rho = P["overrun_delay_correlation"]
        z1 = z[:, 0]
        z2 = rho * z1 + np.sqrt(1 - rho**2) * z[:, 1]
        mean_overrun = np.array([self._contingency(p) for p in projects])
        sigma = np.array([t.overrun_sigma_log for t in techs])
        overrun = (1 + mean_overrun) * np.exp(sigma * z1 - sigma**2 / 2) - 1
        delay_scale = v("delay_scale")
        d_mean = np.array(
            [t.delay_mean_share * delay_scale * (2 - f.reliability) for t, (_, f, _) in zip(techs, awards, strict=True)]
        )
        build_time = np.array([t.build_time_yr for t in techs])
        ds = P["delay_sigma_log"]
        delay = np.round(build_time * d_mean * np.exp(ds * z2 - ds**2 / 2))
        for (p, firm, n_bidders), t, over, late in zip(awards, techs, overrun.tolist(), delay.tolist(), strict=True):
            price = firm.bid(p.capex_estimate_meur, n_bidders)
            p.firm_id, p.n_bidders = firm.firm_id, n_bidders
            p.contract_cost_meur = float(price * (1 + over))
            p.build_years = t.build_time_yr + max(int(late), 0)
            self.pipeline.move(
                p,
                Stage.TENDERED,
                self.year,
                "awarded to %s among %s bidders; contract %.1f M EUR",
                firm.firm_id,
                n_bidders,
                p.contract_cost_meur,
            )

    def _settle_contract(self, p: Project) -> None:
        """Match commitments to the contract price; start construction when covered.

        An overrun beyond the financed contingency is topped up by the owner's backer of last
        resort (private equity for power projects that pay for themselves, the national budget
        otherwise); a cheaper contract releases the surplus to every funder pro rata.
        """
        diff = p.contract_cost_meur - p.committed_meur
        if diff > EPS:
            backer = self.funder_by_id["national" if self._public_owner(p) else "private"]
            if backer.available_meur + EPS >= diff:
                self._commit(p, backer.funder_id, diff, "overrun_topup")
                self.topups_meur += diff
            else:
                p.overrun_waited_yr += 1
                if p.overrun_waited_yr > self.P["overrun_max_wait_yr"]:
                    self._release_all(p)
                    self.firm_by_id[p.firm_id].active_contracts -= 1
                    self.pipeline.move(p, Stage.CANCELLED, self.year, f"cost overrun of {diff:.1f} M EUR not financed")
                else:
                    p.last_reason = f"waiting for {diff:.1f} M EUR of overrun financing from {backer.funder_id}"
                return
        elif diff < -EPS:
            share = p.contract_cost_meur / p.committed_meur
            for funder_id, amount in list(p.commitments.items()):
                self._commit(p, funder_id, -amount * (1 - share), "release")
        p.schedule_meur = p.contract_cost_meur * self._profile(p.tech_id, p.build_years)
        p.construction_start_year = self.year
        self.pipeline.move(
            p, Stage.UNDER_CONSTRUCTION, self.year, "construction starts; %s years planned with delay", p.build_years
        )

    def _profile(self, tech_id: str, years: int) -> np.ndarray:
        key = (tech_id, years)
        if key not in self._profiles:
            self._profiles[key] = stretch_profile(self.tech(tech_id).profile, years)
        return self._profiles[key]

    # 6. build ---------------------------------------------------------------
    def _build(self) -> None:
        for p in self.pipeline.in_stage(Stage.UNDER_CONSTRUCTION):
            k = self.year - p.construction_start_year
            if k >= p.build_years:
                p.operating_year = self.year
                self._built_cum[p.tech_id] = self._built_cum.get(p.tech_id, 0.0) + p.size
                firm = self.firm_by_id[p.firm_id]
                firm.active_contracts -= 1
                firm.completed += 1
                self.pipeline.move(p, Stage.OPERATING, self.year, "commissioned after %s years", p.build_years)
                self._assets = None
                bisect.insort(self._built, p, key=lambda q: q.project_id)
                self._built_totals = None
                end_of_life = self.year + self.tech(p.tech_id).lifetime_yr
                self._retiring.setdefault(end_of_life, []).append(p)
                continue
            paid = self.pipeline.disburse(p, float(p.schedule_meur[k]), self.year)
            for funder_id, amount in paid.items():
                if funder_id == "local":
                    self.local_disbursed_meur += amount
                else:
                    self.funder_by_id[funder_id].disbursed_meur += amount
        for p in sorted(self._retiring.pop(self.year, []), key=lambda p: p.project_id):
            if p.stage == Stage.OPERATING:
                p.retire_year = self.year
                self.pipeline.move(p, Stage.RETIRED, self.year, "end of technical life")
                self._assets = None

    # 7. operate -------------------------------------------------------------
    def _operating_size(self, tech_id: str) -> np.ndarray:
        """Operating capacity of one technology per region (cached until a project commissions or retires)."""
        if self._assets is None:
            # summed in Python floats in project order (numpy item updates cost ~10x more)
            sizes: dict[tuple[str, int], float] = {}
            for p in self.pipeline.in_stage(Stage.OPERATING):
                key = (p.tech_id, self.region_index[p.region_id])
                sizes[key] = sizes.get(key, 0.0) + p.size
            assets = {t: np.zeros(len(self.regions_df)) for t in self.catalog}
            for (tech, i), size in sizes.items():
                assets[tech][i] = size
            self._assets = assets
        return self._assets[tech_id]

    def _flood_multiplier(self) -> float:
        frac = climate.trend_fraction(self.year, self.base_year)
        return 1 + (self.flood_multiplier_2050 - 1) * min(frac, 1.0)

    def _operate(self, record: bool) -> dict:
        v, P, s = self.value, self.P, self.state
        t_idx = self.year - self.base_year
        frac = climate.trend_fraction(self.year, self.base_year)
        out: dict = {}
        # --- assets from operating projects
        cat = self.catalog
        s.desal_m3 = self._operating_size("desalination") * cat["desalination"].water_m3_per_unit_yr
        s.reuse_m3 = self._operating_size("wastewater_reuse") * cat["wastewater_reuse"].water_m3_per_unit_yr
        s.saving_ha_total = np.minimum(s.saving_ha_base + self._operating_size("drip_irrigation"), s.irrigated_ha)
        n_ews = self._operating_size("flood_ews")
        s.ews_coverage = np.minimum(1.0, P["ews_coverage_2025"] + P["ews_coverage_per_system"] * n_ews)
        s.lfg_mw = self._operating_size("landfill_gas")
        # --- water demand
        muni_net = (
            s.population
            * P["municipal_lpcd_delivered"]
            * 365
            / 1e3
            * self.gdp_factor ** P["municipal_demand_gdp_elasticity"]
        )
        saved_net = self._operating_size("network_loss_reduction") * cat["network_loss_reduction"].water_m3_per_unit_yr
        base_loss_ratio = P["network_loss_share"] / (1 - P["network_loss_share"])
        floor_ratio = P["network_loss_floor"] / (1 - P["network_loss_floor"])
        ratio = np.maximum(floor_ratio, base_loss_ratio - saved_net / muni_net)
        s.network_loss_share = ratio / (1 + ratio)
        field = self.field_duty_m3_per_ha * (s.irrigated_ha - s.saving_ha_total * P["drip_field_saving_share"])
        canal_saved = self._operating_size("canal_lining") * cat["canal_lining"].water_m3_per_unit_yr
        c0 = P["conveyance_loss_share"]
        cfloor = P["conveyance_loss_floor"]
        c_ratio = np.maximum(
            cfloor / (1 - cfloor),
            c0 / (1 - c0) - np.divide(canal_saved, field, out=np.zeros_like(field), where=field > 0),
        )
        s.conveyance_loss_share = c_ratio / (1 + c_ratio)
        demand = {
            "municipal": water.gross_demand(muni_net, s.network_loss_share),
            "industry": self.industry0_m3 * self.gdp_factor ** P["industry_demand_gdp_elasticity"],
            "irrigation": water.gross_demand(field, s.conveyance_loss_share),
        }
        # --- water supply
        b = self.basin_col
        trend = climate.flow_trend_factor(self.flow_change_2050, v("flow_change_scale"), frac)
        p_drought = np.where(self.basin_south, v("drought_probability_south"), P["drought_probability_north"])
        p_drought = p_drought * (1 + (self.drought_multiplier_2050 - 1) * min(frac, 1.0))
        drought = self.drought_u[t_idx] < p_drought
        shock = np.where(drought, P["drought_flow_factor"], 1.0)
        upstream = climate.upstream_factor(
            b["transboundary_share"],
            v("upstream_withdrawal_growth_pct"),
            v("transboundary_cooperation"),
            frac,
        )
        surface = b["surface_mean_km3"] * trend * shock * upstream
        available = (surface * b["usable_share"] + b["groundwater_km3"] + b["transfer_in_km3"]) * KM3
        available = np.maximum(available, 0.0)
        loss = {
            "municipal": s.network_loss_share,
            "industry": np.zeros_like(muni_net),
            "irrigation": s.conveyance_loss_share,
        }
        wb = water.allocate(
            self.basin_of_region, available, demand, s.desal_m3 + s.reuse_m3, self.conventional_cap_m3, loss
        )
        local_used = s.desal_m3 + s.reuse_m3 - wb.local_unused
        local_total = s.desal_m3 + s.reuse_m3
        desal_used = np.divide(
            s.desal_m3 * local_used, local_total, out=np.zeros_like(local_total), where=local_total > 0
        )
        reuse_used = local_used - desal_used
        # --- energy
        fleet = self.fleet_col
        cap = fleet["capacity_mw"].copy()
        fi = self.fleet_index
        start = v("coal_retirement_start_year")
        retired = max(0, self.year - start + 1) * v("coal_retirement_mw_per_yr")
        cap[fi["coal"]] = max(0.0, cap[fi["coal"]] - retired)
        cap[fi["gas"]] += self.gas_backstop_mw
        cap[fi["solar"]] += self._operating_size("solar_pv").sum()
        cap[fi["wind"]] += self._operating_size("wind").sum()
        cap[fi["landfill_gas"]] += s.lfg_mw.sum()
        wte_t = self._operating_size("waste_to_energy")
        recycling_eff = (self.recycling_base_t + self._operating_size("sorting_recycling")) * P[
            "recycling_utilisation_mature"
        ]
        msw = s.population * P["msw_kg_per_capita_2025"] / 1e3 * self.gdp_factor ** P["msw_gdp_elasticity"]
        wf = waste.waste_flows(
            msw,
            P["collection_coverage"],
            recycling_eff,
            P["recycling_max_recoverable_share"],
            wte_t * self.wte_utilisation,
            self.separated_share,
        )
        wte_mwh = wf.energy_recovered_t.sum() * P["wte_mwh_per_t"]
        cf = fleet["cf_max"]
        cap[fi["waste_to_energy"]] = wte_mwh / (energy.HOURS_PER_YEAR * cf[fi["waste_to_energy"]])
        hydro_factor = float((trend * shock * b["hydro_weight"]).sum() / self.hydro_weight_total)
        availability = np.ones(len(cap))
        availability[fi["hydro"]] = hydro_factor
        availability[fi["small_hydro"]] = hydro_factor
        extra_mwh = (
            desal_used * cat["desalination"].energy_use_kwh_per_m3
            + reuse_used * cat["wastewater_reuse"].energy_use_kwh_per_m3
        ) / 1e3
        demand_mwh = (
            P["electricity_demand_twh_2025"] * 1e6 * self.gdp_factor ** P["electricity_demand_gdp_elasticity"]
            + extra_mwh.sum()
        )
        args = dict(
            capacity_mw=cap,
            cf_max=cf,
            must_run_cf=fleet["must_run_cf"],
            marginal_cost=fleet["marginal_cost_eur_per_mwh"],
            variable=self.fleet_variable,
            emission_t_per_mwh=fleet["emission_t_per_mwh"],
            availability=availability,
            variable_cap_share=self.variable_cap_share(),
        )
        d = energy.dispatch(demand_mwh, **args)
        backstop_added = 0.0
        if record and d.unserved_mwh > 0:
            # capacity adequacy: the state adds gas capacity outside the modelled funders
            gas_i = fi["gas"]
            backstop_added = float(np.ceil(d.unserved_mwh / (energy.HOURS_PER_YEAR * cf[gas_i]) / 100) * 100)
            self.gas_backstop_mw += backstop_added
            args["capacity_mw"] = cap.copy()
            args["capacity_mw"][gas_i] += backstop_added
            d = energy.dispatch(demand_mwh, **args)
        self.curtailed_mwh = d.curtailed_mwh
        # --- floods
        m = self._flood_multiplier()
        rp = climate.flood_return_period(self.flood_u[t_idx], m)
        national_damage = climate.flood_damage_meur(
            rp,
            P["flood_damage_ref_meur"],
            P["flood_ref_return_period_yr"],
            P["flood_min_return_period_yr"],
            v("flood_severity_scale"),
        )
        damage0 = national_damage * s.flood_damage_share
        damage = flood.damage_after_warning(
            damage0, s.ews_coverage, P["ews_damage_reduction"], P["ews_lead_time_h"], P["ews_response_rate"]
        )
        # --- collect per region
        out.update({f"demand_{k}_m3": demand[k] for k in water.SECTORS})
        out.update({f"supplied_{k}_m3": wb.supplied[k] for k in water.SECTORS})
        out.update({f"deficit_{k}_m3": wb.deficit[k] for k in water.SECTORS})
        out["msw_generated_t"] = wf.generated_t
        out["recycled_t"] = wf.recycled_t
        out["recycling_capacity_t"] = recycling_eff
        out["landfilled_t"] = wf.landfilled_t
        gen = d.generation_mwh
        total_gen = gen.sum()
        res_mask = self.fleet_res
        out["variable_res_share"] = float(gen[self.fleet_variable].sum() / demand_mwh)
        out["electricity_demand_mwh"] = demand_mwh
        if not record:
            return out
        self._record_indicators(
            wb,
            wf,
            d,
            demand_mwh,
            total_gen,
            res_mask,
            available,
            surface,
            drought,
            desal_used,
            reuse_used,
            damage0,
            damage,
            rp,
            backstop_added,
        )
        return out

    # 8. record --------------------------------------------------------------
    def _record_indicators(
        self,
        wb,
        wf,
        d,
        demand_mwh,
        total_gen,
        res_mask,
        available,
        surface,
        drought,
        desal_used,
        reuse_used,
        damage0,
        damage,
        return_period,
        backstop_added,
    ) -> None:
        s, fi = self.state, self.fleet_index
        tot = {k: wb.total(k) for k in ("demand", "supplied", "deficit", "losses")}
        withdrawn = {k: wb.from_basin[k] for k in water.SECTORS}
        w_total = sum(x.sum() for x in withdrawn.values())
        demand_total = tot["demand"].sum()
        deficit_total = tot["deficit"].sum()
        gen = d.generation_mwh
        co2_power = d.co2_t.sum()
        landfill_co2 = wf.landfilled_t.sum() * self.P["landfill_emission_t_per_t"]
        lfg_avoided = gen[fi["landfill_gas"]] * self.P["landfill_gas_t_co2e_per_mwh"]
        if self._built_totals is None:  # sums in project order, redone only when a project is commissioned
            self._built_totals = (
                float(sum(p.contract_cost_meur for p in self._built)),
                float(sum(p.size * self.catalog[p.tech_id].capex_meur_per_unit for p in self._built)),
            )
        irrigation_supplied = wb.supplied["irrigation"].sum()
        muni_supplied = wb.supplied["municipal"].sum()
        self.ind = {
            "population_m": s.population.sum() / 1e6,
            "water_demand_km3": demand_total / KM3,
            **{f"water_demand_{k}_km3": wb.demand[k].sum() / KM3 for k in water.SECTORS},
            "withdrawal_km3": w_total / KM3,
            "withdrawal_agriculture_share": withdrawn["irrigation"].sum() / w_total,
            "withdrawal_industry_share": withdrawn["industry"].sum() / w_total,
            "withdrawal_municipal_share": withdrawn["municipal"].sum() / w_total,
            "desalination_km3": desal_used.sum() / KM3,
            "reuse_km3": reuse_used.sum() / KM3,
            "water_deficit_km3": deficit_total / KM3,
            "water_deficit_pct": 100 * deficit_total / demand_total,
            "water_losses_km3": tot["losses"].sum() / KM3,
            "conveyance_loss_share": wb.losses["irrigation"].sum() / irrigation_supplied
            if irrigation_supplied
            else 0.0,
            "network_loss_share": wb.losses["municipal"].sum() / muni_supplied if muni_supplied else 0.0,
            "water_saving_irrigation_share": s.saving_ha_total.sum() / s.irrigated_ha.sum(),
            "basins_in_drought": int(drought.sum()),
            "water_tariff_eur_per_m3": self.water_tariff,
            "electricity_demand_twh": demand_mwh / 1e6,
            "generation_twh": total_gen / 1e6,
            **{f"generation_{t}_twh": gen[i] / 1e6 for t, i in fi.items()},
            "coal_share": gen[fi["coal"]] / total_gen,
            "gas_share": gen[fi["gas"]] / total_gen,
            "hydro_share": gen[fi["hydro"]] / total_gen,
            "res_share": gen[res_mask].sum() / total_gen,
            "curtailed_twh": d.curtailed_mwh / 1e6,
            "unserved_twh": d.unserved_mwh / 1e6,
            "backstop_gas_mw_added": backstop_added,
            "co2_power_mt": co2_power / 1e6,
            "grid_emission_factor_t_per_mwh": co2_power / total_gen,
            "msw_generated_mt": wf.generated_t.sum() / 1e6,
            "recycled_mt": wf.recycled_t.sum() / 1e6,
            "energy_recovered_mt": wf.energy_recovered_t.sum() / 1e6,
            "landfilled_mt": wf.landfilled_t.sum() / 1e6,
            "recycling_rate": wf.recycling_rate,
            "recycling_target": self.recycling_target(self.year),
            "separated_share": self.separated_share,
            "co2_waste_mt": (landfill_co2 - lfg_avoided) / 1e6,
            "co2_total_mt": (co2_power + landfill_co2 - lfg_avoided) / 1e6,
            "flood_return_period_yr": return_period,
            "flood_damage_meur": damage.sum(),
            "flood_damage_avoided_meur": (damage0 - damage).sum(),
            "ews_coverage": float((s.ews_coverage * s.flood_damage_share).sum()),
            "committed_meur": sum(f.committed_meur for f in self.funders) + self.local_committed_meur,
            "disbursed_meur": sum(f.disbursed_meur for f in self.funders) + self.local_disbursed_meur,
            "projects_proposed": self._proposed_this_year,
            "projects_operating": self.pipeline.count(Stage.OPERATING),
            "projects_under_construction": self.pipeline.count(Stage.UNDER_CONSTRUCTION),
            "projects_built": len(self._built),
            "capex_built_meur": self._built_totals[0],
            "capacity_built_ref_meur": self._built_totals[1],
        }
        irrigated = s.irrigated_ha > 0
        region_cols = {
            "population": s.population,
            "water_demand_mm3": tot["demand"] / 1e6,
            "water_supplied_mm3": tot["supplied"] / 1e6,
            "water_deficit_mm3": tot["deficit"] / 1e6,
            "municipal_deficit_mm3": wb.deficit["municipal"] / 1e6,
            "irrigation_deficit_mm3": wb.deficit["irrigation"] / 1e6,
            "water_losses_mm3": tot["losses"] / 1e6,
            "desalination_mm3": desal_used / 1e6,
            "reuse_mm3": reuse_used / 1e6,
            "network_loss_share": s.network_loss_share,
            "conveyance_loss_share": s.conveyance_loss_share,
            "water_saving_irrigation_share": np.divide(
                s.saving_ha_total, s.irrigated_ha, out=np.zeros_like(s.irrigated_ha), where=irrigated
            ),
            "msw_generated_kt": wf.generated_t / 1e3,
            "recycled_kt": wf.recycled_t / 1e3,
            "recycling_rate": wf.recycled_t / wf.generated_t,
            "landfilled_kt": wf.landfilled_t / 1e3,
            "ews_coverage": s.ews_coverage,
            "flood_damage_meur": damage,
            "cofinance_reserve_meur": np.array([r.reserve_meur for r in self.region_agents]),
        }
        # Python floats: the DataCollector deep-copies every value that is not a built-in scalar
        columns = [np.asarray(c, dtype=float).tolist() for c in region_cols.values()]
        for r, row in zip(self.region_agents, zip(*columns, strict=True), strict=True):
            r.results = dict(zip(region_cols, row, strict=True))
        for j, bid in enumerate(self.basin_ids):
            mask = self.basin_masks[j]
            self.basin_records.append(
                {
                    "year": self.year,
                    "basin_id": bid,
                    "surface_flow_km3": surface[j],
                    "drought": bool(drought[j]),
                    "available_km3": available[j] / KM3,
                    "withdrawn_km3": wb.basin_withdrawn[j] / KM3,
                    "unallocated_km3": wb.basin_unallocated[j] / KM3,
                    "demand_km3": tot["demand"][mask].sum() / KM3,
                    "supplied_km3": tot["supplied"][mask].sum() / KM3,
                    "local_supply_km3": sum(wb.from_local[k][mask].sum() for k in water.SECTORS) / KM3,
                    "deficit_km3": tot["deficit"][mask].sum() / KM3,
                    "losses_km3": tot["losses"][mask].sum() / KM3,
                }
            )
        for f in self.funders:
            self.money_records.append(
                {
                    "year": self.year,
                    "funder_id": f.funder_id,
                    "envelope_meur": f.envelope_meur,
                    "committed_meur": f.committed_meur,
                    "released_meur": f.released_meur,
                    "disbursed_meur": f.disbursed_meur,
                    "unused_meur": f.available_meur,
                }
            )
        self.money_records.append(
            {
                "year": self.year,
                "funder_id": "local",
                "envelope_meur": self.local_added_meur,
                "committed_meur": self.local_committed_meur,
                "released_meur": self.local_released_meur,
                "disbursed_meur": self.local_disbursed_meur,
                "unused_meur": sum(r.reserve_meur for r in self.region_agents),
            }
        )


NATIONAL_INDICATORS = [
    "population_m",
    "water_demand_km3",
    *[f"water_demand_{k}_km3" for k in water.SECTORS],
    "withdrawal_km3",
    "withdrawal_agriculture_share",
    "withdrawal_industry_share",
    "withdrawal_municipal_share",
    "desalination_km3",
    "reuse_km3",
    "water_deficit_km3",
    "water_deficit_pct",
    "water_losses_km3",
    "conveyance_loss_share",
    "network_loss_share",
    "water_saving_irrigation_share",
    "basins_in_drought",
    "water_tariff_eur_per_m3",
    "electricity_demand_twh",
    "generation_twh",
    *[
        f"generation_{t}_twh"
        for t in ("coal", "gas", "hydro", "solar", "wind", "small_hydro", "waste_to_energy", "landfill_gas")
    ],
    "coal_share",
    "gas_share",
    "hydro_share",
    "res_share",
    "curtailed_twh",
    "unserved_twh",
    "backstop_gas_mw_added",
    "co2_power_mt",
    "grid_emission_factor_t_per_mwh",
    "msw_generated_mt",
    "recycled_mt",
    "energy_recovered_mt",
    "landfilled_mt",
    "recycling_rate",
    "recycling_target",
    "separated_share",
    "co2_waste_mt",
    "co2_total_mt",
    "flood_return_period_yr",
    "flood_damage_meur",
    "flood_damage_avoided_meur",
    "ews_coverage",
    "committed_meur",
    "disbursed_meur",
    "projects_proposed",
    "projects_operating",
    "projects_under_construction",
    "projects_built",
    "capex_built_meur",
    "capacity_built_ref_meur",
]

REGION_INDICATORS = [
    "population",
    "water_demand_mm3",
    "water_supplied_mm3",
    "water_deficit_mm3",
    "municipal_deficit_mm3",
    "irrigation_deficit_mm3",
    "water_losses_mm3",
    "desalination_mm3",
    "reuse_mm3",
    "network_loss_share",
    "conveyance_loss_share",
    "water_saving_irrigation_share",
    "msw_generated_kt",
    "recycled_kt",
    "recycling_rate",
    "landfilled_kt",
    "ews_coverage",
    "flood_damage_meur",
    "cofinance_reserve_meur",
]
