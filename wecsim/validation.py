r"""How well a history run reproduces 2015-2024: the model's band against published series.

``wecsim/data/observed_series.csv`` holds the *judged* data: published yearly series (power
mix, RES, CO2 of power, recycling, municipal waste, water withdrawal, water-saving irrigation),
each with its definition, source and the column of the model's national table it is compared
with (:data:`DERIVED` adds a few sums and products of columns). They are used for nothing else:
no parameter is set from them. Their 2015 rows (``role = start``) are the starting state of a
history run and are shown, not judged; the fit is judged on the ``judged`` rows, 2016-2024, in
the years after the run's start.

A scenario is run for ``N`` replicates (seeds from :func:`replicate_seeds`); per indicator and
year the model's **median** and a **10-90% band** across replicates are taken. Per series,
over the judged years that have data (:math:`n` points, the same years for data and model):

.. math::

    b = \frac{\sum (t - \bar t)(y_t - \bar y)}{\sum (t - \bar t)^2}
    \quad\text{(least-squares slope, per year)}, \qquad
    e_{\text{slope}} = \frac{b_{\text{model}} - b_{\text{data}}}{|b_{\text{data}}|}, \qquad
    e_{\text{last}} = \frac{m_T - y_T}{|y_T|}

with :math:`T` the last judged year with data and :math:`m` the model's median. A series
passes when :math:`|e_{\text{slope}}| \le 20\%` and :math:`|e_{\text{last}}| \le 10\%`
(:data:`SLOPE_TOLERANCE`, :data:`LAST_TOLERANCE`). With fewer than :data:`MIN_POINTS_FOR_SLOPE`
points no slope is judged (only the last year). See ``docs/validation.md``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from wecsim.datasets import OBSERVED_ROLES, table
from wecsim.errors import WecsimError
from wecsim.scenario import Scenario, load_scenario
from wecsim.version import __version__

#: The scenario ``wecsim backcast`` runs by default.
DEFAULT_SCENARIO = "history_2015"
#: Replicates by default (the issue's target is judged on the median of 10).
DEFAULT_REPLICATES = 10
#: Largest relative error of the trend that passes.
SLOPE_TOLERANCE = 0.20
#: Largest relative error of the last observed value that passes.
LAST_TOLERANCE = 0.10
#: Fewest judged points for which a slope is judged.
MIN_POINTS_FOR_SLOPE = 3
#: Percentiles of the model band across replicates.
BAND = (10.0, 90.0)
#: A data trend flatter than this share of the series' mean level per year makes the relative
#: slope error meaningless (any model misses a flat line by "100%"): flagged in the note.
FLAT_SLOPE_SHARE = 0.005
#: Bits kept of a replicate's seed (as ``wecsim batch``).
SEED_MASK = (1 << 63) - 1

#: Model indicators that are not columns of the national table: name -> (columns needed, formula).
DERIVED: dict[str, tuple[tuple[str, ...], Callable[[pd.DataFrame], pd.Series]]] = {
    "hydro_all_generation_twh": (
        ("generation_hydro_twh", "generation_small_hydro_twh"),
        lambda n: n["generation_hydro_twh"] + n["generation_small_hydro_twh"],
    ),
    "wind_solar_generation_twh": (
        ("generation_wind_twh", "generation_solar_twh"),
        lambda n: n["generation_wind_twh"] + n["generation_solar_twh"],
    ),
    "res_generation_twh": (("res_share", "generation_twh"), lambda n: n["res_share"] * n["generation_twh"]),
    "renewables_share_all": (("res_share", "hydro_share"), lambda n: n["res_share"] + n["hydro_share"]),
    # the national table gives the share only; the area needs the irrigated area too
    "water_saving_area_kha": (
        ("water_saving_irrigation_share", "irrigated_kha"),
        lambda n: n["water_saving_irrigation_share"] * n["irrigated_kha"],
    ),
}

#: Columns of the ``fit`` table, in order.
FIT_COLUMNS = (
    "series",
    "label",
    "unit",
    "model_indicator",
    "n_points",
    "first_year",
    "last_year",
    "data_slope",
    "model_slope",
    "slope_error",
    "slope_pass",
    "data_last",
    "model_last",
    "model_last_low",
    "model_last_high",
    "last_error",
    "last_pass",
    "points_in_band",
    "verdict",
    "note",
)


def observed() -> pd.DataFrame:
    """Return the judged data, ``observed_series.csv`` (a copy; see the module's docstring)."""
    return table("observed_series")


def judged_years() -> tuple[int, int]:
    """Return the first and last year whose data judge the fit (2016, 2024)."""
    return OBSERVED_ROLES["judged"]


def replicate_seeds(seed: int, n: int) -> list[int]:
    """Return the seeds of ``n`` replicates of a run with root ``seed``.

    Replicate ``r`` gets ``SeedSequence(seed, spawn_key=(r,))``, reduced to 63 bits: the seed
    ``wecsim batch`` gives replicate ``r`` with common random numbers, so the same seed always
    gives the same replicates, whoever asks (the command line or the app).
    """
    return [
        int(np.random.SeedSequence(int(seed), spawn_key=(r,)).generate_state(1, np.uint64)[0]) & SEED_MASK
        for r in range(int(n))
    ]


def model_indicator(national: pd.DataFrame, name: str) -> pd.Series | None:
    """Return one indicator of a national table (a column or a :data:`DERIVED` one), or None if it cannot be made."""
    if name in national.columns:
        return national[name].astype(float)
    if name in DERIVED:
        needs, formula = DERIVED[name]
        if all(c in national.columns for c in needs):
            return formula(national).astype(float)
    return None


def missing_inputs(name: str, columns: Sequence[str]) -> list[str]:
    """Return the national columns an indicator needs that ``columns`` lacks."""
    if name in columns:
        return []
    needs = DERIVED[name][0] if name in DERIVED else (name,)
    return [c for c in needs if c not in columns]


def check_horizon(scenario: Scenario, obs: pd.DataFrame | None = None) -> None:
    """Refuse a scenario whose years do not cover the judged years of the observed series.

    The run must start no later than the first judged year and end no earlier than the last.

    Raises
    ------
    WecsimError
        Saying which years the scenario covers and which it should.
    """
    obs = observed() if obs is None else obs
    judged = obs.loc[obs["role"] == "judged", "year"]
    first_obs, last_obs = int(obs["year"].min()), int(obs["year"].max())
    first, last = int(judged.min()), int(judged.max())
    if scenario.start_year > first:
        raise WecsimError(
            f"{scenario.name} starts in {scenario.start_year}; the observed series are {first_obs}-{last_obs} "
            f"(judged {first}-{last}): run a scenario that starts in {first_obs} ({DEFAULT_SCENARIO})"
        )
    if scenario.end_year < last:
        raise WecsimError(
            f"{scenario.name} ends in {scenario.end_year}; the observed series run to {last}: "
            f"give end_year {last} or later"
        )


def run_replicates(scenario: Scenario, seeds: Sequence[int]) -> list[pd.DataFrame]:
    """Run a validated scenario once per seed; return the national tables, in seed order."""
    from wecsim.runner import run_national

    return [run_national(scenario, int(s)).assign(seed=int(s)) for s in seeds]


def indicator_table(nationals: Sequence[pd.DataFrame], indicators: Sequence[str], last_year: int) -> pd.DataFrame:
    """Return the indicators of every replicate up to ``last_year``, long: ``seed, year, indicator, value``.

    Indicators a national table cannot make (see :func:`model_indicator`) are left out.
    """
    frames = []
    for i, nat in enumerate(nationals):
        nat = nat[nat["year"] <= last_year]
        seed = int(nat["seed"].iloc[0]) if "seed" in nat.columns and len(nat) else i
        for name in dict.fromkeys(indicators):
            values = model_indicator(nat, name)
            if values is not None:
                frames.append(
                    pd.DataFrame(
                        {
                            "seed": seed,
                            "year": nat["year"].to_numpy(int),
                            "indicator": name,
                            "value": values.to_numpy(float),
                        }
                    )
                )
    if not frames:
        return pd.DataFrame({"seed": [], "year": [], "indicator": [], "value": []})
    return pd.concat(frames, ignore_index=True)


def bands(reps: pd.DataFrame, band: tuple[float, float] = BAND) -> pd.DataFrame:
    """Return per indicator and year the median, the band's ``low`` and ``high`` and ``n`` replicates."""
    rows = []
    for (name, year), g in reps.groupby(["indicator", "year"], sort=True):
        x = g["value"].to_numpy(float)
        x = x[np.isfinite(x)]
        if len(x) == 0:
            rows.append((name, int(year), math.nan, math.nan, math.nan, 0))
            continue
        lo, med, hi = np.percentile(x, [band[0], 50.0, band[1]])
        rows.append((name, int(year), float(med), float(lo), float(hi), len(x)))
    return pd.DataFrame(rows, columns=["indicator", "year", "median", "low", "high", "n"])


def slope(years: Sequence[float], values: Sequence[float]) -> float:
    """Return the least-squares slope of ``values`` on ``years`` (units per year); NaN below two points."""
    t = np.asarray(years, dtype=float)
    y = np.asarray(values, dtype=float)
    if len(t) < 2 or np.ptp(t) == 0:
        return math.nan
    dt = t - t.mean()
    return float((dt * (y - y.mean())).sum() / (dt * dt).sum())


def relative_error(model: float, data: float) -> float:
    """Return ``(model - data) / |data|``; NaN when the data are zero or missing."""
    if not np.isfinite(data) or data == 0 or not np.isfinite(model):
        return math.nan
    return float((model - data) / abs(data))


def series_fit(points: pd.DataFrame, info: dict) -> dict:
    """Return the fit of one series from its judged points: ``year, data, median, low, high``.

    ``points`` holds only judged years with data inside the run; ``info`` gives the series' labels.
    """
    row = {c: None for c in FIT_COLUMNS} | info
    notes = []
    pts = points[np.isfinite(points["median"].to_numpy(float))].sort_values("year")
    n = len(pts)
    row["n_points"] = n
    if n == 0:
        row["verdict"] = "no judged data in the run's years"
        row["note"] = ""
        return row
    years, data, model = pts["year"].to_numpy(int), pts["data"].to_numpy(float), pts["median"].to_numpy(float)
    row["first_year"], row["last_year"] = int(years[0]), int(years[-1])
    row["data_last"], row["model_last"] = float(data[-1]), float(model[-1])
    row["model_last_low"], row["model_last_high"] = float(pts["low"].iloc[-1]), float(pts["high"].iloc[-1])
    row["last_error"] = relative_error(model[-1], data[-1])
    row["last_pass"] = bool(abs(row["last_error"]) <= LAST_TOLERANCE) if np.isfinite(row["last_error"]) else None
    inside = (pts["low"].to_numpy(float) <= data) & (data <= pts["high"].to_numpy(float))
    row["points_in_band"] = int(inside.sum())
    if n >= MIN_POINTS_FOR_SLOPE:
        row["data_slope"], row["model_slope"] = slope(years, data), slope(years, model)
        row["slope_error"] = relative_error(row["model_slope"], row["data_slope"])
        if np.isfinite(row["slope_error"]):
            row["slope_pass"] = bool(abs(row["slope_error"]) <= SLOPE_TOLERANCE)
        level = float(np.mean(np.abs(data)))
        if level > 0 and abs(row["data_slope"]) < FLAT_SLOPE_SHARE * level:
            factor, unit = _scale(str(info["unit"]))
            notes.append(
                f"the data trend is nearly flat ({factor * row['data_slope']:+.2g} {unit} a year against a level "
                f"of {factor * level:.3g}): a relative trend error means little here, compare the trends themselves"
            )
    else:
        notes.append(f"{n} judged point(s): fewer than {MIN_POINTS_FOR_SLOPE}, so no trend is judged")
    row["verdict"] = verdict(row["slope_pass"], row["last_pass"])
    row["note"] = "; ".join(notes)
    return row


def verdict(slope_pass: bool | None, last_pass: bool | None) -> str:
    """Say in words whether a series passes: both tests, or the last year alone when no slope is judged."""
    if slope_pass is None and last_pass is None:
        return "not judged"
    if slope_pass is None:
        return "pass (last year only)" if last_pass else "fail: last year (no trend judged)"
    failed = [name for name, ok in (("trend", slope_pass), ("last year", last_pass)) if ok is False]
    return "pass" if not failed else "fail: " + " and ".join(failed)


def compare(obs: pd.DataFrame, band: pd.DataFrame, start_year: int, columns: Sequence[str]) -> tuple:
    """Return ``(fit, series_bands)`` for every series of ``obs`` against the model's ``band``.

    ``series_bands`` has one row per series and year of the run up to the last observed year:
    ``series, year, unit, data, role, judged, median, low, high, n``. ``judged`` marks the
    points the fit uses: judged-role rows after ``start_year`` for which the model has a value.
    ``columns`` are the national table's columns (to name what a missing indicator needs).
    """
    fits, frames = [], []
    for series, rows in obs.groupby("series", sort=False):
        first = rows.iloc[0]
        name = str(first["model_indicator"])
        info = {
            "series": series,
            "label": first["label"],
            "unit": first["unit"],
            "model_indicator": name,
        }
        model = band[band["indicator"] == name][["year", "median", "low", "high", "n"]]
        data = rows[["year", "value", "role"]].rename(columns={"value": "data"})
        merged = model.merge(data, on="year", how="outer").sort_values("year")
        merged["judged"] = (
            (merged["role"] == "judged") & (merged["year"] > start_year) & np.isfinite(merged["median"].astype(float))
        )
        merged.insert(0, "series", series)
        merged.insert(2, "unit", first["unit"])
        frames.append(merged)
        missing = missing_inputs(name, columns)
        if missing:
            row = {c: None for c in FIT_COLUMNS} | info
            row["n_points"] = 0
            row["verdict"] = "no model output"
            row["note"] = f"the national table has no {', '.join(missing)}: the model does not report it yet"
            fits.append(row)
            continue
        fits.append(series_fit(merged[merged["judged"]], info))
    fit = pd.DataFrame(fits, columns=list(FIT_COLUMNS))
    cols = ["series", "year", "unit", "data", "role", "judged", "median", "low", "high", "n"]
    series_bands = pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)
    series_bands["n"] = series_bands["n"].fillna(0).astype("int64")
    series_bands["judged"] = series_bands["judged"].astype(bool)
    return fit, series_bands


