"""WECModel: the Mesa model that owns the yearly schedule of wecsim.

Each step is one year, a script of phases:

1. drivers   climate, population, demand growth, learning, utilities' tariffs and money
2. budgets   funders' envelopes open (the state's less its debt service), regions save
3. tender    projects financed last year are tendered; overruns are topped up first
4. build     construction disburses money; commissioning adds assets; old assets retire
5. propose   regions, utilities and the grid operator (auctions) propose projects
6. appraise  every new proposal gets its economic and financial NPV
7. prepare   preparation funds pay feasibility studies of appraised public and utility projects
             (bankable in this year's round)
8. finance   funders rank the candidates and pledge, up to ``finance_rounds`` passes; a project
             closes only when fully covered
9. operate   water balance, power dispatch, waste flows and floods (``wecsim.systems``)
10. record   Mesa DataCollector (national, regions) plus basin and money tables

Agents decide (``wecsim.agents``, each through a replaceable policy); the physics is in
``wecsim.systems``; the finance round is ``wecsim.projects.market``; every number comes
from ``wecsim/data/*.csv`` or the scenario.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import mesa
import numpy as np
from scipy.special import ndtr

from wecsim.agents import Firm, Region
from wecsim.agents.funder import NationalBudget, RegionalFunds, SupportFunder, make_funder, merit_all, screen_all
from wecsim.agents.utility import GridOperator, WasteUtility, WaterUtility, auction_bids
from wecsim.datasets import Parameters, parameters
from wecsim.errors import DataError, WecsimError
from wecsim.model_data import climate_data, model_data
from wecsim.projects.appraisal import AppraisalContext, appraise
from wecsim.projects.catalog import Technology, catalog
from wecsim.projects.market import EPS, FOCUS, ROUTES, SECTORS, Book, run_round
from wecsim.projects.pipeline import Pipeline, Project, Stage
from wecsim.projects.purchase import buy_farmer_systems
from wecsim.projects.tender import tender
from wecsim.scenario.schema import Scenario
from wecsim.stocks import data_year, fleet_additions, stock_of_field, stocks
from wecsim.systems import climate, energy, flood, observed, waste, water
from wecsim.systems.finance import debt_service_schedule, lcoe, learning_factor, stretch_profile

#: Index of each route and sector name (in the Book's columns).
ROUTE_INDEX = {r: i for i, r in enumerate(ROUTES)}
#: The routes whose IFI loans someone else repays: the state (public) or the region's water utility.
_PUBLIC, _UTILITY = ROUTE_INDEX["public"], ROUTE_INDEX["utility"]
SECTOR_INDEX = {s: i for i, s in enumerate(SECTORS)}
ACTIVE = (Stage.PROPOSED, Stage.APPRAISED, Stage.FINANCED, Stage.TENDERED, Stage.UNDER_CONSTRUCTION)
KM3 = 1e9  # m3 per km3
#: Distinct random draws per (year, technology, region); later projects reuse them cyclically.
PROJECTS_PER_KEY = 8
#: Standard normals drawn per project: overrun, delay, bids (see project_normals) and its site.
PROJECT_DRAWS = 4
SITE_DRAW = 3
#: Distinct auction sites drawn per year and technology.
SITES_PER_YEAR = 64
#: Funders whose money the model's counterfactual "without EU money" removes (institution ``eu``).
EU_INSTITUTION = "eu"


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
    wear: dict[str, np.ndarray]
    network_loss_share: np.ndarray
    conveyance_loss_share: np.ndarray
    flood_damage_share: np.ndarray
    flood_protected_share: np.ndarray
    ews_coverage: np.ndarray
    desal_m3: np.ndarray
    reuse_m3: np.ndarray
    lfg_mw: np.ndarray
    tariff_eur_per_m3: np.ndarray


def yearly_normals(stream: np.random.SeedSequence, years: Sequence[int], shape: tuple[int, ...]) -> np.ndarray:
    """Return standard normals ``(len(years), *shape)``, each year's from its own child of ``stream``.

    The child is keyed by the calendar year (``spawn_key`` + year), so a year's draws are the
    same in a run to 2030 as in one to 2050, and the same whether the year comes first or
    tenth: runs of one seed share their random numbers year for year.
    """
    out = np.empty((len(years), *shape))
    for k, year in enumerate(years):
        child = np.random.SeedSequence(stream.entropy, spawn_key=(*stream.spawn_key, int(year)))
        np.random.default_rng(child).standard_normal(out=out[k])
    return out


class WECModel(mesa.Model):
    """Kazakhstan's water, energy and circular-economy investment system, year by year.

    Parameters
    ----------
    scenario
        A validated :class:`~wecsim.scenario.schema.Scenario`.
    seed
        Random seed; defaults to the scenario's. Three independent streams are spawned from
        it with ``numpy.random.SeedSequence``: climate, projects and the agents' ``rng``.
        Climate, site and project draws are made up front, each year's from its own stream
        keyed by the calendar year (:func:`yearly_normals`), so scenarios run with one seed share
        their weather and sites year for year, whatever years they cover (common random
        numbers), and differ only by policy.
    parameter_changes
        New values for some fixed parameters of ``parameters.csv`` (for sensitivity studies
        of the parameters themselves; scenarios change levers and uncertainties only).
    """

    def __init__(
        self, scenario: Scenario, seed: int | None = None, parameter_changes: Mapping[str, float] | None = None
    ):
        self.seed_used = int(scenario.seed if seed is None else seed)
        climate_ss, project_ss, agent_ss = np.random.SeedSequence(self.seed_used).spawn(3)
        super().__init__(rng=np.random.default_rng(agent_ss))
        self.config = scenario
        self.P = parameters()
        if parameter_changes:
            # a researcher's change of the fixed parameters (e.g. a parameter sensitivity sweep)
            unknown = set(parameter_changes) - set(self.P)
            if unknown:
                raise DataError(f"parameters.csv: no parameter named {sorted(unknown)}")
            self.P = Parameters({**self.P, **{k: float(v) for k, v in parameter_changes.items()}})
        self.base_year = scenario.start_year
        #: the stocks the run starts from (population, fleet, wear...), for the base year
        self.stocks = stocks(self.base_year)
        if parameter_changes and self.base_year == data_year():
            # a changed data-year stock parameter (e.g. electricity_demand_twh_2025) is where the run starts
            self.stocks = self.stocks.with_data_year_changes(parameter_changes)
        #: the year the data describe: catalogue prices, global capacities and the climate trend start here
        self.data_year = data_year()
        self.year = self.base_year
        self.end_year = scenario.end_year
        self.years = np.arange(self.base_year, self.end_year + 1)
        #: this year's value of every lever and uncertainty; schedules are looked up once a year
        self._values: dict[str, Any] = {**dict(scenario.levers), **dict(scenario.uncertainties)}
        self._scheduled = {name: s.series(self.years) for name, s in scenario.schedules().items()}
        self._set_year_values()
        self.catalog: dict[str, Technology] = catalog()
        self._tech_order = {t: i for i, t in enumerate(self.catalog)}
        # technology columns the finance round reads, in catalog order
        self._tech_overrun = np.array([t.overrun_mean for t in self.catalog.values()])
        self._tech_national_loan = np.array([t in NATIONAL_LOAN_TECHS for t in self.catalog])
        n_regions = len(model_data().regions_df)
        # each year's project and auction-site draws come from that year's own stream (yearly_normals)
        project_ss, site_ss = project_ss.spawn(2)
        self._project_z = yearly_normals(
            project_ss, self.years, (len(self.catalog), n_regions, PROJECTS_PER_KEY, PROJECT_DRAWS)
        )
        #: the same draws, one row per (year, technology, region, ordinal); ``_z_row`` holds each project's row
        self._project_z_rows = self._project_z.reshape(-1, PROJECT_DRAWS)
        #: the site draw of each row (a view), and the sizes that number the rows (see ``propose``)
        self._site_z_column = self._project_z_rows[:, SITE_DRAW]
        self._z_dims = self._project_z.shape[1:4]
        self._z_row: list[int] = []
        self._site_z = yearly_normals(site_ss, self.years, (2, SITES_PER_YEAR, 2))
        self.pipeline = Pipeline()
        self._active: list[Project] = []
        self._active_keys: set[tuple[str, str]] = set()
        self._pending_keys: set[tuple[str, str]] = set()
        self._active_techs: set[str] = set()
        #: operating capacity of each technology per region, kept as projects commission and retire
        self._assets: dict[str, np.ndarray] = {t: np.zeros(n_regions) for t in self.catalog}
        #: what households pay a year through the MSW tariff for the plan's sorting lines operating [EUR/yr]
        self._msw_sorting_fee_eur = np.zeros(n_regions)
        self._recycling_horizon: np.ndarray | None = None
        self._recycling_pipeline: dict[str, float] | None = None
        self._pipeline_size: dict[tuple[str, str], float] | None = None
        #: tables the proposal rules work out once for all regions, by name (cleared in ``_begin_year``)
        self.year_tables: dict[str, Any] = {}
        self._retiring: dict[int, list[Project]] = {}
        self._n_built = 0  # projects commissioned so far
        #: cost and reference-price capacity of every project commissioned so far [EUR M]
        self._built_totals = [0.0, 0.0]
        self._proposed_this_year = 0
        self._recycling_targets: dict[int, float] = {}
        self._treatment_targets: dict[int, float] = {}
        self._wear_targets: dict[tuple[str, int], float] = {}
        self._capex_multipliers: dict[tuple[str, int], float] = {}
        self._ordinals: dict[tuple, int] = {}
        #: a proposal's default name by (technology, region): "<technology>, <region>"
        self._project_names: dict[tuple[str, str], str] = {}
        self._profiles: dict[tuple[str, int], np.ndarray] = {}
        self._rejected_year: dict[tuple[str, str], int] = {}
        self.auction_record = {"offered_mw": 0.0, "awarded_mw": 0.0, "guaranteed_mw": 0.0, "price_eur_per_mwh": 0.0}
        self._setup_tables()
        self._draw_climate(climate_ss)
        self._setup_agents()
        self._setup_state()
        self.basin_records: list[dict] = []
        self.money_records: list[dict] = []
        #: ``(year, funder_id, project ids, reason codes)`` blocks, one per funder and round
        self.refusal_blocks: list[tuple[int, str, np.ndarray, np.ndarray]] = []
        #: each funder's last word on each candidate of the finance round in progress (-1: no refusal)
        self._round_refusals: dict[str, np.ndarray] | None = None
        self.ind: dict[str, float] = {}
        self.last = self._operate(record=False)
        # utilities expect separate collection to keep growing at the base-year pace
        self.separated_share_growth = self._next_separated_share() - self.separated_share
        # Mesa's DataCollector tables: one row a year for the nation, one a year for each region
        self.datacollector = mesa.DataCollector(
            tables={"national": ["year", *NATIONAL_INDICATORS], "region": [*REGION_KEYS, *REGION_INDICATORS]}
        )

    # ------------------------------------------------------------------ set-up
    def _setup_tables(self) -> None:
        v, d = self.value, model_data()
        self.regions_df, self.basins_df, self.fleet = d.regions_df, d.basins_df, d.fleet
        self.region_index = d.region_index
        self.basin_ids = d.basin_ids
        self.basin_of_region, self.basin_masks = d.basin_of_region, d.basin_masks
        #: the regions in basin order (stable) and where each basin's regions start and end in it
        self._regions_by_basin = (
            np.argsort(d.basin_of_region, kind="stable"),
            np.searchsorted(np.sort(d.basin_of_region), np.arange(len(d.basin_ids) + 1)).tolist(),
        )
        self.flow_change_2050, self.drought_multiplier_2050, self.flood_multiplier_2050 = climate_data(
            v("climate_pathway")
        )
        self.fleet_index = d.fleet_index
        self.wte_utilisation = float(d.fleet_cf_by_tech["waste_to_energy"])
        self.wind_sites, self.solar_sites = list(d.wind_sites), list(d.solar_sites)
        self.interconnection_region = self.solar_sites[0]
        self.basin_col, self.basin_south, self.hydro_weight_total = d.basin_col, d.basin_south, d.hydro_weight_total
        self.fleet_col = {**d.fleet_col, "capacity_mw": self.stocks.fleet["capacity_mw"]}
        #: plants of the decade before the data year built outside the model's projects (none for a 2025 start)
        self.fleet_additions = [(y, d.fleet_index[tech], mw) for y, tech, mw in fleet_additions(self.base_year)]
        self.fleet_variable, self.fleet_res = d.fleet_variable, d.fleet_res
        self.fleet_cf_by_tech = d.fleet_cf_by_tech
        #: ageing assets (water and sewer networks, irrigation structures): the rows of ``assets.csv``
        self.assets = {a["asset_id"]: a for a in d.asset_records}
        self.asset_of_tech = {a["renewal_tech"]: aid for aid, a in self.assets.items()}
        self.asset_stock = {aid: d.region_col[a["stock_column"]] for aid, a in self.assets.items()}
        self.wear0 = {aid: self.stocks.region[stock_of_field(a["wear_column"])] for aid, a in self.assets.items()}
        #: each asset's national wear is its regions' wear weighted by stock (a region with none weighs ~0)
        self._wear_weights = {aid: np.maximum(stock, 1e-9) for aid, stock in self.asset_stock.items()}
        self._wear_weight_sums = {aid: w.sum() for aid, w in self._wear_weights.items()}
        self._wear_now = {aid: self.national_wear(aid, w) for aid, w in self.wear0.items()}
        self._renewed = {aid: np.zeros(len(d.regions_df)) for aid in self.assets}
        self.network_km = self.asset_stock["water_network"]
        self.solar_cf, self.wind_cf = d.region_col["solar_cf"], d.region_col["wind_cf"]
        self._contract_cf = {"solar_pv": self.solar_cf, "wind": self.wind_cf}
        self.tech_focus = d.tech_focus
        self.region_focus = d.region_focus
        self._tech_focus = np.array([self.tech_focus[t] for t in self.catalog], dtype=np.int64)

    def _draw_climate(self, stream: np.random.SeedSequence) -> None:
        """Draw each year's droughts (a dryness index by basin) and worst flood (a uniform), year by year."""
        P = self.P
        shocks = yearly_normals(stream, self.years, (1 + len(self.basin_south) + 1,))
        self.drought_z = climate.drought_latent(
            shocks[:, :-1], self.basin_south, P["drought_persistence"], P["drought_south_correlation"]
        )
        self.flood_u = ndtr(shocks[:, -1])
        #: last year whose droughts and floods are the observed ones (before the base year: none)
        until = self.config.observed_weather_until
        self.observed_until = self.base_year - 1 if until is None else int(until)

    def _setup_agents(self) -> None:
        d = model_data()
        self.region_agents: list[Region] = [Region(self, i, row) for i, row in enumerate(d.region_records)]
        self.region_by_id = {r.region_id: r for r in self.region_agents}
        self._region_keys = {
            "region_id": [r.region_id for r in self.region_agents],
            "region": [r.name for r in self.region_agents],
            "basin_id": [r.basin_id for r in self.region_agents],
        }
        self.water_utilities = [WaterUtility(self, r) for r in self.region_agents]
        self.waste_utilities = [WasteUtility(self, r) for r in self.region_agents]
        self.grid_operator = GridOperator(self)
        overrides = {k: o.model_dump() for k, o in self.config.funders.items()}
        self.funders = [make_funder(self, row, overrides.get(row["funder_id"])) for row in d.funder_records]
        self.funder_by_id = {f.funder_id: f for f in self.funders}
        #: funders whose money is foreign (their procurement rules can apply in a tender; fixed for the run)
        self.external_funder_ids = frozenset(f.funder_id for f in self.funders if f.is_external)
        self.capex_funders = [f for f in self.funders if not isinstance(f, SupportFunder)]
        self.national: NationalBudget = self.funder_by_id["national"]  # type: ignore[assignment]
        self.local: RegionalFunds = self.funder_by_id["local"]  # type: ignore[assignment]
        self.utility_funds: RegionalFunds = self.funder_by_id["utility"]  # type: ignore[assignment]
        self.firms: list[Firm] = [
            Firm(self, row | {"firm_id": f"{row['firm_id']}-{k + 1:02d}"})
            for row in d.firm_records
            for k in range(int(row["count"]))
        ]
        self.firm_by_id = {f.firm_id: f for f in self.firms}
        #: reliability of the average kind of firm (mean over the archetypes of ``firms.csv``, not
        #: weighted by their counts, which are sized for contractor capacity): the reference-class
        #: overruns describe the average firm, so a firm this reliable gets them unchanged (D1)
        self.reliability_ref = float(np.mean([float(row["reliability"]) for row in d.firm_records]))
        self.firms_by_tech = {t: [f for f in self.firms if t in f.technologies] for t in self.catalog}
        #: each technology's firms split by a local-content rule, by (technology, rule); tendering
        #: keeps them while no firm localises (``Firm.split_by_local_content``)
        self.local_content_splits: dict[tuple[str, float], tuple[list[Firm], list[Firm]]] = {}
        horizon = len(self.years) + int(self.P["debt_schedule_padding_yr"])
        #: debt service on sovereign loans due each model year [EUR M]
        self.national_debt_service = np.zeros(horizon)

    def _setup_state(self) -> None:
        P, df, d, st = self.P, self.regions_df, model_data(), self.stocks
        irrigated = st.region["irrigated_kha"] * 1e3
        saving_share = st.region["water_saving_share"]
        n = len(df)
        self.state = State(
            population=st.region["population_k"] * 1e3,
            irrigated_ha=irrigated.copy(),
            saving_ha_base=irrigated * saving_share,
            saving_ha_total=irrigated * saving_share,
            wear={aid: w.copy() for aid, w in self.wear0.items()},
            network_loss_share=st.region["network_loss_share"].copy(),
            conveyance_loss_share=np.full(n, P["conveyance_loss_share"]),
            flood_damage_share=df["flood_damage_share"].to_numpy(float),
            flood_protected_share=np.zeros(n),
            ews_coverage=np.full(n, st.national["ews_coverage"]),
            desal_m3=np.zeros(n),
            reuse_m3=np.zeros(n),
            lfg_mw=np.zeros(n),
            tariff_eur_per_m3=np.full(n, st.national["tariff_water_eur_per_m3"]),
        )
        self.population0 = self.state.population.copy()
        self.irrigated0 = irrigated
        national_saving = (irrigated * saving_share).sum() / irrigated.sum()
        # field duty of conventional hectares, so the base year's gross duty matches the data
        self.field_duty_m3_per_ha = (
            P["irrigation_duty_gross_m3_per_ha"]
            * (1 - P["conveyance_loss_share"])
            / (1 - national_saving * P["drip_field_saving_share"])
        )
        self.industry0_m3 = st.region["industry_withdrawal_mm3"] * 1e6
        cap = df["conventional_supply_cap_mm3"].to_numpy(float) * 1e6
        self.conventional_cap_m3 = np.where(np.isnan(cap), np.inf, cap)
        #: desalination plants that existed before the model's projects (Kenderli, from its commissioning year)
        self._kenderli_m3 = np.zeros(n)
        self._kenderli_m3[self.region_index[d.kenderli_region]] = (
            P["desal_kenderli_m3_per_day"] * self.catalog["desalination"].water_m3_per_unit_yr
        )
        #: sorting plants and landfill sorting lines of the base year, by region [t/yr]
        self.sorting_base_t = st.region["sorting_capacity_t"]
        self.separated_share = st.national["separated_share"]
        self.separated_share_growth = 0.0
        self.gas_backstop_mw = 0.0
        self.gdp_factor = 1.0
        self.water_tariff = st.national["tariff_water_eur_per_m3"]
        self.curtailed_mwh = 0.0
        self.loss0 = st.region["network_loss_share"]
        # wastewater treated at the start, kept by plants that fail one by one over their remaining life
        muni_net0 = self.state.population * P["municipal_lpcd_delivered"] * 365 / 1e3
        self.treatment_existing0_m3 = muni_net0 * P["wastewater_return_share"] * st.region["wastewater_treated_share"]
        self.treated_share0 = float(
            self.treatment_existing0_m3.sum() / (muni_net0 * P["wastewater_return_share"]).sum()
        )
        self.storage_mcm = np.zeros(len(self.basins_df))
        # water scarcity of each region's basin (withdrawal claim over what the basin can give), for the drip rule
        self.basin_stress = st.basin["use_ratio"][self.basin_of_region]
        self.mean_basin_stress = float(np.mean(self.basin_stress))
        self._recent_shock = np.zeros(len(df), dtype=bool)

    # ------------------------------------------------------------------ helpers for agents
    def value(self, name: str):
        """Return this year's value of a lever or uncertainty of this run's scenario."""
        return self._values[name]

    def _set_year_values(self) -> None:
        """Look up this year's value of every lever or uncertainty given as a schedule."""
        t = self.year - self.base_year
        for name, series in self._scheduled.items():
            self._values[name] = float(series[t])
        self.kzt_per_eur = float(self._values["kzt_per_eur"])

    def total_since(self, name: str, first_year: int) -> float:
        """Return a yearly lever summed from ``first_year`` to this year (0 before it), e.g. money spent so far."""
        n = self.year - max(first_year, self.base_year) + 1
        if n <= 0:
            return 0.0
        series = self._scheduled.get(name)
        if series is None:
            return n * self._values[name]
        t = self.year - self.base_year
        return math.fsum(series[t - n + 1 : t + 1].tolist())

    def growth_factor(self, name: str) -> float:
        """Return how much a yearly growth rate in % has compounded since the base year.

        ``(1 + g/100) ** t`` for a constant rate; for a schedule, the product over its runs of
        equal rates of ``(1 + g/100) ** years`` (a year's rate applies to the change into that
        year), so that a constant written as a schedule compounds exactly as the constant.
        """
        t = self.year - self.base_year
        series = self._scheduled.get(name)
        if series is None:
            return (1 + self._values[name] / 100) ** t
        factor, rates = 1.0, series[1 : t + 1].tolist()
        for rate, run in itertools.groupby(rates):
            factor *= (1 + rate / 100) ** len(list(run))
        return factor

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

    def in_pipeline_by_region(self, tech_id: str) -> np.ndarray:
        """Size of this technology proposed, financed or being built in each region (start of year) [unit]."""
        sizes = self._pipeline_sizes()
        return np.array([sizes.get((tech_id, r.region_id), 0.0) for r in self.region_agents], dtype=float)

    def _pipeline_sizes(self) -> dict[tuple[str, str], float]:
        """Size in the pipeline by ``(technology, region)``, summed once a year over the active projects."""
        if self._pipeline_size is None:
            sizes: dict[tuple[str, str], float] = {}
            for p in self._active:
                key = (p.tech_id, p.region_id)
                sizes[key] = sizes.get(key, 0.0) + p.size
            self._pipeline_size = sizes
        return self._pipeline_size

    def msw_growth_rate(self) -> float:
        """Yearly growth of municipal waste from population and income [-/yr]."""
        v = self.value
        return (1 + v("population_growth_pct") / 100) * (1 + v("gdp_growth_pct") / 100) ** self.P[
            "msw_gdp_elasticity"
        ] - 1

    def municipal_growth_rate(self) -> float:
        """Yearly growth of municipal water use from population and income [-/yr]."""
        v = self.value
        return (1 + v("population_growth_pct") / 100) * (1 + v("gdp_growth_pct") / 100) ** self.P[
            "municipal_demand_gdp_elasticity"
        ] - 1

    def recycling_capacity_mature_t(self, idx: int) -> float:
        """Sorting capacity of a region still operating at the planning horizon, at mature use [t/yr].

        The base year's plants stay (assumption: their operators replace worn equipment).
        """
        if self._recycling_horizon is None:
            # plants operating now, less those that retire before the horizon
            horizon = int(self.year + self.P["recycling_planning_horizon_yr"])
            built = self._assets["sorting_recycling"].copy()
            for y in range(self.year + 1, horizon + 1):
                for p in self._retiring.get(y, ()):
                    if p.tech_id == "sorting_recycling" and p.stage == Stage.OPERATING:
                        built[self.region_index[p.region_id]] -= p.size
            self._recycling_horizon = (self.sorting_base_t + built) * self.P["recycling_utilisation_mature"]
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

    def recycling_target(self, year: int) -> float:
        """National recycling-rate target path: linear from the base year's rate to 40% in 2030, then to 50% in 2050."""
        if year not in self._recycling_targets:
            P = self.P
            points = (
                [self.base_year, 2030, 2050],
                [self.stocks.national["recycling_rate"], P["recycling_target_2030"], P["recycling_target_2050"]],
            )
            self._recycling_targets[year] = float(np.interp(year, *points))
        return self._recycling_targets[year]

    def wear_target(self, asset_id: str, year: int) -> float:
        """National target path of an asset's wear [-].

        Held at the starting average until the programme's real start year (a 2015 run keeps no
        2023 programme in 2015), then linear to the target year's wear, then held.
        """
        key = (asset_id, year)
        if key not in self._wear_targets:
            a = self.assets[asset_id]
            now = self._wear_now[asset_id]
            start = max(self.base_year, int(a["programme_start_year"]))
            self._wear_targets[key] = float(np.interp(year, [start, a["target_year"]], [now, a["wear_target"]]))
        return self._wear_targets[key]

    def national_wear(self, asset_id: str, wear: np.ndarray) -> float:
        """Return the national wear of an asset: the regions' ``wear`` weighted by their stock [-].

        ``np.average(wear, weights=...)`` bit for bit, with the run's weights and their sum kept.
        """
        return float(np.multiply(wear, self._wear_weights[asset_id]).sum() / self._wear_weight_sums[asset_id])

    def renewal_gap(self, asset_id: str, idx: int) -> float:
        """Renewal a region's owner should propose to keep an asset on the national wear path (U3) [stock unit].

        Wear expected when the work would be done (this year's plus ageing over the build
        time and the ``tranche_yr`` years one proposal covers), less the target then, times
        the stock, less renewal already in the pipeline; at most ``renewal_max_share_per_yr``
        of the stock a year of the tranche; 0 below ``min_renewal``.
        """
        table = self.year_tables.get(asset_id)
        if table is None:
            table = self.year_tables[asset_id] = self._renewal_table(asset_id)
        stock, gaps, most = table
        if stock[idx] <= 0:
            return 0.0
        gap = min(gaps[idx], most[idx])
        return gap if gap >= self.assets[asset_id]["min_renewal"] else 0.0

    def _renewal_table(self, asset_id: str) -> tuple[list[float], np.ndarray, list[float]]:
        """Each region's stock, renewal gap before the yearly limit, and that limit (see :meth:`renewal_gap`).

        Worked out for all regions at once, with the same float steps a region's own would take.
        """
        a = self.assets[asset_id]
        stock = self.asset_stock[asset_id]
        lead = self.tech(a["renewal_tech"]).build_time_yr + a["tranche_yr"]
        expected = self.state.wear[asset_id] + lead / a["service_life_yr"]
        in_pipeline = self.in_pipeline_by_region(a["renewal_tech"])
        gaps = (expected - self.wear_target(asset_id, self.year + lead)) * stock - in_pipeline
        most = a["renewal_max_share_per_yr"] * a["tranche_yr"] * stock
        return stock.tolist(), gaps, most.tolist()

    def treatment_target(self, year: int) -> float:
        """National path of the share treated to standard: held until the programme starts, then to the target [-]."""
        if year not in self._treatment_targets:
            P = self.P
            points = (
                [max(self.base_year, int(P["wastewater_programme_start_year"])), P["wastewater_target_year"]],
                [self.treated_share0, P["wastewater_treated_target"]],
            )
            self._treatment_targets[year] = float(np.interp(year, *points))
        return self._treatment_targets[year]

    def treatment_capacities_m3(self, year: int) -> np.ndarray:
        """Treatment capacity in service in each region in a given year: surviving old plants plus new ones [m3/yr]."""
        old = self.treatment_existing0_m3 * max(0.0, 1 - (year - self.base_year) / self.P["wwtp_existing_life_yr"])
        new = self._operating_size("wastewater_treatment") * self.tech("wastewater_treatment").water_m3_per_unit_yr
        return old + new

    def unit_cost_of_saving(self, tech_id: str) -> float:
        """Levelised cost of one m3 saved or supplied by a water technology [EUR/m3] (U2)."""
        from wecsim.systems.finance import annuity_factor

        t = self.tech(tech_id)
        rate = self.value("social_discount_rate_pct") / 100
        yearly = t.capex_meur_per_unit * 1e6 * (1 / annuity_factor(rate, t.lifetime_yr) + t.opex_share_per_yr)
        return yearly / t.water_m3_per_unit_yr

    def capex_multiplier(self, tech_id: str, year: int | None = None) -> float:
        """Capex multiplier of a technology this year (rule D4, and the Horizon Europe effect).

        Solar, wind and desalination learn on *global* cumulative capacity, which grows by the
        yearly global additions in ``parameters.csv`` (Kazakhstan's own builds are a rounding
        error beside it); the learning rates are uncertainties. Technologies that local
        research partnerships can adapt (``research_sensitive`` in ``technologies.csv``) get
        the cost cut of Kazakh participation in EU research (Horizon Europe).
        """
        year = self.year if year is None else year
        key = (tech_id, year)
        if key in self._capex_multipliers:
            return self._capex_multipliers[key]
        t = self.tech(tech_id)
        mult = 1.0
        if t.learning != "none":
            P = self.P
            q0 = P[f"global_{t.learning}_capacity_2025"]  # catalogue costs are the data year's
            q = self.global_capacity(t.learning, year)
            name = f"learning_rate_{t.learning}_pct"
            rate = self.value(name) if name in self._values else P[name]
            mult = learning_factor(q, q0, rate / 100)
        if t.research_sensitive:
            mult *= 1 - self.horizon_cost_cut
        if year == self.year:  # the research effect is known for this year only
            self._capex_multipliers[key] = mult
        return mult

    def global_capacity(self, learning: str, year: int) -> float:
        """Global cumulative capacity a technology learns on, in ``year`` [GW or million m3/day].

        After the data year it grows by the yearly global additions of ``parameters.csv``;
        between an earlier base year's stock and the data year's it grows geometrically (at a
        constant rate, as these markets did in 2015-2025). Catalogue costs are the data year's,
        so a run that starts earlier pays more for solar, wind and desalination before then.
        """
        P = self.P
        q_data = P[f"global_{learning}_capacity_2025"]
        if year >= self.data_year:
            return q_data + P[f"global_{learning}_additions_per_yr"] * (year - self.data_year)
        q_base = self.stocks.national[f"global_{learning}_capacity"]
        share = (year - self.base_year) / (self.data_year - self.base_year)
        return q_base * (q_data / q_base) ** max(0.0, share)

    def propose(
        self,
        owner,
        tech_id: str,
        region_id: str,
        size: float,
        name: str | None = None,
        pinned: bool = False,
        lead_funder: str | None = None,
        programme: bool = False,
        **fields,
    ) -> Project | None:
        """Put a new proposal into the pipeline (capex estimated from the catalog).

        Returns ``None`` when the owner's last proposal of this technology in this region was
        rejected less than ``reproposal_wait_yr`` years ago (pinned projects always go in).
        """
        key = (tech_id, region_id)
        rejected = self._rejected_year.get(key)
        if not pinned and rejected is not None and self.year - rejected < self.P["reproposal_wait_yr"]:
            return None
        t = self.catalog[tech_id]
        factor = fields.pop("capex_factor", 1.0) if fields else 1.0
        year = self.year
        multiplier = self._capex_multipliers.get((tech_id, year))
        if multiplier is None:
            multiplier = self.capex_multiplier(tech_id)
        capex = size * t.capex_meur_per_unit * factor * multiplier
        if not name:
            name = self._project_names.get(key)
            if name is None:
                name = self._project_names[key] = f"{t.name}, {self.region_by_id[region_id].name}"
        ordinal_key = (tech_id, region_id, year)
        ordinal = self._ordinals[ordinal_key] = self._ordinals.get(ordinal_key, -1) + 1
        # the row of _project_z_rows for (year, technology, region, ordinal)
        n_techs, n_regions, per_key = self._z_dims
        z_row = (year - self.base_year) * n_techs + self._tech_order[tech_id]
        z_row = (z_row * n_regions + self.region_index[region_id]) * per_key + ordinal % per_key
        sigma = t.benefit_sigma_log
        projects = self.pipeline.projects
        # by position, in the order of Project's leading fields (half the cost of keywords, ~2,000 times a run)
        project = self.pipeline.enter(
            Project(
                len(projects),
                name,
                tech_id,
                t.sector,
                region_id,
                owner.name if hasattr(owner, "name") else str(owner),
                float(size),
                capex,
                year,
                ordinal,
                pinned,
                lead_funder,
                t.route,
                programme or pinned,
                math.exp(sigma * self._site_z_column.item(z_row) - sigma**2 / 2),
                **fields,
            )
        )
        if project.project_id == len(self._z_row):
            self._z_row.append(z_row)
        self._active.append(project)
        self._proposed_this_year += 1
        self._active_keys.add(key)
        self._active_techs.add(tech_id)
        self._pending_keys.add(key)
        return project

    def record_refusals(self, funder_id: str, book: Book, rows: np.ndarray, reasons: np.ndarray | int) -> None:
        """Keep the projects a funder turned down this year and why (codes into ``REFUSAL_REASONS``).

        ``reasons``: a code per row, or one code for all. A code of -1 means the funder pledged
        (no refusal). During the finance round only each funder's last word on each candidate
        is kept, until the round ends (:meth:`_keep_last_refusals`): a candidate judged again in
        a later pass keeps its last reason.
        """
        if self._round_refusals is not None:
            last = self._round_refusals.get(funder_id)
            if last is None:
                last = self._round_refusals[funder_id] = np.full(len(book), -1, dtype=np.int8)
            last[rows] = reasons
            return
        reasons = np.broadcast_to(np.asarray(reasons, dtype=np.int8), np.shape(rows))
        refused = reasons >= 0
        if refused.any():
            self.refusal_blocks.append((self.year, funder_id, book.ids[rows[refused]], reasons[refused]))

    def _keep_last_refusals(self, book: Book) -> None:
        """Record each funder's last refusal of each candidate of the finance round."""
        last_words, self._round_refusals = self._round_refusals, None
        for fid, last in last_words.items():
            rows = (last >= 0).nonzero()[0]
            if len(rows):
                self.refusal_blocks.append((self.year, fid, book.ids[rows], last[rows]))

    # ------------------------------------------------------------------ the schedule
    def step(self) -> None:
        """Simulate one year."""
        self._set_year_values()
        self._drivers()
        self._open_budgets()
        buy_farmer_systems(self)
        tender(self)
        self._build()
        # what is active, once the year's tendering and building have moved projects (read by the proposals only)
        self._begin_year()
        self._propose()
        self._appraise()
        self._prepare()
        self._finance()
        self.last = self._operate(record=True)
        self.year += 1
        if self.year > self.end_year:
            self.running = False

    def _begin_year(self) -> None:
        """Note the projects active now (for this year's proposals) and forget last year's proposal tables."""
        self._active = self.pipeline.in_stage(*ACTIVE)
        # one (technology, region) key per project; the waiting ones are the two first stages' projects
        self._active_keys = {(p.tech_id, p.region_id) for p in self._active}
        self._active_techs = {tech_id for tech_id, _ in self._active_keys}
        self._pending_keys = {(p.tech_id, p.region_id) for p in self.pipeline.in_stage(Stage.PROPOSED, Stage.APPRAISED)}
        self._recycling_horizon = None
        self._recycling_pipeline = None
        self._pipeline_size = None
        self.year_tables = {}

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

    def impose_event(
        self, kind: str, year: int, *, basins: Collection[str] | None = None, return_period_yr: float | None = None
    ) -> None:
        """Put a drought or a flood into a year not yet run, in place of that year's climate draw.

        For workshops and stress tests (the other years keep their draws, so the rest of the
        weather is unchanged). ``kind="drought"``: a severe drought in ``basins`` (ids of
        ``basins.csv``; default every basin). ``kind="flood"``: that year's floods at least as
        rare as ``return_period_yr`` [yr]. A year already run, the base year (it reproduces
        observed conditions) and years of observed weather are refused with a clear error.
        """
        first = max(self.year, self.base_year + 1, self.observed_until + 1)
        if not first <= year <= self.end_year:
            raise WecsimError(
                f"impose_event {kind} in {year}: expected a year not yet run nor observed, {first}-{self.end_year}"
            )
        t = year - self.base_year
        if kind == "drought":
            chosen = set(self.basin_ids if basins is None else basins)
            unknown = sorted(chosen - set(self.basin_ids))
            if unknown:
                raise WecsimError(f"impose_event drought: unknown basin(s) {unknown}; expected ids of basins.csv")
            hit = np.array([b in chosen for b in self.basin_ids], dtype=bool)
            self.drought_z[t, hit] = -np.inf  # below any drought threshold
        elif kind == "flood":
            if return_period_yr is None or not return_period_yr > 1:
                raise WecsimError(f"impose_event flood: return_period_yr {return_period_yr!r}; expected more than 1 yr")
            # invert climate.flood_return_period: T = m / (1 - u)
            u = 1.0 - self._flood_multiplier(year) / return_period_yr
            self.flood_u[t] = max(self.flood_u[t], u)
        else:
            raise WecsimError(f"impose_event: kind {kind!r}; expected 'drought' or 'flood'")

    # 1. drivers --------------------------------------------------------------
    def _drivers(self) -> None:
        v, P, s = self.value, self.P, self.state
        t = self.year - self.base_year
        s.population = self.population0 * self.growth_factor("population_growth_pct")
        self.gdp_factor = self.growth_factor("gdp_growth_pct")
        s.irrigated_ha = self.irrigated0 * self._irrigated_factor()
        self._proposed_this_year = 0
        for renewed in self._renewed.values():
            renewed[:] = 0.0
        # EU-funded knowledge: cumulative SECCA, Green Central Asia and Horizon Europe money
        spent = self.total_since
        first = self.base_year
        self.secca_flex = P["secca_flex_gain_max"] * (1 - np.exp(-spent("secca_meur", first) / P["secca_scale_meur"]))
        coop0 = v("transboundary_cooperation")
        gca = 1 - np.exp(-spent("green_central_asia_meur", first) / P["gca_scale_meur"])
        self.cooperation = coop0 + (1 - coop0) * P["gca_cooperation_gain_max"] * gca
        self.horizon_cost_cut = P["horizon_cost_cut_max"] * (
            1 - np.exp(-spent("horizon_europe_meur", first) / P["horizon_scale_meur"])
        )
        if t > 0:
            new_share = self._next_separated_share()
            self.separated_share_growth = new_share - self.separated_share
            self.separated_share = new_share
        for r in self.region_agents:
            r.remember(bool(self.last["drought_region"][r.idx]), float(self.last["flood_damage_meur"][r.idx]))

    def _irrigated_factor(self) -> float:
        """Return the irrigated area over the base year's [-].

        In observed years the official area's path (:func:`observed.observed_irrigated_factor`);
        after them, or without them, the area grows at ``irrigated_area_growth_pct`` from the
        last observed year.
        """
        first, last = observed.observed_irrigated_years()
        anchor = min(self.observed_until, last)
        anchor_factor = 1.0
        if first <= self.base_year < anchor:
            if self.year <= anchor:
                return observed.observed_irrigated_factor(self.year, self.base_year)
            anchor_factor = observed.observed_irrigated_factor(anchor, self.base_year)
        else:
            anchor = self.base_year
        return anchor_factor * (1 + self.P["irrigated_area_growth_pct"] / 100) ** (self.year - anchor)

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

    # 2. budgets --------------------------------------------------------------
    def _open_budgets(self) -> None:
        v, P = self.value, self.P
        t = self.year - self.base_year
        # EPR fees not spent on separate collection (W2) reach the national budget
        epr = self.epr_revenue_meur() * (1 - P["epr_reinvested_share"])
        for f in self.funders:
            if isinstance(f, RegionalFunds):
                continue
            source = f.budget_source
            amount = float(v(source)) if source in self._values else float(P[source])
            if f.budget_unit == "bn_kzt":
                amount = amount * 1e3 / self.kzt_per_eur + epr
            elif f.budget_unit == "share_of_ifi_lending":
                amount *= sum(float(v(g.budget_source)) for g in self.funders if g.is_loan)
            f.open_year(amount)
        # the state pays its debt service first
        self.debt_service_meur = float(self.national_debt_service[t])
        self.national.available_meur = max(0.0, self.national.available_meur - self.debt_service_meur)
        # regions save their co-finance budget; utilities keep what tariffs leave
        added = np.array([r.yearly_budget_meur() for r in self.region_agents])
        before = self.local.reserve_meur.copy()
        self.local.reserve_meur = np.minimum(before + added, P["cofinance_reserve_years"] * added)
        self.local.open_year(float((self.local.reserve_meur - before).sum()))
        self.local.available_meur = float(self.local.reserve_meur.sum())
        cash = np.array([u.update_finances() for u in self.water_utilities])
        self.utility_funds.reserve_meur = self.utility_funds.reserve_meur + cash
        self.utility_funds.open_year(float(cash.sum()))
        self.utility_funds.available_meur = float(self.utility_funds.reserve_meur.sum())
        self.state.tariff_eur_per_m3 = np.array([u.tariff for u in self.water_utilities])
        # np.average(tariff, weights=population), without its checks: the same products, sums and division
        population = self.state.population
        self.water_tariff = float((self.state.tariff_eur_per_m3 * population).sum() / population.sum())
        self.topups_meur = 0.0

    # 5. propose -------------------------------------------------------------
    def _propose(self) -> None:
        P, s = self.P, self.state
        # conveyance losses still removable by lining, net of lining already in the pipeline
        saved_per_km = self.tech("canal_lining").water_m3_per_unit_yr
        in_pipeline_km = self.in_pipeline_by_region("canal_lining")
        # losses work on the loss-to-delivery ratio L/(1-L) (see _operate): lining can remove
        # field x (L/(1-L) - floor/(1-floor)), with field = gross demand x (1 - L)
        loss, floor = s.conveyance_loss_share, P["conveyance_loss_floor"]
        field = self.last["demand_irrigation_m3"] * (1 - loss)
        removable_m3 = np.maximum(field * (loss / (1 - loss) - floor / (1 - floor)), 0)
        self.canal_removable_km = np.maximum(removable_m3 / saved_per_km - in_pipeline_km, 0)
        total = self.canal_removable_km.sum()
        self.canal_km_share = self.canal_removable_km / total if total > 0 else self.canal_removable_km
        # the scenario's named projects first: their random draws (site, bids, overrun, delay) then
        # do not depend on how many projects of their technology and region the agents propose
        self._propose_pinned()
        for r in self.region_agents:
            r.policy.propose(r)
        for u in self.water_utilities:
            u.propose()
        for u in self.waste_utilities:
            u.propose()
        self.grid_operator.propose()

    def _propose_pinned(self) -> None:
        """Put the scenario's named projects (and the Aktau plant) into the pipeline in their year.

        A wind or solar project with a contract price is set up as an auction award
        (:meth:`propose_contract`): it sells at its PPA price, at its region's capacity factor,
        financed by its private developer at the renewables' cost of capital.
        """
        v = self.value
        pinned = [
            (p.name, p.technology, p.region, p.size, p.year, p.lead_funder, p.ppa_kzt_per_kwh)
            for p in self.config.projects
        ]
        if v("aktau_desal_m3_per_day") > 0:
            pinned.append(
                (
                    "Aktau desalination plant",
                    "desalination",
                    "KZ-47",
                    float(v("aktau_desal_m3_per_day")),
                    int(self.P["aktau_desal_proposal_year"]),
                    "netherlands",
                    None,
                )
            )
        for name, tech_id, region_id, size, year, lead, ppa_kzt_per_kwh in pinned:
            if year != self.year:
                continue
            if ppa_kzt_per_kwh is None:
                self.propose("scenario", tech_id, region_id, size, name=name, pinned=True, lead_funder=lead)
            else:
                ppa_eur_per_mwh = ppa_kzt_per_kwh * 1e3 / self.P["kzt_per_eur_reference"]
                self.propose_contract(
                    "scenario", tech_id, region_id, size, ppa_eur_per_mwh, name=name, pinned=True, lead_funder=lead
                )

    def propose_contract(
        self,
        owner,
        tech_id: str,
        region_id: str,
        size: float,
        ppa_eur_per_mwh: float,
        capacity_factor: float | None = None,
        wacc: float | None = None,
        **fields,
    ) -> Project | None:
        """Propose a wind or solar plant that sells its power under a PPA (an auction award or a pinned deal).

        Its revenue is its PPA price times its output; its developer finances it privately at
        ``wacc`` (default: the renewables' cost of capital, ``res_wacc_pct``) and it runs at
        ``capacity_factor`` (default: its region's, ``regions.csv``); the auction passes its
        site's draw and, for guaranteed bids, the lower cost of capital.
        """
        if capacity_factor is None:
            capacity_factor = float(self._contract_cf[tech_id][self.region_index[region_id]])
        if wacc is None:
            wacc = self.P["res_wacc_pct"] / 100
        return self.propose(
            owner,
            tech_id,
            region_id,
            size,
            ppa_eur_per_mwh=ppa_eur_per_mwh,
            wacc=float(wacc),
            capacity_factor=capacity_factor,
            **fields,
        )

    def run_auction(self, operator: GridOperator) -> None:
        """Hold this year's renewables auction (see :class:`~wecsim.agents.utility.GridOperator`).

        Pay-as-bid under a ceiling price, as the Kazakh auctions (KOREM) are: each site's bid is
        its levelised cost plus a margin that shrinks with competition (:func:`auction_bids`); the
        cheapest bids at or below the ceiling win until the volume is filled. The price paid is
        an outcome, recorded in ``auction_record`` (MW-weighted average, EUR/MWh; 0 when
        nothing is awarded).
        """
        v, P = self.value, self.P
        volume = float(v("res_auction_mw_per_yr"))
        wind_mw = volume * v("wind_share_of_auctions")
        ceiling = v("res_auction_ceiling_kzt_per_kwh") * 1e3 / P["kzt_per_eur_reference"]
        wacc = P["res_wacc_pct"] / 100
        wacc_guaranteed = wacc - P["guarantee_wacc_cut_pp"] / 100
        t = self.year - self.base_year
        guarantee = self.funder_by_id["eu_guarantee"]
        rec = {"offered_mw": volume, "awarded_mw": 0.0, "guaranteed_mw": 0.0, "price_eur_per_mwh": 0.0}
        paid = 0.0
        for k, (tech_id, mw, sites, cf_col) in enumerate(
            (
                ("wind", wind_mw, self.wind_sites, self.wind_cf),
                ("solar_pv", volume - wind_mw, self.solar_sites, self.solar_cf),
            )
        ):
            tech = self.tech(tech_id)
            unit = tech.typical_size
            n_bids = min(SITES_PER_YEAR, int(np.ceil(P["auction_bid_ratio"] * mw / unit)))
            if mw <= 0 or n_bids == 0:
                continue
            site = np.array([self.region_index[sites[(t * 7 + j) % len(sites)]] for j in range(n_bids)])
            z = self._site_z[t, k, :n_bids]
            s_cf, s_cx = P["site_cf_sigma_log"], P["site_capex_sigma_log"]
            cf = cf_col[site] * np.exp(s_cf * z[:, 0] - s_cf**2 / 2)
            capex = tech.capex_meur_per_unit * self.capex_multiplier(tech_id) * np.exp(s_cx * z[:, 1] - s_cx**2 / 2)
            life, build = tech.lifetime_yr, tech.build_time_yr
            cost = lcoe(capex * 1e3, tech.opex_share_per_yr, wacc, life, cf, build)
            cost_g = lcoe(capex * 1e3, tech.opex_share_per_yr, wacc_guaranteed, life, cf, build)
            viable = cost <= ceiling
            # the EU guarantee goes to bids that can bid under the ceiling only at the guaranteed cost of capital
            helped = (~viable) & (cost_g <= ceiling)
            provision = capex * unit * P["guarantee_provision_per_eur"]
            support = np.zeros(n_bids)
            if helped.any():
                score = np.where(helped, ceiling - cost_g, -np.inf)
                idx = np.flatnonzero(helped)
                support[idx] = guarantee.support(score[idx], provision[idx])
            guaranteed = support >= provision - EPS
            own_cost = np.where(guaranteed, cost_g, cost)
            ok = viable | guaranteed
            price = auction_bids(own_cost, ok, ceiling, slots=int(np.ceil(mw / unit)))
            order = np.lexsort((np.arange(n_bids), price))
            awarded = 0.0
            committed = np.zeros(n_bids)
            # the bids as Python floats, read one at a time (the same numbers, without NumPy scalars)
            ok_, guaranteed_, site_ = ok.tolist(), guaranteed.tolist(), site.tolist()
            capex_, price_, cf_, support_ = capex.tolist(), price.tolist(), cf.tolist(), support.tolist()
            reference_capex = tech.capex_meur_per_unit * self.capex_multiplier(tech_id)
            for j in order.tolist():
                if not ok_[j] or awarded + 1 > mw:
                    continue
                size = min(unit, mw - awarded)
                awarded += size
                region_id = self.region_agents[site_[j]].region_id
                p = self.propose_contract(
                    operator,
                    tech_id,
                    region_id,
                    float(size),
                    price_[j],
                    capacity_factor=cf_[j],
                    wacc=wacc_guaranteed if guaranteed_[j] else wacc,
                    capex_factor=capex_[j] / reference_capex,
                )
                if p is not None and guaranteed_[j]:
                    used = support_[j] * size / unit
                    committed[j] = used
                    self.pipeline.add_support(p, guarantee.funder_id, used, self.year, "guarantee")
                    guarantee.commit(used)
                    rec["guaranteed_mw"] += size
                paid += size * price_[j]
            # provisions not committed (bids not guaranteed, not awarded or awarded in part) go back to the envelope
            guarantee.available_meur += float((support - committed).sum())
            rec["awarded_mw"] += awarded
        rec["price_eur_per_mwh"] = paid / rec["awarded_mw"] if rec["awarded_mw"] > 0 else 0.0
        self.auction_record = rec

    # 7b. prepare ------------------------------------------------------------
    def _prepare(self) -> None:
        """Pay feasibility studies to IFI standard for bankable public and utility projects.

        Bankable: economic NPV >= 0, of a route the fund serves and at least its minimum size
        (``funders.csv``; private sponsors prepare their own projects). A prepared project
        can borrow from IFIs and receive EU and bilateral grants in this year's round, and
        overruns and delays less; an unprepared one can only wait for domestic money. So the
        money for studies sets how much foreign money the pipeline can absorb, and how long
        projects wait in the state's queue.
        """
        P = self.P
        waiting = [
            p
            for p in self.pipeline.in_stage(Stage.APPRAISED)
            if p.prepared_year is None and p.route in ("public", "utility") and not p.enpv_meur < 0
        ]
        if not waiting:
            return
        capex = np.array([p.capex_estimate_meur for p in waiting])
        cost = capex * P["preparation_cost_share"]
        # each candidate's columns, laid out once for both funds
        route = np.array([ROUTE_INDEX[p.route] for p in waiting], dtype=np.int64)
        sector_all = np.array([SECTOR_INDEX[p.sector] for p in waiting], dtype=np.int64)
        bcr_all = np.array([p.bcr for p in waiting], dtype=float)
        if not np.isfinite(bcr_all).all():
            bcr_all = np.nan_to_num(bcr_all, nan=0.0)
        focus_all = np.array([self._focus_flags(p) for p in waiting], dtype=np.int64)
        unprepared = np.ones(len(waiting), dtype=bool)
        for f in (self.funder_by_id["eu_preparation"], self.funder_by_id["ifi_preparation"]):
            eligible = f.routes[route] & (capex >= f.min_project_meur)
            idx = (eligible & unprepared).nonzero()[0]
            if not len(idx):
                continue
            sector = sector_all[idx]
            score = f.priority[sector] * bcr_all[idx]
            if f.focus:
                focus = (focus_all[idx] & FOCUS[f.focus]) > 0
                score = score * (1 + P["funder_focus_bonus"] * focus)
            score = np.where(f.priority[sector] > 0, score, -np.inf)
            paid = f.support(score, cost[idx])
            for i, a in zip(idx.tolist(), paid.tolist(), strict=True):
                if a >= cost[i] - EPS:
                    unprepared[i] = False
                    waiting[i].prepared_year = self.year
                    self.pipeline.add_support(waiting[i], f.funder_id, a, self.year, "preparation")
                    f.commit(a)
                elif a > EPS:
                    f.available_meur += a  # a study is paid whole or not at all

    # 7. appraise ------------------------------------------------------------
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
        p_drought = float(np.mean(self._drought_probability()[self.basin_south]))
        return AppraisalContext(
            social_discount_rate=v("social_discount_rate_pct") / 100,
            financial_discount_rate=P["financial_discount_rate_pct"] / 100,
            water_tariff_eur_per_m3=self.water_tariff,
            capacity_factor=dict(cf),
            grid_emission_t_per_mwh=float(self.fleet_col["emission_t_per_mwh"][self.fleet_index["coal"]]),
            expected_flood_damage_meur=dict(
                zip(
                    self._region_keys["region_id"],
                    expected * self.state.flood_damage_share * (1 - self.state.flood_protected_share),
                    strict=True,
                )
            ),
            epr_multiplier=v("epr_fee_multiplier"),
            gate_fee_eur_per_t=v("landfill_gate_fee_kzt_per_t") / self.kzt_per_eur,
            ban_gate_fee_eur_per_t=P["landfill_ban_gate_fee_eur_per_t"],
            landfill_ban_year=int(v("landfill_ban_year")),
            curtailed_mwh=self.curtailed_mwh,
            wte_emission_t_per_mwh=float(self.fleet_col["emission_t_per_mwh"][self.fleet_index["waste_to_energy"]]),
            wte_utilisation=self.wte_utilisation,
            field_duty_m3_per_ha=self.field_duty_m3_per_ha,
            renewal_benefit_eur_per_km=P["renewal_water_saved_m3_per_km"] * P["value_water_municipal_eur_per_m3"]
            + P["renewal_repair_cost_saved_eur_per_km"]
            + P["renewal_service_value_eur_per_km"],
            reservoir_yield_m3_per_mcm=1e6
            * P["reservoir_yield_share"]
            * (1 - p_drought * (1 - P["drought_flow_factor"])),
            interconnection_mwh_per_mw=energy.HOURS_PER_YEAR * P["interconnection_export_utilisation"],
            sewer_saving_m3_per_km=float(
                self.last["wastewater_generated_m3"].sum()
                * P["sewer_leak_at_full_wear"]
                / self.asset_stock["sewer_network"].sum()
            ),
            structure_saving_m3=dict(
                zip(
                    self._region_keys["region_id"],
                    np.divide(
                        self.last["demand_irrigation_m3"]
                        * (1 - self.state.conveyance_loss_share)
                        * P["irrigation_wear_loss_slope"],
                        self.asset_stock["irrigation_structures"],
                        out=np.zeros(len(self.region_agents)),
                        where=self.asset_stock["irrigation_structures"] > 0,
                    ),
                    strict=True,
                )
            ),
        )

    def _appraise(self) -> None:
        ctx = self.appraisal_context()
        for p in self.pipeline.in_stage(Stage.PROPOSED):
            appraise(p, self.tech(p.tech_id), ctx, self.P)
            if p.enpv_meur < 0 and p.fnpv_meur < 0 and not p.pinned and not p.programme:
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

    # 8. finance -------------------------------------------------------------
    def contingency(self, p: Project) -> float:
        """Return the mean overrun a project's financing plan provides for (lower once prepared) [-].

        :meth:`_book` works the same out for all candidates at once.
        """
        base = self.tech(p.tech_id).overrun_mean * self.value("cost_overrun_scale")
        return base * (1 - self.P["prep_overrun_cut"]) if p.prepared_year is not None else base

    def _focus_flags(self, p: Project) -> int:
        return int(self.tech_focus[p.tech_id]) | int(self.region_focus[self.region_index[p.region_id]])

    def _book(self, candidates: list[Project]) -> Book:
        """Lay this year's candidates out as a table for the funders."""
        v, P = self.value, self.P
        n = len(candidates)
        # one pass over the candidates: their numbers, then their indices into the model's tables
        # (np.fromiter of the flattened rows: a third of the cost of np.array on a list of tuples)
        numbers = itertools.chain.from_iterable(
            [(p.capex_estimate_meur, p.enpv_meur, p.fnpv_meur, p.bcr) for p in candidates]
        )
        capex, enpv, fnpv, bcr = np.fromiter(numbers, dtype=float, count=4 * n).reshape(n, 4).T
        tech_order, region_index = self._tech_order, self.region_index
        indices = itertools.chain.from_iterable(
            [
                (
                    tech_order[p.tech_id],
                    region_index[p.region_id],
                    SECTOR_INDEX[p.sector],
                    ROUTE_INDEX[p.route],
                    p.prepared_year is not None,
                    p.programme,
                    # a signed deal: pinned with a contract price (NaN when none)
                    p.pinned and p.ppa_eur_per_mwh == p.ppa_eur_per_mwh,
                )
                for p in candidates
            ]
        )
        tech, region, sector, route, prepared, programme, signed = (
            np.fromiter(indices, dtype=np.int64, count=7 * n).reshape(n, 7).T
        )
        # the contingency of each candidate (see contingency), as arrays
        base = self._tech_overrun[tech] * v("cost_overrun_scale")
        contingency = np.where(prepared > 0, base * (1 - P["prep_overrun_cut"]), base)
        cost = capex * (1 + contingency)
        cofin = v("cofinance_share_required")
        public = route <= ROUTES.index("utility")
        farmer = route == ROUTES.index("farmer")
        extra = v("eu_tariff_condition_pct")
        accepts = np.array(
            [extra <= 0 or u.policy.accepts_condition(u, extra) for u in self.water_utilities], dtype=bool
        )
        shocked = np.array([r.shocked for r in self.region_agents])
        return Book(
            projects=candidates,
            cost=cost,
            sector=sector,
            route=route,
            region=region,
            tech=tech,
            enpv=enpv,
            fnpv=fnpv,
            bcr=bcr,
            # private sponsors prepare their own projects; public and utility ones need a study paid for
            prepared=(route == ROUTES.index("private")) | (prepared > 0),
            programme=programme > 0,
            shocked=shocked[region],
            focus=self._tech_focus[tech] | self.region_focus[region],
            grant_room=np.where(farmer, 0.0, (1 - cofin) * cost),
            gap_room=np.maximum(0.0, -fnpv) * (1 + contingency),
            external_room=np.where(public, (1 - cofin) * cost, np.inf),
            debt_room=np.where(farmer, 0.0, P["max_debt_share"] * cost),
            subsidy_room=np.where(farmer, v("irrigation_subsidy_share") * cost, 0.0),
            private_loan_room=P["national_loan_max_share"] * cost,
            national_loan=self._tech_national_loan[tech],
            utility_capacity=np.array([u.debt_capacity_meur() for u in self.water_utilities]),
            blending=np.zeros(n),
            condition_ok=np.where(route == ROUTES.index("utility"), accepts[region], True),
            lead=np.array([p.lead_funder or "" for p in candidates], dtype=object),
            signed=signed > 0,
        )

    def _reserve_blending(self, book: Book) -> None:
        """Reserve EU interest buy-downs for the IFI-eligible candidates the blending instrument prefers."""
        P = self.P
        f = self.funder_by_id["eu_blending"]
        self._blending_committed_before = f.committed_meur
        ok = (book.route <= ROUTES.index("utility")) & book.prepared & (book.enpv >= 0) & book.condition_ok
        ok &= f.priority[book.sector] > 0
        rows = np.flatnonzero(ok)
        if not len(rows) or not f.has_money():
            return
        score = f.score(book, rows)
        amount = P["blending_max_share_of_loan"] * book.debt_room[rows]
        book.blending[rows] = f.support(score, amount)

    def _finance(self) -> None:
        P = self.P
        candidates = self.pipeline.in_stage(Stage.APPRAISED)
        if not candidates:
            return
        book = self._book(candidates)
        book.screens = screen_all(self.capex_funders, book)
        book.scores = merit_all(self.capex_funders, book)
        self._reserve_blending(book)
        reserved = book.blending.copy()
        self._round_refusals = {}
        for round_no in range(int(P["finance_rounds"])):
            run_round(book, self.capex_funders, again=round_no > 0)
            stuck = book.stuck()
            if not len(stuck):
                break
            book.withdraw(stuck, self.funder_by_id)
        self._keep_last_refusals(book)
        complete = book.complete()
        blending = self.funder_by_id["eu_blending"]
        funders, year, projects = self.funder_by_id, self.year, book.projects
        loans_sum = [0.0] * len(book)
        fids, instruments, rows, amounts = book.standing_pledges()
        # a pledge is positive: a commitment (Funder.commit), added to each funder's count in pledge order
        committed = {fid: f.committed_meur for fid, f in funders.items()}
        for fid, instrument, row, amount in zip(fids, instruments, rows, amounts, strict=True):
            committed[fid] += amount
            if instrument == "loan":
                loans_sum[row] += amount
        for fid, f in funders.items():
            f.committed_meur = committed[fid]
        if fids:
            self.pipeline.commit_all([projects[r] for r in rows], fids, amounts, instruments, year)
        instrument_of = {fid: f.instrument for fid, f in funders.items()}
        conditional_of = {fid: f.conditional for fid, f in funders.items()}
        condition = self.value("eu_tariff_condition_pct") > 0
        condition_until = year + int(P["eu_condition_years"])
        max_blending = P["blending_max_share_of_loan"]
        route, reserved_, unused = book.route.tolist(), reserved.tolist(), book.blending.tolist()
        float64, move, financed = np.float64, self.pipeline.move, Stage.FINANCED
        for row in complete.nonzero()[0].tolist():
            p = projects[row]
            # blending used: on utility loans what the loans drew beyond the utility's own capacity,
            # on sovereign loans the buy-down reserved for them (the state's debt service falls);
            # a NumPy float, as it always was: Python's sum() of plain floats rounds otherwise
            if route[row] == _UTILITY:
                used = float64(reserved_[row] - unused[row])
            else:
                used = float64(min(reserved_[row], max_blending * loans_sum[row]))
            if used > EPS:
                self.pipeline.add_support(p, blending.funder_id, used, year, "blending")
                blending.commit(used)
            self._record_debt(p, route[row], float64(loans_sum[row]), used)
            commitments = p.commitments
            if condition and p.route == "utility":
                if any(conditional_of.get(f, False) for f in commitments) or (used > EPS and blending.conditional):
                    u = self.water_utilities[self.region_index[p.region_id]]
                    u.condition_until = max(u.condition_until, condition_until)
            words = [x for fid, a in commitments.items() for x in (fid, a, instrument_of.get(fid, "cofinance"))]
            move(p, financed, year, _financed_reason(len(commitments)), *words)
        # what the blending instrument reserved but did not use goes back to its envelope
        blending.available_meur += float(reserved.sum()) - blending.committed_meur + self._blending_committed_before
        need, max_wait = book.need.tolist(), P["proposal_max_wait_yr"]
        for row in (~complete).nonzero()[0].tolist():
            p = projects[row]
            p.waited_yr += 1
            if p.waited_yr > max_wait:
                self.pipeline.move(
                    p, Stage.CANCELLED, year, "financing gap of %.1f M EUR after %s years", need[row], p.waited_yr
                )
            else:
                p.wait("financing gap of %.1f M EUR", need[row])
        self.financing_gap_meur = float(book.need[~complete].sum())
        self.projects_waiting = int((~complete).sum())

    def _record_debt(self, p: Project, route: int, loans_meur: float, blending_meur: float) -> None:
        """Add the debt service of a project's IFI loans to who repays them: the state or the utility.

        Each lender's loan is repaid on its own terms (``funders.csv``: rate, tenor, grace); an EU
        blending grant pays down every loan of the project in proportion. A utility borrows on-lent
        money at the sub-sovereign rate, on the lender's tenor and grace.
        """
        if loans_meur <= EPS or (route != _PUBLIC and route != _UTILITY):
            return  # private sponsors repay their own loans
        kept = max(loans_meur - blending_meur, 0.0) / loans_meur
        start = self.year - self.base_year + 1
        funder_by_id = self.funder_by_id
        for fid, amount in p.commitments.items():
            f = funder_by_id.get(fid)
            if f is None or not f.is_loan or amount <= EPS:
                continue
            if route == _UTILITY:
                self.water_utilities[self.region_index[p.region_id]].borrow(amount * kept, f.tenor_yr, f.grace_yr)
                continue
            ds = debt_service_schedule(amount * kept, f.loan_rate, f.tenor_yr, f.grace_yr)
            end = min(start + len(ds), len(self.national_debt_service))
            self.national_debt_service[start:end] += ds[: end - start]

    def _commit(self, p: Project, funder_id: str, amount: float, instrument: str) -> None:
        """Record a commitment (negative: a release) and move the money in or out of the source."""
        f = self.funder_by_id[funder_id]
        if amount > 0:
            f.commit(amount)
        else:
            f.release(-amount, self.region_index[p.region_id])
        self.pipeline.commit(p, funder_id, amount, self.year, instrument)

    def release_all(self, p: Project) -> None:
        """Give back every commitment of a project that will not be built."""
        for funder_id, amount in list(p.commitments.items()):
            if amount > EPS:
                self._commit(p, funder_id, -amount, "release")

    def backer_of(self, p: Project):
        """Return who tops up a project's overrun: its private sponsor, the farmers or the state."""
        return self.funder_by_id[BACKER_OF_ROUTE.get(p.route, "national")]

    def project_normals(self, projects: list[Project]) -> np.ndarray:
        """Three standard normals per project, for its overrun, delay and bids (common random numbers).

        Drawn up front per (year, technology, region, ordinal), so the same project in two
        scenarios run with one seed gets the same draw. Returns an array of shape ``(n, 3)``.
        """
        z_row = self._z_row
        try:
            # each project's row, kept when it was proposed
            return self._project_z_rows[[z_row[p.project_id] for p in projects], :SITE_DRAW]
        except IndexError:  # a project not proposed through propose
            pass
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
        return self._project_z[tuple(index)][:, :SITE_DRAW]

    def profile(self, tech_id: str, years: int) -> np.ndarray:
        """Return the disbursement profile of a technology stretched over ``years`` (cached)."""
        key = (tech_id, years)
        found = self._profiles.get(key)
        if found is None:
            found = self._profiles[key] = _stretched(tuple(self.tech(tech_id).disbursement_profile), years)
        return found

    # 4. build ---------------------------------------------------------------
    def _build(self) -> None:
        building: list[Project] = []  # the projects paid this year, and what each is paid
        payments: list[float] = []
        for p in self.pipeline.in_stage(Stage.UNDER_CONSTRUCTION):
            k = self.year - p.construction_start_year
            if k >= p.build_years:
                firm = self.firm_by_id[p.firm_id]
                firm.active_contracts -= 1
                firm.completed += 1
                self.commission(p)
                continue
            building.append(p)
            payments.append(p.schedule_meur[k])
        # commissioning writes no ledger row and no funder's sum: the payments keep their order
        funder_by_id = self.funder_by_id
        for funder_id, amount in self.pipeline.disburse_all(building, payments, self.year):
            funder_by_id[funder_id].disbursed_meur += amount
        for p in sorted(self._retiring.pop(self.year, []), key=lambda p: p.project_id):
            if p.stage == Stage.OPERATING:
                p.retire_year = self.year
                self.pipeline.move(p, Stage.RETIRED, self.year, "end of technical life")
                self._assets[p.tech_id][self.region_index[p.region_id]] -= p.size
                self._msw_sorting_fee_eur[self.region_index[p.region_id]] -= self._msw_fee_eur_per_yr(p)

    def commission(self, p: Project) -> None:
        """Put a built project into operation this year: its capacity joins the region's assets."""
        p.operating_year = self.year
        self.pipeline.move(p, Stage.OPERATING, self.year, "commissioned after %s years", p.build_years)
        i = self.region_index[p.region_id]
        self._assets[p.tech_id][i] += p.size
        if p.msw_tariff_eur_per_t:  # only a plan's sorting line earns MSW tariff money (adding 0 changes nothing)
            self._msw_sorting_fee_eur[i] += self._msw_fee_eur_per_yr(p)
        self._n_built += 1
        self._built_totals[0] += p.contract_cost_meur
        tech = self.catalog[p.tech_id]
        self._built_totals[1] += p.size * tech.capex_meur_per_unit
        end_of_life = self.year + tech.lifetime_yr
        self._retiring.setdefault(end_of_life, []).append(p)
        if p.tech_id in self.asset_of_tech:
            self._renewed[self.asset_of_tech[p.tech_id]][i] += p.size

    # 9. operate -------------------------------------------------------------
    def _msw_fee_eur_per_yr(self, p: Project) -> float:
        """Yearly MSW tariff money a plan's sorting line earns at mature use [EUR/yr]."""
        return p.size * self.P["recycling_utilisation_mature"] * p.msw_tariff_eur_per_t

    def _operating_size(self, tech_id: str) -> np.ndarray:
        """Operating capacity of one technology per region [the technology's unit]."""
        return self._assets[tech_id]

    def _flood_multiplier(self, year: int | None = None) -> float:
        frac = climate.trend_fraction(self.year if year is None else year, self.data_year)
        return 1 + (self.flood_multiplier_2050 - 1) * min(frac, 1.0)

    def _drought_probability(self) -> np.ndarray:
        """Yearly probability of a severe drought in each basin this year [-]."""
        frac = climate.trend_fraction(self.year, self.data_year)
        p = np.where(self.basin_south, self.value("drought_probability_south"), self.P["drought_probability_north"])
        return p * (1 + (self.drought_multiplier_2050 - 1) * min(frac, 1.0))

    def variable_limit_share(self) -> float:
        """Share of demand variable renewables tend to at most: the grid's own flexibility, links and SECCA [-]."""
        mw = self._operating_size("grid_interconnection").sum()
        demand = (
            self.last["electricity_demand_mwh"] if self.last else self.stocks.national["electricity_demand_twh"] * 1e6
        )
        link = mw * energy.HOURS_PER_YEAR * self.P["interconnection_export_utilisation"] / demand
        return self.P["res_integration_limit_share"] + link + self.secca_flex

    def _operate(self, record: bool) -> dict:
        v, P, s = self.value, self.P, self.state
        t_idx = self.year - self.base_year
        frac = climate.trend_fraction(self.year, self.data_year)
        out: dict = {}
        if not record:
            self.secca_flex, self.cooperation, self.horizon_cost_cut = 0.0, v("transboundary_cooperation"), 0.0
        # --- assets from operating projects
        cat = self.catalog
        existing = self._kenderli_m3 if self.year >= P["desal_kenderli_year"] else 0.0
        s.desal_m3 = existing + self._operating_size("desalination") * cat["desalination"].water_m3_per_unit_yr
        s.saving_ha_total = np.minimum(s.saving_ha_base + self._operating_size("drip_irrigation"), s.irrigated_ha)
        n_ews = self._operating_size("flood_ews")
        s.ews_coverage = np.minimum(1.0, self.stocks.national["ews_coverage"] + P["ews_coverage_per_system"] * n_ews)
        s.flood_protected_share = np.minimum(
            P["flood_protection_max_share"],
            P["flood_protection_share_per_structure"] * self._operating_size("flood_protection"),
        )
        s.lfg_mw = self._operating_size("landfill_gas")
        # --- municipal demand, network wear and losses
        price = (s.tariff_eur_per_m3 / P["tariff_water_eur_per_m3"]) ** P["municipal_price_elasticity"]
        muni_net = (
            s.population
            * P["municipal_lpcd_delivered"]
            * 365
            / 1e3
            * self.gdp_factor ** P["municipal_demand_gdp_elasticity"]
            * price
        )
        if record and t_idx > 0:  # the base year keeps the observed wear
            for aid, a in self.assets.items():
                stock = self.asset_stock[aid]
                renewed = np.divide(self._renewed[aid], stock, out=np.zeros_like(stock), where=stock > 0)
                s.wear[aid] = np.clip(s.wear[aid] + 1.0 / a["service_life_yr"] - renewed, 0.0, 1.0)
        saved_net = self._operating_size("network_loss_reduction") * cat["network_loss_reduction"].water_m3_per_unit_yr
        wear_ratio = water.network_loss_ratio(
            s.wear["water_network"], self.loss0, self.wear0["water_network"], P["network_loss_floor"]
        )
        floor_ratio = P["network_loss_floor"] / (1 - P["network_loss_floor"])
        ratio = np.maximum(floor_ratio, wear_ratio - saved_net / muni_net)
        s.network_loss_share = ratio / (1 + ratio)
        # --- wastewater: treated by old plants that fail one by one, and by new ones
        generated_ww = muni_net * P["wastewater_return_share"]
        capacity_ww = self.treatment_capacities_m3(self.year)
        # worn sewers lose wastewater before it reaches a plant
        collected_ww = generated_ww * (1 - P["sewer_leak_at_full_wear"] * s.wear["sewer_network"])
        treated_ww = np.minimum(collected_ww, capacity_ww)
        reuse_cap = self._operating_size("wastewater_reuse") * cat["wastewater_reuse"].water_m3_per_unit_yr
        s.reuse_m3 = np.minimum(reuse_cap, treated_ww)
        # --- irrigation demand
        field = self.field_duty_m3_per_ha * (s.irrigated_ha - s.saving_ha_total * P["drip_field_saving_share"])
        canal_saved = self._operating_size("canal_lining") * cat["canal_lining"].water_m3_per_unit_yr
        c0 = P["conveyance_loss_share"]
        cfloor = P["conveyance_loss_floor"]
        # worn headworks and gates lose water too (above their 2025 state)
        structures = P["irrigation_wear_loss_slope"] * (
            s.wear["irrigation_structures"] - self.wear0["irrigation_structures"]
        )
        c_ratio = np.maximum(
            cfloor / (1 - cfloor),
            c0 / (1 - c0) + structures - np.divide(canal_saved, field, out=np.zeros_like(field), where=field > 0),
        )
        s.conveyance_loss_share = c_ratio / (1 + c_ratio)
        demand = {
            "municipal": water.gross_demand(muni_net, s.network_loss_share),
            "industry": self.industry0_m3 * self.gdp_factor ** P["industry_demand_gdp_elasticity"],
            "irrigation": water.gross_demand(field, s.conveyance_loss_share),
        }
        # --- water supply: trend, correlated persistent droughts, upstream use, new storage
        b = self.basin_col
        trend = climate.flow_trend_factor(self.flow_change_2050, v("flow_change_scale"), frac)
        p_drought = self._drought_probability()
        drought = self.drought_z[t_idx] < climate.drought_threshold(p_drought)
        if self.year <= self.observed_until:
            drought = observed.observed_droughts(self.year, self.basin_ids)
        elif t_idx == 0:
            drought[:] = False  # the base year reproduces observed conditions
        shock = np.where(drought, P["drought_flow_factor"], 1.0)
        upstream = climate.upstream_factor(
            b["transboundary_share"], v("upstream_withdrawal_growth_pct"), self.cooperation, frac
        )
        surface = b["surface_mean_km3"] * trend * shock * upstream
        storage_m3 = (
            np.bincount(self.basin_of_region, weights=self._operating_size("reservoir"), minlength=len(self.basin_ids))
            * 1e6
        )
        reservoir_yield = storage_m3 * P["reservoir_yield_share"] * shock
        available = (surface * b["usable_share"] + b["groundwater_km3"] + b["transfer_in_km3"]) * KM3 + reservoir_yield
        available = np.maximum(available, 0.0)
        loss = {
            "municipal": s.network_loss_share,
            "industry": np.zeros_like(muni_net),
            "irrigation": s.conveyance_loss_share,
        }
        wb = water.allocate(
            self.basin_of_region, available, demand, s.reuse_m3, s.desal_m3, self.conventional_cap_m3, loss
        )
        desal_used, reuse_used = wb.desal_used, wb.reuse_used
        # --- energy
        fleet = self.fleet_col
        cap = fleet["capacity_mw"].copy()
        fi = self.fleet_index
        for year, i, mw in self.fleet_additions:
            if year <= self.year:
                cap[i] += mw
        retired = self.total_since("coal_retirement_mw_per_yr", int(v("coal_retirement_start_year")))
        cap[fi["coal"]] = max(0.0, cap[fi["coal"]] - retired)
        cap[fi["gas"]] += self.gas_backstop_mw
        cap[fi["solar"]] += self._operating_size("solar_pv").sum()
        cap[fi["wind"]] += self._operating_size("wind").sum()
        cap[fi["landfill_gas"]] += s.lfg_mw.sum()
        wte_t = self._operating_size("waste_to_energy")
        sorting_eff = (self.sorting_base_t + self._operating_size("sorting_recycling")) * P[
            "recycling_utilisation_mature"
        ]
        msw = (
            s.population * self.stocks.national["msw_kg_per_capita"] / 1e3 * self.gdp_factor ** P["msw_gdp_elasticity"]
        )
        wf = waste.waste_flows(
            msw,
            P["collection_coverage"],
            sorting_eff,
            P["recycling_max_recoverable_share"],
            wte_t * self.wte_utilisation,
            self.separated_share,
            recovery_separated=P["sorting_recovery_separated"],
            recovery_mixed=P["sorting_recovery_mixed"],
        )
        wte_mwh = wf.energy_recovered_t.sum() * P["wte_mwh_per_t"]
        cf = fleet["cf_max"]
        cap[fi["waste_to_energy"]] = wte_mwh / (energy.HOURS_PER_YEAR * cf[fi["waste_to_energy"]])
        hydro_factor = float((trend * shock * b["hydro_weight"]).sum() / self.hydro_weight_total)
        availability = np.ones(len(cap))
        availability[fi["hydro"]] = hydro_factor
        availability[fi["small_hydro"]] = hydro_factor
        treatment_mwh = treated_ww * cat["wastewater_treatment"].energy_use_kwh_per_m3 / 1e3
        # water treatment is added on top of the GDP-driven demand; what plants used in 2025
        # (~0.1 TWh) is then counted twice, 0.1% of demand, below the data's precision
        extra_mwh = (
            desal_used * cat["desalination"].energy_use_kwh_per_m3
            + reuse_used * cat["wastewater_reuse"].energy_use_kwh_per_m3
        ) / 1e3 + treatment_mwh
        demand_mwh = (
            self.stocks.national["electricity_demand_twh"]
            * 1e6
            * self.gdp_factor ** P["electricity_demand_gdp_elasticity"]
            + extra_mwh.sum()
        )
        out["electricity_demand_mwh"] = demand_mwh
        self.last = self.last if record else out
        args = dict(
            capacity_mw=cap,
            cf_max=cf,
            must_run_cf=fleet["must_run_cf"],
            marginal_cost=fleet["marginal_cost_eur_per_mwh"],
            variable=self.fleet_variable,
            emission_t_per_mwh=fleet["emission_t_per_mwh"],
            availability=availability,
            variable_limit_share=self.variable_limit_share(),
            curtailment_sharpness=P["curtailment_sharpness"],
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
        # --- floods: damage before warning, less what protection works hold back, then warning
        m = self._flood_multiplier()
        rp = climate.flood_return_period(self.flood_u[t_idx], m)
        if self.year <= self.observed_until:
            rp = observed.observed_flood_return_period(self.year, P["flood_min_return_period_yr"])
        national_damage = climate.flood_damage_meur(
            rp,
            P["flood_damage_ref_meur"],
            P["flood_ref_return_period_yr"],
            P["flood_min_return_period_yr"],
            v("flood_severity_scale"),
        )
        damage0 = national_damage * s.flood_damage_share
        protected = s.flood_protected_share if rp <= P["flood_protection_design_return_period_yr"] else 0.0
        damage1 = damage0 * (1 - protected)
        damage = flood.damage_after_warning(
            damage1, s.ews_coverage, P["ews_damage_reduction"], P["ews_lead_time_h"], P["ews_response_rate"]
        )
        # --- collect per region
        out.update({f"demand_{k}_m3": demand[k] for k in water.SECTORS})
        out.update({f"supplied_{k}_m3": wb.supplied[k] for k in water.SECTORS})
        out.update({f"deficit_{k}_m3": wb.deficit[k] for k in water.SECTORS})
        out["delivered_municipal_m3"] = wb.supplied["municipal"] - wb.losses["municipal"]
        out["wastewater_generated_m3"] = generated_ww
        out["msw_generated_t"] = wf.generated_t
        out["recycled_t"] = wf.recycled_t
        out["sorting_capacity_t"] = sorting_eff
        out["landfilled_t"] = wf.landfilled_t
        out["drought_region"] = drought[self.basin_of_region]
        out["flood_damage_meur"] = damage
        gen = d.generation_mwh
        total_gen = gen.sum()
        out["variable_res_share"] = float(gen[self.fleet_variable].sum() / demand_mwh)
        out["variable_available_mwh"] = float(gen[self.fleet_variable].sum() + d.curtailed_mwh)
        if not record:
            return out
        self._record_indicators(
            wb,
            wf,
            d,
            demand_mwh,
            total_gen,
            available,
            surface,
            drought,
            damage0,
            damage,
            rp,
            backstop_added,
            treated_ww,
            generated_ww,
            treatment_mwh,
            storage_m3,
        )
        return out

    # 10. record -------------------------------------------------------------
    def _record_indicators(
        self,
        wb,
        wf,
        d,
        demand_mwh,
        total_gen,
        available,
        surface,
        drought,
        damage0,
        damage,
        return_period,
        backstop_added,
        treated_ww,
        generated_ww,
        treatment_mwh,
        storage_m3,
    ) -> None:
        s, fi, P = self.state, self.fleet_index, self.P
        tot = {k: wb.total(k) for k in ("demand", "supplied", "deficit", "losses")}
        withdrawn = {k: wb.from_basin[k] for k in water.SECTORS}
        w_total = sum(x.sum() for x in withdrawn.values())
        demand_total = tot["demand"].sum()
        deficit_total = tot["deficit"].sum()
        gen = d.generation_mwh
        co2_power = d.co2_t.sum()
        kzt_per_eur_mwh = P["kzt_per_eur_reference"] / 1e3  # EUR/MWh -> KZT/kWh at the PPAs' reference rate
        landfill_co2 = wf.landfilled_t.sum() * P["landfill_emission_t_per_t"]
        uncollected_co2 = wf.uncollected_t.sum() * P["uncollected_emission_t_per_t"]
        lfg_avoided = gen[fi["landfill_gas"]] * P["landfill_gas_t_co2e_per_mwh"]
        irrigation_supplied = wb.supplied["irrigation"].sum()
        muni_supplied = wb.supplied["municipal"].sum()
        eu = [f for f in self.funders if f.institution == EU_INSTITUTION]
        self.ind = {
            "population_m": s.population.sum() / 1e6,
            "water_demand_km3": demand_total / KM3,
            **{f"water_demand_{k}_km3": wb.demand[k].sum() / KM3 for k in water.SECTORS},
            "withdrawal_km3": w_total / KM3,
            "withdrawal_agriculture_share": withdrawn["irrigation"].sum() / w_total,
            "withdrawal_industry_share": withdrawn["industry"].sum() / w_total,
            "withdrawal_municipal_share": withdrawn["municipal"].sum() / w_total,
            "desalination_km3": wb.desal_used.sum() / KM3,
            "reuse_km3": wb.reuse_used.sum() / KM3,
            "water_deficit_km3": deficit_total / KM3,
            "water_deficit_pct": 100 * deficit_total / demand_total,
            "water_losses_km3": tot["losses"].sum() / KM3,
            "conveyance_loss_share": wb.losses["irrigation"].sum() / irrigation_supplied
            if irrigation_supplied
            else 0.0,
            "network_loss_share": wb.losses["municipal"].sum() / muni_supplied if muni_supplied else 0.0,
            **{f"{aid}_wear": self.national_wear(aid, w) for aid, w in s.wear.items()},
            "wastewater_treated_share": float(treated_ww.sum() / generated_ww.sum()),
            "wastewater_treated_km3": float(treated_ww.sum() / KM3),
            "reservoir_storage_mcm": float(storage_m3.sum() / 1e6),
            "irrigated_kha": float(s.irrigated_ha.sum() / 1e3),
            "water_saving_irrigation_share": s.saving_ha_total.sum() / s.irrigated_ha.sum(),
            "basins_in_drought": int(drought.sum()),
            "water_tariff_eur_per_m3": self.water_tariff,
            "utility_revenue_meur": float(sum(u.revenue_meur for u in self.water_utilities)),
            "utility_cash_meur": float(sum(u.cash_meur for u in self.water_utilities)),
            "electricity_demand_twh": demand_mwh / 1e6,
            "generation_twh": total_gen / 1e6,
            **{f"generation_{t}_twh": gen[i] / 1e6 for t, i in fi.items()},
            "coal_share": gen[fi["coal"]] / total_gen,
            "gas_share": gen[fi["gas"]] / total_gen,
            "hydro_share": gen[fi["hydro"]] / total_gen,
            "res_share": gen[self.fleet_res].sum() / total_gen,
            "curtailed_twh": d.curtailed_mwh / 1e6,
            "unserved_twh": d.unserved_mwh / 1e6,
            "res_auctioned_mw": self.auction_record["offered_mw"],
            "res_awarded_mw": self.auction_record["awarded_mw"],
            "res_guaranteed_mw": self.auction_record["guaranteed_mw"],
            "res_auction_price_kzt_per_kwh": self.auction_record["price_eur_per_mwh"] * kzt_per_eur_mwh,
            "backstop_gas_mw_added": backstop_added,
            "backstop_gas_capex_meur": backstop_added * P["backstop_gas_capex_meur_per_mw"],
            "co2_power_mt": co2_power / 1e6,
            "grid_emission_factor_t_per_mwh": co2_power / total_gen,
            "msw_generated_mt": wf.generated_t.sum() / 1e6,
            "sorted_mt": wf.sorted_t.sum() / 1e6,
            "recycled_mt": wf.recycled_t.sum() / 1e6,
            "energy_recovered_mt": wf.energy_recovered_t.sum() / 1e6,
            "landfilled_mt": wf.landfilled_t.sum() / 1e6,
            "uncollected_mt": wf.uncollected_t.sum() / 1e6,
            "recycling_rate": wf.recycling_rate,
            "recycling_target": self.recycling_target(self.year),
            "separated_share": self.separated_share,
            "msw_sorting_fee_eur_per_person": float(self._msw_sorting_fee_eur.sum() / s.population.sum()),
            "co2_waste_mt": (landfill_co2 + uncollected_co2 - lfg_avoided) / 1e6,
            "co2_total_mt": (co2_power + landfill_co2 + uncollected_co2 - lfg_avoided) / 1e6,
            "flood_return_period_yr": return_period,
            "flood_damage_meur": damage.sum(),
            "flood_damage_avoided_meur": (damage0 - damage).sum(),
            "ews_coverage": float((s.ews_coverage * s.flood_damage_share).sum()),
            "flood_protected_share": float((s.flood_protected_share * s.flood_damage_share).sum()),
            "committed_meur": sum(f.committed_meur for f in self.capex_funders),
            "disbursed_meur": sum(f.disbursed_meur for f in self.capex_funders),
            "eu_committed_meur": sum(f.committed_meur for f in eu),
            "national_debt_service_meur": self.debt_service_meur,
            "financing_gap_meur": getattr(self, "financing_gap_meur", 0.0),
            "projects_waiting": getattr(self, "projects_waiting", 0),
            "projects_proposed": self._proposed_this_year,
            "projects_operating": self.pipeline.count(Stage.OPERATING),
            "projects_under_construction": self.pipeline.count(Stage.UNDER_CONSTRUCTION),
            "projects_built": self._n_built,
            "capex_built_meur": self._built_totals[0],
            "capacity_built_ref_meur": self._built_totals[1],
        }
        self.financing_gap_meur = 0.0
        self.projects_waiting = 0
        irrigated = s.irrigated_ha > 0
        region_cols = {
            "population": s.population,
            "water_demand_mm3": tot["demand"] / 1e6,
            "water_supplied_mm3": tot["supplied"] / 1e6,
            "water_deficit_mm3": tot["deficit"] / 1e6,
            "municipal_deficit_mm3": wb.deficit["municipal"] / 1e6,
            "irrigation_deficit_mm3": wb.deficit["irrigation"] / 1e6,
            "water_losses_mm3": tot["losses"] / 1e6,
            "desalination_mm3": wb.desal_used / 1e6,
            "reuse_mm3": wb.reuse_used / 1e6,
            "network_loss_share": s.network_loss_share,
            **{f"{aid}_wear": w for aid, w in s.wear.items()},
            "wastewater_treated_share": np.divide(
                treated_ww, generated_ww, out=np.zeros_like(treated_ww), where=generated_ww > 0
            ),
            "conveyance_loss_share": s.conveyance_loss_share,
            "water_saving_irrigation_share": np.divide(
                s.saving_ha_total, s.irrigated_ha, out=np.zeros_like(s.irrigated_ha), where=irrigated
            ),
            "water_tariff_eur_per_m3": s.tariff_eur_per_m3,
            "msw_generated_kt": wf.generated_t / 1e3,
            "sorted_kt": wf.sorted_t / 1e3,
            "recycled_kt": wf.recycled_t / 1e3,
            "recycling_rate": wf.sorted_t / wf.generated_t,
            "landfilled_kt": wf.landfilled_t / 1e3,
            "ews_coverage": s.ews_coverage,
            "flood_protected_share": s.flood_protected_share,
            "flood_damage_meur": damage,
            "cofinance_reserve_meur": self.local.reserve_meur,
            "utility_reserve_meur": self.utility_funds.reserve_meur,
        }
        # Mesa's add_table_row, column by column without its name checks (81 columns a year)
        national = self.datacollector.tables["national"]
        national["year"].append(self.year)
        for k in NATIONAL_INDICATORS:
            national[k].append(self.ind[k])
        # the region table grows a column at a time (20 rows a year), as Python floats
        columns = dict(zip(region_cols, np.array(list(region_cols.values()), dtype=float).tolist(), strict=True))
        table = self.datacollector.tables["region"]
        table["year"].extend([self.year] * len(self.region_agents))
        for key in ("region_id", "region", "basin_id"):
            table[key].extend(self._region_keys[key])
        for k, values in columns.items():
            table[k].extend(values)
        # each region reads its row when asked (Region.results): few runs ever ask
        self.region_columns = columns
        # the region columns summed per basin, the regions of each basin side by side in a row:
        # each row's sum is the sum of the basin's regions in their order, as the 1-D sum of a masked column
        order, bounds = self._regions_by_basin
        by_basin = np.ascontiguousarray(
            np.array([tot["demand"], tot["supplied"], tot["deficit"], tot["losses"], *wb.from_local.values()])[:, order]
        )
        basin_columns = zip(
            self.basin_ids,
            surface.tolist(),
            drought.tolist(),
            available.tolist(),
            wb.basin_withdrawn.tolist(),
            wb.basin_unallocated.tolist(),
            storage_m3.tolist(),
            itertools.pairwise(bounds),
            strict=True,
        )
        for bid, surface_b, drought_b, available_b, withdrawn_b, unallocated_b, storage_b, (a, b) in basin_columns:
            demand_b, supplied_b, deficit_b, losses_b, *local_b = by_basin[:, a:b].sum(axis=1).tolist()
            self.basin_records.append(
                {
                    "year": self.year,
                    "basin_id": bid,
                    "surface_flow_km3": surface_b,
                    "drought": drought_b,
                    "available_km3": available_b / KM3,
                    "withdrawn_km3": withdrawn_b / KM3,
                    "unallocated_km3": unallocated_b / KM3,
                    "demand_km3": demand_b / KM3,
                    "supplied_km3": supplied_b / KM3,
                    "local_supply_km3": sum(local_b) / KM3,
                    "deficit_km3": deficit_b / KM3,
                    "losses_km3": losses_b / KM3,
                    "reservoir_storage_mcm": storage_b / 1e6,
                }
            )
        for f in self.funders:
            unused = f.reserve_meur.sum() if isinstance(f, RegionalFunds) else f.available_meur
            self.money_records.append(
                {
                    "year": self.year,
                    "funder_id": f.funder_id,
                    "envelope_meur": f.envelope_meur,
                    "committed_meur": f.committed_meur,
                    "released_meur": f.released_meur,
                    "disbursed_meur": f.disbursed_meur,
                    "unused_meur": float(unused),
                }
            )


@functools.lru_cache(maxsize=1024)
def _stretched(profile: tuple[float, ...], years: int) -> np.ndarray:
    """Return a disbursement profile stretched over ``years``, kept for the process (read-only: runs share it)."""
    out = stretch_profile(np.asarray(profile), years)
    out.flags.writeable = False
    return out


#: Who tops up an overrun, by project route (others: the national budget).
BACKER_OF_ROUTE = {"private": "private", "farmer": "farmers"}

#: Private projects that may borrow concessional money from the state (the recycling loans at 3%).
NATIONAL_LOAN_TECHS = frozenset({"sorting_recycling"})

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
    "water_network_wear",
    "sewer_network_wear",
    "irrigation_structures_wear",
    "wastewater_treated_share",
    "wastewater_treated_km3",
    "reservoir_storage_mcm",
    "irrigated_kha",
    "water_saving_irrigation_share",
    "basins_in_drought",
    "water_tariff_eur_per_m3",
    "utility_revenue_meur",
    "utility_cash_meur",
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
    "res_auctioned_mw",
    "res_awarded_mw",
    "res_guaranteed_mw",
    "res_auction_price_kzt_per_kwh",
    "backstop_gas_mw_added",
    "backstop_gas_capex_meur",
    "co2_power_mt",
    "grid_emission_factor_t_per_mwh",
    "msw_generated_mt",
    "sorted_mt",
    "recycled_mt",
    "energy_recovered_mt",
    "landfilled_mt",
    "uncollected_mt",
    "recycling_rate",
    "recycling_target",
    "separated_share",
    "msw_sorting_fee_eur_per_person",
    "co2_waste_mt",
    "co2_total_mt",
    "flood_return_period_yr",
    "flood_damage_meur",
    "flood_damage_avoided_meur",
    "ews_coverage",
    "flood_protected_share",
    "committed_meur",
    "disbursed_meur",
    "eu_committed_meur",
    "national_debt_service_meur",
    "financing_gap_meur",
    "projects_waiting",
    "projects_proposed",
    "projects_operating",
    "projects_under_construction",
    "projects_built",
    "capex_built_meur",
    "capacity_built_ref_meur",
]

#: Columns that name a row of the region table.
REGION_KEYS = ("year", "region_id", "region", "basin_id")

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
    "water_network_wear",
    "sewer_network_wear",
    "irrigation_structures_wear",
    "wastewater_treated_share",
    "conveyance_loss_share",
    "water_saving_irrigation_share",
    "water_tariff_eur_per_m3",
    "msw_generated_kt",
    "sorted_kt",
    "recycled_kt",
    "recycling_rate",
    "landfilled_kt",
    "ews_coverage",
    "flood_protected_share",
    "flood_damage_meur",
    "cofinance_reserve_meur",
    "utility_reserve_meur",
]
