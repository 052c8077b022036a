"""Headline cards: six numbers with their change against the reference scenario.

Each card shows the value in the chosen year (mean across replicates, with the 10-90%
range when there are several), the change against the reference (green when it is an
improvement, red when it is worse) and a line of context (the 40% recycling target, the
deficit as a share of demand, what EU leverage means).
"""

from __future__ import annotations

import math

import solara

from wecsim.app import state
from wecsim.app.indicators import RECYCLING_TARGET_PCT, CardValue, card_values, fmt, fmt_delta
from wecsim.results import Results

VERDICT_COLORS = {"better": "#2e7d32", "worse": "#c62828", "same": "#757575"}
ARROWS = {True: "▲", False: "▼"}


def context_line(cv: CardValue, year: int, res: Results | None) -> str:
    """Return the small line under a card's number (``res``: the run the deficit share is read from)."""
    key = cv.headline.key
    if key == "recycling":
        gap = cv.value - RECYCLING_TARGET_PCT
        return f"{fmt_delta(gap, 1)} pt against the {RECYCLING_TARGET_PCT:.0f}% target"
    if key == "deficit" and res is not None:
        nat = res.national
        row = nat[nat["year"] == year]
        if len(row):
            return f"{float(row['water_deficit_pct'].iloc[0]):.1f}% of demand unmet"
    if key == "leverage":
        return "EUR of other money per EUR of EU grant in the projects it co-finances"
    if key == "investment":
        return f"committed by all funders, 2025-{year}"
    if key == "co2":
        return "power plants and waste"
    if key == "res":
        return "wind, solar, small hydro, waste"
    return ""


@solara.component
def HeadlineCard(cv: CardValue, year: int, reference_label: str, n: int, context: str) -> None:
    """One card: title, value with unit, change against the reference, context.

    Reads no app state: only :func:`HeadlineCards` listens to the runs shown, so a new result
    costs one redraw of the page, not one per card.
    """
    h = cv.headline
    color = VERDICT_COLORS[cv.verdict]
    delta = cv.delta
    arrow = "" if cv.verdict == "same" or math.isnan(delta) else ARROWS[delta > 0] + " "
    when = "2025-" + str(year) if h.whole_run else str(year)
    with solara.Card(
        margin=0,
        elevation=1,
        classes=["wecsim-card", f"wecsim-card-{h.key}"],
        style={"padding": "10px 12px", "min-width": "0"},
    ):
        solara.Text(f"{h.title}, {when}", style={"font-size": "13px", "color": "#424242", "display": "block"})
        with solara.Row(gap="6px", style={"align-items": "baseline"}):
            solara.Text(cv.text, classes=["wecsim-card-value"], style={"font-size": "30px", "font-weight": "500"})
            solara.Text(h.unit, style={"font-size": "12px", "color": "#616161"})
        if n > 1 and not math.isnan(cv.low):
            solara.Text(
                f"10-90%: {fmt(cv.low, h.digits)} to {fmt(cv.high, h.digits)}",
                style={"font-size": "11px", "color": "#757575", "display": "block"},
            )
        solara.Text(
            f"{arrow}{cv.delta_text} vs {reference_label}",
            classes=["wecsim-card-delta", f"wecsim-verdict-{cv.verdict}"],
            style={"font-size": "13px", "color": color, "font-weight": "500", "display": "block"},
        )
        solara.Text(context, style={"font-size": "11px", "color": "#757575", "display": "block"})


@solara.component
def HeadlineCards(year: int) -> None:
    """Show the row of headline cards for ``year``, or a placeholder before the first run."""
    view = state.shown.value
    cur, ref = view.current, view.reference
    if cur is not None and year not in set(cur.first.national["year"]):
        year = int(cur.first.national["year"].max())

    def compute() -> list[tuple[CardValue, str]]:
        if cur is None:
            return []
        return [(cv, context_line(cv, year, cur.first)) for cv in card_values(cur.runs, ref.runs if ref else [], year)]

    cards = solara.use_memo(compute, [id(cur), id(ref), year])
    solara.use_effect(lambda: state.cards_drawn(cur), [id(cur)])
    if cur is None:
        with solara.Row(classes=["wecsim-cards"]):
            solara.Text("Running the baseline…", style={"color": "#616161"})
        return
    grid = {"display": "grid", "grid-template-columns": "repeat(3, minmax(0, 1fr))", "gap": "10px"}
    with solara.Div(classes=["wecsim-cards"], style=grid):
        for cv, context in cards:
            HeadlineCard(cv, year, ref.label if ref else "reference", cur.n, context)
