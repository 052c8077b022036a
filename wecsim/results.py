"""Results of one run as tidy tables, plus provenance, headline summaries and atomic writing.

Tables (one row per year and entity; units in column names):

``national``     year x indicator columns
``basin``        year x basin
``region``       year x region
``funder``       year x funder: envelope, committed, released, disbursed, unused [EUR M]
``project``      one row per project: type, region, funder mix, firm, cost, stage, years
``transitions``  one row per lifecycle step: project, year, from, to, reason
``ledger``       one row per money movement: commitment or disbursement, funder, project
``refusals``     one row per offer a funder refused: year, funder, project, sector, region, reason
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from wecsim.errors import ResultsFolderError
from wecsim.outputs import MAX_META_BYTES, RUN_FORMAT, read_small_json, run_file_names, write_folder

TABLE_NAMES = ("national", "basin", "region", "funder", "project", "transitions", "ledger", "refusals")
#: The files a run's results folder may hold (anything else makes it a folder of the user's).
RUN_FILES = run_file_names(TABLE_NAMES)
#: Columns of the ``refusals`` table.
REFUSAL_COLUMNS = ("year", "funder_id", "project_id", "sector", "region_id", "reason")
#: The tables that may be built on first read (all but ``national``: most runs read only that one).
DEFERRABLE = ("basin", "region", "funder", "project", "transitions", "ledger", "refusals")


class Deferred:
    """A table not built yet: the function that builds it (from the run's rows, not the model)."""

    __slots__ = ("build",)

    def __init__(self, build: Callable[[], pd.DataFrame]):
        self.build = build


class _Table:
    """A table field of :class:`Results` that may hold a :class:`Deferred`, built on first read and kept."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.key = f"_{name}"

    def __get__(self, obj, owner=None):
        if obj is None:
            raise AttributeError(self.key)  # a field without a default (see dataclasses, descriptor-typed fields)
        value = obj.__dict__[self.key]
        if isinstance(value, Deferred):
            value = obj.__dict__[self.key] = value.build()
        return value

    def __set__(self, obj, value) -> None:
        obj.__dict__[self.key] = value


@dataclass
class Results:
    """Tidy output tables of one run and the metadata that reproduces it.

    Every table but ``national`` may be given as :class:`Deferred` (as :func:`wecsim.run` does):
    each is built the first time it is read, and always before the results are pickled,
    compared or written, so readers see plain DataFrames.
    """

    national: pd.DataFrame
    basin: pd.DataFrame = _Table()
    region: pd.DataFrame = _Table()
    funder: pd.DataFrame = _Table()
    project: pd.DataFrame = _Table()
    transitions: pd.DataFrame = _Table()
    ledger: pd.DataFrame = _Table()
    refusals: pd.DataFrame = _Table()
    meta: dict = field(default_factory=dict)
    #: numbers derived from the tables, remembered by their readers (e.g. the app's headline
    #: cards); never part of the results themselves
    derived: dict = field(default_factory=dict, repr=False, compare=False)

    def __getstate__(self) -> dict:
        """Pickle the tables themselves (a deferred table is built first)."""
        for name in DEFERRABLE:
            getattr(self, name)
        return self.__dict__

    def tables(self) -> dict[str, pd.DataFrame]:
        """Return every table by name."""
        return {name: getattr(self, name) for name in TABLE_NAMES}

    def at(self, year: int) -> pd.Series:
        """Return the national indicators of one year."""
        return self.national.set_index("year").loc[year]

    def investment_by_funder(self, up_to_year: int | None = None) -> pd.Series:
        """Net money committed per funder, cumulated to ``up_to_year`` [EUR M]."""
        led = self.ledger[self.ledger["kind"] == "commitment"]
        if up_to_year is not None:
            led = led[led["year"] <= up_to_year]
        return led.groupby("funder_id")["amount_meur"].sum().sort_values(ascending=False)

    def committed_meur(self, up_to_year: int | None = None) -> float:
        """Net money committed by all funders (commitments less releases), cumulated to ``up_to_year`` [EUR M].

        Read from the small ``funder`` table; equals the sum of :meth:`investment_by_funder`
        up to rounding.
        """
        f = self.funder if up_to_year is None else self.funder[self.funder["year"] <= up_to_year]
        return math.fsum(f["committed_meur"].tolist()) - math.fsum(f["released_meur"].tolist())

    def headline(self, years: tuple[int, ...] | None = None) -> pd.DataFrame:
        """Return the headline indicators for a few years (default: the first, 2030 and the last) in plain units."""
        simulated = set(self.national["year"])
        if years is None:
            years = tuple(sorted({min(simulated), 2030, max(simulated)}))
        years = tuple(y for y in years if y in simulated)
        nat = self.national.set_index("year")
        rows = {
            "Water deficit [km3]": nat["water_deficit_km3"],
            "Water deficit [% of demand]": nat["water_deficit_pct"],
            "Water losses [km3]": nat["water_losses_km3"],
            "Desalination + reuse [km3]": nat["desalination_km3"] + nat["reuse_km3"],
            "RES share of generation [%]": 100 * nat["res_share"],
            "CO2, power and waste [Mt]": nat["co2_total_mt"],
            "Recycling rate [%]": 100 * nat["recycling_rate"],
            "Flood damage [EUR M]": nat["flood_damage_meur"],
            "Projects built (cumulative)": nat["projects_built"],
        }
        out = pd.DataFrame({k: v.reindex(years) for k, v in rows.items()}).T
        led = self.ledger[self.ledger["kind"] == "commitment"]
        for funder_id in led.groupby("funder_id")["amount_meur"].sum().sort_values(ascending=False).index:
            by_year = led[led["funder_id"] == funder_id].groupby("year")["amount_meur"].sum()
            cum = by_year.reindex(range(min(self.national["year"]), max(years) + 1), fill_value=0).cumsum()
            out.loc[f"Committed by {funder_id} (cumulative) [EUR M]"] = cum.reindex(years).to_numpy()
        out.columns = [str(y) for y in years]
        return out

    # ------------------------------------------------------------------ files
    def write(
        self, out_dir: str | Path, formats: tuple[str, ...] = ("parquet", "csv"), *, overwrite: bool = False
    ) -> Path:
        """Write every table (Parquet and CSV) and ``meta.json`` atomically into ``out_dir``.

        ``out_dir`` must be new or empty; a folder of earlier wecsim run results is replaced
        only with ``overwrite=True``. The files are written into a temporary folder next to
        ``out_dir`` which then takes its place, so a crash or a full disk never leaves
        half-written results and never loses the earlier ones (see :mod:`wecsim.outputs`).

        Raises
        ------
        OutputError
            If ``out_dir`` is a file, holds anything but wecsim run results, holds results
            and ``overwrite`` is false, or cannot be written.
        """

        def write(tmp: Path) -> None:
            for name, df in self.tables().items():
                if "parquet" in formats:
                    df.to_parquet(tmp / f"{name}.parquet", index=False)
                if "csv" in formats:
                    df.to_csv(tmp / f"{name}.csv", index=False)
            meta = {"format": RUN_FORMAT, **self.meta}
            (tmp / "meta.json").write_text(json.dumps(meta, indent=2, default=str), encoding="utf-8")

        return write_folder(Path(out_dir), write, RUN_FILES, overwrite=overwrite, option="out_dir")

    @classmethod
    def read(cls, out_dir: str | Path) -> Results:
        """Read results written by :meth:`write` (Parquet preferred, CSV otherwise).

        Raises
        ------
        ResultsFolderError
            If ``meta.json`` or a table is missing (a folder written by an older wecsim lacks
            the tables added since).
        """
        out = Path(out_dir)
        missing = [
            f"{n}.parquet or {n}.csv"
            for n in TABLE_NAMES
            if not (out / f"{n}.parquet").exists() and not (out / f"{n}.csv").exists()
        ]
        if not (out / "meta.json").exists():
            missing.append("meta.json")
        if missing:
            raise ResultsFolderError(
                f"{out}: not a complete wecsim results folder; missing {', '.join(missing)}. "
                "Folders written by an older wecsim lack the tables added since: run the scenario again."
            )
        tables = {}
        try:
            for name in TABLE_NAMES:
                pq = out / f"{name}.parquet"
                tables[name] = pd.read_parquet(pq) if pq.exists() else pd.read_csv(out / f"{name}.csv")
        except (OSError, ValueError) as exc:  # pyarrow and pandas raise these for damaged files
            raise ResultsFolderError(f"{out}: a results file cannot be read ({type(exc).__name__})") from None
        meta = read_small_json(out / "meta.json", MAX_META_BYTES)
        if not isinstance(meta, dict):
            raise ResultsFolderError(f"{out}: meta.json is not a meta.json written by wecsim (damaged or too large)")
        meta.pop("format", None)
        return cls(**tables, meta=meta)
