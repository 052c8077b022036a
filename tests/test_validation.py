"""The backcast (wecsim.validation): metrics on known numbers, bands, the judged data, the command and the app page.

No scenario can start in 2015 yet (the 2015 stocks are not in the data), so runs here start in
2025 and the observed series are moved ten years on (:func:`shifted`): the same code judges them.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from wecsim import validation as v
from wecsim.datasets import OBSERVED_ROLES
from wecsim.model import NATIONAL_INDICATORS


def shifted(last: int = 2028) -> pd.DataFrame:
    """The observed series ten years on (start 2025, judged 2026-...), cut at ``last``."""
    obs = v.observed()
    obs = obs.assign(year=obs["year"] + 10)
    return obs[obs["year"] <= last].reset_index(drop=True)


def synthetic_obs(years, values, role="judged", series="s", indicator="x", unit="TWh") -> pd.DataFrame:
    roles = role if isinstance(role, list) else [role] * len(years)
    return pd.DataFrame(
        {
            "series": series,
            "label": "a series",
            "year": years,
            "value": values,
            "unit": unit,
            "model_indicator": indicator,
            "role": roles,
        }
    )


def band_of(years, values, indicator="x") -> pd.DataFrame:
    return pd.DataFrame(
        {"indicator": indicator, "year": years, "median": values, "low": values, "high": values, "n": 10}
    )


# ----------------------------------------------------------------------------- metrics
def test_slope_is_least_squares():
    years = np.arange(2016, 2025)
    assert v.slope(years, 3.0 * years + 7) == pytest.approx(3.0)
    noisy = 2.0 * years + np.array([1, -1, 1, -1, 0, 1, -1, 1, -1])
    assert v.slope(years, noisy) == pytest.approx(np.polyfit(years, noisy, 1)[0])
    assert np.isnan(v.slope([2020], [1.0]))


@pytest.mark.parametrize(
    ("model_slope", "last_factor", "verdict"),
    [
        (2.3, 1.05, "pass"),  # trend +15%, last year +5%
        (1.7, 1.00, "pass"),  # trend -15%
        (2.6, 1.05, "fail: trend"),  # trend +30%
        (2.0, 1.12, "fail: last year"),  # last year +12%
        (2.8, 0.85, "fail: trend and last year"),
    ],
)
def test_known_slope_gives_known_error_and_verdict(model_slope, last_factor, verdict):
    years = np.arange(2016, 2025)
    data = 100 + 2.0 * (years - 2016)  # 2 units a year, 116 in 2024
    model = 116 * last_factor + model_slope * (years - 2024)  # a line through the chosen last value
    fit, _ = v.compare(synthetic_obs(years, data), band_of(years, model), 2015, ["x"])
    row = fit.iloc[0]
    assert row["n_points"] == 9 and row["first_year"] == 2016 and row["last_year"] == 2024
    assert row["data_slope"] == pytest.approx(2.0) and row["model_slope"] == pytest.approx(model_slope)
    assert row["slope_error"] == pytest.approx(model_slope / 2.0 - 1)
    assert row["last_error"] == pytest.approx(last_factor - 1)
    assert row["verdict"] == verdict


def test_thresholds_are_the_issues_targets():
    assert v.SLOPE_TOLERANCE == 0.20 and v.LAST_TOLERANCE == 0.10 and v.DEFAULT_REPLICATES == 10
    assert v.verdict(True, True) == "pass"
    assert v.verdict(False, True) == "fail: trend"
    assert v.verdict(True, False) == "fail: last year"
    assert v.verdict(None, True) == "pass (last year only)"
    assert v.verdict(None, False).startswith("fail: last year")


def test_fewer_than_three_points_judge_no_trend():
    fit, _ = v.compare(synthetic_obs([2022, 2024], [10.0, 12.0]), band_of(range(2015, 2025), [11.0] * 10), 2015, ["x"])
    row = fit.iloc[0]
    assert row["n_points"] == 2 and row["slope_pass"] is None and pd.isna(row["data_slope"])
    assert row["last_error"] == pytest.approx(11 / 12 - 1) and row["verdict"] == "pass (last year only)"
    assert "no trend is judged" in row["note"]


def test_only_judged_rows_after_the_start_count():
    years = list(range(2015, 2025))
    obs = synthetic_obs(years, [50.0] + [10.0 + y - 2016 for y in years[1:]], role=["start"] + ["judged"] * 9)
    model = [10.0 + y - 2016 for y in years]  # the start row (50) is far off and must not count
    fit, bands = v.compare(obs, band_of(years, model), 2015, ["x"])
    assert fit.iloc[0]["n_points"] == 9 and fit.iloc[0]["verdict"] == "pass"
    assert not bands.loc[bands["year"] == 2015, "judged"].any()
    assert bands.loc[bands["year"] > 2015, "judged"].all()
    # a run that starts in 2016 judges 2017-2024: its first year is a stock, not a result
    fit16, _ = v.compare(obs, band_of(years, model), 2016, ["x"])
    assert fit16.iloc[0]["n_points"] == 8 and fit16.iloc[0]["first_year"] == 2017


def test_a_nearly_flat_data_trend_is_flagged():
    years = np.arange(2016, 2025)
    data = 0.66 + 0.0001 * (years - 2016)
    fit, _ = v.compare(synthetic_obs(years, data, unit="share"), band_of(years, data * 1.01), 2015, ["x"])
    assert "nearly flat" in fit.iloc[0]["note"]


def test_an_indicator_the_model_does_not_report_is_said_so():
    obs = synthetic_obs([2020, 2023, 2024], [1.0, 2.0, 3.0], indicator="water_saving_area_kha")
    fit, bands = v.compare(obs, band_of([2020], [1.0], indicator="other"), 2015, ["water_saving_irrigation_share"])
    row = fit.iloc[0]
    assert row["verdict"] == "no model output" and "irrigated_kha" in row["note"]
    assert bands["data"].notna().sum() == 3, "the data are still shown"


# ----------------------------------------------------------------------------- bands and seeds
def test_median_and_band_across_replicates():
    values = np.arange(1.0, 11.0)  # ten replicates: 1..10
    reps = pd.DataFrame({"seed": range(10), "year": 2020, "indicator": "x", "value": values})
    b = v.bands(reps).iloc[0]
    assert b["median"] == pytest.approx(5.5) and b["n"] == 10
    assert b["low"] == pytest.approx(np.percentile(values, 10)) and b["high"] == pytest.approx(
        np.percentile(values, 90)
    )


def test_indicator_table_derives_sums_and_leaves_out_what_cannot_be_made():
    nat = pd.DataFrame(
        {
            "year": [2025, 2026],
            "seed": 7,
            "generation_hydro_twh": [8.0, 9.0],
            "generation_small_hydro_twh": [1.0, 1.5],
            "res_share": [0.06, 0.07],
            "generation_twh": [100.0, 110.0],
        }
    )
    reps = v.indicator_table([nat], ["hydro_all_generation_twh", "res_generation_twh", "water_saving_area_kha"], 2030)
    wide = reps.pivot(index="year", columns="indicator", values="value")
    assert list(wide.columns) == ["hydro_all_generation_twh", "res_generation_twh"]
    assert wide.loc[2026, "hydro_all_generation_twh"] == pytest.approx(10.5)
    assert wide.loc[2026, "res_generation_twh"] == pytest.approx(7.7)
    assert (reps["seed"] == 7).all()


def test_replicate_seeds_are_the_batch_rule_and_repeat():
    from wecsim.experiments.design import run_seed

    seeds = v.replicate_seeds(42, 4)
    assert seeds == [run_seed(42, 0, replicate=r) for r in range(4)]
    assert seeds == v.replicate_seeds(42, 4) and len(set(seeds)) == 4
    assert v.replicate_seeds(43, 4) != seeds


def test_same_seed_same_backcast():
    obs = shifted(last=2027)
    a = v.backcast("baseline", replicates=2, seed=3, overrides=["end_year=2027"], obs=obs)
    b = v.backcast("baseline", replicates=2, seed=3, overrides=["end_year=2027"], obs=obs)
    pd.testing.assert_frame_equal(a.fit, b.fit)
    pd.testing.assert_frame_equal(a.bands, b.bands)
    assert a.meta["seeds"] == v.replicate_seeds(3, 2) and a.meta["replicates"] == 2
    assert a.meta["judged_years"] == [2026, 2027]
    # the band is the replicates' own spread
    gen = a.replicates[a.replicates["indicator"] == "generation_twh"]
    med = gen.groupby("year")["value"].median()
    got = a.bands[(a.bands["series"] == "generation")].set_index("year")["median"].dropna()
    pd.testing.assert_series_equal(got, med.loc[got.index], check_names=False)


def test_figure_has_band_median_points_and_units():
    years = list(range(2015, 2025))
    obs = synthetic_obs(years, [0.01 * (y - 2014) for y in years], role=["start"] + ["judged"] * 9, unit="share")
    obs["label"] = "Recycling"
    reps = pd.concat(
        [
            pd.DataFrame(
                {"seed": s, "year": years, "indicator": "x", "value": [0.011 * (y - 2014) + s / 1000 for y in years]}
            )
            for s in range(3)
        ]
    )
    fit, bands = v.compare(obs, v.bands(reps), 2015, ["x"])
    bc = v.Backcast(fit, bands, reps, obs, {"replicates": 3, "scenario": "test"})
    fig = v.series_figure(bc, "s")
    ax = fig.axes[0]
    assert ax.get_ylabel() == "%" and ax.get_title(loc="left") == "Recycling"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["model 10-90%", "model median", "data (judged)", "data (start, not judged)"]


# ----------------------------------------------------------------------------- the judged data
def test_observed_series_have_sources_roles_and_a_model_column():
    obs = v.observed()
    assert obs["source"].str.contains(r"https?://|primeminister\.kz").all(), "every row cites a source with an address"
    assert set(obs["tag"]) <= {"V", "E"}
    assert (obs.loc[obs["role"] == "start", "year"] == 2015).all()
    judged = obs.loc[obs["role"] == "judged", "year"]
    assert judged.between(2016, 2024).all() and OBSERVED_ROLES["judged"] == (2016, 2024)
    assert not obs.duplicated(["series", "year"]).any()
    # every series is compared with a column of the national table, or a sum or product of columns;
    # the water-saving area needs the irrigated area, which the model does not report yet
    unresolved = {
        name for name in obs["model_indicator"].unique() if v.missing_inputs(name, ["year", *NATIONAL_INDICATORS])
    }
    assert unresolved <= {"water_saving_area_kha"}
    shares = obs[obs["unit"] == "share"]
    assert shares["value"].between(0, 1).all(), "shares are fractions, as in the model"
    assert obs.groupby("series")["year"].count().min() >= 4


def test_a_bad_observed_table_is_refused():
    from wecsim.datasets import _check_observed
    from wecsim.errors import DataError

    obs = v.observed()
    with pytest.raises(DataError, match="role 'judged' is for 2016-2024"):
        _check_observed(obs.assign(role="judged"))
    with pytest.raises(DataError, match="duplicate series and year"):
        _check_observed(pd.concat([obs, obs.head(1)]))


# ----------------------------------------------------------------------------- the command
def wecsim(*args):
    return subprocess.run([sys.executable, "-m", "wecsim", *args], capture_output=True, text=True, timeout=120)


def test_backcast_refuses_a_scenario_that_starts_in_2025():
    p = wecsim("backcast", "baseline", "--replicates", "2")
    assert p.returncode == 2, p.stderr
    assert "baseline starts in 2025" in p.stderr and "2015-2024" in p.stderr and "history_2015" in p.stderr
    assert "Traceback" not in p.stderr and not p.stdout.strip()


def test_backcast_options_are_range_checked():
    for args in (["--replicates", "0"], ["--replicates", "101"], ["--seed", "-1"]):
        p = wecsim("backcast", "baseline", *args)
        assert p.returncode == 2 and "Traceback" not in p.stderr, args
        assert args[0] in p.stderr


def test_backcast_of_the_shipped_history_judges_every_series():
    """The default command on the real history run: every observed series gets a verdict."""
    p = wecsim("backcast", "--replicates", "2", "--no-charts")
    assert p.returncode == 0, p.stderr
    n_series = v.observed()["series"].nunique()
    assert f"of {n_series} series compared pass" in p.stdout
    assert "no model output" not in p.stdout  # every series has a model column (irrigated_kha included)
    assert "Traceback" not in p.stderr


def test_backcast_out_writes_tables_and_charts_and_never_clobbers(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from wecsim.cli import app

    obs = shifted(last=2028)
    monkeypatch.setattr(v, "observed", lambda: obs)
    runner = CliRunner()
    out = tmp_path / "bc"
    args = ["backcast", "baseline", "--replicates", "2", "--set", "end_year=2028", "--out", str(out)]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    assert "generation" in r.output and "Tables written to" in r.output
    names = {p.name for p in out.iterdir()}
    for table in v.BACKCAST_TABLES:
        assert {f"{table}.csv", f"{table}.parquet"} <= names
    assert {v.chart_name(s) for s in obs["series"].unique()} <= names and "meta.json" in names
    fit = pd.read_csv(out / "fit.csv")
    assert list(fit.columns) == list(v.FIT_COLUMNS) and len(fit) == obs["series"].nunique()
    assert (out / "chart_generation.png").read_bytes()[:4] == b"\x89PNG"
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    # again: refused without --overwrite, nothing touched
    r = runner.invoke(app, args)
    assert r.exit_code == 2 and "--overwrite" in r.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    # a user's folder is never written into, even with --overwrite
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    r = runner.invoke(app, [*args[:-1], str(mine), "--overwrite"])
    assert r.exit_code == 2 and sorted(p.name for p in mine.iterdir()) == ["notes.txt"]
    # --overwrite replaces earlier backcast results, and only those
    r = runner.invoke(app, [*args, "--overwrite", "--no-charts"])
    assert r.exit_code == 0, r.output
    assert not any(p.name.startswith("chart_") for p in out.iterdir())
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "temporary folders left behind"


# ----------------------------------------------------------------------------- the app page
def new_tab():
    """Return a fresh virtual kernel context (one browser tab), as in test_app_components."""
    import uuid

    import solara.server.kernel
    import solara.server.kernel_context

    kernel = solara.server.kernel.Kernel()
    return solara.server.kernel_context.VirtualKernelContext(
        id=f"tab-{uuid.uuid4().hex[:8]}", kernel=kernel, session_id=f"session-{uuid.uuid4().hex[:8]}"
    )


def by_class(rc, token: str) -> list:
    """Return the widgets whose CSS classes include ``token``."""
    import ipywidgets

    def walk(widget):
        yield widget
        for kid in list(getattr(widget, "children", None) or []):
            if isinstance(kid, ipywidgets.Widget):
                yield from walk(kid)

    def classes(w) -> list[str]:
        html_class = (getattr(w, "attributes", None) or {}).get("class") or ""  # solara.HTML keeps them here
        return [*(getattr(w, "class_", None) or "").split(), *html_class.split()]

    return [w for w in walk(rc.container) if token in classes(w)]


@pytest.mark.filterwarnings("ignore:There is no current event loop:DeprecationWarning")
@pytest.mark.usefixtures("app_in_thread", "solara_patched")
def test_history_page_explains_what_it_needs_for_a_2025_start():
    import solara

    from wecsim.app.pages.history import HistoryPage

    with new_tab():
        _box, rc = solara.render(HistoryPage(), handle_error=False)
        try:
            assert by_class(rc, "wecsim-page-history")
            (text,) = by_class(rc, "wecsim-history-needs-2015")
            html = str(getattr(text, "unsafe_innerHTML", "") or getattr(text, "children", ""))
            assert "2015" in html and "starts in 2025" in html
        finally:
            rc.close()


@pytest.mark.filterwarnings("ignore:There is no current event loop:DeprecationWarning")
@pytest.mark.usefixtures("app_in_thread", "solara_patched")
def test_history_page_shows_the_table_and_a_chart_per_series(monkeypatch):
    import time

    import solara

    from wecsim.app import runs, state
    from wecsim.app.pages import history
    from wecsim.scenario import load_scenario

    obs = shifted(last=2027)
    monkeypatch.setattr(v, "observed", lambda: obs)
    with new_tab():
        state.base.set(load_scenario("baseline", ["end_year=2027"]))
        history.hist_replicates.set(2)
        _box, rc = solara.render(history.HistoryPage(), handle_error=False)
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not by_class(rc, "wecsim-chart-history_generation"):
                time.sleep(0.05)
            assert by_class(rc, "wecsim-table-history_fit")
            assert len(by_class(rc, "wecsim-chart")) == obs["series"].nunique()
            bc = history.hist_result.value
            assert bc.meta["seeds"] == v.replicate_seeds(state.seed.value, 2)
            # the same numbers as the command line's for the same root seed
            direct = v.backcast(state.current_scenario(), replicates=2, seed=state.seed.value, obs=obs)
            pd.testing.assert_frame_equal(bc.fit, direct.fit)
        finally:
            rc.close()
            runs.clear_cache()