@dataclass
class Backcast:
    """A history run's fit to the observed series, as tidy tables.

    Attributes
    ----------
    fit
        One row per series (:data:`FIT_COLUMNS`): points judged, slopes of data and model
        median, relative errors, pass or fail, the verdict and a note.
    bands
        One row per series and year: the data (if any), its role, whether it is judged, the
        model's median and 10-90% band across replicates.
    replicates
        Every replicate's compared indicators: ``seed, year, indicator, value``.
    observed
        The judged data as used (``observed_series.csv``).
    meta
        Scenario, hash, seeds, replicates, tolerances, band, wecsim version.
    """

    fit: pd.DataFrame
    bands: pd.DataFrame
    replicates: pd.DataFrame
    observed: pd.DataFrame
    meta: dict = field(default_factory=dict)

    def passed(self) -> int:
        """Return how many series pass."""
        return int(self.fit["verdict"].astype(str).str.startswith("pass").sum())


def summarise(
    scenario: Scenario, nationals: Sequence[pd.DataFrame], obs: pd.DataFrame | None = None, seed: int | None = None
) -> Backcast:
    """Compare finished replicates of ``scenario`` (their national tables) with the observed series."""
    obs = observed() if obs is None else obs
    last = int(obs["year"].max())
    reps = indicator_table(nationals, obs["model_indicator"].unique(), last)
    fit, series_bands = compare(obs, bands(reps), scenario.start_year, list(nationals[0].columns) if nationals else [])
    seeds = [int(s) for s in dict.fromkeys(reps["seed"])] if len(reps) else []
    judged = obs.loc[obs["role"] == "judged", "year"]
    first, last_judged = (int(judged.min()), int(judged.max())) if len(judged) else judged_years()
    meta = {
        "format": FORMAT,
        "kind": "wecsim backcast",
        "scenario": scenario.name,
        "scenario_hash": scenario.scenario_hash(),
        "seed": seed,
        "seeds": seeds,
        "replicates": len(nationals),
        "start_year": scenario.start_year,
        "judged_years": [max(first, scenario.start_year + 1), last_judged],
        "statistic": "median of the replicates",
        "band_percentiles": list(BAND),
        "slope_tolerance": SLOPE_TOLERANCE,
        "last_tolerance": LAST_TOLERANCE,
        "min_points_for_slope": MIN_POINTS_FOR_SLOPE,
        "wecsim_version": __version__,
    }
    return Backcast(fit, series_bands, reps, obs, meta)


