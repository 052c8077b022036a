"""Compare: two or more scenarios side by side, with differences and replicate bands."""

from __future__ import annotations

import time

import pandas as pd
import solara
import solara.lab
from solara.alias import rv

from wecsim.app import runs, state
from wecsim.app.charts import compare_figure
from wecsim.app.components.chart import ChartImage
from wecsim.app.components.prose import Prose
from wecsim.app.components.run_status import RunCountBox
from wecsim.app.components.tables import Table
from wecsim.app.indicators import HEADLINES, fmt, fmt_delta, label, scenario_title
from wecsim.app.runs import Ensemble, Stale
from wecsim.errors import WecsimError
from wecsim.i18n import N_, _, current_language
from wecsim.scenario import Scenario

CURRENT = N_("levers as set on the left")
CHART_INDICATORS = (
    "water_deficit_km3",
    "res_share",
    "co2_total_mt",
    "recycling_rate",
    "water_losses_km3",
    "flood_damage_meur",
    "committed_meur",
    "projects_built",
)

chosen = solara.reactive(["baseline", "team_europe_accelerated", CURRENT])
cmp_replicates = solara.reactive(3)
cmp_indicator = solara.reactive("res_share")
cmp_result: solara.Reactive[list[Ensemble] | None] = solara.reactive(None)
cmp_status = solara.reactive(state.RunStatus())
state.free_when_idle(cmp_result, lambda: None)
state.free_when_idle(
    cmp_status, lambda: state.RunStatus(error=state.put_away_text() + " " + _("Change a choice to run it again."))
)


def resolve(names: list[str]) -> list[tuple[str, Scenario]]:
    """Return ``(label, scenario)`` for the chosen names (the current levers included); labels in plain words."""
    out = []
    for n in names:
        out.append((_(CURRENT), state.current_scenario()) if n == CURRENT else (scenario_title(n), state.lookup(n)))
    return out


def differences(ensembles: list[Ensemble], years: tuple[int, ...] = (2030, 2050)) -> pd.DataFrame:
    """Return headline numbers per scenario and their change against the first scenario.

    With replicates, each value is the mean and the 10-90% range is given next to it.
    """
    rows = []
    first = ensembles[0]
    for h in HEADLINES:
        for y in years if not h.whole_run else (years[-1],):
            base_mean = first.scalar(lambda r, h=h, y=y: h.value(r, y))[0]
            title = (
                _("{title}, cumulative from the first year").format(title=_(h.title)) if h.cumulative else _(h.title)
            )
            row = {_("indicator"): f"{title} [{_(h.unit)}]", _("year"): _("whole run") if h.whole_run else y}
            for e in ensembles:
                mean, lo, hi = e.scalar(lambda r, h=h, y=y: h.value(r, y))
                text = fmt(mean, h.digits)
                if e.n > 1:
                    text += " (" + _("{low} to {high}").format(low=fmt(lo, h.digits), high=fmt(hi, h.digits)) + ")"
                row[e.label] = text
                if e is not first:
                    row[f"{e.label} − {first.label}"] = fmt_delta(mean - base_mean, h.digits)
            rows.append(row)
    return pd.DataFrame(rows)


@solara.lab.task(prefer_threaded=True)
def run_compare(items: list[tuple[str, Scenario]], seeds: list[int]) -> None:
    """Run every chosen scenario over the seeds in the background, with progress."""
    start = time.perf_counter()
    futures = [(lab, sc, [runs.submit(sc, s) for s in seeds]) for lab, sc in items]
    every = [f for _, _, fs in futures for f in fs]
    try:
        # gives up (Stale) when a newer request replaces this one or the server stops; an unchanged
        # count sets an equal status, which Solara does not redraw
        runs.wait_for(
            every,
            is_stale=lambda: not run_compare.is_current(),
            on_progress=lambda done, total: cmp_status.set(state.RunStatus(True, done, total)),
        )
        result = [Ensemble(sc, [f.result() for f in fs], lab) for lab, sc, fs in futures]
    except Stale:
        return
    except Exception as exc:
        if run_compare.is_current():
            cmp_status.set(state.RunStatus(False, 0, 0, None, f"{type(exc).__name__}: {exc}"))
        return
    if run_compare.is_current():
        cmp_result.set(result)
        cmp_status.set(state.RunStatus(False, len(every), len(every), time.perf_counter() - start))


