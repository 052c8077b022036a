"""Explore: headline cards and charts over time for water, energy, waste and money.

Charts are shown one topic at a time (or all at once): each chart costs about 0.1 s of server
time to redraw after every lever move, and on a two-core machine that time is taken from the
model runs.
"""

from __future__ import annotations

import solara

from wecsim.app import state
from wecsim.app.charts import EXPLORE_CHARTS
from wecsim.app.components.cards import HeadlineCards
from wecsim.app.components.chart import ChartImage
from wecsim.app.components.eu import EUDetail
from wecsim.app.components.prose import Heading, Prose
from wecsim.app.components.workshop_start import StartWorkshopFromScenario
from wecsim.app.indicators import EU_SCOPES, scope_name
from wecsim.i18n import N_, _, current_language

TOPIC_INTRO = {
    "Water": N_("Where water comes from, who uses it and how much demand goes unmet."),
    "Energy": N_("How electricity is generated and what it emits."),
    "Waste": N_("How much municipal waste is recycled, against the national target."),
    "Money": N_("Who commits and pays out money, and for which sector (from the run's ledger)."),
}
#: The chart topics' names (the keys of :data:`wecsim.app.charts.EXPLORE_CHARTS`' topics), for the catalogs.
TOPIC_NAMES = {"Water": N_("Water"), "Energy": N_("Energy"), "Waste": N_("Waste"), "Money": N_("Money")}
#: The topic that shows what EU money changes (:func:`wecsim.app.components.eu.EUDetail`).
EU_TOPIC = N_("EU money")


#: Topic choice that shows every chart at once.
ALL = N_("All")
chart_topic = solara.reactive("Water")
"""Which charts the page shows (one topic keeps redraws quick; "All" shows every chart)."""


def set_scope(text: str) -> None:
    """Choose whose money the EU card counts (by its words, :func:`scope_name`) and re-run what it needs."""
    scope = next(k for k in EU_SCOPES if scope_name(k) == text)
    if scope != state.eu_scope.value:
        state.eu_scope.set(scope)
        state.request_runs()


def year_choices(end_year: int) -> list[int]:
    """Return the years the headline cards can show: 2030, 2040 and the last year."""
    years = [y for y in (2030, 2040) if y < end_year]
    return [*years, end_year]


@solara.component
def ExplorePage() -> None:
    """Move levers on the left; cards and charts follow."""
    view = state.charts.value
    cur, ref = view.current, view.reference
    end = state.base.value.end_year
    choices = year_choices(end)
    year = state.headline_year.value if state.headline_year.value in choices else choices[-1]
    with solara.Column(gap="12px", classes=["wecsim-page-explore"]):
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}, gap="16px"):
            Prose(
                _(
                    "Move a lever (on the left; on a phone under Levers at the top): the cards and charts "
                    "re-run the model. "
                    "Cards show the chosen year and the change against the reference scenario "
                    "(green: better, red: worse). Hover a lever's name for its meaning and source."
                ),
                style="max-width: 720px;",
            )
            with solara.Row(gap="6px", style={"align-items": "center"}):
                solara.Text(_("Cards show year"), style={"font-size": "13px", "color": "#616161"})
                solara.ToggleButtonsSingle(
                    value=year, values=choices, on_value=state.headline_year.set, classes=["wecsim-year-toggle"]
                )
            with solara.Row(gap="6px", style={"align-items": "center"}):
                solara.Text(_("EU card counts"), style={"font-size": "13px", "color": "#616161"})
                solara.ToggleButtonsSingle(
                    value=scope_name(state.eu_scope.value),
                    values=[scope_name(k) for k in EU_SCOPES],
                    on_value=set_scope,
                    classes=["wecsim-scope-toggle"],
                )
        HeadlineCards(year)
        StartWorkshopFromScenario()  # only when the app is started with WECSIM_APP_WORKSHOPS=FILE
        if cur is None:
            return
        # the language too: the charts' titles and axes are in it
        key = (
            cur.scenario.scenario_hash(),
            tuple(cur.seeds),
            ref.scenario.scenario_hash() if ref else None,
            current_language(),
        )
        topics = [*dict.fromkeys(c.topic for c in EXPLORE_CHARTS), EU_TOPIC]
        chosen = chart_topic.value if chart_topic.value in [*topics, ALL] else topics[0]
        with solara.Row(gap="6px", style={"align-items": "center", "margin-top": "8px"}):
            solara.Text(_("Charts:"), style={"font-size": "13px", "color": "#616161"})
            names = {_(t): t for t in [*topics, ALL]}
            solara.ToggleButtonsSingle(
                value=_(chosen),
                values=list(names),
                on_value=lambda text: chart_topic.set(names.get(text, text)),
                classes=["wecsim-topic-toggle"],
            )
        for topic in topics if chosen == ALL else [chosen]:
            if topic == EU_TOPIC:
                Heading(_("What {who} changes").format(who=scope_name(view.scope)))
                EUDetail(view, year)
                continue
            Heading(_(topic))
            Prose(_(TOPIC_INTRO[topic]) if topic in TOPIC_INTRO else "")
            with solara.ColumnsResponsive(default=12, large=6, xlarge=6):
                for spec in [c for c in EXPLORE_CHARTS if c.topic == topic]:
                    ChartImage(
                        lambda spec=spec: spec.build(cur, ref),
                        key=(spec.key, *key),
                        name=spec.key,
                        lazy=True,
                        shared=True,  # the key holds the scenarios' hashes, the seeds and the language
                    ).key(spec.key)
