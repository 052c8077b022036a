"""History: how well a run from 2015 reproduces what happened in 2015-2024 (``wecsim backcast`` in the app).

For the scenario on the left (with the levers as set), when it starts in 2015 or 2016 and runs to
2024 at least: its replicates (seeds from :func:`wecsim.validation.replicate_seeds`, the same as
the command line's for the same root seed), run through the app's worker pool and cache, against
the published series of ``wecsim/data/observed_series.csv``: one chart per series (model median,
10-90% band, data points) and the table of trend and last-year errors. Otherwise one sentence says
what the page needs.
"""

from __future__ import annotations

import time

import solara
import solara.lab

from wecsim import validation
from wecsim.app import runs, state
from wecsim.app.components.chart import ChartImage
from wecsim.app.components.prose import Heading, Prose
from wecsim.app.components.tables import Table
from wecsim.app.indicators import fmt
from wecsim.app.runs import Stale
from wecsim.errors import WecsimError
from wecsim.i18n import _
from wecsim.scenario import Scenario

hist_replicates = solara.reactive(validation.DEFAULT_REPLICATES)
hist_result: solara.Reactive[validation.Backcast | None] = solara.reactive(None)
hist_status = solara.reactive(state.RunStatus())


def covers_history(sc: Scenario) -> bool:
    """Whether a scenario covers the judged years (starts by 2016, ends in 2024 or later)."""
    try:
        validation.check_horizon(sc)
    except WecsimError:
        return False
    return True


@solara.lab.task(prefer_threaded=True)
def run_history(sc: Scenario, seeds: list[int], root: int) -> None:
    """Run the replicates in the background (with progress) and compare them with the data."""
    start = time.perf_counter()
    futures = [runs.submit(sc, s) for s in seeds]
    try:
        runs.wait_for(
            futures,
            is_stale=lambda: not run_history.is_current(),
            on_progress=lambda done, total: hist_status.set(state.RunStatus(True, done, total)),
        )
        bc = validation.summarise(
            sc, [f.result().national.assign(seed=s) for f, s in zip(futures, seeds, strict=True)], seed=root
        )
    except Stale:
        return
    except Exception as exc:
        if run_history.is_current():
            hist_status.set(state.RunStatus(False, 0, 0, None, f"{type(exc).__name__}: {exc}"))
        return
    if run_history.is_current():
        hist_result.set(bc)
        hist_status.set(state.RunStatus(False, len(seeds), len(seeds), time.perf_counter() - start))


@solara.component
def HistoryPage() -> None:
    """Show the history check of the scenario on the left, or what it needs."""
    sc = state.current_scenario()
    ok = covers_history(sc)
    root = int(state.seed.value)
    seeds = validation.replicate_seeds(root, hist_replicates.value)
    key = (sc.scenario_hash(), tuple(seeds)) if ok else None

    def start() -> None:
        if key is not None:
            run_history(sc, seeds, root)

    solara.use_effect(start, [key])
    first, last = validation.judged_years()
    with solara.Column(gap="10px", classes=["wecsim-page-history"]):
        if not ok:
            Prose(
                _(
                    "The history check runs the model from 2015 and compares it with what was published for "
                    "2015-{last} (power mix, renewables, CO2 of power, recycling, municipal waste, water withdrawal, "
                    "water-saving irrigation). *{scenario}* starts in {start} and ends in {end}: "
                    "pick a scenario that starts in 2015 (such as history_2015) to see it."
                ).format(last=last, scenario=sc.name, start=sc.start_year, end=sc.end_year),
                classes=["wecsim-history-needs-2015"],
            )
            return
        Prose(
            _(
                "*{scenario}* as set on the left, run {n} times, against published series "
                "(dots; {first}-{last} are judged, 2015 is the starting state). The line is the median of the runs "
                "and the band their 10-90% range. Targets: each series' trend within "
                "{slope}% of the data's and its last observed value within "
                "{level}%. Data, definitions and sources: `wecsim/data/observed_series.csv`; "
                "these data judge the fit and set no parameter (see docs/validation.md)."
            ).format(
                scenario=sc.name,
                n=hist_replicates.value,
                first=first,
                last=last,
                slope=fmt(100 * validation.SLOPE_TOLERANCE, 0),
                level=fmt(100 * validation.LAST_TOLERANCE, 0),
            )
        )
        solara.InputInt(
            _("Replicates"),
            value=hist_replicates.value,
            on_value=lambda n: (
                hist_replicates.set(min(state.MAX_REPLICATES, max(1, int(n)))) if n is not None else None
            ),
            style={"max-width": "160px"},
            classes=["wecsim-history-replicates"],
        )
        st = hist_status.value
        if st.running:
            solara.ProgressLinear(100 * st.done / max(st.total, 1))
            solara.Text(
                _("Running {total} runs: {done} done").format(total=st.total, done=st.done),
                classes=["wecsim-history-progress"],
            )
        if st.error:
            solara.Error(st.error)
        bc = hist_result.value
        if bc is None or bc.meta.get("scenario_hash") != sc.scenario_hash() or bc.meta.get("seeds") != list(seeds):
            return
        Heading(
            _("{passed} of {n} series compared pass").format(
                passed=bc.passed(), n=int((bc.fit["n_points"].fillna(0) > 0).sum())
            )
        )
        Table(validation.display_table(bc.fit, labels=True), items_per_page=20, name="history_fit")
        with solara.ColumnsResponsive(default=12, large=6, xlarge=6):
            for series in bc.fit["series"]:
                ChartImage(
                    lambda series=series: validation.series_figure(bc, series),
                    key=("history", series, *key),
                    name=f"history_{series}",
                ).key(f"history_{series}")
