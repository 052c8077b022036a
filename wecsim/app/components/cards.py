"""Headline cards: five numbers with their change against the reference scenario, and the EU card.

Each headline card shows the value in the chosen year (mean across replicates, with the
10-90% range when there are several), the change against the reference (green when it is an
improvement, red when it is worse) and a line of context (the 40% recycling target, the
deficit as a share of demand).

The EU card shows what EU money adds: each number is the run minus the same run without EU
money (same seed, so the same weather; :mod:`wecsim.additionality`). It waits for that second
run, which the workers run next to the first, and says so meanwhile.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import solara

from wecsim.app import state
from wecsim.app.indicators import (
    EU_OUTCOMES,
    EU_SCOPE_HELP,
    EU_SCOPES,
    RECYCLING_TARGET_PCT,
    CardValue,
    card_values,
    deficit_share_pct,
    eu_card,
    eu_explanation,
    eu_money_text,
    first_year,
    fmt,
    fmt_delta,
    judge,
    mobilisation_text,
)
from wecsim.i18n import _, current_language
from wecsim.results import Results

VERDICT_COLORS = {"better": "#2e7d32", "worse": "#c62828", "same": "#757575"}
#: A card: white, rounded, with the shadow of a Vuetify card of elevation 1.
CARD_STYLE = (
    "background: #fff; border-radius: 4px; padding: 10px 12px; min-width: 0; "
    "box-shadow: 0 2px 1px -1px rgba(0,0,0,.2), 0 1px 1px 0 rgba(0,0,0,.14), 0 1px 3px 0 rgba(0,0,0,.12)"
)
GRID_STYLE = "display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 10px"
#: The EU card spans the whole row under the headline cards.
EU_CARD_STYLE = CARD_STYLE + "; grid-column: 1 / -1"
ARROWS = {True: "▲", False: "▼"}


def context_line(cv: CardValue, year: int, runs: Sequence[Results]) -> str:
    """Return the small line under a card's number, read from the same runs as the card's mean.

    The deficit's share of demand is the mean deficit over ``runs`` (the card's number) divided
    by the mean demand over the same runs, so with replicates it never describes one run only.
    """
    key = cv.headline.key
    res = runs[0] if runs else None
    if key == "recycling":
        gap = cv.value - RECYCLING_TARGET_PCT
        return _("{gap} pt against the {target}% target").format(
            gap=fmt_delta(gap, 1), target=fmt(RECYCLING_TARGET_PCT, 0)
        )
    if key == "deficit" and runs:
        share = deficit_share_pct(runs, year)
        if not math.isnan(share):
            return _("{share}% of demand unmet").format(share=fmt(share, 1))
    if key == "investment":
        first = first_year(res) if res is not None else ""
        return _("committed to project costs by all funders, {first}-{year}").format(first=first, year=year)
    if key == "co2":
        return _("power plants and waste")
    if key == "res":
        return _("wind, solar, small hydro, waste")
    return ""


def _span(text: str, style: str, classes: str = "") -> str:
    cls = f' class="{classes}"' if classes else ""
    return f'<span{cls} style="{style}">{html.escape(text)}</span>'


def card_html(cv: CardValue, year: int, reference_label: str, n: int, context: str, first: int) -> str:
    """Return one card as HTML: title, value with unit, change against the reference, context.

    The whole row is one HTML widget: a new result then changes one widget instead of about
    fifty, which keeps the redraw that puts new numbers on screen short.
    """
    h = cv.headline
    delta = cv.delta
    arrow = "" if cv.verdict == "same" or math.isnan(delta) else ARROWS[delta > 0] + " "
    when = h.period(year, first)
    parts = [
        _span(f"{_(h.title)}, {when}", "font-size: 13px; color: #424242; display: block"),
        '<div style="display: flex; gap: 6px; align-items: baseline">'
        + _span(cv.text, "font-size: 30px; font-weight: 500", "wecsim-card-value")
        + _span(_(h.unit), "font-size: 12px; color: #616161")
        + "</div>",
    ]
    if n > 1 and not math.isnan(cv.low):
        parts.append(
            _span(
                _("10-90%: {low} to {high}").format(low=fmt(cv.low, h.digits), high=fmt(cv.high, h.digits)),
                "font-size: 12px; color: #757575; display: block",
            )
        )
    parts.append(
        _span(
            arrow + _("{change} vs {reference}").format(change=cv.delta_text, reference=reference_label),
            f"font-size: 13px; color: {VERDICT_COLORS[cv.verdict]}; font-weight: 500; display: block",
            f"wecsim-card-delta wecsim-verdict-{cv.verdict}",
        )
    )
    parts.append(_span(context, "font-size: 12px; color: #757575; display: block"))
    return f'<div class="wecsim-card wecsim-card-{h.key}" style="{CARD_STYLE}">{"".join(parts)}</div>'


def card_year(view: state.Shown, year: int) -> int:
    """Return the year the cards show: ``year``, or the last year of a run that ends earlier."""
    cur = view.current
    if cur is not None and year not in set(cur.first.national["year"]):
        return int(cur.first.national["year"].max())
    return year


def eu_card_html(view: state.Shown, year: int) -> str:
    """Return the EU card as HTML: what EU money adds, from each run and its counterfactual."""
    scope = view.scope
    who = _(EU_SCOPES[scope])
    title = _span(
        _("What {who} adds, {first}-{year}").format(who=who, first=first_year(view.current.first), year=year),
        "font-size: 13px; color: #424242; font-weight: 500",
    )
    tip = html.escape(f"{who}: {_(EU_SCOPE_HELP[scope])}. {eu_explanation(scope)}", quote=True)
    cur = view.current
    # which runs the card shows, so a test or the benchmark can tell a new card from an old one
    runs_shown = f"{cur.scenario.scenario_hash()}:{','.join(map(str, cur.seeds))}:{scope}"
    attrs = f'style="{EU_CARD_STYLE}" title="{tip}" data-runs="{runs_shown}"'
    head = f'<div style="display: flex; gap: 12px; flex-wrap: wrap; align-items: baseline">{title}'
    if view.without_eu is None:
        body = _span(
            _("Working out what {who} changes: the same run without it is on its way…").format(who=who),
            "font-size: 13px; color: #757575; display: block; padding: 6px 0",
            "wecsim-eu-status",
        )
        return f'<div class="wecsim-card wecsim-card-eu wecsim-eu-pending" {attrs}>{head}</div>{body}</div>'
    ref, ref_without = view.reference, view.ref_without_eu
    show_ref = ref is not None and ref_without is not None and ref.scenario is not cur.scenario
    if show_ref and ref.scenario.scenario_hash() == cur.scenario.scenario_hash():
        show_ref = False
    card = eu_card(
        cur.runs,
        view.without_eu.runs,
        year,
        scope,
        ref.runs if show_ref else None,
        ref_without.runs if show_ref else None,
    )
    if not card.has_eu_money:
        body = _span(
            _("No {who} in this scenario: nothing to attribute to it (every number would be 0).").format(who=who),
            "font-size: 13px; color: #616161; display: block; padding: 6px 0",
            "wecsim-eu-status",
        )
        return f'<div class="wecsim-card wecsim-card-eu wecsim-eu-none" {attrs}>{head}</div>{body}</div>'
    head += _span(eu_money_text(card), "font-size: 12px; color: #616161", "wecsim-eu-money") + "</div>"
    blocks = []
    for o in EU_OUTCOMES:
        mean, low, high = card.values[o.key]
        verdict = judge(mean, "up", o.digits)
        lines = [
            _span(
                f"{_(o.title)}, {o.period(year, card.first_year)}", "font-size: 12px; color: #424242; display: block"
            ),
            '<div style="display: flex; gap: 5px; align-items: baseline">'
            + _span(
                fmt_delta(mean, o.digits),
                f"font-size: 22px; font-weight: 500; color: {VERDICT_COLORS[verdict]}",
                f"wecsim-eu-value wecsim-eu-{o.key} wecsim-verdict-{verdict}",
            )
            + _span(_(o.unit), "font-size: 12px; color: #616161")
            + "</div>",
        ]
        if card.n > 1 and not math.isnan(low):
            lines.append(
                _span(
                    _("10-90%: {low} to {high}").format(low=fmt_delta(low, o.digits), high=fmt_delta(high, o.digits)),
                    "font-size: 12px; color: #757575; display: block",
                )
            )
        if card.reference is not None:
            lines.append(
                _span(
                    f"{ref.label}: {fmt_delta(card.reference[o.key], o.digits)}",
                    "font-size: 12px; color: #757575; display: block",
                    "wecsim-eu-reference",
                )
            )
        blocks.append(f'<div style="min-width: 150px; flex: 1 1 150px">{"".join(lines)}</div>')
    row = f'<div style="display: flex; gap: 12px; flex-wrap: wrap; margin: 6px 0 4px">{"".join(blocks)}</div>'
    foot = _span(eu_explanation(scope), "font-size: 12px; color: #616161; display: block", "wecsim-eu-explanation")
    foot += _span(mobilisation_text(card), "font-size: 12px; color: #757575; display: block", "wecsim-eu-mobilisation")
    return f'<div class="wecsim-card wecsim-card-eu wecsim-eu-ready" {attrs}>{head}{row}{foot}</div>'


def card_row_html(view: state.Shown, year: int) -> str:
    """Return the HTML of the headline cards (the current runs against the reference) and the EU card."""
    cur, ref = view.current, view.reference
    year = card_year(view, year)
    label = ref.label if ref else _("reference")
    values = card_values(cur.runs, ref.runs if ref else [], year)
    first = first_year(cur.first)
    cards = "".join(card_html(cv, year, label, cur.n, context_line(cv, year, cur.runs), first) for cv in values)
    return cards + eu_card_html(view, year)


def show_at_once(view: state.Shown, year: int) -> bool:
    """Write new cards straight into this tab's card row; return whether there was one to write to.

    The regular redraw (``state.cards.set``) waits for the page's redraw before the new numbers
    go out (30-60 ms on the Explore page with reacton's default renderer, which walks the whole
    page); writing the row's one widget sends them at once.
    The tab remembers what was written (``state.cards_view``), and the page is redrawn once,
    when every run of the request has landed.
    """
    widget = state.card_row.value
    if widget is None or view.current is None:
        return False
    widget.unsafe_innerHTML = card_row_html(view, year)
    return True


@solara.component
def HeadlineCards(year: int) -> None:
    """Show the row of headline cards for ``year``, or a placeholder before the first run."""
    view = state.cards_view()
    cur = view.current
    lang = current_language()
    html_text = solara.use_memo(lambda: card_row_html(view, year) if cur is not None else "", [id(view), year, lang])
    solara.use_effect(lambda: state.cards_drawn(view), [id(view)])
    row = None
    if cur is None:
        with solara.Row(classes=["wecsim-cards"]):
            solara.Text(_("Running the baseline…"), style={"color": "#616161"})
    else:
        row = solara.HTML(tag="div", unsafe_innerHTML=html_text, classes=["wecsim-cards"], style=GRID_STYLE)

    def remember_row():
        if row is None:
            return None
        state.card_row.set(solara.get_widget(row))
        return lambda: state.card_row.set(None)

    solara.use_effect(remember_row, [row is None])
