"""What EU money changes, in detail: the Explore page's "EU money" topic.

Everything here compares the runs on screen with their counterfactuals (the same scenario and
seeds with the EU envelopes at zero; :mod:`wecsim.additionality`): a chart with and without
EU money, a table of outcomes, the money per instrument, and, on request, what each
instrument adds on top of the others (one more run per instrument and seed, in the workers).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import solara
import solara.lab

from wecsim import additionality
from wecsim.app import runs, state
from wecsim.app.charts import eu_figure
from wecsim.app.components.chart import ChartImage
from wecsim.app.components.prose import Prose
from wecsim.app.components.tables import Table
from wecsim.app.indicators import (
    EU_SCOPE_HELP,
    first_year,
    instrument_label,
    label,
    pair_outcomes,
    scale,
    scope_name,
)
from wecsim.app.runs import Ensemble, Stale
from wecsim.i18n import _, current_language
from wecsim.results import Results
from wecsim.scenario import Scenario, Schedule, largest

#: National outcomes of the outcome table (those of :data:`wecsim.additionality.OUTCOMES`).
OUTCOME_COLUMNS = tuple(additionality.OUTCOMES)


def outcome_table(cur: Ensemble, without: Ensemble, year: int, who: str | None = None) -> pd.DataFrame:
    """Return national outcomes in ``year`` with and without EU money and the difference (means across replicates)."""
    who = who if who is not None else scope_name("eu")
    rows = []
    for col in OUTCOME_COLUMNS:
        if col not in cur.first.national.columns:
            continue
        f = scale(col)
        a = cur.national(col).set_index("year")["mean"]
        b = without.national(col).set_index("year")["mean"]
        y = year if year in a.index else int(a.index.max())
        digits = 0 if "projects" in col or "meur" in col else 3
        rows.append(
            {
                _("indicator"): label(col),
                _("year"): y,
                _("with {who}").format(who=who): round(f * float(a.loc[y]), digits),
                _("without {who}").format(who=who): round(f * float(b.loc[y]), digits),
                _("difference (with − without)"): round(f * float(a.loc[y] - b.loc[y]), digits),
            }
        )
    return pd.DataFrame(rows)


def money_table(cur: Ensemble, year: int, scope: str) -> pd.DataFrame:
    """Return each instrument of the scope: what it does, its levers as set, and the money spent to ``year``."""
    inst = additionality.instruments(scope)
    sc = cur.scenario
    spent = [additionality.money_by_instrument(r, scope, year) for r in cur.runs]
    return pd.DataFrame(
        {
            _("instrument"): inst["label"],
            _("spent {first}-{year} [EUR M]").format(first=first_year(cur.first), year=year): [
                round(float(np.mean([m[i] for m in spent])), 1) for i in inst["instrument_id"]
            ],
            _("envelope as set [EUR M/yr]"): [
                ", ".join(_as_set(sc.value(lv)) for lv in levers) for levers in inst["levers"]
            ],
            _("what it does"): inst["description"],
        }
    )


def _as_set(value) -> str:
    return value.describe() if isinstance(value, Schedule) else f"{value:g}"


def instruments_in(sc: Scenario, scope: str) -> list[str]:
    """Return the instruments of the scope with money in the scenario (any of their envelopes above zero)."""
    inst = additionality.instruments(scope)
    return [
        i
        for i, levers in zip(inst["instrument_id"], inst["levers"], strict=True)
        if any(largest(sc.value(lv)) > 0 for lv in levers)
    ]


@dataclass(frozen=True, eq=False)
class InstrumentRuns:
    """Runs of the scenario without one instrument at a time, for the seeds on screen.

    Attributes
    ----------
    key
        Scenario hash, seeds and scope they were run for.
    runs
        Instrument id -> one run per seed.
    """

    key: tuple
    runs: dict[str, list[Results]]


inst_runs: solara.Reactive[InstrumentRuns | None] = solara.reactive(None)
inst_status = solara.reactive(state.RunStatus())


def view_key(cur: Ensemble, scope: str) -> tuple:
    """Return what the per-instrument runs depend on."""
    return cur.scenario.scenario_hash(), tuple(cur.seeds), scope


@solara.lab.task(prefer_threaded=True)
def run_instruments(sc: Scenario, seeds: list[int], scope: str) -> None:
    """Run the scenario without each of its instruments (one at a time) for every seed, in the workers."""
    start = time.perf_counter()
    todo = {i: additionality.without_instrument(sc, i, scope) for i in instruments_in(sc, scope)}
    futures = {i: [runs.submit(alt, s) for s in seeds] for i, alt in todo.items()}
    flat = [f for fs in futures.values() for f in fs]

    def progress(done: int, total: int) -> None:
        if run_instruments.is_current():
            inst_status.set(state.RunStatus(True, done, total))

    try:
        runs.wait_for(flat, is_stale=lambda: not run_instruments.is_current(), on_progress=progress, poll_s=0.05)
        result = {i: [f.result() for f in fs] for i, fs in futures.items()}
    except Stale:
        return
    except Exception as exc:  # a worker died, say
        if run_instruments.is_current():
            inst_status.set(state.RunStatus(False, 0, 0, None, f"{type(exc).__name__}: {exc}"))
        return
    if run_instruments.is_current():
        inst_runs.set(InstrumentRuns((sc.scenario_hash(), tuple(seeds), scope), result))
        inst_status.set(state.RunStatus(False, len(flat), len(flat), time.perf_counter() - start))


def instrument_table(cur: Ensemble, by_instrument: dict[str, list[Results]], year: int, scope: str) -> pd.DataFrame:
    """Return what each instrument adds on top of the others, to ``year`` (means across replicates)."""
    first = first_year(cur.first)
    rows = []
    for i, alts in by_instrument.items():
        pairs = [pair_outcomes(r, a, year, scope) for r, a in zip(cur.runs, alts, strict=True)]

        def mean(key: str, pairs=pairs) -> float:
            return float(np.mean([p[key] for p in pairs]))

        money = mean("eu_money_meur")
        deficit = mean("water_deficit_avoided_mm3")
        rows.append(
            {
                _("instrument"): instrument_label(scope, i),
                _("money {first}-{year} [EUR M]").format(first=first, year=year): round(money, 1),
                _("water deficit avoided {first}-{year} [million m³]").format(first=first, year=year): round(
                    deficit, 1
                ),
                _("renewable share {year} [pt]").format(year=year): round(mean("res_share_added_pt"), 2),
                _("CO₂ avoided {year} [Mt/yr]").format(year=year): round(mean("co2_avoided_mt"), 2),
                _("recycling rate {year} [pt]").format(year=year): round(mean("recycling_rate_added_pt"), 2),
                _("projects built by {year}").format(year=year): round(mean("projects_added"), 1),
                _("water deficit avoided per EUR 100 M [million m³]"): (
                    round(100 * deficit / money, 1) if money > 1e-6 else float("nan")
                ),
            }
        )
    return pd.DataFrame(rows)


@solara.component
def InstrumentBreakdown(cur: Ensemble, scope: str, year: int) -> None:
    """Offer to run the scenario without each instrument in turn; then show a table of what each adds."""
    present = instruments_in(cur.scenario, scope)
    got = inst_runs.value
    st = inst_status.value
    n_runs = len(present) * cur.n
    if not present:
        return
    if got is not None and got.key == view_key(cur, scope):
        Prose(
            _(
                "**What each instrument adds on top of the others**: each row is this scenario minus the same runs "
                "without that instrument alone (the other instruments stay). Rows need not add up to the whole: "
                "instruments work together (preparation makes projects bankable for grants and loans, for example)."
            )
        )
        Table(instrument_table(cur, got.runs, year, scope), items_per_page=8, name="eu_instruments_added")
        return
    with solara.Row(gap="10px", style={"align-items": "center"}):
        solara.Button(
            _("Work out what each instrument adds ({n} more runs)").format(n=n_runs),
            on_click=lambda: run_instruments(cur.scenario, cur.seeds, scope),
            outlined=True,
            classes=["wecsim-eu-instruments-button"],
        )
        if st.running:
            solara.Text(
                _("Running {total} runs: {done} done").format(total=st.total, done=st.done),
                style={"font-size": "13px", "color": "#616161"},
            )
        elif st.error:
            solara.Error(st.error)


@solara.component
def EUDetail(view: state.Shown, year: int) -> None:
    """Show what EU money changes: a chart, an outcome table, money per instrument and what each adds."""
    cur, without = view.current, view.without_eu
    who = scope_name(view.scope)
    with solara.Column(gap="8px", classes=["wecsim-eu-detail"]):
        Prose(
            _(
                "**{who}** here means {scope} (switch with *EU card counts* above). Every number "
                "compares this scenario with the same run without {who}: the same seed, so the same weather, "
                "sites and chance events. The difference is what {who} adds; where it is negative, the money "
                "moved projects elsewhere or let other money go elsewhere. Which project gets built when varies "
                "from run to run, so read several replicates (sidebar) before drawing conclusions."
            ).format(who=who, scope=_(EU_SCOPE_HELP[view.scope]))
        )
        if without is None:
            solara.Info(
                _("Working out what {who} changes: the same run without it is on its way…").format(who=who), dense=True
            )
            return
        if without is cur:
            solara.Info(_("No {who} in this scenario: nothing to attribute to it.").format(who=who), dense=True)
            return
        key = ("eu", cur.scenario.scenario_hash(), tuple(cur.seeds), view.scope, current_language())
        ChartImage(lambda: eu_figure(cur, without, who), key=key, name="eu_with_without", width="min(100%, 900px)")
        Prose(
            _("**Outcomes in {year}** with and without {who} (means of {n} run(s))").format(year=year, who=who, n=cur.n)
        )
        Table(outcome_table(cur, without, year, who), items_per_page=12, name="eu_outcomes")
        Prose(
            _(
                "**{who} by instrument**, spent {first}-{year} (net of money released by cancelled or cheaper projects)"
            ).format(who=who, first=first_year(cur.first), year=year)
        )
        Table(money_table(cur, year, view.scope), items_per_page=8, name="eu_money")
        InstrumentBreakdown(cur, view.scope, year)
        Prose(
            _(
                "Money spent is not the same as results added: a grant that replaces a loan the project would "
                "have had anyway adds little, while a feasibility study paid by a preparation grant can unlock a loan "
                "many times its size. The card's *net mobilisation* counts only other money that comes with {who} "
                "and would not come without it."
            ).format(who=who)
        )
