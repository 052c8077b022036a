"""The stocks a run starts from, for any base year the data hold.

A run starts from the state of the country in its ``start_year``: population, irrigated and
water-saving area, the wear of networks, sewers and irrigation structures, the power fleet,
waste, prices and the global capacity technologies learn on. The data files describe these
for one year, the *data year* (``data_year`` in ``parameters.csv``, 2025): columns such as
``regions.csv``'s ``network_wear_2025`` or the parameter ``electricity_demand_twh_2025``; a
stock without such a column (``data_year_field`` None, e.g. the sorting capacity) has its
data-year rows in ``base_stocks.csv`` too. Other base years come from ``base_stocks.csv`` (one
row per year, stock and region, basin or technology, each with its source), which must cover
every stock below for every region, basin or technology: a year with a gap is not offered (no
silent relabelling of 2025 stocks).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from types import MappingProxyType

import numpy as np
import pandas as pd

from wecsim.datasets import parameters, table


@dataclass(frozen=True)
class Stock:
    """One starting stock: per region, basin, fleet technology or nation, and where its data-year value is."""

    per: str
    #: data-year value: a column of ``regions.csv``/``basins.csv``/``power_fleet.csv`` or a parameter;
    #: None when ``base_stocks.csv`` holds the data year's rows as well
    data_year_field: str | None
    unit: str


#: Every stock a run starts from, by name.
STOCKS: Mapping[str, Stock] = MappingProxyType(
    {
        "population_k": Stock("region", "population_k", "thousand persons"),
        "irrigated_kha": Stock("region", "irrigated_kha", "kha"),
        "water_saving_share": Stock("region", "water_saving_share_2025", "share of irrigated area"),
        "industry_withdrawal_mm3": Stock("region", "industry_withdrawal_mm3", "million m3/yr"),
        "network_wear": Stock("region", "network_wear_2025", "share"),
        "network_loss_share": Stock("region", "network_loss_share_2025", "share"),
        "wastewater_treated_share": Stock("region", "wastewater_treated_share_2025", "share"),
        "sewer_wear": Stock("region", "sewer_wear_2025", "share"),
        "irrigation_wear": Stock("region", "irrigation_wear_2025", "share"),
        "use_ratio": Stock("basin", "use_ratio_2025", "withdrawal / usable water"),
        "capacity_mw": Stock("fleet", "capacity_mw", "MW"),
        "electricity_demand_twh": Stock("national", "electricity_demand_twh_2025", "TWh/yr"),
        "msw_kg_per_capita": Stock("national", "msw_kg_per_capita_2025", "kg/person/yr"),
        "recycling_rate": Stock("national", "recycling_rate_base", "share"),
        "separated_share": Stock("national", "separated_share_2025", "share of MSW generated"),
        "sorting_capacity_t": Stock("region", None, "t/yr"),
        "ews_coverage": Stock("national", "ews_coverage_2025", "share"),
        "tariff_water_eur_per_m3": Stock("national", "tariff_water_eur_per_m3", "EUR/m3"),
        "global_solar_capacity": Stock("national", "global_solar_capacity_2025", "GW"),
        "global_wind_capacity": Stock("national", "global_wind_capacity_2025", "GW"),
        "global_desal_capacity": Stock("national", "global_desal_capacity_2025", "million m3/day"),
    }
)
_FILE_OF = {"region": ("regions", "region_id"), "basin": ("basins", "basin_id"), "fleet": ("power_fleet", "tech")}


def data_year() -> int:
    """Return the year the data files' own stocks describe (2025)."""
    return int(parameters()["data_year"])


def stock_of_field(field: str) -> str:
    """Return the stock whose data-year value is the column or parameter ``field`` (e.g. ``network_wear_2025``)."""
    for name, s in STOCKS.items():
        if s.data_year_field == field:
            return name
    raise KeyError(field)


def _keys(per: str) -> list[str]:
    if per == "national":
        return ["national"]
    name, key = _FILE_OF[per]
    return [str(k) for k in table(name)[key]]


