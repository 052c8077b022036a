"""The bundled tables in the shapes the model reads them, built once per process.

A run reads the same regions, basins, power fleet, funders and firms as every other run;
only the climate pathway picks rows. Building these arrays and records once (instead of
per run) saves about a tenth of a run's time. Everything here is shared between runs and
must not be changed: arrays are read-only and records are read-only mappings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType

import numpy as np
import pandas as pd

from wecsim.datasets import parameters, table

#: Basin columns the yearly water balance reads [units as in ``basins.csv``].
BASIN_COLUMNS = (
    "transboundary_share",
    "surface_mean_km3",
    "usable_share",
    "groundwater_km3",
    "transfer_in_km3",
    "hydro_weight",
)
#: Power-fleet columns the dispatch reads [units as in ``power_fleet.csv``].
FLEET_COLUMNS = ("capacity_mw", "cf_max", "must_run_cf", "marginal_cost_eur_per_mwh", "emission_t_per_mwh")
#: Region columns the model reads as arrays [units as in ``region_attributes.csv``].
REGION_COLUMNS = (
    "water_saving_share_2025",
    "network_km",
    "network_wear_2025",
    "network_loss_share_2025",
    "wastewater_treated_share_2025",
    "fiscal_capacity",
    "solar_cf",
    "wind_cf",
    "reservoir_programme_share",
    "sewer_km",
    "sewer_wear_2025",
    "irrigation_structures",
    "irrigation_wear_2025",
)
#: The region of the Kenderli desalination plant (50,000 m3/day, commissioned October 2025).
KENDERLI_REGION = "KZ-47"
#: Technologies in each funder focus area (``funders.csv`` column ``focus``).
TECH_FOCUS = {
    "wastewater": (
        "wastewater_treatment",
        "wastewater_reuse",
        "network_loss_reduction",
        "network_renewal",
        "sewer_renewal",
    ),
    "coastal_flood": ("desalination", "flood_ews", "flood_protection"),
    "south_irrigation": ("canal_lining", "reservoir", "drip_irrigation", "hydraulic_rehabilitation"),
    "climate": ("solar_pv", "wind", "grid_interconnection", "waste_to_energy", "landfill_gas"),
}


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a)
    a.flags.writeable = False
    return a


def _records(df: pd.DataFrame) -> tuple[Mapping, ...]:
    return tuple(MappingProxyType(r) for r in df.to_dict("records"))


@dataclass(frozen=True)
class ModelData:
    """Static tables and their derived arrays (see the module docstring)."""

    regions_df: pd.DataFrame
    basins_df: pd.DataFrame
    fleet: pd.DataFrame
    region_index: Mapping[str, int]
    basin_ids: tuple[str, ...]
    basin_of_region: np.ndarray
    basin_masks: tuple[np.ndarray, ...]
    basin_col: Mapping[str, np.ndarray]
    basin_south: np.ndarray
    hydro_weight_total: float
    fleet_index: Mapping[str, int]
    fleet_col: Mapping[str, np.ndarray]
    fleet_variable: np.ndarray
    fleet_res: np.ndarray
    fleet_cf_by_tech: Mapping[str, float]
    wind_sites: tuple[str, ...]
    solar_sites: tuple[str, ...]
    region_records: tuple[Mapping, ...]
    region_col: Mapping[str, np.ndarray]
    region_focus: np.ndarray
    tech_focus: Mapping[str, int]
    basin_stress: np.ndarray
    kenderli_region: str
    funder_records: tuple[Mapping, ...]
    firm_records: tuple[Mapping, ...]
    asset_records: tuple[Mapping, ...]


@cache
def model_data() -> ModelData:
    """Return the static tables (built on first use)."""
    regions = table("regions").reset_index(drop=True)
    basins = table("basins").reset_index(drop=True)
    fleet = table("power_fleet").reset_index(drop=True)
    basin_index = {b: i for i, b in enumerate(basins["basin_id"])}
    basin_of_region = _frozen(regions["basin_id"].map(basin_index).to_numpy())
    funders = table("funders")
    return ModelData(
        regions_df=regions,
        basins_df=basins,
        fleet=fleet,
        region_index=MappingProxyType({r: i for i, r in enumerate(regions["region_id"])}),
        basin_ids=tuple(basins["basin_id"]),
        basin_of_region=basin_of_region,
        basin_masks=tuple(_frozen(basin_of_region == j) for j in range(len(basins))),
        basin_col=MappingProxyType({c: _frozen(basins[c].to_numpy(float)) for c in BASIN_COLUMNS}),
        basin_south=_frozen(basins["south"].to_numpy(bool)),
        hydro_weight_total=basins["hydro_weight"].sum(),
        fleet_index=MappingProxyType({t: i for i, t in enumerate(fleet["tech"])}),
        fleet_col=MappingProxyType({c: _frozen(fleet[c].to_numpy(float)) for c in FLEET_COLUMNS}),
        fleet_variable=_frozen(fleet["variable"].to_numpy(bool)),
        fleet_res=_frozen(fleet["res"].to_numpy(bool)),
        fleet_cf_by_tech=MappingProxyType(fleet.set_index("tech")["cf_max"].to_dict()),
        wind_sites=tuple(regions.loc[regions["wind_site"], "region_id"]),
        solar_sites=tuple(regions.loc[regions["solar_site"], "region_id"]),
        region_records=_records(regions),
        region_col=MappingProxyType({c: _frozen(regions[c].to_numpy(float)) for c in REGION_COLUMNS}),
        region_focus=_frozen(_region_focus(regions, basins, basin_of_region)),
        tech_focus=MappingProxyType(_tech_focus()),
        basin_stress=_frozen(basins["use_ratio_2025"].to_numpy(float)),
        kenderli_region=KENDERLI_REGION,
        funder_records=_records(funders.sort_values("order")),
        firm_records=_records(table("firms")),
        asset_records=_records(table("assets")),
    )


def _region_focus(regions: pd.DataFrame, basins: pd.DataFrame, basin_of_region: np.ndarray) -> np.ndarray:
    """Return each region's focus-area bit flags (see ``wecsim.projects.market.FOCUS``)."""
    from wecsim.projects.market import FOCUS

    P = parameters()
    b = {c: basins[c].to_numpy()[basin_of_region] for c in ("use_ratio_2025", "transboundary_share", "south")}
    flags = np.zeros(len(regions), dtype=np.int64)
    flags |= np.where(b["use_ratio_2025"] >= P["focus_water_stress_use_ratio"], FOCUS["water_stress"], 0)
    flags |= np.where(b["transboundary_share"] >= P["focus_transboundary_share"], FOCUS["transboundary"], 0)
    coastal = regions["coastal"].to_numpy(bool) | (
        regions["flood_damage_share"].to_numpy(float) >= P["focus_flood_share"]
    )
    flags |= np.where(coastal, FOCUS["coastal_flood"], 0)
    flags |= np.where(b["south"].astype(bool), FOCUS["south_irrigation"], 0)
    return flags


def _tech_focus() -> dict[str, int]:
    """Return each technology's focus-area bit flags."""
    from wecsim.projects.market import FOCUS

    out = {t: 0 for t in table("technologies")["tech_id"]}
    for focus, techs in TECH_FOCUS.items():
        for t in techs:
            out[t] |= FOCUS[focus]
    return out


@cache
def climate_data(pathway: str) -> tuple[np.ndarray, float, float]:
    """Return a climate pathway's 2050 flow change per basin [%] and its drought and flood multipliers [-]."""
    basins = model_data().basins_df
    flows = table("basin_flow_change")
    flows = flows[flows["pathway"] == pathway].set_index("basin_id")
    flow_change = _frozen(flows.loc[basins["basin_id"], "flow_change_2050_pct"].to_numpy(float))
    row = table("climate_pathways").set_index("pathway").loc[pathway]
    return (
        flow_change,
        float(row["drought_probability_multiplier_2050"]),
        float(row["flood_frequency_multiplier_2050"]),
    )