@solara.component
def ComparePage() -> None:
    """Choose scenarios and replicates; see one indicator over time and a table of differences."""
    names = [*state.scenario_names(), CURRENT]
    picked = [n for n in chosen.value if n in names]
    # the current levers count as part of the request, so moving one re-runs the comparison
    lever_key = state.current_scenario().scenario_hash() if CURRENT in picked else None
    seeds = runs.seeds_for(state.seed.value, cmp_replicates.value)
    key = (tuple(picked), lever_key, tuple(seeds))

    def start() -> None:
        if too_big := state.compare_size_error(len(picked), len(seeds)):
            cmp_status.set(state.RunStatus(False, 0, 0, None, too_big))  # said, never clipped
        elif len(picked) >= 1:
            try:
                run_compare(resolve(picked), seeds)
            except WecsimError as exc:
                cmp_status.set(state.RunStatus(False, 0, 0, None, str(exc)))

    solara.use_effect(start, [key])
    st = cmp_status.value
    result = cmp_result.value
    with solara.Column(gap="10px", classes=["wecsim-page-compare"]):
        Prose(
            _(
                "Pick two or more scenarios (or the levers as set on the left) to compare. "
                "All use the same seeds, so weather and chance events are shared and differences come "
                "from policy. With more than one replicate the lines are means and the bands show the "
                "10th-90th percentile across runs. "
                "One comparison runs at most {n} model runs (scenarios x replicates); "
                "its runs wait behind other people's lever moves, so they may take longer when the room is busy."
            ).format(n=state.MAX_COMPARE_RUNS)
        )
        with solara.Row(gap="12px", style={"flex-wrap": "wrap", "align-items": "center"}):
            rv.Select(
                label=_("Scenarios"),
                items=[{"text": _(CURRENT) if n == CURRENT else scenario_title(n), "value": n} for n in names],
                v_model=picked,
                on_v_model=chosen.set,
                multiple=True,
                chips=True,
                style_="min-width: min(420px, 100%)",
                class_="wecsim-compare-select",
                attributes={"title": _("Codes: {codes}").format(codes=", ".join(n for n in picked if n != CURRENT))},
            )
            with solara.Div(style={"max-width": "230px"}):
                high = state.compare_replicates_high(len(picked))
                RunCountBox(
                    _("Replicates per scenario"),
                    cmp_replicates.value,
                    high,
                    cmp_replicates.set,
                    ["wecsim-compare-replicates"],
                )
            solara.Select(
                _("Indicator"),
                values=[label(c) for c in CHART_INDICATORS],
                value=label(cmp_indicator.value),
                on_value=lambda t: cmp_indicator.set(next(c for c in CHART_INDICATORS if label(c) == t)),
                style={"min-width": "320px"},
            )
        if st.running:
            solara.ProgressLinear(100 * st.done / max(st.total, 1))  # determinate: no repaint loop
            solara.Text(
                _("Running {total} runs: {done} done").format(total=st.total, done=st.done),
                classes=["wecsim-compare-progress"],
            )
        if st.error:
            solara.Error(st.error)
        if not result:
            return
        key_chart = tuple((e.label, e.scenario.scenario_hash(), tuple(e.seeds)) for e in result)
        ChartImage(
            lambda: compare_figure(result, cmp_indicator.value),
            key=(cmp_indicator.value, *key_chart, current_language()),
            name=f"compare_{cmp_indicator.value}",
            width="min(100%, 860px)",
        )
        Prose(_("**Differences** against *{scenario}* (first scenario chosen)").format(scenario=result[0].label))
        Table(differences(result), items_per_page=20, name="compare_differences")