def backcast(
    scenario: str | Path | Scenario | dict = DEFAULT_SCENARIO,
    replicates: int = DEFAULT_REPLICATES,
    seed: int | None = None,
    overrides: list[str] | None = None,
    obs: pd.DataFrame | None = None,
) -> Backcast:
    """Run a history scenario ``replicates`` times and compare it with the observed series.

    Parameters
    ----------
    scenario, overrides
        As for :func:`wecsim.run`; the scenario must cover the judged years (:func:`check_horizon`).
    replicates
        Runs, each with a seed of :func:`replicate_seeds` (1 to 100).
    seed
        Root of the replicates' seeds (default: the scenario's ``seed``).
    obs
        The observed series (default: :func:`observed`; tests give synthetic ones).
    """
    from wecsim.errors import check_number

    check_number("replicates", replicates, 1, 100)
    check_number("seed", seed, 0, SEED_MASK)
    config = load_scenario(scenario, overrides)
    obs = observed() if obs is None else obs
    check_horizon(config, obs)
    root = config.seed if seed is None else seed
    nationals = run_replicates(config, replicate_seeds(root, replicates))
    return summarise(config, nationals, obs, seed=root)


# ----------------------------------------------------------------------------- words and files
#: Marker in the ``meta.json`` of a backcast folder.
FORMAT = "wecsim-backcast/1"
#: Tables a backcast folder holds (Parquet and CSV each).
BACKCAST_TABLES = ("fit", "bands", "replicates", "observed")


