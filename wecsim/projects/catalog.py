"""The technology catalog (``technologies.csv``): costs, lifetimes and effects per unit."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from wecsim.datasets import table


@dataclass(frozen=True)
class Technology:
    """One project type. Costs are per ``unit`` of capacity (e.g. per m3/day, per MW).

    Attributes
    ----------
    capex_meur_per_unit
        Investment per unit of capacity at 2025 prices [EUR M/unit].
    opex_share_per_yr
        Yearly operating cost as a share of capex [-/yr].
    disbursement_profile
        Share of the cost paid in each construction year (rule F6) [-].
    overrun_mean, overrun_sigma_log
        Reference-class mean cost overrun and log-spread (rule D1) [-].
    delay_mean_share
        Mean construction delay as a share of the build time (rule D2) [-].
    water_m3_per_unit_yr
        Water supplied or saved per unit of capacity [m3/yr/unit].
    energy_use_kwh_per_m3
        Electricity used per m3 produced [kWh/m3].
    route
        How the project is owned and so which money it may receive: ``public``, ``utility``,
        ``private`` or ``farmer``.
    quality_weight
        Weight of technical quality when IFI rules score the bids [-].
    benefit_sigma_log
        Log-spread of a project's benefit around the technology's average (sites differ) [-].
    research_sensitive
        Whether research partnerships (Horizon Europe) can lower its local cost.
    """

    tech_id: str
    name: str
    sector: str
    owner: str
    unit: str
    capex_meur_per_unit: float
    opex_share_per_yr: float
    lifetime_yr: int
    build_time_yr: int
    disbursement_profile: tuple[float, ...]
    overrun_mean: float
    overrun_sigma_log: float
    delay_mean_share: float
    learning: str
    typical_size: float
    water_m3_per_unit_yr: float
    energy_use_kwh_per_m3: float
    route: str
    quality_weight: float
    benefit_sigma_log: float
    research_sensitive: bool

    @property
    def profile(self) -> np.ndarray:
        """Return the disbursement profile as an array."""
        return np.asarray(self.disbursement_profile)


@cache
def catalog() -> dict[str, Technology]:
    """Return every technology by id."""
    df = table("technologies")
    out = {}
    for _, r in df.iterrows():
        out[r["tech_id"]] = Technology(
            tech_id=r["tech_id"],
            name=r["name"],
            sector=r["sector"],
            owner=r["owner"],
            unit=r["unit"],
            capex_meur_per_unit=float(r["capex_meur_per_unit"]),
            opex_share_per_yr=float(r["opex_share_per_yr"]),
            lifetime_yr=int(r["lifetime_yr"]),
            build_time_yr=int(r["build_time_yr"]),
            disbursement_profile=tuple(float(x) for x in str(r["disbursement_profile"]).split("/")),
            overrun_mean=float(r["overrun_mean"]),
            overrun_sigma_log=float(r["overrun_sigma_log"]),
            delay_mean_share=float(r["delay_mean_share"]),
            learning=str(r["learning"]),
            typical_size=float(r["typical_size"]),
            water_m3_per_unit_yr=float(r["water_m3_per_unit_yr"]),
            energy_use_kwh_per_m3=float(r["energy_use_kwh_per_m3"]),
            route=r["route"],
            quality_weight=float(r["quality_weight"]),
            benefit_sigma_log=float(r["benefit_sigma_log"]),
            research_sensitive=bool(r["research_sensitive"]),
        )
    return out