def missing(year: int) -> list[str]:
    """Return the stocks (with the first missing region, basin or technology) ``base_stocks.csv`` lacks for ``year``."""
    rows = table("base_stocks")
    rows = rows[rows["year"] == year]
    out = []
    for name, s in STOCKS.items():
        if year == data_year() and s.data_year_field is not None:
            continue
        have = set(rows.loc[rows["stock"] == name, "key"].astype(str))
        lacking = [k for k in _keys(s.per) if k not in have]
        if lacking:
            out.append(
                name if s.per == "national" else f"{name} ({lacking[0]}{' and others' if len(lacking) > 1 else ''})"
            )
    return out


@cache
def base_years() -> tuple[int, ...]:
    """Return the years a run can start in: the data year and every complete year of ``base_stocks.csv``."""
    years = {data_year(), *(int(y) for y in table("base_stocks")["year"].unique())}
    return tuple(sorted(y for y in years if not missing(y)))


@dataclass(frozen=True)
class Stocks:
    """The starting stocks of one base year, as arrays in the order of the data files' rows."""

    year: int
    region: Mapping[str, np.ndarray]
    basin: Mapping[str, np.ndarray]
    fleet: Mapping[str, np.ndarray]
    national: Mapping[str, float]

    def with_data_year_changes(self, changes: Mapping[str, float]) -> Stocks:
        """Return these stocks with each national stock whose data-year parameter is in ``changes`` set to it.

        A parameter sensitivity study that changes e.g. ``electricity_demand_twh_2025`` changes
        where a run from the data year starts (the cached stocks themselves stay as they are).
        """
        moved = {
            name: float(changes[s.data_year_field])
            for name, s in STOCKS.items()
            if s.per == "national" and s.data_year_field in changes
        }
        return replace(self, national=MappingProxyType({**self.national, **moved})) if moved else self


def _frozen(values) -> np.ndarray:
    a = np.array(values, dtype=float)
    a.flags.writeable = False
    return a


@cache
def stocks(year: int) -> Stocks:
    """Return the starting stocks of ``year`` (a year of :func:`base_years`)."""
    gaps = missing(year)
    if gaps:
        raise KeyError(f"base_stocks.csv: no stocks for {year}: {', '.join(gaps)}")
    P = parameters()
    rows = table("base_stocks")
    rows = rows[rows["year"] == year].assign(key=lambda d: d["key"].astype(str))
    out: dict[str, dict] = {"region": {}, "basin": {}, "fleet": {}, "national": {}}
    for name, s in STOCKS.items():
        if year == data_year() and s.data_year_field is not None:
            if s.per == "national":
                out["national"][name] = float(P[s.data_year_field])
            else:
                out[s.per][name] = _frozen(table(_FILE_OF[s.per][0])[s.data_year_field].to_numpy(float))
            continue
        mine = rows[rows["stock"] == name].set_index("key")["value"].astype(float)
        if s.per == "national":
            out["national"][name] = float(mine["national"])
        else:
            out[s.per][name] = _frozen(pd.Series(mine).reindex(_keys(s.per)).to_numpy(float))
    return Stocks(
        year, *(MappingProxyType(out[k]) for k in ("region", "basin", "fleet")), MappingProxyType(out["national"])
    )


@cache
def fleet_additions(year: int) -> tuple[tuple[int, str, float], ...]:
    """Return the plants commissioned after ``year`` up to the data year outside the model's projects.

    ``(year, tech, MW)`` rows of ``fleet_additions.csv``: a run that starts before the data year
    adds them in their year, so its fleet reaches the data year's (``power_fleet.csv``); a run
    starting in the data year has them already.
    """
    rows = table("fleet_additions")
    rows = rows[(rows["year"] > year) & (rows["year"] <= data_year())]
    return tuple((int(y), str(t), float(mw)) for y, t, mw in rows[["year", "tech", "added_mw"]].itertuples(index=False))
