"""The bundled data tables (``wecsim/data/*.csv``), loaded once and checked at the door.

Every model parameter lives in one of these tables next to a ``source`` column (a citation,
or ``assumption: why``). Code reads numbers from here and never hard-codes them. The
``check_*`` functions follow PyPSA's ``consistency.py``: small checks sharing one error type
(:class:`~wecsim.errors.DataError`), run when the tables are first loaded.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import pandas as pd

from wecsim.errors import DataError

DATA_PACKAGE = "wecsim.data"

#: Table name -> the column that identifies a row (``None``: no unique key).
TABLES: dict[str, str | None] = {
    "regions": "region_id",
    "region_attributes": "attribute",
    "basins": "basin_id",
    "basin_flow_change": None,
    "climate_pathways": "pathway",
    "power_fleet": "tech",
    "technologies": "tech_id",
    "assets": "asset_id",
    "eu_instruments": "instrument_id",
    "funders": "funder_id",
    "firms": "firm_id",
    "parameters": "name",
    "levers": "name",
    "calibration_targets": None,
    "base_stocks": None,
    "observed_events": None,
    "observed_series": None,
    "history_prices": None,
    "history_drivers": None,
    "fleet_additions": None,
}

#: ``observed_series.csv``: the years each ``role`` may hold. The 2015 rows are the starting
#: state of a history run (the same numbers set its stocks), so the fit is judged on 2016-2024
#: only (:mod:`wecsim.validation`).
OBSERVED_ROLES: dict[str, tuple[int, int]] = {"start": (2015, 2015), "judged": (2016, 2024)}
#: ``observed_series.csv``: how a value was found (``V`` stated in the source, ``E`` derived from sourced numbers).
OBSERVED_TAGS = ("V", "E")


def data_path(name: str):
    """Return the path of a bundled data file, e.g. ``data_path("regions.csv")``."""
    return resources.files(DATA_PACKAGE).joinpath(name)


def _check_sources(name: str, df: pd.DataFrame) -> None:
    if "source" not in df.columns:
        raise DataError(f"{name}.csv: has no 'source' column; every number needs a source")
    empty = df["source"].isna() | (df["source"].astype(str).str.strip() == "")
    if empty.any():
        rows = ", ".join(str(i + 2) for i in df.index[empty][:5])
        raise DataError(f"{name}.csv: empty 'source' on line(s) {rows}")


def _check_unique(name: str, df: pd.DataFrame, key: str | None) -> None:
    if key is None:
        return
    dup = df[key][df[key].duplicated()]
    if len(dup):
        raise DataError(f"{name}.csv: duplicate {key} value(s): {', '.join(map(str, dup))}")


def _check_references(t: dict[str, pd.DataFrame]) -> None:
    basins = set(t["basins"]["basin_id"])
    bad = set(t["regions"]["basin_id"]) - basins
    if bad:
        raise DataError(f"regions.csv: basin_id not in basins.csv: {sorted(bad)}")
    techs = set(t["technologies"]["tech_id"])
    for firm_id, techs_str in zip(t["firms"]["firm_id"], t["firms"]["technologies"], strict=True):
        unknown = set(techs_str.split("|")) - techs
        if unknown:
            raise DataError(f"firms.csv: firm {firm_id} names unknown technologies {sorted(unknown)}")
    for _, row in t["technologies"].iterrows():
        profile = [float(x) for x in str(row["disbursement_profile"]).split("/")]
        if len(profile) != int(row["build_time_yr"]) or abs(sum(profile) - 1) > 1e-9:
            raise DataError(
                f"technologies.csv: {row['tech_id']}: disbursement_profile must have "
                f"build_time_yr={row['build_time_yr']} shares summing to 1, got {row['disbursement_profile']}"
            )
    flows = t["basin_flow_change"]
    pathways = set(t["climate_pathways"]["pathway"])
    for b in basins:
        got = set(flows.loc[flows["basin_id"] == b, "pathway"])
        if got != pathways:
            raise DataError(f"basin_flow_change.csv: basin {b} needs one row per pathway {sorted(pathways)}")
    regions_share = t["regions"]["flood_damage_share"].sum()
    if abs(regions_share - 1) > 1e-6:
        raise DataError(f"regions.csv: flood_damage_share must sum to 1, sums to {regions_share:.4f}")
    lever_names = set(t["levers"]["name"])
    for _, row in t["eu_instruments"].iterrows():
        unknown = set(str(row["levers"]).split("|")) - lever_names
        if unknown:
            raise DataError(f"eu_instruments.csv: {row['instrument_id']} names unknown levers {sorted(unknown)}")
    bad = set(t["fleet_additions"]["tech"]) - set(t["power_fleet"]["tech"])
    if bad:
        raise DataError(f"fleet_additions.csv: tech not in power_fleet.csv: {sorted(bad)}")
    bad = set(t["assets"]["renewal_tech"]) - techs
    if bad:
        raise DataError(f"assets.csv: renewal_tech not in technologies.csv: {sorted(bad)}")
    routes = {"public", "utility", "private", "farmer"}
    bad = set(t["technologies"]["route"]) - routes
    if bad:
        raise DataError(f"technologies.csv: route must be one of {sorted(routes)}, got {sorted(bad)}")
    for fid, r in zip(t["funders"]["funder_id"], t["funders"]["routes"], strict=True):
        if not set(str(r).split("|")) <= routes:
            raise DataError(f"funders.csv: {fid}: routes must be among {sorted(routes)}, got {r!r}")
    transfer = t["basins"]["transfer_in_km3"].sum()
    if abs(transfer) > 1e-9:
        raise DataError(f"basins.csv: transfer_in_km3 must sum to 0 (water moves between basins), sums to {transfer}")


def _check_observed(df: pd.DataFrame) -> None:
    """``observed_series.csv``: one number per series and year, a role that fits the year, one unit per series."""
    name = "observed_series.csv"
    dup = df[df.duplicated(["series", "year"])]
    if len(dup):
        raise DataError(
            f"{name}: duplicate series and year: {', '.join(f'{s} {y}' for s, y in dup[['series', 'year']].values)}"
        )
    if not pd.api.types.is_numeric_dtype(df["value"]) or df["value"].isna().any():
        raise DataError(f"{name}: every value must be a number")
    for role, (first, last) in OBSERVED_ROLES.items():
        rows = df[df["role"] == role]
        bad = rows[(rows["year"] < first) | (rows["year"] > last)]
        if len(bad):
            raise DataError(
                f"{name}: role {role!r} is for {first}-{last}, found {', '.join(map(str, bad['year'].unique()))}"
            )
    unknown = set(df["role"]) - set(OBSERVED_ROLES)
    if unknown:
        raise DataError(f"{name}: role must be one of {sorted(OBSERVED_ROLES)}, got {sorted(map(str, unknown))}")
    unknown = set(df["tag"]) - set(OBSERVED_TAGS)
    if unknown:
        raise DataError(f"{name}: tag must be one of {list(OBSERVED_TAGS)}, got {sorted(map(str, unknown))}")
    per_series = df[["series", "label", "unit", "model_indicator", "definition"]].drop_duplicates()
    mixed = per_series["series"][per_series["series"].duplicated()]
    if len(mixed):
        raise DataError(
            f"{name}: series {', '.join(sorted(set(mixed)))} must have one label, unit, model_indicator and definition"
        )


@cache
def load_tables() -> dict[str, pd.DataFrame]:
    """Load and check every bundled table; cached, so the files are read once per process."""
    tables: dict[str, pd.DataFrame] = {}
    for name, key in TABLES.items():
        with data_path(f"{name}.csv").open("r", encoding="utf-8") as fh:
            df = pd.read_csv(fh, keep_default_na=True)
        _check_sources(name, df)
        _check_unique(name, df, key)
        tables[name] = df
    _check_references(tables)
    _check_observed(tables["observed_series"])
    return tables


def table(name: str) -> pd.DataFrame:
    """Return a copy of one bundled table by name (e.g. ``"regions"``)."""
    return load_tables()[name].copy()


class Parameters(dict):
    """Scalar parameters from ``parameters.csv``, read by name: ``P["conveyance_loss_share"]``.

    A dict (lookups cost what a dict's do: a run makes ~90,000) whose missing names raise a
    :class:`~wecsim.errors.DataError` naming the file.
    """

    def __missing__(self, name: str) -> float:
        raise DataError(f"parameters.csv: no parameter named {name!r}")


@cache
def parameters() -> Parameters:
    """Return the scalar parameters (cached)."""
    df = load_tables()["parameters"]
    return Parameters(dict(zip(df["name"], df["value"].astype(float), strict=True)))