def chart_name(series: str) -> str:
    """Return the file name of a series' chart."""
    return f"chart_{series}.png"


def folder_files(obs: pd.DataFrame | None = None) -> frozenset[str]:
    """Return the names of the files a backcast folder may hold (tables, meta.json, one chart per series)."""
    from wecsim.outputs import run_file_names

    obs = observed() if obs is None else obs
    return run_file_names(BACKCAST_TABLES) | {chart_name(s) for s in obs["series"].unique()}


def write_backcast(bc: Backcast, folder: Path, charts: bool = True) -> None:
    """Write a backcast's tables (Parquet and CSV), its meta.json and (``charts``) a PNG per series into ``folder``."""
    for name in BACKCAST_TABLES:
        df = getattr(bc, name)
        df.to_parquet(folder / f"{name}.parquet", index=False)
        df.to_csv(folder / f"{name}.csv", index=False)
    (folder / "meta.json").write_text(json.dumps(bc.meta, indent=2, default=str), encoding="utf-8")
    if charts:
        from wecsim.app.charts import render

        for series in bc.fit["series"]:
            (folder / chart_name(series)).write_bytes(render(series_figure(bc, series), "png"))


#: Shares are drawn in percent.
_PERCENT_UNITS = {"share"}


def _scale(unit: str) -> tuple[float, str]:
    return (100.0, "%") if unit in _PERCENT_UNITS else (1.0, unit)


def _pct(x: object) -> str:
    return "-" if x is None or not np.isfinite(float(x)) else f"{100 * float(x):+.0f}%"


def _num(x: object) -> str:
    if x is None or not np.isfinite(float(x)):
        return "-"
    x = float(x)
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


def display_table(fit: pd.DataFrame, labels: bool = False) -> pd.DataFrame:
    """Return the fit as text for people: one row per series, trends and last-year values with their errors.

    ``labels``: name each series in words (the app) instead of by its short id (the command line).

    Trends are least-squares slopes in the series' unit per year (shares in percent, so their
    trends are in points per year); errors are the model's median against the data, relative
    to the data.
    """
    rows = []
    for r in fit.to_dict("records"):
        last = r["last_year"]
        factor, unit = _scale(str(r["unit"]))

        def num(x: object, factor: float = factor) -> str:
            return _num(None if x is None else factor * float(x))

        rows.append(
            {
                "series": r["label"] if labels else r["series"],
                "unit": unit,
                "points": str(int(r["n_points"] or 0)),
                "data trend /yr": num(r["data_slope"]),
                "model trend /yr": num(r["model_slope"]),
                "trend error": _pct(r["slope_error"]),
                "last year": "-" if last is None or pd.isna(last) else str(int(last)),
                "data last": num(r["data_last"]),
                "model last": num(r["model_last"]),
                "last error": _pct(r["last_error"]),
                "verdict": r["verdict"],
            }
        )
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- charts
def series_figure(bc: Backcast, series: str):
    """Return the chart of one series: the model's median and 10-90% band, and the data points.

    Judged points are filled; the starting state (2015) and points outside the judged years are hollow.
    """
    from wecsim.app.charts import MAIN_COLOR, new_figure, note

    rows = bc.bands[bc.bands["series"] == series].sort_values("year")
    info = bc.fit.set_index("series").loc[series]
    factor, unit = _scale(str(info["unit"]))
    fig, ax = new_figure(str(info["label"]), unit)
    model = rows[np.isfinite(rows["median"].astype(float))]
    n = int(bc.meta.get("replicates", 0) or 0)
    if len(model):
        ax.fill_between(
            model["year"],
            factor * model["low"].astype(float),
            factor * model["high"].astype(float),
            color=MAIN_COLOR,
            alpha=0.18,
            linewidth=0,
            label=f"model {BAND[0]:.0f}-{BAND[1]:.0f}%",
        )
        ax.plot(
            model["year"], factor * model["median"].astype(float), color=MAIN_COLOR, linewidth=2, label="model median"
        )
    data = rows[rows["data"].notna()]
    judged = data[data["judged"].astype(bool)]
    shown = data[~data["judged"].astype(bool)]
    ax.plot(judged["year"], factor * judged["data"], "o", color="#c62828", markersize=6, label="data (judged)")
    if len(shown):
        ax.plot(
            shown["year"],
            factor * shown["data"],
            "o",
            markerfacecolor="white",
            markeredgecolor="#c62828",
            markersize=6,
            label="data (start, not judged)",
        )
    ax.set_xlabel("year", fontsize=10)
    handles, _ = ax.get_legend_handles_labels()
    if handles:
        ax.legend(fontsize=8.5, loc="best", frameon=True, framealpha=0.85, edgecolor="none")
    verdict_text = f"{info['verdict']}; " if info["verdict"] else ""
    note(
        fig,
        f"{verdict_text}median of {n} runs of {bc.meta.get('scenario')}, band {BAND[0]:.0f}-{BAND[1]:.0f}%; "
        "data: observed_series.csv",
    )
    return fig
